package azuredevops

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/vcs"
)

// scopeCodeStatus is the PAT scope for commit and pull request statuses.
const scopeCodeStatus = "Code (Status)"

// statusPageSize is the $top asked for per page of statuses.
const statusPageSize = 1000

// Azure DevOps' GitStatusState names, both ways: pending, succeeded,
// failed and error; reading, notSet is pending, notApplicable and
// partiallySucceeded are success.
var toAzureState = map[vcs.StatusState]string{
	vcs.StatusPending: "pending", vcs.StatusSuccess: "succeeded", vcs.StatusFailure: "failed", vcs.StatusError: "error",
}

func fromAzureState(s string) vcs.StatusState {
	switch s {
	case "succeeded", "notApplicable", "partiallySucceeded":
		return vcs.StatusSuccess
	case "failed":
		return vcs.StatusFailure
	case "error":
		return vcs.StatusError
	default:
		return vcs.StatusPending
	}
}

// gitStatus is Azure DevOps' GitStatus.
type gitStatus struct {
	State       string `json:"state"`
	Description string `json:"description"`
	TargetURL   string `json:"targetUrl,omitempty"`
	Context     struct {
		Name  string `json:"name"`
		Genre string `json:"genre,omitempty"`
	} `json:"context"`
	CreationDate azTime `json:"creationDate,omitzero"`
	UpdatedDate  azTime `json:"updatedDate,omitzero"`
}

// key is the status's key: "genre/name" when a genre is set.
func (s *gitStatus) key() string {
	if s.Context.Genre != "" {
		return s.Context.Genre + "/" + s.Context.Name
	}
	return s.Context.Name
}

func (s *gitStatus) toVCS() *vcs.CommitStatus {
	return &vcs.CommitStatus{Key: s.key(), State: fromAzureState(s.State), Description: s.Description, TargetURL: s.TargetURL,
		CreatedAt: s.CreationDate.Time, UpdatedAt: s.UpdatedDate.Time}
}

func (r repoRef) statusesPath(sha string) string {
	return r.gitPath("commits", strings.ToLower(sha), "statuses")
}

// SetCommitStatus posts a status on a commit. The key is the status
// context: "genre/name" splits at the last slash, a key without one is a
// name alone. Azure DevOps keeps every status posted; ListCommitStatuses
// reads the latest per context, so posting a key again replaces it there.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/commits/{commitId}/statuses
func (p *Provider) SetCommitStatus(ctx context.Context, repo, sha string, opts vcs.StatusOptions) (*vcs.CommitStatus, error) {
	const op = "SetCommitStatus"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindAzureDevOps, op, "commit", sha); err != nil {
		return nil, err
	}
	if err := vcs.CheckStatusOptions(vcs.KindAzureDevOps, op, opts); err != nil {
		return nil, err
	}
	var body gitStatus
	body.State, body.Description, body.TargetURL = toAzureState[opts.State], opts.Description, opts.TargetURL
	body.Context.Name = opts.Key
	if i := strings.LastIndex(opts.Key, "/"); i > 0 && i < len(opts.Key)-1 {
		body.Context.Genre, body.Context.Name = opts.Key[:i], opts.Key[i+1:]
	}
	var out gitStatus
	if _, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.statusesPath(sha), Body: body, Scope: scopeCodeStatus,
		Permission: "the service user needs Contribute on the repository (Project settings > Repositories > Security)"}, &out); err != nil {
		return nil, err
	}
	return out.toVCS(), nil
}

// ListCommitStatuses lists the latest status per context of a commit,
// asking for 1,000 a page and paging with $skip until a page is empty.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/commits/{commitId}/statuses?latestOnly=true&$top=&$skip=
func (p *Provider) ListCommitStatuses(ctx context.Context, repo, sha string) ([]*vcs.CommitStatus, error) {
	const op = "ListCommitStatuses"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindAzureDevOps, op, "commit", sha); err != nil {
		return nil, err
	}
	var out []*vcs.CommitStatus
	for skip := 0; ; {
		q := url.Values{"latestOnly": {"true"}, "$top": {strconv.Itoa(statusPageSize)}, "$skip": {strconv.Itoa(skip)}}
		var page collection[gitStatus]
		if _, err := p.do(ctx, call{Op: op, URL: r.statusesPath(sha), Query: q, Scope: scopeCodeStatus}, &page); err != nil {
			return nil, err
		}
		for i := range page.Value {
			out = append(out, page.Value[i].toVCS())
		}
		skip += len(page.Value)
		if len(page.Value) == 0 {
			break // Azure may answer fewer than $top before the end
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
