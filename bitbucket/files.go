package bitbucket

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxFileSize is the largest file ReadFile returns, in bytes (100 MB, the
// largest any provider of this module reads); a larger one is
// vcs.ErrTooLarge, never a truncated read. Bitbucket documents no size
// limit of its own for raw src answers.
const MaxFileSize = 100 << 20

// srcEntry is one entry of a src directory listing.
type srcEntry struct {
	Type       string   `json:"type"` // commit_file, commit_directory
	Path       string   `json:"path"`
	Size       *int64   `json:"size"`
	Attributes []string `json:"attributes"`
}

func (e *srcEntry) toVCS() *vcs.TreeEntry {
	out := &vcs.TreeEntry{Path: e.Path, Name: path.Base(e.Path), Type: vcs.EntryFile, Size: -1}
	switch {
	case e.Type == "commit_directory":
		out.Type = vcs.EntryDirectory
	case slices.Contains(e.Attributes, "subrepository"):
		out.Type = vcs.EntrySubmodule
	case slices.Contains(e.Attributes, "link"):
		out.Type = vcs.EntrySymlink
	}
	if e.Size != nil && out.Type != vcs.EntryDirectory {
		out.Size = *e.Size
	}
	return out
}

// isHash reports whether ref looks like a (possibly abbreviated) commit
// hash, which src/{commit} takes as it is.
func isHash(ref string) bool {
	if len(ref) < 7 || len(ref) > 40 {
		return false
	}
	for _, c := range ref {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// resolveRef turns ref into a commit hash for src/{commit}/…: the path
// segment after src is a single segment, so a branch with a slash in its
// name (feature/add-users) cannot be used there directly. An empty ref is
// the repository's main branch.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug} (main branch),
// GET …/refs/branches/{name}, GET …/refs/tags/{name}.
func (p *Provider) resolveRef(ctx context.Context, op, repoAPI, repo, ref string) (string, error) {
	if ref == "" {
		var r repository
		if _, err := p.client.get(ctx, op, repoAPI, nil, &r); err != nil {
			return "", err
		}
		if r.Mainbranch == nil || r.Mainbranch.Name == "" {
			return "", vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrNotFound, "repository %s has no main branch (it is empty)", repo)
		}
		ref = r.Mainbranch.Name
	}
	if isHash(ref) {
		return ref, nil
	}
	kinds := []string{"branches", "tags"}
	if b, ok := strings.CutPrefix(ref, "refs/heads/"); ok {
		ref, kinds = b, []string{"branches"}
	} else if t, ok := strings.CutPrefix(ref, "refs/tags/"); ok {
		ref, kinds = t, []string{"tags"}
	}
	for _, kind := range kinds {
		var r struct {
			Target struct {
				Hash string `json:"hash"`
			} `json:"target"`
		}
		_, err := p.client.get(ctx, op, repoAPI+"/refs/"+kind+"/"+rest.PathEscape(ref), nil, &r)
		if err == nil && r.Target.Hash != "" {
			return r.Target.Hash, nil
		}
		if err != nil && !errors.Is(err, vcs.ErrNotFound) {
			return "", err
		}
	}
	return "", vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrNotFound, "ref %q is not a branch, tag or commit of %s", ref, repo)
}

// ReadFile returns the content of the file at path on ref (a branch, tag
// or commit hash; empty means the main branch).
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/src/{commit}/{path}
// (raw bytes), after resolving ref to a commit (see resolveRef).
func (p *Provider) ReadFile(ctx context.Context, repo, filePath, ref string) (*vcs.File, error) {
	const op = "ReadFile"
	if err := vcs.CheckFileArgs(vcs.KindBitbucket, op, filePath, ref); err != nil {
		return nil, err
	}
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	clean := strings.Trim(filePath, "/")
	if clean == "" {
		return nil, vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "file path is empty")
	}
	if f := p.files.Get(repo, clean, ref); f != nil {
		return f, nil // a file at a commit never changes: no request
	}
	commit, err := p.resolveRef(ctx, op, repoAPI, repo, ref)
	if err != nil {
		return nil, err
	}
	if f := p.files.Get(repo, clean, commit); f != nil {
		f.Ref = ref
		return f, nil // a file at a commit never changes: no request
	}
	raw := rest.Raw{Limit: MaxFileSize}
	_, err = p.client.do(ctx, rest.Request{
		Op: op, Method: http.MethodGet, Path: repoAPI + "/src/" + url.PathEscape(commit) + "/" + rest.PathEscape(clean),
		Header: http.Header{"Accept": {"*/*"}},
	}, &raw)
	if err != nil {
		var ve *vcs.Error
		if errors.Is(err, vcs.ErrNotFound) && errors.As(err, &ve) {
			ve.Message = "no file " + clean + " at " + refName(ref) + " in " + repo
		}
		return nil, err
	}
	if isListing(raw.Bytes, clean) {
		return nil, vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "%q is a directory, not a file; use ListDirectory", clean)
	}
	return p.files.Put(repo, clean, commit, &vcs.File{Path: clean, Ref: ref, Content: raw.Bytes}), nil
}

