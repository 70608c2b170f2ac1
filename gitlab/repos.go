package gitlab

import (
	"context"
	"iter"
	"slices"
	"strconv"
	"sync/atomic"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// ListRepositories yields the projects the token's user may connect: the
// ones where it is a member with at least the Maintainer role, the role
// GitLab requires to create the webhook a connection needs (projects where
// the user is only Developer or Reporter are left out, since connecting
// them would fail). Each project comes once, in ascending ID order (but
// for those a re-read finds, below, which come last).
//
// The first page is asked with offset pagination, ordered by ID. While the
// list holds at most 10,000 projects GitLab tells its size (x-total,
// x-total-pages) and the other pages are fetched concurrently
// (internal/pager.Pages), in order. Above 10,000 GitLab leaves the totals
// out (docs.gitlab.com/api/rest/#pagination-response-headers), and the
// list goes on one page at a time from the last ID seen (id_after: the
// seek keyset pagination does, without its cursor), asking the size again
// each time, so the rest is fetched concurrently once at most 10,000
// remain. Every request is a first page or a page within the first 10,000
// projects after an ID, far below the offset GitLab refuses on /projects
// (offset_pagination_limit, 50,000 by default).
//
// Consistency: id_after steps cannot skip or repeat a project that exists
// throughout, whatever is created or deleted meanwhile, as with keyset.
// Offset pages can shift while they are fetched: a project left or
// deleted before a page moves a project of the next page onto this one
// (skipped), one gained moves a project back onto the next (repeated).
// Repeats are dropped (IDs only ascend). A shift is detected when a page
// repeats an ID or reports another x-total than the first page; then the
// list is read again one page at a time from the start of the concurrent
// part, with id_after, yielding only the projects not yet yielded. What is
// left is a change that leaves x-total as it was (one project lost and one
// gained between two page requests): then a project that existed
// throughout may be missed, which keyset cannot do.
//
// GitLab API docs: GET /projects?membership=true&min_access_level=40&order_by=id&sort=asc&per_page=100&page=N,
// GET /projects?membership=true&min_access_level=40&order_by=id&sort=asc&per_page=100&id_after=ID
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	list := func(ctx context.Context, page int, after int64) ([]*gl.Project, *gl.Response, error) {
		o := &gl.ListProjectsOptions{
			ListOptions:    gl.ListOptions{PerPage: 100, Page: int64(page), OrderBy: "id", Sort: "asc"},
			Membership:     gl.Ptr(true),
			MinAccessLevel: gl.Ptr(gl.MaintainerPermissions),
		}
		if after > 0 {
			o.IDAfter = gl.Ptr(after)
		}
		projects, resp, err := p.client.Projects.ListProjects(o, reqCtx(ctx))
		if err != nil {
			return nil, nil, p.fail(op, resp, err)
		}
		return projects, resp, nil
	}
	return func(yield func(*vcs.Repository, error) bool) {
		var last int64 // the last ID yielded
		for {
			// One run of offset pages after last: concurrent when the
			// first tells the count, that first page alone otherwise.
			from := last
			var (
				total     int64
				uncounted bool
				changed   atomic.Bool
				yielded   []int64 // IDs yielded by this run, ascending
			)
			for pr, err := range pager.Pages(ctx, 0, func(ctx context.Context, page int) ([]*gl.Project, int, int, error) {
				projects, resp, err := list(ctx, page, from)
				if err != nil {
					return nil, 0, 0, err
				}
				if page == 1 {
					total = resp.TotalItems
					if resp.TotalPages == 0 && resp.NextPage != 0 {
						uncounted = true
						return projects, 0, 0, nil
					}
				} else if resp.TotalItems != total {
					changed.Store(true)
				}
				return projects, int(resp.NextPage), int(resp.TotalPages), nil
			}) {
				if err != nil {
					yield(nil, err)
					return
				}
				if pr.ID <= last {
					changed.Store(true) // repeated: an earlier page shifted
					continue
				}
				last = pr.ID
				yielded = append(yielded, pr.ID)
				if !yield(repository(pr), nil) {
					return
				}
			}
			switch {
			case changed.Load():
				resweep(ctx, op, list, from, yielded, yield)
				return
			case !uncounted:
				return
			}
			if len(yielded) == 0 {
				yield(nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrTruncated, Message: "GitLab announced a next page of projects but the page was empty; the list is incomplete",
					Hint: "list again: projects created or deleted while listing can shift GitLab's pages"})
				return
			}
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
		}
	}
}

// resweep reads the projects after ID from one page at a time with
// id_after, to the end, and yields those not in yielded (ascending).
func resweep(ctx context.Context, op string, list func(context.Context, int, int64) ([]*gl.Project, *gl.Response, error), from int64, yielded []int64, yield func(*vcs.Repository, error) bool) {
	for {
		if err := ctx.Err(); err != nil {
			yield(nil, err)
			return
		}
		projects, resp, err := list(ctx, 0, from)
		if err != nil {
			yield(nil, err)
			return
		}
		moved := false
		for _, pr := range projects {
			if pr.ID <= from {
				continue
			}
			from, moved = pr.ID, true
			if _, ok := slices.BinarySearch(yielded, pr.ID); ok {
				continue
			}
			if !yield(repository(pr), nil) {
				return
			}
		}
		if resp.NextPage == 0 {
			return
		}
		if !moved {
			yield(nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrTruncated, Message: "GitLab announced a next page of projects after an ID but gave none after it; the list is incomplete",
				Hint: "list again: projects created or deleted while listing can shift GitLab's pages"})
			return
		}
	}
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
