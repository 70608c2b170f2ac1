package gitlab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/batchread"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxFileSize is the largest file ReadFile returns (100 MB). GitLab
// documents no size limit for the raw file endpoint; this is the library's
// own cap, the same as GitHub's, below its response size limit. A larger
// file is vcs.ErrTooLarge, never a truncated read.
const MaxFileSize = 100 << 20

// maxFileSize is MaxFileSize; tests lower it.
var maxFileSize int64 = MaxFileSize

// errFileTooLarge stops reading a raw file past maxFileSize.
var errFileTooLarge = errors.New("file exceeds MaxFileSize")

// cappedBuffer collects a file's bytes up to maxFileSize. The GitLab
// client copies the answer into it with io.Copy; ReadFrom reads straight
// into the buffer (growing from 512 bytes as bytes.Buffer does), so a read
// does not allocate io.Copy's 32 KiB transfer buffer.
type cappedBuffer struct{ buf bytes.Buffer }

// ReadFrom reads r to its end, or fails with errFileTooLarge one byte past
// maxFileSize.
func (b *cappedBuffer) ReadFrom(r io.Reader) (int64, error) {
	n, err := b.buf.ReadFrom(io.LimitReader(r, maxFileSize-int64(b.buf.Len())+1))
	if err == nil && int64(b.buf.Len()) > maxFileSize {
		err = errFileTooLarge
	}
	return n, err
}

// bytes returns what was read, without the buffer's slack when it is
// more than a quarter of the content (a small file keeps no 512-byte or
// doubled-capacity tail alive).
func (b *cappedBuffer) bytes() []byte {
	content := b.buf.Bytes()
	if content == nil {
		return []byte{}
	}
	if cap(content)-len(content) > len(content)/4 {
		return bytes.Clone(content)
	}
	return content
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if int64(b.buf.Len()+len(p)) > maxFileSize {
		return 0, errFileTooLarge
	}
	return b.buf.Write(p)
}

// ReadFile returns a file's raw bytes at ref (empty: the default branch).
// The raw endpoint returns the content as is, with no base64 inflation;
// Git LFS files are read through to their content. A file over
// MaxFileSize is vcs.ErrTooLarge; the read stops at the cap.
//
// GitLab API docs: GET /projects/:id/repository/files/:file_path/raw?ref=&lfs=true
func (p *Provider) ReadFile(ctx context.Context, repo, filePath, ref string) (*vcs.File, error) {
	const op = "ReadFile"
	if err := vcs.CheckFileArgs(kind, op, filePath, ref); err != nil {
		return nil, err
	}
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	clean := strings.Trim(filePath, "/")
	if clean == "" {
		return nil, vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "file path is empty")
	}
	if f := p.files.Get(repo, clean, ref); f != nil {
		return f, nil // a file at a commit SHA never changes: no request
	}
	// lfs=true returns an LFS-tracked file's content rather than its
	// pointer (GitLab 15.6+; older versions ignore it).
	opt := &gl.GetRawFileOptions{LFS: gl.Ptr(true)}
	if ref != "" {
		opt.Ref = gl.Ptr(ref) // GitLab refuses an empty ref= (allow_blank: false)
	}
	// A file may be larger than an API answer's 32 MB cap.
	req, err := p.client.NewRequest(http.MethodGet,
		"projects/"+gl.PathEscape(id)+"/repository/files/"+gl.PathEscape(clean)+"/raw", opt, []gl.RequestOptionFunc{reqCtx(httpx.WithResponseLimit(ctx, maxFileSize+1))})
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}
	var buf cappedBuffer
	resp, err := p.client.Do(req, &buf)
	if errors.Is(err, errFileTooLarge) {
		return nil, vcs.Errorf(kind, op, vcs.ErrTooLarge, "%s is larger than %d bytes (gitlab.MaxFileSize)", clean, maxFileSize)
	}
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	content := buf.bytes()
	// The raw endpoint names the blob (X-Gitlab-Blob-Id): a body cut
	// short with a matching Content-Length, or a page in its place, does
	// not hash to it. A Git LFS file's content is not its blob (the blob
	// is the LFS pointer): on a mismatch, the pointer is read and the
	// content checked against its oid and size instead.
	sha := resp.Header.Get("X-Gitlab-Blob-Id")
	if err := httpx.CheckBlob(kind, op, clean, sha, content); err != nil && !p.lfsContent(ctx, id, sha, content) {
		return nil, err
	}
	return p.files.Put(repo, clean, ref, &vcs.File{Path: clean, Ref: ref, SHA: sha, Content: content}), nil
}

