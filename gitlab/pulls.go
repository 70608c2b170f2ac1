package gitlab

import (
	"context"
	"fmt"
	"iter"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// GetPullRequest returns a merge request by its IID (the !N of the web
// UI).
//
// GitLab API docs: GET /projects/:id/merge_requests/:merge_request_iid
func (p *Provider) GetPullRequest(ctx context.Context, repo string, number int) (*vcs.PullRequest, error) {
	const op = "GetPullRequest"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	mr, resp, err := p.client.MergeRequests.GetMergeRequest(id, int64(number), nil, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	pr := toPullRequest(&mr.BasicMergeRequest)
	if mr.DiffRefs.BaseSha != "" {
		pr.BaseSHA = mr.DiffRefs.BaseSha
	}
	return pr, nil
}

func toPullRequest(mr *gl.BasicMergeRequest) *vcs.PullRequest {
	pr := &vcs.PullRequest{
		Number:         int(mr.IID),
		Title:          mr.Title,
		Description:    mr.Description,
		SourceBranch:   mr.SourceBranch,
		TargetBranch:   mr.TargetBranch,
		HeadSHA:        mr.SHA,
		MergeCommitSHA: mr.MergeCommitSHA,
		WebURL:         mr.WebURL,
		State:          vcs.PullRequestOpen,
	}
	if mr.Author != nil {
		pr.Author = mr.Author.Username
	}
	if pr.MergeCommitSHA == "" {
		pr.MergeCommitSHA = mr.SquashCommitSHA
	}
	if mr.UpdatedAt != nil {
		pr.UpdatedAt = *mr.UpdatedAt
	}
	switch mr.State {
	case "merged":
		pr.State = vcs.PullRequestMerged
		if mr.MergedAt != nil {
			pr.MergedAt = *mr.MergedAt
		}
	case "closed":
		pr.State = vcs.PullRequestClosed
	}
	return pr
}

// ListPullRequests yields the project's merge requests in opts.State
// (GitLab's opened, closed, merged or all), most recently updated first,
// 100 a page, filtered by GitLab with updated_after.
//
// GitLab API docs: GET /projects/:id/merge_requests?state=&updated_after=&order_by=updated_at&sort=desc
func (p *Provider) ListPullRequests(ctx context.Context, repo string, opts vcs.ListPullRequestsOptions) iter.Seq2[*vcs.PullRequest, error] {
	const op = "ListPullRequests"
	id, err := projectID(op, repo)
	if err == nil {
		err = vcs.CheckListPullRequestsOptions(kind, op, opts)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.PullRequest](err)
	}
	state := "all"
	switch opts.State {
	case vcs.PullRequestOpen:
		state = "opened"
	case vcs.PullRequestClosed:
		state = "closed"
	case vcs.PullRequestMerged:
		state = "merged"
	}
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.PullRequest, string, error) {
		lo := &gl.ListProjectMergeRequestsOptions{
			ListOptions: gl.ListOptions{PerPage: 100, Page: pageNumber(cursor)},
			State:       &state, OrderBy: new("updated_at"), Sort: new("desc"),
		}
		if !opts.UpdatedSince.IsZero() {
			lo.UpdatedAfter = new(opts.UpdatedSince.UTC())
		}
		mrs, resp, err := p.client.MergeRequests.ListProjectMergeRequests(id, lo, reqCtx(ctx))
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.PullRequest, len(mrs))
		for i, mr := range mrs {
			out[i] = toPullRequest(mr)
		}
		return out, nextPage(resp), nil
	})
}

// ListPullRequestFiles lists the files a merge request changes: it
// collects PullRequestFiles.
//
// GitLab API docs:
//   - GET /projects/:id/merge_requests/:merge_request_iid/diffs?page=&per_page=100
//   - GET /projects/:id/merge_requests/:merge_request_iid (changes_count)
func (p *Provider) ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*vcs.ChangedFile, error) {
	return vcs.CollectFiles(p.PullRequestFiles(ctx, repo, number))
}

// PullRequestFiles yields the files a merge request changes as the pages
// of the diffs endpoint (not the deprecated /changes) arrive; once the
// first page's x-total-pages tells how many there are, the others are
// fetched concurrently (internal/pager). new_file, deleted_file and
// renamed_file give the status; a rename keeps its old path.
//
// GitLab stores a merge request's diff within the instance's diff limits
// (Maximum diff files, 1,000 by default, and the diff line and size
// limits), and the diffs endpoint lists only what it stored. The merge
// request's changes_count then reads "N+", so the listing is checked
// against it: a cut list ends with an error matching vcs.ErrTruncated
// after the files GitLab listed, since no endpoint that is not deprecated
// serves the rest.
//
// GitLab API docs:
//   - GET /projects/:id/merge_requests/:merge_request_iid/diffs?page=&per_page=100
//   - GET /projects/:id/merge_requests/:merge_request_iid (changes_count)
func (p *Provider) PullRequestFiles(ctx context.Context, repo string, number int) iter.Seq2[*vcs.ChangedFile, error] {
	const op = "ListPullRequestFiles"
	id, err := projectID(op, repo)
	if err == nil {
		err = checkNumber(op, number)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.ChangedFile](err)
	}
	return func(yield func(*vcs.ChangedFile, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The merge request's changes_count tells whether GitLab cut
		// the list; fetch it while the pages come in rather than after
		// them.
		type countResult struct {
			count string
			err   error
		}
		countc := make(chan countResult, 1)
		go func() {
			mr, resp, err := p.client.MergeRequests.GetMergeRequest(id, int64(number), nil, reqCtx(ctx))
			if err != nil {
				countc <- countResult{err: p.fail(op, resp, err)}
				return
			}
			countc <- countResult{count: mr.ChangesCount}
		}()
		n := 0
		for f, err := range pager.Pages(ctx, 0, func(ctx context.Context, page int) ([]*vcs.ChangedFile, int, int, error) {
			diffs, resp, err := p.client.MergeRequests.ListMergeRequestDiffs(id, int64(number),
				&gl.ListMergeRequestDiffsOptions{ListOptions: gl.ListOptions{PerPage: 100, Page: int64(page)}}, reqCtx(ctx))
			if err != nil {
				return nil, 0, 0, p.fail(op, resp, err)
			}
			out := make([]*vcs.ChangedFile, len(diffs))
			for i, d := range diffs {
				cf := &vcs.ChangedFile{Path: d.NewPath, Status: vcs.FileModified}
				switch {
				case d.NewFile:
					cf.Status = vcs.FileAdded
				case d.DeletedFile:
					cf.Status, cf.Path = vcs.FileRemoved, d.OldPath
				case d.RenamedFile:
					cf.Status, cf.PreviousPath = vcs.FileRenamed, d.OldPath
				}
				out[i] = cf
			}
			return out, int(resp.NextPage), int(resp.TotalPages), nil
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
		count := <-countc
		if count.err != nil {
			yield(nil, count.err)
			return
		}
		if strings.HasSuffix(count.count, "+") {
			yield(nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrTruncated,
				Message: fmt.Sprintf("GitLab kept only %d files of the merge request's diff (changes_count %q)", n, count.count),
				Hint: "the merge request exceeds the instance's diff limits; an administrator can raise Maximum diff files (up to 3,000) " +
					"and the line limit in Admin > Settings > General > Diff limits (not on GitLab.com), or split the merge request"})
		}
	}
}
