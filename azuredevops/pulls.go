package azuredevops

import (
	"context"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// changesPageSize is the $top asked for per page of changes (Azure's
// maximum).
const changesPageSize = 2000

func checkNumber(op string, number int) error {
	return vcs.CheckPullRequestNumber(vcs.KindAzureDevOps, op, number)
}

// GetPullRequest returns a pull request. Status active is open, abandoned
// is closed and completed is merged.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}
func (p *Provider) GetPullRequest(ctx context.Context, repo string, number int) (*vcs.PullRequest, error) {
	const op = "GetPullRequest"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	var pr gitPullRequest
	if _, err := p.do(ctx, call{Op: op, URL: r.gitPath("pullRequests", strconv.Itoa(number)), Scope: scopeCodeRead}, &pr); err != nil {
		return nil, err
	}
	return toPullRequest(&pr), nil
}

func toPullRequest(pr *gitPullRequest) *vcs.PullRequest {
	out := &vcs.PullRequest{
		Number:       pr.PullRequestID,
		Title:        pr.Title,
		Description:  pr.Description,
		Author:       pr.CreatedBy.login(),
		SourceBranch: shortBranch(pr.SourceRefName),
		TargetBranch: shortBranch(pr.TargetRefName),
		WebURL:       pullRequestWebURL(pr),
		// Azure keeps no last-update time: a closed pull request last
		// changed when it closed, an open one is dated by its creation.
		UpdatedAt: pr.CreationDate.Time,
	}
	switch pr.Status {
	case "completed":
		out.State = vcs.PullRequestMerged
		out.MergedAt = pr.ClosedDate.Time
	case "abandoned":
		out.State = vcs.PullRequestClosed
	default:
		out.State = vcs.PullRequestOpen
	}
	if !pr.ClosedDate.IsZero() {
		out.UpdatedAt = pr.ClosedDate.Time
	}
	if pr.LastMergeSourceCommit != nil {
		out.HeadSHA = pr.LastMergeSourceCommit.CommitID
	}
	if pr.LastMergeTargetCommit != nil {
		out.BaseSHA = pr.LastMergeTargetCommit.CommitID
	}
	// lastMergeCommit of an open pull request is Azure's trial merge; it
	// is the merge commit only once the pull request completed.
	if out.State == vcs.PullRequestMerged && pr.LastMergeCommit != nil {
		out.MergeCommitSHA = pr.LastMergeCommit.CommitID
	}
	return out
}

// pullRequestWebURL builds the pull request's page from what Azure sends:
// the repository's webUrl, else its remoteUrl (the same address, with the
// organization as user info on dev.azure.com; the service hook samples
// carry it), else its API url ({org}/{projectId}/_apis/git/repositories/
// {id}, which a pull request's GET always has) with the project's and
// repository's names; then /pullrequest/{id}. GitPullRequest has no
// _links.web: neither its schema, nor the description's examples, nor the
// service hook samples carry one.
func pullRequestWebURL(pr *gitPullRequest) string {
	r := &pr.Repository
	base := r.WebURL
	if base == "" && r.RemoteURL != "" {
		if u, err := url.Parse(r.RemoteURL); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
			u.User = nil
			base = u.String()
		}
	}
	if base == "" && r.URL != "" && r.Name != "" && r.Project.Name != "" {
		if i := strings.Index(r.URL, "/_apis/"); i > 0 {
			org := r.URL[:i] // …/{org}/{projectId}
			if j := strings.LastIndex(org, "/"); j > 0 {
				org = org[:j]
			}
			base = org + "/" + url.PathEscape(r.Project.Name) + "/_git/" + url.PathEscape(r.Name)
		}
	}
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/pullrequest/" + strconv.Itoa(pr.PullRequestID)
}

// pullRequestsPageSize is the $top asked for per page of pull requests.
const pullRequestsPageSize = 100

// ListPullRequests yields the repository's pull requests in opts.State
// (Azure's active, abandoned, completed or all), paged with $top and
// $skip until a page comes back empty (so that a server capping $top
// below what was asked loses nothing). Azure keeps no update time: with
// UpdatedSince, closed and merged pull requests are filtered by when they
// closed (searchCriteria.queryTimeRangeType=closed and minTime, api-version
// 7.1; an older server that ignores them yields more, never fewer), and
// open ones, or all states, are not filtered by time at all.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/pullrequests?searchCriteria.status=&searchCriteria.queryTimeRangeType=closed&searchCriteria.minTime=&$top=&$skip=
func (p *Provider) ListPullRequests(ctx context.Context, repo string, opts vcs.ListPullRequestsOptions) iter.Seq2[*vcs.PullRequest, error] {
	const op = "ListPullRequests"
	r, err := parseRepo(op, repo)
	if err == nil {
		err = vcs.CheckListPullRequestsOptions(vcs.KindAzureDevOps, op, opts)
	}
	if err != nil {
		return vcs.FailedSeq[*vcs.PullRequest](err)
	}
	q := url.Values{"searchCriteria.status": {"all"}}
	switch opts.State {
	case vcs.PullRequestOpen:
		q.Set("searchCriteria.status", "active")
	case vcs.PullRequestClosed:
		q.Set("searchCriteria.status", "abandoned")
	case vcs.PullRequestMerged:
		q.Set("searchCriteria.status", "completed")
	}
	if !opts.UpdatedSince.IsZero() && (opts.State == vcs.PullRequestClosed || opts.State == vcs.PullRequestMerged) {
		q.Set("searchCriteria.queryTimeRangeType", "closed")
		q.Set("searchCriteria.minTime", opts.UpdatedSince.UTC().Format(time.RFC3339))
	}
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.PullRequest, string, error) {
		skip, _ := strconv.Atoi(cursor)
		pq := url.Values{"$top": {strconv.Itoa(pullRequestsPageSize)}, "$skip": {strconv.Itoa(skip)}}
		for k, v := range q {
			pq[k] = v
		}
		var page collection[gitPullRequest]
		if _, err := p.do(ctx, call{Op: op, URL: r.gitPath("pullrequests"), Query: pq, Scope: scopeCodeRead}, &page); err != nil {
			return nil, "", err
		}
		out := make([]*vcs.PullRequest, 0, len(page.Value))
		for i := range page.Value {
			pr := toPullRequest(&page.Value[i])
			if opts.State != "" && opts.State != vcs.PullRequestAll && pr.State != opts.State {
				continue
			}
			out = append(out, pr)
		}
		if len(page.Value) == 0 {
			return out, "", nil
		}
		return out, strconv.Itoa(skip + len(page.Value)), nil
	})
}