// lfsContent reports whether blob is a Git LFS pointer (at most 1 KB)
// whose object is content: "oid sha256:HEX" and "size N" lines.
//
// GitLab API docs: GET /projects/:id/repository/blobs/:sha/raw
func (p *Provider) lfsContent(ctx context.Context, id, blob string, content []byte) bool {
	ptr, _, err := p.client.Repositories.RawBlobContent(id, blob, reqCtx(ctx))
	if err != nil || len(ptr) > 1024 || !batchread.IsLFSPointer(ptr) {
		return false
	}
	sum := sha256.Sum256(content)
	return bytes.Contains(ptr, []byte("\noid sha256:"+hex.EncodeToString(sum[:])+"\n")) &&
		bytes.Contains(ptr, []byte("\nsize "+strconv.Itoa(len(content))+"\n"))
}

// ListDirectory lists dir ("" for the root) at ref, every page, with keyset
// pagination. GitLab has no empty directories, so an empty listing of a
// subdirectory means it does not exist (vcs.ErrNotFound), as does GitLab's
// own 404 on newer versions.
//
// GitLab API docs: GET /projects/:id/repository/tree?path=&ref=&recursive=&pagination=keyset
func (p *Provider) ListDirectory(ctx context.Context, repo, dir, ref string, recursive bool) ([]*vcs.TreeEntry, error) {
	const op = "ListDirectory"
	if err := vcs.CheckFileArgs(kind, op, dir, ref); err != nil {
		return nil, err
	}
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	dir = strings.Trim(dir, "/")
	opt := &gl.ListTreeOptions{
		ListOptions: gl.ListOptions{Pagination: "keyset", PerPage: 100},
		Recursive:   gl.Ptr(recursive),
	}
	if dir != "" {
		opt.Path = gl.Ptr(dir)
	}
	if ref != "" {
		opt.Ref = gl.Ptr(ref)
	}
	entries, err := pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.TreeEntry, string, error) {
		opts := []gl.RequestOptionFunc{reqCtx(ctx)}
		if cursor != "" {
			opts = append(opts, gl.WithKeysetPaginationParameters(cursor))
		}
		nodes, resp, err := p.client.Repositories.ListTree(id, opt, opts...)
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.TreeEntry, len(nodes))
		for i, n := range nodes {
			out[i] = treeEntry(n)
		}
		return out, resp.NextLink, nil
	})
	if err != nil {
		return nil, err
	}
	if len(entries) == 0 && dir != "" {
		return nil, vcs.Errorf(kind, op, vcs.ErrNotFound, "no directory %q at ref %q", dir, ref)
	}
	return entries, nil
}

func treeEntry(n *gl.TreeNode) *vcs.TreeEntry {
	e := &vcs.TreeEntry{Path: n.Path, Name: n.Name, SHA: n.ID, Size: -1, Type: vcs.EntryFile}
	if e.Name == "" {
		e.Name = path.Base(n.Path)
	}
	switch {
	case n.Type == "tree":
		e.Type = vcs.EntryDirectory
	case n.Type == "commit":
		e.Type = vcs.EntrySubmodule
	case n.Mode == "120000":
		e.Type = vcs.EntrySymlink
	}
	return e
}
