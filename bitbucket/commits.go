package bitbucket

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// CommitFiles writes several files to a branch in one commit, in one round
// trip: a multipart/form-data POST to the src endpoint with one field per
// file (named by its path, holding the content), the paths to delete in
// "files" (a path listed there without a content field is deleted), and
// "message", "branch" and "parents" = opts.BaseSHA.
//
// Bitbucket's docs (Source: "Create a commit by uploading a file"): when
// the branch exists and a parent is given, "it is asserted that the parent
// is the branch's tip/HEAD at the time the request is made. When this is
// not the case, a 409 is returned" — ErrConflict, nothing written. The
// published OpenAPI description lists message, author, parents, files and
// branch as query parameters; the prose and Atlassian's own examples send
// them as form fields, as this method does. The answer is 201 with the new
// commit in the Location header. Bitbucket writes create and update alike.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/src
func (p *Provider) CommitFiles(ctx context.Context, repo string, opts vcs.CommitOptions) (*vcs.Commit, error) {
	const op = "CommitFiles"
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitOptions(vcs.KindBitbucket, op, opts); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("message", opts.Message)
	_ = mw.WriteField("branch", opts.Branch)
	_ = mw.WriteField("parents", opts.BaseSHA)
	for _, f := range opts.Files {
		if f.Action == vcs.FileDelete {
			_ = mw.WriteField("files", f.Path)
			continue
		}
		w, err := mw.CreateFormFile(f.Path, path.Base(f.Path))
		if err != nil {
			return nil, vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "encoding %q: %v", f.Path, err)
		}
		_, _ = w.Write(f.Content)
	}
	if err := mw.Close(); err != nil {
		return nil, vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "encoding the commit: %v", err)
	}
	resp, err := p.client.do(ctx, rest.Request{Op: op, Method: http.MethodPost, Path: repoAPI + "/src",
		RawBody: buf.Bytes(), ContentType: mw.FormDataContentType()}, nil)
	if err != nil {
		if ve := httpx.AsError(err); ve != nil && ve.StatusCode == http.StatusConflict {
			ve.Kind = vcs.ErrConflict
			ve.Hint = "the branch moved since " + opts.BaseSHA[:12] + ": read it again (GetBranch) and commit on top of its new head"
		}
		return nil, err
	}
	loc := resp.Header.Get("Location")
	sha := loc[strings.LastIndex(loc, "/")+1:]
	if !vcs.IsCommitSHA(sha) {
		return nil, &vcs.Error{Provider: vcs.KindBitbucket, Op: op, Kind: vcs.ErrUnavailable, StatusCode: resp.StatusCode,
			Message: "the commit was created but the answer names no commit (Location " + loc + ")",
			Hint:    "read the branch (GetBranch) to find the new commit"}
	}
	ws, slug, _ := strings.Cut(repo, "/")
	return &vcs.Commit{SHA: sha, Branch: opts.Branch, ParentSHA: opts.BaseSHA, WebURL: "https://bitbucket.org/" + ws + "/" + slug + "/commits/" + sha}, nil
}
