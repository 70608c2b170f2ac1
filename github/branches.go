package github

import (
	"context"
	"iter"
	"net/http"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

func toBranch(b *gh.Branch) *vcs.Branch {
	return &vcs.Branch{Name: b.GetName(), SHA: b.GetCommit().GetSHA(), Protected: b.GetProtected()}
}

// GetBranch returns a branch.
//
// GitHub API docs: GET /repos/{owner}/{repo}/branches/{branch}
func (p *Provider) GetBranch(ctx context.Context, repo, name string) (*vcs.Branch, error) {
	const op = "GetBranch"
	owner, rname, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(vcs.KindGitHub, op, name); err != nil {
		return nil, err
	}
	// go-github's GetBranch turns error answers into plain errors; the
	// request is built here so that they map to *vcs.Error.
	req, err := p.client.NewRequest(ctx, http.MethodGet, "repos/"+owner+"/"+rname+"/branches/"+rest.PathEscape(name), nil)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	var b gh.Branch
	if _, err := p.client.Do(req, &b); err != nil {
		return nil, p.wrap(op, err)
	}
	return toBranch(&b), nil
}

// ListBranches yields every branch, 100 a page.
//
// GitHub API docs: GET /repos/{owner}/{repo}/branches
func (p *Provider) ListBranches(ctx context.Context, repo string) iter.Seq2[*vcs.Branch, error] {
	const op = "ListBranches"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.Branch](err)
	}
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.Branch, string, error) {
		bs, resp, err := p.client.Repositories.ListBranches(ctx, owner, name, &gh.BranchListOptions{ListOptions: gh.ListOptions{Page: atoi(cursor), PerPage: 100}})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.Branch, len(bs))
		for i, b := range bs {
			out[i] = toBranch(b)
		}
		return out, nextPage(resp), nil
	})
}

// CreateBranch creates a branch at a commit. GitHub answers 422
// "Reference already exists" for an existing branch: ErrConflict.
//
// GitHub API docs: POST /repos/{owner}/{repo}/git/refs
func (p *Provider) CreateBranch(ctx context.Context, repo, name, sha string) (*vcs.Branch, error) {
	const op = "CreateBranch"
	owner, rname, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckBranchName(vcs.KindGitHub, op, name); err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindGitHub, op, "commit", sha); err != nil {
		return nil, err
	}
	ref, _, err := p.client.Git.CreateRef(ctx, owner, rname, gh.CreateRef{Ref: "refs/heads/" + name, SHA: sha})
	if err != nil {
		e := p.wrap(op, err)
		if ve := httpx.AsError(e); ve != nil && ve.StatusCode == http.StatusUnprocessableEntity {
			ve.Hint = "the branch exists already (or the commit does not): pick another name, or read it with GetBranch"
		}
		return nil, e
	}
	return &vcs.Branch{Name: name, SHA: ref.GetObject().GetSHA()}, nil
}
