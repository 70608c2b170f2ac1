package gitlab

import (
	"context"
	"iter"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

func toBranch(b *gl.Branch) *vcs.Branch {
	out := &vcs.Branch{Name: b.Name, Protected: b.Protected, Default: b.Default}
	if b.Commit != nil {
		out.SHA = b.Commit.ID
	}
	return out
}

// GetBranch returns a branch.
//
// GitLab API docs: GET /projects/:id/repository/branches/:branch
func (p *Provider) GetBranch(ctx context.Context, repo, name string) (*vcs.Branch, error) {
	const op = "GetBranch"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(kind, op, name); err != nil {
		return nil, err
	}
	b, resp, err := p.client.Branches.GetBranch(id, name, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	return toBranch(b), nil
}

// ListBranches yields every branch, 100 a page.
//
// GitLab API docs: GET /projects/:id/repository/branches
func (p *Provider) ListBranches(ctx context.Context, repo string) iter.Seq2[*vcs.Branch, error] {
	const op = "ListBranches"
	id, err := projectID(op, repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.Branch](err)
	}
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.Branch, string, error) {
		bs, resp, err := p.client.Branches.ListBranches(id, &gl.ListBranchesOptions{ListOptions: gl.ListOptions{Page: pageNumber(cursor), PerPage: 100}}, reqCtx(ctx))
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.Branch, len(bs))
		for i, b := range bs {
			out[i] = toBranch(b)
		}
		return out, nextPage(resp), nil
	})
}

// CreateBranch creates a branch at a commit. GitLab answers 400 "Branch
// already exists" for an existing branch: ErrConflict.
//
// GitLab API docs: POST /projects/:id/repository/branches
func (p *Provider) CreateBranch(ctx context.Context, repo, name, sha string) (*vcs.Branch, error) {
	const op = "CreateBranch"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(kind, op, name); err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(kind, op, "commit", sha); err != nil {
		return nil, err
	}
	b, resp, err := p.client.Branches.CreateBranch(id, &gl.CreateBranchOptions{Branch: new(name), Ref: new(sha)}, reqCtx(ctx))
	if err != nil {
		e := p.fail(op, resp, err)
		if ve := httpx.AsError(e); ve != nil && ve.StatusCode == http.StatusBadRequest {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch exists already (or the commit does not): pick another name, or read it with GetBranch"
		}
		return nil, e
	}
	return toBranch(b), nil
}
