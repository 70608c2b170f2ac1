package gitlab

import (
	"context"
	"encoding/base64"
	"net/http"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// CommitFiles writes several files to a branch in one commit, in two round
// trips whatever the number of files:
//
//  1. the branch is read; when it no longer points to opts.BaseSHA the
//     call returns ErrConflict without writing;
//  2. one commit with an action per file (content base64-encoded). Every
//     update and delete carries last_commit_id = BaseSHA, so GitLab itself
//     refuses (400 "You are attempting to update a file that has changed
//     since you started editing it") when a commit that landed between
//     the two requests changed one of those files; a create of a path that
//     appeared meanwhile is refused as existing ("A file with this name
//     already exists"). Both are ErrConflict.
//
// GitLab has no compare-and-swap of the branch itself: a commit that lands
// between the two requests and touches none of these files stays, and the
// new commit goes on top of it (Commit.ParentSHA then differs from
// BaseSHA). GitLab checks that a created file is new and that an updated
// or deleted one exists.
//
// GitLab API docs:
//   - GET /projects/:id/repository/branches/:branch
//   - POST /projects/:id/repository/commits
func (p *Provider) CommitFiles(ctx context.Context, repo string, opts vcs.CommitOptions) (*vcs.Commit, error) {
	const op = "CommitFiles"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitOptions(kind, op, opts); err != nil {
		return nil, err
	}
	b, resp, err := p.client.Branches.GetBranch(id, opts.Branch, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	if b.Commit == nil || b.Commit.ID != opts.BaseSHA {
		return nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrConflict,
			Message: "branch " + opts.Branch + " no longer points to " + opts.BaseSHA,
			Hint:    "the branch moved since it was read: read it again (GetBranch) and commit on top of its new head"}
	}
	actions := make([]*gl.CommitActionOptions, 0, len(opts.Files))
	for _, f := range opts.Files {
		a := &gl.CommitActionOptions{FilePath: new(f.Path)}
		switch f.Action {
		case vcs.FileCreate:
			a.Action = new(gl.FileCreate)
		case vcs.FileUpdate:
			a.Action = new(gl.FileUpdate)
			a.LastCommitID = new(opts.BaseSHA)
		case vcs.FileDelete:
			a.Action = new(gl.FileDelete)
			a.LastCommitID = new(opts.BaseSHA)
		}
		if f.Action != vcs.FileDelete {
			a.Content = new(base64.StdEncoding.EncodeToString(f.Content))
			a.Encoding = new("base64")
		}
		actions = append(actions, a)
	}
	c, resp, err := p.client.Commits.CreateCommit(id, &gl.CreateCommitOptions{
		Branch: new(opts.Branch), CommitMessage: new(opts.Message), Actions: actions}, reqCtx(ctx))
	if err != nil {
		e := p.fail(op, resp, err)
		if ve := httpx.AsError(e); ve != nil && ve.StatusCode == http.StatusBadRequest {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "a file to create exists already, a file to update or delete does not exist or changed since the base commit: read the branch again and retry"
		}
		return nil, e
	}
	out := &vcs.Commit{SHA: c.ID, Branch: opts.Branch, WebURL: c.WebURL}
	if len(c.ParentIDs) > 0 {
		out.ParentSHA = c.ParentIDs[0]
	}
	return out, nil
}
