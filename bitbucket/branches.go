package bitbucket

import (
	"context"
	"iter"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// branch is Bitbucket's branch object (a ref with a target commit).
type branch struct {
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

func (b *branch) toVCS() *vcs.Branch { return &vcs.Branch{Name: b.Name, SHA: b.Target.Hash} }

func branchPath(op, repo, name string) (string, error) {
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return "", err
	}
	if err := vcs.CheckBranchName(vcs.KindBitbucket, op, name); err != nil {
		return "", err
	}
	return repoAPI + "/refs/branches/" + rest.PathEscape(name), nil
}

// GetBranch returns a branch.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/refs/branches/{name}
func (p *Provider) GetBranch(ctx context.Context, repo, name string) (*vcs.Branch, error) {
	path, err := branchPath("GetBranch", repo, name)
	if err != nil {
		return nil, err
	}
	var b branch
	if _, err := p.client.get(ctx, "GetBranch", path, nil, &b); err != nil {
		return nil, err
	}
	return b.toVCS(), nil
}

// ListBranches yields every branch, 100 a page, following "next".
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/refs/branches
func (p *Provider) ListBranches(ctx context.Context, repo string) iter.Seq2[*vcs.Branch, error] {
	repoAPI, err := repoPath("ListBranches", repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.Branch](err)
	}
	return func(yield func(*vcs.Branch, error) bool) {
		for b, err := range list[branch](ctx, p.client, "ListBranches", repoAPI+"/refs/branches", nil) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(b.toVCS(), nil) {
				return
			}
		}
	}
}

// CreateBranch creates a branch at a commit. Bitbucket answers 400 for a
// branch that exists already (and for a commit it does not know):
// ErrConflict.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/refs/branches
// {"name": name, "target": {"hash": sha}}
func (p *Provider) CreateBranch(ctx context.Context, repo, name, sha string) (*vcs.Branch, error) {
	const op = "CreateBranch"
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(vcs.KindBitbucket, op, name); err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindBitbucket, op, "commit", sha); err != nil {
		return nil, err
	}
	body := map[string]any{"name": name, "target": map[string]string{"hash": sha}}
	var b branch
	if _, err := p.client.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: repoAPI + "/refs/branches", Body: body}, &b); err != nil {
		if ve := httpx.AsError(err); ve != nil && ve.StatusCode == http.StatusBadRequest {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch exists already (or the commit does not): pick another name, or read it with GetBranch"
		}
		return nil, err
	}
	return b.toVCS(), nil
}
