package bitbucket

import (
	"context"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// CreatePullRequest opens a pull request (a draft with opts.Draft).
// Bitbucket answers 400 when the branches do not exist or a pull request
// for them is open already: ErrConflict.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/pullrequests
// {"title", "description", "source": {"branch": {"name"}}, "destination": {"branch": {"name"}}, "draft"}
func (p *Provider) CreatePullRequest(ctx context.Context, repo string, opts vcs.PullRequestOptions) (*vcs.PullRequest, error) {
	const op = "CreatePullRequest"
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckPullRequestOptions(vcs.KindBitbucket, op, opts); err != nil {
		return nil, err
	}
	side := func(b string) map[string]any { return map[string]any{"branch": map[string]string{"name": b}} }
	body := map[string]any{"title": opts.Title, "description": opts.Description,
		"source": side(opts.SourceBranch), "destination": side(opts.TargetBranch)}
	if opts.Draft {
		body["draft"] = true
	}
	var pr pullRequest
	if _, err := p.client.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: repoAPI + "/pullrequests", Body: body}, &pr); err != nil {
		if ve := httpx.AsError(err); ve != nil && ve.StatusCode == http.StatusBadRequest {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "a branch does not exist, or a pull request for these branches is open already"
		}
		return nil, err
	}
	return pr.toVCS(), nil
}
