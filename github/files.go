package github

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"path"
	"strings"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxFileSize is the largest file GitHub's contents API serves (100 MB).
const MaxFileSize = 100 << 20

// ReadFile reads a file at ref in one request, up to 100 MB: the raw media
// type has no 1 MB limit and needs no base64 decoding. A larger file is an
// error matching vcs.ErrTooLarge (GitHub answers 403 with errors[].code
// "too_large"), never a truncated read; a directory is
// vcs.ErrInvalidArgument.
//
// GitHub API docs: GET /repos/{owner}/{repo}/contents/{path}?ref= (Accept: application/vnd.github.raw)
func (p *Provider) ReadFile(ctx context.Context, repo, filePath, ref string) (*vcs.File, error) {
	const op = "ReadFile"
	if err := vcs.CheckFileArgs(vcs.KindGitHub, op, filePath, ref); err != nil {
		return nil, err
	}
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	clean := strings.Trim(filePath, "/")
	if clean == "" {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "file path is empty")
	}
	if f := p.files.Get(repo, clean, ref); f != nil {
		return f, nil // a file at a commit SHA never changes: no request
	}
	// A read at a branch (a tag, the default branch) read before is
	// revalidated: GitHub answers 304 with no body while the ETag still
	// matches, and "making a conditional request does not count against
	// your primary rate limit if a 304 response is returned"
	// (https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate).
	kept, etag := p.files.Tagged(repo, clean, ref)
	u := "repos/" + owner + "/" + name + "/contents/" + rest.PathEscape(clean)
	if ref != "" {
		u += "?ref=" + url.QueryEscape(ref)
	}
	// A file may be larger than an API answer's 32 MB cap.
	req, err := p.client.NewRequest(httpx.WithResponseLimit(ctx, MaxFileSize+1), http.MethodGet, u, nil)
	if err != nil {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "%v", err)
	}
	req.Header.Set("Accept", "application/vnd.github.raw")
	if kept != nil {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := p.client.BareDo(req)
	if kept != nil && resp != nil && resp.StatusCode == http.StatusNotModified {
		if resp.Body != nil {
			resp.Body.Close()
		}
		kept.Ref = ref
		return kept, nil
	}
	if err != nil {
		return nil, p.wrap(op, err)
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxFileSize {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrTooLarge, "%s has %d bytes, more than GitHub's 100 MB limit", clean, resp.ContentLength)
	}
	content, err := httpx.ReadAll(resp.Body, resp.ContentLength, MaxFileSize+1)
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}
	if len(content) > MaxFileSize {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrTooLarge, "%s is larger than GitHub's 100 MB limit", clean)
	}
	// The raw media type does not apply to directories: GitHub answers
	// with the JSON listing instead.
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") && bytes.HasPrefix(bytes.TrimSpace(content), []byte("[")) {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "%s is a directory; use ListDirectory", clean)
	}
	// GitHub's strong ETag on a raw contents answer is the blob SHA
	// (observed on api.github.com, e.g. octocat/Hello-World README; not
	// documented): check the content against it, so that a body cut
	// short with a matching Content-Length is an error, not a short file.
	sha := strings.Trim(strings.TrimPrefix(resp.Header.Get("ETag"), "W/"), `"`)
	if !strings.HasPrefix(resp.Header.Get("ETag"), "W/") {
		if err := httpx.CheckBlob(vcs.KindGitHub, op, clean, sha, content); err != nil {
			return nil, err
		}
	}
	f := &vcs.File{Path: clean, Ref: ref, SHA: sha, Content: content}
	// Kept by commit SHA (Put), or with its ETag at a moving ref
	// (PutTagged); each ignores the other kind of ref.
	p.files.PutTagged(repo, clean, ref, resp.Header.Get("ETag"), f)
	return p.files.Put(repo, clean, ref, f), nil
}

