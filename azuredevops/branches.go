package azuredevops

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// refsPageSize is the $top asked for per page of refs.
const refsPageSize = 1000

// zeroID is the object ID Azure DevOps uses for "no ref" in ref updates.
const zeroID = "0000000000000000000000000000000000000000"

// gitRef is Azure DevOps' GitRef.
type gitRef struct {
	Name     string `json:"name"`
	ObjectID string `json:"objectId"`
	IsLocked bool   `json:"isLocked"`
}

func (r *gitRef) toVCS() *vcs.Branch {
	return &vcs.Branch{Name: shortBranch(r.Name), SHA: r.ObjectID, Protected: r.IsLocked}
}

// refs yields the refs under filter (a prefix such as "heads/"), every
// page, following the x-ms-continuationtoken header.
func (p *Provider) refs(ctx context.Context, op string, r repoRef, filter string) iter.Seq2[*gitRef, error] {
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*gitRef, string, error) {
		q := url.Values{"filter": {filter}, "$top": {strconv.Itoa(refsPageSize)}}
		if cursor != "" {
			q.Set("continuationToken", cursor)
		}
		var page collection[*gitRef]
		resp, err := p.do(ctx, call{Op: op, URL: r.gitPath("refs"), Query: q, Scope: scopeCodeRead}, &page)
		if err != nil {
			return nil, "", err
		}
		return page.Value, resp.Header.Get("X-Ms-Continuationtoken"), nil
	})
}

// GetBranch returns a branch. Azure DevOps filters refs by prefix; the
// exact name is picked from the answer.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/refs?filter=heads/{name}
func (p *Provider) GetBranch(ctx context.Context, repo, name string) (*vcs.Branch, error) {
	const op = "GetBranch"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(vcs.KindAzureDevOps, op, name); err != nil {
		return nil, err
	}
	for ref, err := range p.refs(ctx, op, r, "heads/"+name) {
		if err != nil {
			return nil, err
		}
		if ref.Name == "refs/heads/"+name {
			return ref.toVCS(), nil
		}
	}
	return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrNotFound, StatusCode: http.StatusNotFound,
		Message: "branch " + name + " does not exist", Hint: "list the branches (ListBranches) to see which exist"}
}

// ListBranches yields every branch, 1,000 a page.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/refs?filter=heads/&$top=&continuationToken=
func (p *Provider) ListBranches(ctx context.Context, repo string) iter.Seq2[*vcs.Branch, error] {
	const op = "ListBranches"
	r, err := parseRepo(op, repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.Branch](err)
	}
	return func(yield func(*vcs.Branch, error) bool) {
		for ref, err := range p.refs(ctx, op, r, "heads/") {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(ref.toVCS(), nil) {
				return
			}
		}
	}
}

// refUpdateResult is one entry of the answer to a refs update.
type refUpdateResult struct {
	Name         string `json:"name"`
	NewObjectID  string `json:"newObjectId"`
	Success      bool   `json:"success"`
	UpdateStatus string `json:"updateStatus"`
	CustomMsg    string `json:"customMessage"`
}

// CreateBranch creates a branch at a commit: a ref update from the zero
// object ID, which Azure DevOps refuses for a ref that exists
// (updateStatus staleOldObjectId, or failedToCreate): ErrConflict.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/refs
// [{"name": "refs/heads/{name}", "oldObjectId": "0000…", "newObjectId": sha}]
func (p *Provider) CreateBranch(ctx context.Context, repo, name, sha string) (*vcs.Branch, error) {
	const op = "CreateBranch"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(vcs.KindAzureDevOps, op, name); err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindAzureDevOps, op, "commit", sha); err != nil {
		return nil, err
	}
	body := []map[string]string{{"name": "refs/heads/" + name, "oldObjectId": zeroID, "newObjectId": sha}}
	var res collection[refUpdateResult]
	if _, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.gitPath("refs"), Body: body, Scope: scopeCodeWrite,
		Permission: "the service user needs Create branch on the repository (Project settings > Repositories > Security)"}, &res); err != nil {
		if ve := httpx.AsError(err); ve != nil && (ve.StatusCode == http.StatusConflict || ve.StatusCode == http.StatusBadRequest) {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch exists already (or the commit does not): pick another name, or read it with GetBranch"
		}
		return nil, err
	}
	if len(res.Value) != 1 || !res.Value[0].Success {
		status := ""
		if len(res.Value) > 0 {
			status = res.Value[0].UpdateStatus
		}
		return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrConflict, StatusCode: http.StatusOK,
			Message: "the branch was not created (updateStatus " + status + ")",
			Hint:    "the branch exists already, or the service user may not create branches: pick another name or check the repository's security settings"}
	}
	return &vcs.Branch{Name: name, SHA: res.Value[0].NewObjectID}, nil
}
