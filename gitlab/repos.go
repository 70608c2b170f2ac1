package gitlab

import (
	"context"
	"iter"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// ListRepositories yields the projects the token's user may connect: the
// ones where it is a member with at least the Maintainer role, the role
// GitLab requires to create the webhook a connection needs (projects where
// the user is only Developer or Reporter are left out, since connecting
// them would fail). It follows every page with keyset pagination, which
// stays fast on instances with many projects.
//
// GitLab API docs: GET /projects?membership=true&min_access_level=40&pagination=keyset&order_by=id&sort=asc
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.Repository, string, error) {
		opts := []gl.RequestOptionFunc{reqCtx(ctx)}
		if cursor != "" {
			opts = append(opts, gl.WithKeysetPaginationParameters(cursor))
		}
		projects, resp, err := p.client.Projects.ListProjects(&gl.ListProjectsOptions{
			ListOptions:    gl.ListOptions{Pagination: "keyset", PerPage: 100, OrderBy: "id", Sort: "asc"},
			Membership:     gl.Ptr(true),
			MinAccessLevel: gl.Ptr(gl.MaintainerPermissions),
		}, opts...)
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.Repository, len(projects))
		for i, pr := range projects {
			out[i] = repository(pr)
		}
		return out, resp.NextLink, nil
	})
}

// GetRepository returns one project, by full path or numeric ID.
//
// GitLab API docs: GET /projects/:id
func (p *Provider) GetRepository(ctx context.Context, repo string) (*vcs.Repository, error) {
	const op = "GetRepository"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	pr, resp, err := p.client.Projects.GetProject(id, nil, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	return repository(pr), nil
}

func repository(pr *gl.Project) *vcs.Repository {
	return &vcs.Repository{
		ID:            pr.PathWithNamespace,
		HostID:        strconv.FormatInt(pr.ID, 10),
		Name:          pr.Name,
		DefaultBranch: pr.DefaultBranch,
		Private:       pr.Visibility != gl.PublicVisibility,
		WebURL:        pr.WebURL,
		CloneURL:      pr.HTTPURLToRepo,
	}
}
