package bitbucket

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// Bitbucket's build status states, both ways: pending is INPROGRESS,
// success SUCCESSFUL, failure FAILED and error STOPPED.
var toBitbucketState = map[vcs.StatusState]string{
	vcs.StatusPending: "INPROGRESS", vcs.StatusSuccess: "SUCCESSFUL", vcs.StatusFailure: "FAILED", vcs.StatusError: "STOPPED",
}

// buildStatus is Bitbucket's commitstatus object.
type buildStatus struct {
	Key         string    `json:"key"`
	State       string    `json:"state"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description"`
	URL         string    `json:"url"`
	CreatedOn   time.Time `json:"created_on,omitzero"`
	UpdatedOn   time.Time `json:"updated_on,omitzero"`
}

func (b *buildStatus) toVCS() *vcs.CommitStatus {
	st := vcs.StatusPending
	for k, v := range toBitbucketState {
		if v == b.State {
			st = k
		}
	}
	return &vcs.CommitStatus{Key: b.Key, State: st, Description: b.Description, TargetURL: b.URL, CreatedAt: b.CreatedOn, UpdatedAt: b.UpdatedOn}
}

func commitPath(op, repo, sha string) (string, error) {
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return "", err
	}
	if err := vcs.CheckCommitSHA(vcs.KindBitbucket, op, "commit", sha); err != nil {
		return "", err
	}
	return repoAPI + "/commit/" + strings.ToLower(sha), nil
}

// SetCommitStatus sets the build status opts.Key on a commit; Bitbucket
// overwrites a status with the same key. Bitbucket requires a URL: without
// opts.TargetURL the commit's page is sent.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses/build
func (p *Provider) SetCommitStatus(ctx context.Context, repo, sha string, opts vcs.StatusOptions) (*vcs.CommitStatus, error) {
	const op = "SetCommitStatus"
	path, err := commitPath(op, repo, sha)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckStatusOptions(vcs.KindBitbucket, op, opts); err != nil {
		return nil, err
	}
	target := opts.TargetURL
	if target == "" {
		target = "https://bitbucket.org/" + repo + "/commits/" + strings.ToLower(sha)
	}
	body := buildStatus{Key: opts.Key, State: toBitbucketState[opts.State], Name: opts.Key, Description: opts.Description, URL: target}
	var out buildStatus
	if _, err := p.client.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: path + "/statuses/build", Body: body}, &out); err != nil {
		return nil, err
	}
	st := out.toVCS()
	if opts.TargetURL == "" {
		st.TargetURL = ""
	}
	return st, nil
}

// ListCommitStatuses lists a commit's build statuses (one per key), 100 a
// page.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/commit/{commit}/statuses
func (p *Provider) ListCommitStatuses(ctx context.Context, repo, sha string) ([]*vcs.CommitStatus, error) {
	const op = "ListCommitStatuses"
	path, err := commitPath(op, repo, sha)
	if err != nil {
		return nil, err
	}
	all, err := listAll[buildStatus](ctx, p.client, op, path+"/statuses", nil)
	if err != nil {
		return nil, err
	}
	out := make([]*vcs.CommitStatus, len(all))
	for i := range all {
		out[i] = all[i].toVCS()
		if out[i].TargetURL == "https://bitbucket.org/"+repo+"/commits/"+strings.ToLower(sha) {
			out[i].TargetURL = "" // the stand-in SetCommitStatus sent
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
