package github

import (
	"context"
	"iter"
	"time"

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
		UpdatedAt:    pr.GetUpdatedAt().Time,
	}
	if state == vcs.PullRequestMerged {
		// Before a merge, merge_commit_sha names a test merge commit.
		out.MergeCommitSHA = pr.GetMergeCommitSHA()
		out.MergedAt = pr.GetMergedAt().Time
	}
	return out
}

// ListPullRequests yields the repository's pull requests in opts.State,
// most recently updated first, 100 a page. GitHub's list has no merged
// state and no time filter: merged and closed both list state=closed and
// keep those with (merged) or without (closed) merged_at, and, sorted by
// update time, the listing stops at the first pull request not updated
// since opts.UpdatedSince.
//
// GitHub API docs: GET /repos/{owner}/{repo}/pulls?state=&sort=updated&direction=desc
func (p *Provider) ListPullRequests(ctx context.Context, repo string, opts vcs.ListPullRequestsOptions) iter.Seq2[*vcs.PullRequest, error] {
	const op = "ListPullRequests"
	owner, name, err := splitRepo(op, repo)
	if err == nil {
		err = vcs.CheckListPullRequestsOptions(vcs.KindGitHub, op, opts)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.PullRequest](err)
	}
	state := "all"
	switch opts.State {
	case vcs.PullRequestOpen:
		state = "open"
	case vcs.PullRequestClosed, vcs.PullRequestMerged:
		state = "closed"
	}
	// GitHub's times have whole seconds: compare at that precision, so
	// that a pull request updated in the same second is kept.
	since := opts.UpdatedSince.Truncate(time.Second)
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.PullRequest, string, error) {
		prs, resp, err := p.client.PullRequests.List(ctx, owner, name, &gh.PullRequestListOptions{
			State: state, Sort: "updated", Direction: "desc",
			ListOptions: gh.ListOptions{Page: atoi(cursor), PerPage: 100},
		})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.PullRequest, 0, len(prs))
		for _, pr := range prs {
			v := toPullRequest(pr)
			if !since.IsZero() && v.UpdatedAt.Before(since) {
				return out, "", nil // sorted by update: the rest are older
			}
			if opts.State == vcs.PullRequestAll || opts.State == "" || v.State == opts.State {
				out = append(out, v)
			}
		}
		return out, nextPage(resp), nil
	})
}

// ListPullRequestFiles lists the files a pull request changes: it collects
// PullRequestFiles.
//
// GitHub API docs:
//   - GET /repos/{owner}/{repo}/pulls/{pull_number}/files
//   - GET /repos/{owner}/{repo}/pulls/{pull_number} (only at the 3,000-file cap)
func (p *Provider) ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*vcs.ChangedFile, error) {
	return vcs.CollectFiles(p.PullRequestFiles(ctx, repo, number))
}

// PullRequestFiles yields the files a pull request changes as the pages
// arrive, 100 a page; once the first page's Link rel="last" tells how many
// pages there are, the others are fetched concurrently (internal/pager).
// GitHub lists at most 3,000 files; when the listing reaches that cap the
// pull request's changed_files count is read, and if it is larger the
// sequence ends with an error matching vcs.ErrTruncated after the files
// GitHub listed.
//
// GitHub API docs:
//   - GET /repos/{owner}/{repo}/pulls/{pull_number}/files?page=&per_page=100
//   - GET /repos/{owner}/{repo}/pulls/{pull_number} (only at the 3,000-file cap)
func (p *Provider) PullRequestFiles(ctx context.Context, repo string, number int) iter.Seq2[*vcs.ChangedFile, error] {
	const op = "ListPullRequestFiles"
	owner, name, err := splitRepo(op, repo)
	if err == nil {
		err = checkNumber(op, number)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.ChangedFile](err)
	}
	return func(yield func(*vcs.ChangedFile, error) bool) {
		n := 0
		for f, err := range pager.Pages(ctx, 0, func(ctx context.Context, page int) ([]*vcs.ChangedFile, int, int, error) {
			fs, resp, err := p.client.PullRequests.ListFiles(ctx, owner, name, number, &gh.ListOptions{Page: page, PerPage: 100})
			if err != nil {
				return nil, 0, 0, p.wrap(op, err)
			}
			out := make([]*vcs.ChangedFile, len(fs))
			for i, f := range fs {
				out[i] = toChangedFile(f)
			}
			return out, resp.NextPage, resp.LastPage, nil
		}) {
			if err != nil {
				yield(nil, err)
				return
			}
			n++
			if !yield(f, nil) {
				return
			}
		}
		if n < maxPullRequestFiles {
			return
		}
		pr, _, err := p.client.PullRequests.Get(ctx, owner, name, number)
		if err != nil {
			yield(nil, p.wrap(op, err))
			return
		}
		if pr.GetChangedFiles() > n {
			yield(nil, &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrTruncated,
				Message: "GitHub lists only the first " + itoa(n) + " of the pull request's " + itoa(pr.GetChangedFiles()) + " files",
				Hint:    "read the rest by comparing the commits (git diff --name-status BASE...HEAD in a clone)"})
		}
	}
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