// ListDirectory lists dir at ref through the Git trees API, which, unlike
// the contents API, has no 1,000-entry limit. It resolves ref (a branch,
// also one with slashes, a tag or a commit SHA) to its root tree, walks
// down to dir, then lists it (recursively when asked). When GitHub
// truncates a recursive tree (over 100,000 entries or 7 MB) it fetches the
// subtrees one at a time instead, so the listing is complete; should a
// single level come back truncated, the entries are returned with an error
// matching vcs.ErrTruncated. Symbolic links and submodules are listed as
// vcs.EntrySymlink and vcs.EntrySubmodule; a dir that is a file is
// vcs.ErrInvalidArgument.
//
// GitHub API docs:
//   - GET /repos/{owner}/{repo}/commits?sha={ref}&per_page=1 (the root tree)
//   - GET /repos/{owner}/{repo}/git/trees/{tree_sha}[?recursive=1]
func (p *Provider) ListDirectory(ctx context.Context, repo, dir, ref string, recursive bool) ([]*vcs.TreeEntry, error) {
	const op = "ListDirectory"
	if err := vcs.CheckFileArgs(vcs.KindGitHub, op, dir, ref); err != nil {
		return nil, err
	}
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	// Resolve the ref (branch, tag or SHA; branch names may hold slashes)
	// to its root tree through a query parameter, which no path escaping
	// can get wrong.
	commits, _, err := p.client.Repositories.ListCommits(ctx, owner, name, &gh.CommitsListOptions{SHA: ref, ListOptions: gh.ListOptions{PerPage: 1}})
	if err != nil {
		return nil, p.wrap(op, err)
	}
	if len(commits) == 0 || commits[0].GetCommit().GetTree().GetSHA() == "" {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrNotFound, "ref %q has no commits", ref)
	}
	if ref == "" {
		ref = "the default branch"
	}
	dir = strings.Trim(dir, "/")
	treeSHA := commits[0].GetCommit().GetTree().GetSHA()
	walked := ""
	if dir != "" {
		for _, seg := range strings.Split(dir, "/") {
			tree, _, err := p.client.Git.GetTree(ctx, owner, name, url.PathEscape(treeSHA), false)
			if err != nil {
				return nil, p.wrap(op, err)
			}
			next := ""
			for _, e := range tree.Entries {
				if e.GetPath() == seg {
					if e.GetType() != "tree" {
						return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "%s is not a directory", path.Join(walked, seg))
					}
					next = e.GetSHA()
				}
			}
			if next == "" && tree.GetTruncated() {
				return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrTruncated, "GitHub truncated the listing of %s at %s before %s", walked, ref, seg)
			}
			if next == "" {
				return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrNotFound, "directory %s not found at %s", dir, ref)
			}
			treeSHA, walked = next, path.Join(walked, seg)
		}
	}
	return p.listTree(ctx, owner, name, treeSHA, dir, recursive)
}

func (p *Provider) listTree(ctx context.Context, owner, name, sha, prefix string, recursive bool) ([]*vcs.TreeEntry, error) {
	tree, _, err := p.client.Git.GetTree(ctx, owner, name, url.PathEscape(sha), recursive)
	if err != nil {
		return nil, p.wrap("ListDirectory", err)
	}
	if recursive && tree.GetTruncated() {
		// Too large for one answer: list this level and descend.
		return p.walkTree(ctx, owner, name, sha, prefix)
	}
	out := make([]*vcs.TreeEntry, 0, len(tree.Entries))
	for _, e := range tree.Entries {
		out = append(out, toEntry(prefix, e))
	}
	if tree.GetTruncated() {
		// One level alone was too large: nothing smaller to ask for.
		return out, vcs.Errorf(vcs.KindGitHub, "ListDirectory", vcs.ErrTruncated, "GitHub truncated the tree of %q at %d entries", "/"+prefix, len(out))
	}
	return out, nil
}

func (p *Provider) walkTree(ctx context.Context, owner, name, sha, prefix string) ([]*vcs.TreeEntry, error) {
	level, err := p.listTree(ctx, owner, name, sha, prefix, false)
	if err != nil {
		return level, err
	}
	var out []*vcs.TreeEntry
	for _, e := range level {
		out = append(out, e)
		if e.Type == vcs.EntryDirectory {
			sub, err := p.listTree(ctx, owner, name, e.SHA, e.Path, true)
			out = append(out, sub...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

func toEntry(prefix string, e *gh.TreeEntry) *vcs.TreeEntry {
	full := path.Join(prefix, e.GetPath())
	t := vcs.EntryFile
	switch {
	case e.GetType() == "tree":
		t = vcs.EntryDirectory
	case e.GetType() == "commit":
		t = vcs.EntrySubmodule
	case e.GetMode() == "120000":
		t = vcs.EntrySymlink
	}
	size := int64(-1)
	if e.Size != nil {
		size = int64(e.GetSize())
	}
	return &vcs.TreeEntry{Path: full, Name: path.Base(full), Type: t, SHA: e.GetSHA(), Size: size}
}
