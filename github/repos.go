package github

import (
	"context"
	"iter"
	"strconv"

	gh "github.com/google/go-github/v75/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// ListRepositories yields every repository the token's user owns, is a
// collaborator on or reaches through an organization, 100 a page.
//
// GitHub API docs: GET /user/repos?affiliation=owner,collaborator,organization_member
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.Repository, string, error) {
		page, _ := strconv.Atoi(cursor)
		opts := &gh.RepositoryListByAuthenticatedUserOptions{
			Affiliation: "owner,collaborator,organization_member",
			Sort:        "full_name",
			ListOptions: gh.ListOptions{Page: page, PerPage: 100},
		}
		repos, resp, err := p.client.Repositories.ListByAuthenticatedUser(ctx, opts)
		if err != nil {
			return nil, "", p.wrap("ListRepositories", err)
		}
		out := make([]*vcs.Repository, len(repos))
		for i, r := range repos {
			out[i] = toRepository(r)
		}
		return out, nextPage(resp), nil
	})
}

// GetRepository returns one repository.
//
// GitHub API docs: GET /repos/{owner}/{repo}
func (p *Provider) GetRepository(ctx context.Context, repo string) (*vcs.Repository, error) {
	owner, name, err := splitRepo("GetRepository", repo)
	if err != nil {
		return nil, err
	}
	r, _, err := p.client.Repositories.Get(ctx, owner, name)
	if err != nil {
		return nil, p.wrap("GetRepository", err)
	}
	return toRepository(r), nil
}

func toRepository(r *gh.Repository) *vcs.Repository {
	return &vcs.Repository{
		ID:            r.GetFullName(),
		HostID:        strconv.FormatInt(r.GetID(), 10),
		Name:          r.GetName(),
		DefaultBranch: r.GetDefaultBranch(),
		Private:       r.GetPrivate(),
		WebURL:        r.GetHTMLURL(),
		CloneURL:      r.GetCloneURL(),
	}
}

func nextPage(resp *gh.Response) string {
	if resp == nil || resp.NextPage == 0 {
		return ""
	}
	return strconv.Itoa(resp.NextPage)
}
