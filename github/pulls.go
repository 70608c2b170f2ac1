package github

import (
	"context"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// maxPullRequestFiles is the most files GitHub lists for a pull request
// (a variable so that tests can lower it to the fake's cap).
var maxPullRequestFiles = 3000

// GetPullRequest returns a pull request.
//
// GitHub API docs: GET /repos/{owner}/{repo}/pulls/{pull_number}
func (p *Provider) GetPullRequest(ctx context.Context, repo string, number int) (*vcs.PullRequest, error) {
	const op = "GetPullRequest"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	pr, _, err := p.client.PullRequests.Get(ctx, owner, name, number)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	return toPullRequest(pr), nil
}

func toPullRequest(pr *gh.PullRequest) *vcs.PullRequest {
	state := vcs.PullRequestOpen
	switch {
	case pr.GetMerged() || pr.MergedAt != nil:
		state = vcs.PullRequestMerged
	case pr.GetState() == "closed":
		state = vcs.PullRequestClosed
	}
	out := &vcs.PullRequest{
		Number:       pr.GetNumber(),
		Title:        pr.GetTitle(),
		Description:  pr.GetBody(),
		Author:       pr.GetUser().GetLogin(),
		State:        state,
		SourceBranch: pr.GetHead().GetRef(),
		TargetBranch: pr.GetBase().GetRef(),
		HeadSHA:      pr.GetHead().GetSHA(),
		BaseSHA:      pr.GetBase().GetSHA(),
		WebURL:       pr.GetHTMLURL(),
	}
	if state == vcs.PullRequestMerged {
		// Before a merge, merge_commit_sha names a test merge commit.
		out.MergeCommitSHA = pr.GetMergeCommitSHA()
	}
	return out
}

// ListPullRequestFiles lists the files a pull request changes, 100 a page.
// GitHub lists at most 3,000 files; when the listing reaches that cap the
// pull request's changed_files count is read, and if it is larger the files
// are returned with an error matching vcs.ErrTruncated.
//
// GitHub API docs:
//   - GET /repos/{owner}/{repo}/pulls/{pull_number}/files
//   - GET /repos/{owner}/{repo}/pulls/{pull_number} (only at the 3,000-file cap)
func (p *Provider) ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*vcs.ChangedFile, error) {
	const op = "ListPullRequestFiles"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	files, err := pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.ChangedFile, string, error) {
		fs, resp, err := p.client.PullRequests.ListFiles(ctx, owner, name, number, &gh.ListOptions{Page: atoi(cursor), PerPage: 100})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.ChangedFile, len(fs))
		for i, f := range fs {
			out[i] = toChangedFile(f)
		}
		return out, nextPage(resp), nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) >= maxPullRequestFiles {
		pr, _, err := p.client.PullRequests.Get(ctx, owner, name, number)
		if err != nil {
			return nil, p.wrap(op, err)
		}
		if pr.GetChangedFiles() > len(files) {
			return files, &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrTruncated,
				Message: "GitHub lists only the first " + itoa(len(files)) + " of the pull request's " + itoa(pr.GetChangedFiles()) + " files",
				Hint:    "read the rest by comparing the commits (git diff --name-status BASE...HEAD in a clone)"}
		}
	}
	return files, nil
}

func toChangedFile(f *gh.CommitFile) *vcs.ChangedFile {
	cf := &vcs.ChangedFile{Path: f.GetFilename(), SHA: f.GetSHA()}
	switch f.GetStatus() {
	case "added", "copied":
		cf.Status = vcs.FileAdded
	case "removed":
		cf.Status = vcs.FileRemoved
		cf.SHA = ""
	case "renamed":
		cf.Status = vcs.FileRenamed
		cf.PreviousPath = f.GetPreviousFilename()
	default: // modified, changed, unchanged
		cf.Status = vcs.FileModified
	}
	return cf
}
