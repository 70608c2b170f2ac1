package azuredevops

import (
	"context"
	"errors"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// projectPageSize is the $top asked for when listing projects.
const projectPageSize = 100

// ListRepositories yields every Git repository of every project the token
// can see, project by project; projects are paged with continuation tokens
// (the x-ms-continuationtoken header) to the end, one page after another,
// and the repositories of the projects listed so far are fetched
// concurrently (internal/pager.Map), in order. Disabled repositories are
// left out. A PAT without the Project and Team (Read) scope cannot list
// projects; then it falls back to the organization-wide repository list,
// which answers every project's repositories at once with Code (Read)
// alone.
//
// Azure DevOps API docs:
//   - GET {org}/_apis/projects?$top=100&continuationToken=
//   - GET {org}/{project}/_apis/git/repositories (per project)
//   - GET {org}/_apis/git/repositories (the fallback)
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	return func(yield func(*vcs.Repository, error) bool) {
		var sawProject atomic.Bool
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
			if len(page.Value) > 0 {
				sawProject.Store(true)
			}
			return page.Value, resp.Header.Get("X-Ms-Continuationtoken"), nil
		})
		// Each project's repositories are one request: fetch those of
		// the projects listed so far concurrently, yielding in order.
		repos := pager.Map(ctx, projects, 0, func(ctx context.Context, proj teamProject) ([]*vcs.Repository, error) {
			if proj.State != "" && proj.State != "wellFormed" {
				return nil, nil // being created or deleted
			}
			var repos collection[gitRepository]
			_, err := p.do(ctx, call{Op: op, URL: seg(proj.Name) + "/_apis/git/repositories", Scope: scopeCodeRead}, &repos)
			if err != nil {
				if errors.Is(err, vcs.ErrNotFound) {
					return nil, nil // deleted since it was listed
				}
				return nil, err
			}
			out := make([]*vcs.Repository, 0, len(repos.Value))
			for i := range repos.Value {
				r := &repos.Value[i]
				if r.IsDisabled {
					continue
				}
				if r.Project.Visibility == "" {
					r.Project.Visibility = proj.Visibility
				}
				out = append(out, toRepository(r))
			}
			return out, nil
		})
		for r, err := range repos {
			if err != nil {
				if !sawProject.Load() && errors.Is(err, vcs.ErrPermissionDenied) {
					p.listAllRepositories(ctx, yield)
					return
				}
				yield(nil, err)
				return
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// listAllRepositories is the fallback of ListRepositories: GET
// {org}/_apis/git/repositories.
func (p *Provider) listAllRepositories(ctx context.Context, yield func(*vcs.Repository, error) bool) {
	var repos collection[gitRepository]
	if _, err := p.do(ctx, call{Op: "ListRepositories", URL: "_apis/git/repositories", Scope: scopeCodeRead}, &repos); err != nil {
		yield(nil, err)
		return
	}
	for i := range repos.Value {
		if repos.Value[i].IsDisabled {
			continue
		}
		if !yield(toRepository(&repos.Value[i]), nil) {
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
