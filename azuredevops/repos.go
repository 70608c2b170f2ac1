package azuredevops

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// projectPageSize is the $top asked for when listing projects.
const projectPageSize = 100

// ListRepositories yields every Git repository of every project the token
// can see, in one request: "Repositories - List" takes {project} as an
// optional segment (learn.microsoft.com/rest/api/azure/devops/git/repositories/list?view=azure-devops-rest-7.1:
// in its URI parameters organization is Required and project is not, and
// its sample request is GET https://dev.azure.com/fabrikam/_apis/git/repositories;
// the published descriptions behind those pages, MicrosoftDocs/vsts-rest-api-specs,
// mark project "x-ms-required": false at 7.1 and at 7.0, Azure DevOps
// Server 2022). Without a project it answers every repository of every
// project the caller can see ({count, value}, not paged), with Code
// (Read) alone. Disabled repositories and those of projects that are not
// wellFormed (project.state of each GitRepository's TeamProjectReference:
// being created or deleted) are left out.
//
// Where the host answers the organization-wide list with 404 (not
// documented anywhere; unconfirmed, kept for Azure DevOps Server versions
// that might route the list only under a project), it falls back to the
// project walk: the projects, paged with continuation tokens (the
// x-ms-continuationtoken header) one page after another, and each
// project's repositories fetched concurrently (internal/pager.Map), in
// order. The walk also needs Project and Team (Read).
//
// Azure DevOps API docs:
//   - GET {org}/_apis/git/repositories
//   - GET {org}/_apis/projects?$top=100&continuationToken= (the fallback)
//   - GET {org}/{project}/_apis/git/repositories (the fallback, per project)
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	return func(yield func(*vcs.Repository, error) bool) {
		var repos collection[gitRepository]
		_, err := p.do(ctx, call{Op: op, URL: "_apis/git/repositories", Scope: scopeCodeRead, Permission: listPermission}, &repos)
		if rest.IsStatus(err, http.StatusNotFound) && errors.Is(err, vcs.ErrNotFound) {
			p.walkProjects(ctx, yield)
			return
		}
		if err != nil {
			yield(nil, err)
			return
		}
		for i := range repos.Value {
			r := &repos.Value[i]
			if !listed(r) {
				continue
			}
			if !yield(toRepository(r), nil) {
				return
			}
		}
	}
}

// listPermission is the hint of a 403 to a repository list.
const listPermission = "the service user needs Read on the repositories it should list (Project settings > Repositories > Security; a project's Readers have it)"

// listed reports whether ListRepositories yields r: not disabled, and in
// a wellFormed project (an absent state is taken as wellFormed).
func listed(r *gitRepository) bool {
	return !r.IsDisabled && (r.Project.State == "" || r.Project.State == "wellFormed")
}

// walkProjects is the fallback of ListRepositories: the projects, then
// each one's repositories.
func (p *Provider) walkProjects(ctx context.Context, yield func(*vcs.Repository, error) bool) {
	const op = "ListRepositories"
	projects := pager.Seq(ctx, func(ctx context.Context, cursor string) ([]teamProject, string, error) {
		q := url.Values{"$top": {strconv.Itoa(projectPageSize)}}
		if cursor != "" {
			q.Set("continuationToken", cursor)
		}
		var page collection[teamProject]
		resp, err := p.do(ctx, call{Op: op, URL: "_apis/projects", Query: q, Scope: scopeProject}, &page)
		if err != nil {
			return nil, "", err
		}
		return page.Value, resp.Header.Get("X-Ms-Continuationtoken"), nil
	})
	// Each project's repositories are one request: fetch those of the
	// projects listed so far concurrently, yielding in order.
	repos := pager.Map(ctx, projects, 0, func(ctx context.Context, proj teamProject) ([]*vcs.Repository, error) {
		if proj.State != "" && proj.State != "wellFormed" {
			return nil, nil // being created or deleted
		}
		var repos collection[gitRepository]
		_, err := p.do(ctx, call{Op: op, URL: seg(proj.Name) + "/_apis/git/repositories", Scope: scopeCodeRead, Permission: listPermission}, &repos)
		if err != nil {
			if errors.Is(err, vcs.ErrNotFound) {
				return nil, nil // deleted since it was listed
			}
			return nil, err
		}
		out := make([]*vcs.Repository, 0, len(repos.Value))
		for i := range repos.Value {
			r := &repos.Value[i]
			if r.Project.Visibility == "" {
				r.Project.Visibility = proj.Visibility
			}
			if r.Project.State == "" {
				r.Project.State = proj.State
			}
			if listed(r) {
				out = append(out, toRepository(r))
			}
		}
		return out, nil
	})
	for r, err := range repos {
		if !yield(r, err) || err != nil {
			return
		}
	}
}

// GetRepository returns one repository.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}
func (p *Provider) GetRepository(ctx context.Context, repo string) (*vcs.Repository, error) {
	r, err := p.getRepo(ctx, "GetRepository", repo)
	if err != nil {
		return nil, err
	}
	return toRepository(r), nil
}

// getRepo reads the repository, for its and its project's GUIDs.
func (p *Provider) getRepo(ctx context.Context, op, repo string) (*gitRepository, error) {
	ref, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	var r gitRepository
	if _, err := p.do(ctx, call{Op: op, URL: ref.gitPath(), Scope: scopeCodeRead}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

func toRepository(r *gitRepository) *vcs.Repository {
	return &vcs.Repository{
		ID:            r.Project.Name + "/" + r.Name,
		HostID:        r.ID,
		Name:          r.Name,
		DefaultBranch: shortBranch(r.DefaultBranch),
		Private:       !strings.EqualFold(r.Project.Visibility, "public"),
		WebURL:        r.WebURL,
		CloneURL:      r.RemoteURL,
	}
}
