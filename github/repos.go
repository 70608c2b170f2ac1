package github

import (
	"context"
	"iter"
	"strconv"
	"strings"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// ListRepositories yields every repository the token may connect, 100 a
// page, the pages after the first fetched concurrently once its Link
// rel="last" tells how many there are: for a user's token, those the user owns, collaborates on or
// reaches through an organization; for a GitHub App installation token
// (which has no user), the repositories the installation was granted.
//
// GitHub API docs:
//   - GET /user/repos?affiliation=owner,collaborator,organization_member
//   - GET /installation/repositories (installation tokens)
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	return pager.Pages(ctx, 0, func(ctx context.Context, n int) ([]*vcs.Repository, int, int, error) {
		tok, _, err := p.creds.Token()
		if err != nil {
			return nil, 0, 0, p.errs.FromError(op, err)
		}
		page := gh.ListOptions{Page: n, PerPage: 100}
		var (
			repos []*gh.Repository
			resp  *gh.Response
		)
		if strings.HasPrefix(tok, "ghs_") {
			var list *gh.ListRepositories
			list, resp, err = p.client.Apps.ListRepos(ctx, &page)
			if list != nil {
				repos = list.Repositories
			}
		} else {
			repos, resp, err = p.client.Repositories.ListByAuthenticatedUser(ctx, &gh.RepositoryListByAuthenticatedUserOptions{
				Affiliation: "owner,collaborator,organization_member",
				Sort:        "full_name",
				ListOptions: page,
			})
		}
		if err != nil {
			return nil, 0, 0, p.wrap(op, err)
		}
		out := make([]*vcs.Repository, len(repos))
		for i, r := range repos {
			out[i] = toRepository(r)
		}
		return out, resp.NextPage, resp.LastPage, nil
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
