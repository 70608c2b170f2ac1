package gitlab

import (
	"context"
	"net/http"
	"sort"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// GitLab's commit status states, both ways: pending is pending, success
// success, failure failed and error canceled; reading, running (and the
// other waiting states) are pending and skipped is error.
var toGitLabState = map[vcs.StatusState]gl.BuildStateValue{
	vcs.StatusPending: gl.Pending, vcs.StatusSuccess: gl.Success, vcs.StatusFailure: gl.Failed, vcs.StatusError: gl.Canceled,
}

func fromGitLabState(s string) vcs.StatusState {
	switch s {
	case "success":
		return vcs.StatusSuccess
	case "failed":
		return vcs.StatusFailure
	case "canceled", "skipped":
		return vcs.StatusError
	default: // created, waiting_for_resource, preparing, pending, running, manual, scheduled
		return vcs.StatusPending
	}
}

func toStatus(s *gl.CommitStatus) *vcs.CommitStatus {
	out := &vcs.CommitStatus{Key: s.Name, State: fromGitLabState(s.Status), Description: s.Description, TargetURL: s.TargetURL}
	if s.CreatedAt != nil {
		out.CreatedAt = *s.CreatedAt
		out.UpdatedAt = *s.CreatedAt
	}
	if s.FinishedAt != nil {
		out.UpdatedAt = *s.FinishedAt
	} else if s.StartedAt != nil {
		out.UpdatedAt = *s.StartedAt
	}
	return out
}

// SetCommitStatus sets the status opts.Key (GitLab's name) on a commit.
// GitLab refuses a pending status over a pending one of the same name
// (400 "Cannot transition status via :enqueue from :pending"); the status
// is then read back and, being pending already, returned as it is (its
// description and URL stay those of the first pending status).
//
// GitLab API docs:
//   - POST /projects/:id/statuses/:sha
//   - GET /projects/:id/repository/commits/:sha/statuses?name= (after a refused pending → pending)
func (p *Provider) SetCommitStatus(ctx context.Context, repo, sha string, opts vcs.StatusOptions) (*vcs.CommitStatus, error) {
	const op = "SetCommitStatus"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(kind, op, "commit", sha); err != nil {
		return nil, err
	}
	if err := vcs.CheckStatusOptions(kind, op, opts); err != nil {
		return nil, err
	}
	o := &gl.SetCommitStatusOptions{State: toGitLabState[opts.State], Name: new(opts.Key), Description: new(opts.Description)}
	if opts.TargetURL != "" {
		o.TargetURL = new(opts.TargetURL)
	}
	st, resp, err := p.client.Commits.SetCommitStatus(id, sha, o, reqCtx(ctx))
	if err != nil {
		e := p.fail(op, resp, err)
		ve := httpx.AsError(e)
		if ve != nil && ve.StatusCode == http.StatusBadRequest && strings.Contains(ve.Message, "Cannot transition status") {
			list, lresp, lerr := p.client.Commits.GetCommitStatuses(id, sha, &gl.GetCommitStatusesOptions{Name: new(opts.Key)}, reqCtx(ctx))
			if lerr != nil {
				return nil, p.fail(op, lresp, lerr)
			}
			for _, s := range list {
				if s.Name == opts.Key && fromGitLabState(s.Status) == opts.State {
					return toStatus(s), nil
				}
			}
			ve.Kind = vcs.ErrConflict
		}
		return nil, e
	}
	return toStatus(st), nil
}

// ListCommitStatuses lists the latest status per name of a commit, 100 a
// page.
//
// GitLab API docs: GET /projects/:id/repository/commits/:sha/statuses
func (p *Provider) ListCommitStatuses(ctx context.Context, repo, sha string) ([]*vcs.CommitStatus, error) {
	const op = "ListCommitStatuses"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(kind, op, "commit", sha); err != nil {
		return nil, err
	}
	out, err := pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.CommitStatus, string, error) {
		list, resp, err := p.client.Commits.GetCommitStatuses(id, sha, &gl.GetCommitStatusesOptions{ListOptions: gl.ListOptions{Page: pageNumber(cursor), PerPage: 100}}, reqCtx(ctx))
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		page := make([]*vcs.CommitStatus, len(list))
		for i, s := range list {
			page[i] = toStatus(s)
		}
		return page, nextPage(resp), nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
