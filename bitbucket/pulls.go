package bitbucket

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// account is a Bitbucket user (or an access token's bot user).
type account struct {
	UUID        string `json:"uuid"`
	AccountID   string `json:"account_id"`
	Nickname    string `json:"nickname"`
	DisplayName string `json:"display_name"`
}

func (a *account) name() string {
	if a == nil {
		return ""
	}
	if a.DisplayName != "" {
		return a.DisplayName
	}
	return a.Nickname
}

// prSide is the source or destination of a pull request.
type prSide struct {
	Branch struct {
		Name string `json:"name"`
	} `json:"branch"`
	Commit *struct {
		Hash string `json:"hash"`
	} `json:"commit"`
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

func (s *prSide) hash() string {
	if s.Commit == nil {
		return ""
	}
	return s.Commit.Hash
}

// pullRequest is Bitbucket's pull request object, in the REST API and in
// webhook payloads alike.
type pullRequest struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	// Description is the legacy field; the description's pull request
	// schema defines the text as summary.raw, which is read first.
	Description string `json:"description"`
	Summary     struct {
		Raw string `json:"raw"`
	} `json:"summary"`
	State       string   `json:"state"` // OPEN, MERGED, DECLINED, SUPERSEDED
	Author      *account `json:"author"`
	Source      prSide   `json:"source"`
	Destination prSide   `json:"destination"`
	MergeCommit *struct {
		Hash string `json:"hash"`
	} `json:"merge_commit"`
	Links struct {
		HTML link `json:"html"`
	} `json:"links"`
	UpdatedOn time.Time `json:"updated_on"`
}

func (pr *pullRequest) state() vcs.PullRequestState {
	switch pr.State {
	case "MERGED":
		return vcs.PullRequestMerged
	case "DECLINED", "SUPERSEDED":
		return vcs.PullRequestClosed
	default:
		return vcs.PullRequestOpen
	}
}

func (pr *pullRequest) mergeHash() string {
	if pr.MergeCommit == nil {
		return ""
	}
	return pr.MergeCommit.Hash
}

// description is summary.raw, or the legacy description when a payload
// has no summary.
func (pr *pullRequest) description() string {
	if pr.Summary.Raw != "" {
		return pr.Summary.Raw
	}
	return pr.Description
}

func (pr *pullRequest) toVCS() *vcs.PullRequest {
	return &vcs.PullRequest{
		Number: pr.ID, Title: pr.Title, Description: pr.description(), Author: pr.Author.name(), State: pr.state(),
		SourceBranch: pr.Source.Branch.Name, TargetBranch: pr.Destination.Branch.Name,
		HeadSHA: pr.Source.hash(), BaseSHA: pr.Destination.hash(), MergeCommitSHA: pr.mergeHash(),
		WebURL: pr.Links.HTML.Href, UpdatedAt: pr.UpdatedOn,
	}
}

// prPageLen is the page size asked for pull request lists: Bitbucket
// documents 100 as the general maximum, but pull request lists are said to
// stop at 50 (unconfirmed), so ask for no more.
const prPageLen = "50"

