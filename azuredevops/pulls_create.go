package azuredevops

import (
	"context"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// CreatePullRequest opens a pull request (a draft with opts.Draft). Azure
// DevOps answers 409 (TF401179) when an active pull request for the same
// branches exists: ErrConflict.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/pullrequests
// {"sourceRefName", "targetRefName", "title", "description", "isDraft"}
func (p *Provider) CreatePullRequest(ctx context.Context, repo string, opts vcs.PullRequestOptions) (*vcs.PullRequest, error) {
	const op = "CreatePullRequest"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckPullRequestOptions(vcs.KindAzureDevOps, op, opts); err != nil {
		return nil, err
	}
	body := map[string]any{"sourceRefName": "refs/heads/" + opts.SourceBranch, "targetRefName": "refs/heads/" + opts.TargetBranch,
		"title": opts.Title, "description": opts.Description, "isDraft": opts.Draft}
	var pr gitPullRequest
	if _, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.gitPath("pullrequests"), Body: body, Scope: scopeCodeWrite,
		Permission: "the service user needs Contribute to pull requests on the repository (Project settings > Repositories > Security)"}, &pr); err != nil {
		if ve := httpx.AsError(err); ve != nil && ve.StatusCode == http.StatusConflict {
			ve.Hint = "an active pull request for these branches exists already"
		}
		return nil, err
	}
	return toPullRequest(&pr), nil
}
