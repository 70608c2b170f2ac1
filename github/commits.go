package github

import (
	"context"
	"encoding/base64"
	"net/http"
	"unicode/utf8"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// CommitFiles writes several files to a branch in one commit with the Git
// Data API, in four round trips whatever the number of files (plus one per
// file that is not UTF-8 text, which goes up as a base64 blob first):
//
//  1. the base commit, for its tree;
//  2. a tree on top of it with every change (text inline, deletions as
//     entries without a SHA);
//  3. a commit of that tree whose only parent is opts.BaseSHA;
//  4. the branch moved to the new commit without force: GitHub refuses
//     with 422 "Update is not a fast forward" when the branch no longer
//     points to BaseSHA, and the call returns ErrConflict. The objects of
//     steps 2 and 3 stay unreferenced; nothing reaches the branch.
//
// GitHub writes create and update alike (a tree entry replaces whatever is
// at its path); a delete of a path that is not in the tree is refused with
// 422 (unconfirmed; the fake does so). Files are written with mode 100644.
//
// GitHub API docs:
//   - GET /repos/{owner}/{repo}/git/commits/{commit_sha}
//   - POST /repos/{owner}/{repo}/git/blobs (non-UTF-8 content only)
//   - POST /repos/{owner}/{repo}/git/trees
//   - POST /repos/{owner}/{repo}/git/commits
//   - PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}
func (p *Provider) CommitFiles(ctx context.Context, repo string, opts vcs.CommitOptions) (*vcs.Commit, error) {
	const op = "CommitFiles"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitOptions(vcs.KindGitHub, op, opts); err != nil {
		return nil, err
	}
	base, _, err := p.client.Git.GetCommit(ctx, owner, name, opts.BaseSHA)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	entries := make([]*gh.TreeEntry, 0, len(opts.Files))
	for _, f := range opts.Files {
		e := &gh.TreeEntry{Path: new(f.Path), Mode: new("100644"), Type: new("blob")}
		switch {
		case f.Action == vcs.FileDelete:
			// No SHA and no content: go-github sends "sha": null.
		case utf8.Valid(f.Content):
			e.Content = new(string(f.Content))
		default:
			blob, _, err := p.client.Git.CreateBlob(ctx, owner, name, gh.Blob{
				Content: base64.StdEncoding.EncodeToString(f.Content), Encoding: new("base64")})
			if err != nil {
				return nil, p.wrap(op, err)
			}
			e.SHA = blob.SHA
		}
		entries = append(entries, e)
	}
	tree, _, err := p.client.Git.CreateTree(ctx, owner, name, base.GetTree().GetSHA(), entries)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	c, _, err := p.client.Git.CreateCommit(ctx, owner, name, gh.Commit{
		Message: new(opts.Message), Tree: &gh.Tree{SHA: tree.SHA}, Parents: []*gh.Commit{{SHA: new(opts.BaseSHA)}}}, nil)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	if _, _, err := p.client.Git.UpdateRef(ctx, owner, name, "heads/"+opts.Branch, gh.UpdateRef{SHA: c.GetSHA(), Force: new(false)}); err != nil {
		e := p.wrap(op, err)
		if ve := httpx.AsError(e); ve != nil && ve.StatusCode == http.StatusUnprocessableEntity {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch moved since " + opts.BaseSHA[:12] + " (or is gone): read it again (GetBranch) and commit on top of its new head"
		}
		return nil, e
	}
	return &vcs.Commit{SHA: c.GetSHA(), Branch: opts.Branch, ParentSHA: opts.BaseSHA, WebURL: p.web.String() + owner + "/" + name + "/commit/" + c.GetSHA()}, nil
}