// ListPullRequests yields the repository's pull requests in opts.State,
// most recently updated first. Open is Bitbucket's OPEN; closed is
// DECLINED or SUPERSEDED (closed without merging); merged is MERGED; all
// repeats the state parameter for the four. UpdatedSince becomes a BBQL
// query on updated_on. Bitbucket has no merge time: MergedAt stays zero
// and UpdatedAt (updated_on) is the time to go by.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/pullrequests?state=MERGED&q=updated_on>…&sort=-updated_on
func (p *Provider) ListPullRequests(ctx context.Context, repo string, opts vcs.ListPullRequestsOptions) iter.Seq2[*vcs.PullRequest, error] {
	const op = "ListPullRequests"
	path, err := repoPath(op, repo)
	if err == nil {
		err = vcs.CheckListPullRequestsOptions(vcs.KindBitbucket, op, opts)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.PullRequest](err)
	}
	q := url.Values{"sort": {"-updated_on"}, "pagelen": {prPageLen}}
	switch opts.State {
	case vcs.PullRequestOpen:
		q["state"] = []string{"OPEN"}
	case vcs.PullRequestClosed:
		q["state"] = []string{"DECLINED", "SUPERSEDED"}
	case vcs.PullRequestMerged:
		q["state"] = []string{"MERGED"}
	default:
		q["state"] = []string{"OPEN", "MERGED", "DECLINED", "SUPERSEDED"}
	}
	if !opts.UpdatedSince.IsZero() {
		// BBQL compares datetimes given in ISO 8601, unquoted.
		q.Set("q", "updated_on >= "+opts.UpdatedSince.UTC().Format("2006-01-02T15:04:05.000000-07:00"))
	}
	return func(yield func(*vcs.PullRequest, error) bool) {
		for pr, err := range list[pullRequest](ctx, p.client, op, path+"/pullrequests", q) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(pr.toVCS(), nil) {
				return
			}
		}
	}
}

func pullPath(op, repo string, number int) (string, error) {
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return "", err
	}
	if err := checkNumber(op, number); err != nil {
		return "", err
	}
	return repoAPI + "/pullrequests/" + strconv.Itoa(number), nil
}

// GetPullRequest returns a pull request. Bitbucket gives commit hashes in
// their 12-character form; they work as refs for ReadFile.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}
func (p *Provider) GetPullRequest(ctx context.Context, repo string, number int) (*vcs.PullRequest, error) {
	path, err := pullPath("GetPullRequest", repo, number)
	if err != nil {
		return nil, err
	}
	var pr pullRequest
	if _, err := p.client.get(ctx, "GetPullRequest", path, nil, &pr); err != nil {
		return nil, err
	}
	return pr.toVCS(), nil
}

// diffstat is one entry of a diffstat.
type diffstat struct {
	Status string `json:"status"`
	Old    *struct {
		Path string `json:"path"`
	} `json:"old"`
	New *struct {
		Path string `json:"path"`
	} `json:"new"`
}

func (d *diffstat) toVCS() *vcs.ChangedFile {
	var oldPath, newPath string
	if d.Old != nil {
		oldPath = d.Old.Path
	}
	if d.New != nil {
		newPath = d.New.Path
	}
	cf := &vcs.ChangedFile{Path: newPath, Status: vcs.FileModified}
	switch d.Status {
	case "added":
		cf.Status = vcs.FileAdded
	case "removed", "local deleted", "remote deleted":
		if newPath == "" {
			cf.Path, cf.Status = oldPath, vcs.FileRemoved
		}
	case "renamed":
		cf.Status, cf.PreviousPath = vcs.FileRenamed, oldPath
	}
	if cf.Path == "" {
		cf.Path = oldPath
	}
	return cf
}

// ListPullRequestFiles lists every file the pull request changes: it
// collects PullRequestFiles.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}/diffstat
func (p *Provider) ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*vcs.ChangedFile, error) {
	return vcs.CollectFiles(p.PullRequestFiles(ctx, repo, number))
}

// PullRequestFiles yields the files the pull request changes as the pages
// of its diffstat arrive (the pages after the first concurrently, where
// the first tells the list's size).
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}/diffstat,
// which redirects (302) to the repository diffstat of the pull request's
// commits; the client follows the redirect and asks for the other pages
// there.
func (p *Provider) PullRequestFiles(ctx context.Context, repo string, number int) iter.Seq2[*vcs.ChangedFile, error] {
	path, err := pullPath("ListPullRequestFiles", repo, number)
	if err != nil {
		return vcs.FailedSeq[*vcs.ChangedFile](err)
	}
	return func(yield func(*vcs.ChangedFile, error) bool) {
		for st, err := range list[diffstat](ctx, p.client, "ListPullRequestFiles", path+"/diffstat", nil) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(st.toVCS(), nil) {
				return
			}
		}
	}
}
