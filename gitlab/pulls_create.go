package gitlab

import (
	"context"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// draftPrefix marks a draft merge request: GitLab has no draft flag on
// creation, the title prefix is the documented way.
const draftPrefix = "Draft: "

// CreatePullRequest opens a merge request. A draft gets the "Draft: "
// title prefix. GitLab answers 409 when a merge request for the same
// branches is open already: ErrConflict.
//
// GitLab API docs: POST /projects/:id/merge_requests
func (p *Provider) CreatePullRequest(ctx context.Context, repo string, opts vcs.PullRequestOptions) (*vcs.PullRequest, error) {
	const op = "CreatePullRequest"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckPullRequestOptions(kind, op, opts); err != nil {
		return nil, err
	}
	title := opts.Title
	if opts.Draft && !strings.HasPrefix(title, draftPrefix) {
		title = draftPrefix + title
	}
	mr, resp, err := p.client.MergeRequests.CreateMergeRequest(id, &gl.CreateMergeRequestOptions{
		Title: new(title), Description: new(opts.Description), SourceBranch: new(opts.SourceBranch), TargetBranch: new(opts.TargetBranch)}, reqCtx(ctx))
	if err != nil {
		e := p.fail(op, resp, err)
		if ve := httpx.AsError(e); ve != nil && (ve.StatusCode == http.StatusConflict || ve.StatusCode == http.StatusUnprocessableEntity) {
			ve.Hint = "a merge request for these branches is open already, or a branch does not exist"
		}
		return nil, e
	}
	pr := toPullRequest(&mr.BasicMergeRequest)
	if mr.DiffRefs.BaseSha != "" {
		pr.BaseSHA = mr.DiffRefs.BaseSha
	}
	return pr, nil
}