func refName(ref string) string {
	if ref == "" {
		return "the main branch"
	}
	return ref
}

// isListing tells a src directory listing of dir from the raw bytes of a
// file (a JSON file is served as application/json too): a listing is a
// non-empty page of commit_file / commit_directory entries whose paths lie
// below dir (git has no empty directories). The shape decides, not the
// Content-Type, which a proxy may change (the fault matrix's
// wrong-content-type cell).
func isListing(body []byte, dir string) bool {
	var pg paged[srcEntry]
	if json.Unmarshal(body, &pg) != nil || pg.Pagelen == nil || len(pg.Values) == 0 {
		return false
	}
	for _, e := range pg.Values {
		if e.Type != "commit_file" && e.Type != "commit_directory" {
			return false
		}
		if dir != "" && !strings.HasPrefix(e.Path, dir+"/") {
			return false
		}
	}
	return true
}

// ListDirectory lists the entries below dir ("" is the root) on ref. With
// recursive set it walks every subdirectory, one listing per directory:
// that is exact and never times out, unlike a deep max_depth listing of a
// large repository.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/src/{commit}/{dir}/
// (paginated "values", following "next"), after resolving ref.
func (p *Provider) ListDirectory(ctx context.Context, repo, dir, ref string, recursive bool) ([]*vcs.TreeEntry, error) {
	const op = "ListDirectory"
	if err := vcs.CheckFileArgs(vcs.KindBitbucket, op, dir, ref); err != nil {
		return nil, err
	}
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	dir = strings.Trim(dir, "/")
	commit, err := p.resolveRef(ctx, op, repoAPI, repo, ref)
	if err != nil {
		return nil, err
	}
	var out []*vcs.TreeEntry
	queue := []string{dir}
	for len(queue) > 0 {
		d := queue[0]
		queue = queue[1:]
		entries, err := p.listDir(ctx, op, repoAPI, commit, d)
		if err != nil {
			var ve *vcs.Error
			if errors.Is(err, vcs.ErrNotFound) && errors.As(err, &ve) && ve.StatusCode == http.StatusNotFound {
				ve.Message = "no directory " + d + " at " + refName(ref) + " in " + repo
			}
			return out, err
		}
		for _, e := range entries {
			te := e.toVCS()
			out = append(out, te)
			if recursive && te.Type == vcs.EntryDirectory {
				queue = append(queue, te.Path)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// listDir returns every entry of one directory, following every page.
func (p *Provider) listDir(ctx context.Context, op, repoAPI, commit, dir string) ([]srcEntry, error) {
	u := repoAPI + "/src/" + url.PathEscape(commit) + "/"
	if dir != "" {
		u += rest.PathEscape(dir) + "/"
	}
	var out []srcEntry
	seen := map[string]bool{}
	query := url.Values{"pagelen": {pageLen}}
	for u != "" {
		raw := rest.Raw{Limit: 32 << 20}
		resp, err := p.client.do(ctx, rest.Request{Op: op, Method: http.MethodGet, Path: u, Query: query}, &raw)
		if err != nil {
			return nil, err
		}
		// Only the first answer can be a file's bytes instead of a listing.
		if len(seen) == 0 && !isListing(raw.Bytes, dir) {
			return nil, vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "%q is a file, not a directory; use ReadFile", dir)
		}
		var pg paged[srcEntry]
		if err := json.Unmarshal(raw.Bytes, &pg); err != nil {
			return nil, &vcs.Error{Provider: vcs.KindBitbucket, Op: op, Kind: vcs.ErrUnavailable, StatusCode: resp.StatusCode, Message: "the directory listing is not the expected JSON", Err: err}
		}
		out = append(out, pg.Values...)
		if seen[pg.Next] {
			break
		}
		seen[pg.Next] = true
		u, query = pg.Next, nil
	}
	return out, nil
}
