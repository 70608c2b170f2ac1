package github

import (
	"context"
	"net/http"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// CreatePullRequest opens a pull request (a draft with opts.Draft). GitHub
// answers 422 when one is already open for the same branches, or when the
// branches do not differ: ErrConflict.
//
// GitHub API docs: POST /repos/{owner}/{repo}/pulls
func (p *Provider) CreatePullRequest(ctx context.Context, repo string, opts vcs.PullRequestOptions) (*vcs.PullRequest, error) {
	const op = "CreatePullRequest"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckPullRequestOptions(vcs.KindGitHub, op, opts); err != nil {
		return nil, err
	}
	body := gh.CreatePullRequest{Title: new(opts.Title), Head: opts.SourceBranch, Base: opts.TargetBranch, Body: new(opts.Description)}
	if opts.Draft {
		body.Draft = new(true)
	}
	pr, _, err := p.client.PullRequests.Create(ctx, owner, name, body)
	if err != nil {
		e := p.wrap(op, err)
		if ve := httpx.AsError(e); ve != nil && ve.StatusCode == http.StatusUnprocessableEntity {
			ve.Hint = "a pull request for these branches is open already, a branch does not exist, or the branches do not differ"
		}
		return nil, e
	}
	return toPullRequest(pr), nil
}