type iteration struct {
	ID int `json:"id"`
}

type prChange struct {
	ChangeType       string `json:"changeType"`
	OriginalPath     string `json:"originalPath"`
	SourceServerItem string `json:"sourceServerItem"`
	Item             struct {
		ObjectID      string `json:"objectId"`
		Path          string `json:"path"`
		IsFolder      bool   `json:"isFolder"`
		GitObjectType string `json:"gitObjectType"`
	} `json:"item"`
}

type iterationChanges struct {
	ChangeEntries []prChange `json:"changeEntries"`
	NextSkip      int        `json:"nextSkip"`
	NextTop       int        `json:"nextTop"`
}

// ListPullRequestFiles lists the files the pull request changes: the
// changes of its last iteration against the merge base, following every
// page (nextSkip / nextTop, 2,000 entries a page at most) to the end.
// Folder entries are left out. A change type may combine flags ("edit,
// rename"): a rename wins over an edit.
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/iterations
//   - GET {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/iterations/{last}/changes?$compareTo=0&$top=2000&$skip=
func (p *Provider) ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*vcs.ChangedFile, error) {
	const op = "ListPullRequestFiles"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	prPath := r.gitPath("pullRequests", strconv.Itoa(number))
	var its collection[iteration]
	if _, err := p.do(ctx, call{Op: op, URL: prPath + "/iterations", Scope: scopeCodeRead}, &its); err != nil {
		return nil, err
	}
	last := 0
	for _, it := range its.Value {
		last = max(last, it.ID)
	}
	if last == 0 {
		return []*vcs.ChangedFile{}, nil
	}
	changesPath := prPath + "/iterations/" + strconv.Itoa(last) + "/changes"
	changes, err := pager.All(ctx, func(ctx context.Context, cursor string) ([]prChange, string, error) {
		skip, top := "0", strconv.Itoa(changesPageSize)
		if cursor != "" {
			skip, top, _ = strings.Cut(cursor, ",")
		}
		var page iterationChanges
		q := url.Values{"$compareTo": {"0"}, "$top": {top}, "$skip": {skip}}
		if _, err := p.do(ctx, call{Op: op, URL: changesPath, Query: q, Scope: scopeCodeRead}, &page); err != nil {
			return nil, "", err
		}
		next := ""
		if page.NextSkip > 0 && len(page.ChangeEntries) > 0 {
			nextTop := page.NextTop
			if nextTop <= 0 {
				nextTop = changesPageSize
			}
			next = strconv.Itoa(page.NextSkip) + "," + strconv.Itoa(nextTop)
		}
		return page.ChangeEntries, next, nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*vcs.ChangedFile, 0, len(changes))
	for _, c := range changes {
		if c.Item.IsFolder || c.Item.GitObjectType == "tree" {
			continue
		}
		if cf := toChangedFile(c); cf != nil {
			out = append(out, cf)
		}
	}
	return out, nil
}

// toChangedFile maps one change entry; nil for an entry that only repeats
// another one.
func toChangedFile(c prChange) *vcs.ChangedFile {
	cf := &vcs.ChangedFile{Path: strings.TrimPrefix(c.Item.Path, "/"), SHA: c.Item.ObjectID}
	flags := map[string]bool{}
	for _, f := range strings.Split(c.ChangeType, ",") {
		flags[strings.ToLower(strings.TrimSpace(f))] = true
	}
	switch {
	case flags["sourcerename"] && !flags["rename"] && !flags["add"] && !flags["edit"]:
		// The old side of a rename; the entry of the new path tells it.
		return nil
	case flags["delete"]:
		cf.Status, cf.SHA = vcs.FileRemoved, ""
	case flags["rename"]:
		cf.Status = vcs.FileRenamed
		prev := c.OriginalPath
		if prev == "" {
			prev = c.SourceServerItem
		}
		cf.PreviousPath = strings.TrimPrefix(prev, "/")
	case flags["add"]:
		cf.Status = vcs.FileAdded
	default:
		cf.Status = vcs.FileModified
	}
	return cf
}
