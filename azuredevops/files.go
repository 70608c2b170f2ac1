package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// version is an items-API version descriptor.
type version struct {
	Version string
	Type    string // "branch", "tag" or "commit"; empty for the default branch
	// guessed is set when a plain name was taken for a branch: a 404
	// then retries it as a tag.
	guessed bool
}

// versionFor classifies a ref: a 40-hex SHA is a commit, refs/heads/ and
// refs/tags/ say what they are, and any other name is a branch first and a
// tag second.
func versionFor(ref string) version {
	switch {
	case ref == "":
		return version{}
	case strings.HasPrefix(ref, "refs/heads/"):
		return version{Version: strings.TrimPrefix(ref, "refs/heads/"), Type: "branch"}
	case strings.HasPrefix(ref, "refs/tags/"):
		return version{Version: strings.TrimPrefix(ref, "refs/tags/"), Type: "tag"}
	case isSHA(ref):
		return version{Version: strings.ToLower(ref), Type: "commit"}
	}
	return version{Version: ref, Type: "branch", guessed: true}
}

func isSHA(s string) bool {
	if len(s) != 40 {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func (v version) set(q url.Values) {
	if v.Type == "" {
		return
	}
	q.Set("versionDescriptor.version", v.Version)
	q.Set("versionDescriptor.versionType", v.Type)
}

// itemNotFound reports whether a 404 says the item (not the version) is
// missing: TF401174 names a missing item at a version that resolved.
func itemNotFound(err error) bool {
	var ve *vcs.Error
	return errors.As(err, &ve) && strings.Contains(ve.Message, "TF401174")
}

// withVersion runs fn with the version of ref, and once more as a tag when
// a plain name did not resolve as a branch.
func withVersion(ref string, fn func(v version) error) error {
	v := versionFor(ref)
	err := fn(v)
	if err != nil && v.guessed && errors.Is(err, vcs.ErrNotFound) && !itemNotFound(err) {
		v.Type = "tag"
		if err2 := fn(v); err2 == nil || !errors.Is(err2, vcs.ErrNotFound) {
			return err2
		}
	}
	return err
}

// refName names ref in a hint ("the default branch" for none).
func refName(ref string) string {
	if ref == "" {
		return "the default branch"
	}
	return fmt.Sprintf("%q", ref)
}

// MaxFileSize is the largest file ReadFile returns, in bytes. Azure DevOps
// documents no size limit for the items API; this is the library's own cap
// (the same 100 MB as GitHub's), so that a stray binary cannot exhaust
// memory. A larger file is vcs.ErrTooLarge, never a truncated read.
const MaxFileSize = 100 << 20

// maxFileSize is MaxFileSize; tests lower it.
var maxFileSize int64 = MaxFileSize

// ReadFile returns the raw content of the file at path on ref, up to
// MaxFileSize. A 40-hex ref is read as a commit; another name as a branch,
// then as a tag when no branch has that name. Git LFS pointers are
// resolved to the stored content (resolveLfs).
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/items?path=&versionDescriptor.version=&versionDescriptor.versionType=branch|tag|commit&resolveLfs=true (Accept: application/octet-stream)
func (p *Provider) ReadFile(ctx context.Context, repo, filePath, ref string) (*vcs.File, error) {
	const op = "ReadFile"
	if err := vcs.CheckFileArgs(vcs.KindAzureDevOps, op, filePath, ref); err != nil {
		return nil, err
	}
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	clean := strings.Trim(filePath, "/")
	if clean == "" {
		return nil, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrInvalidArgument, "file path is empty")
	}
	if f := p.files.Get(repo, clean, ref); f != nil {
		return f, nil // a file at a commit SHA never changes: no request
	}
	var raw rest.Raw
	err = withVersion(ref, func(v version) error {
		// Accept: application/octet-stream asks for the bytes; $format is
		// documented for "json" and "zip" only, so it is not sent.
		q := url.Values{"path": {"/" + clean}, "download": {"false"}, "resolveLfs": {"true"}}
		v.set(q)
		raw = rest.Raw{Limit: maxFileSize}
		_, err := p.do(ctx, call{Op: op, URL: r.gitPath("items"), Query: q, Accept: "application/octet-stream", Scope: scopeCodeRead}, &raw)
		return err
	})
	if errors.Is(err, vcs.ErrTooLarge) {
		return nil, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrTooLarge, "%s is larger than %d bytes (azuredevops.MaxFileSize)", clean, maxFileSize)
	}
	var ve *vcs.Error
	if errors.As(err, &ve) && errors.Is(err, vcs.ErrNotFound) && ve.Hint == "" {
		// TF401174: the item is missing at a version that resolved;
		// TF401175: the version did not resolve.
		switch {
		case itemNotFound(err):
			ve.Hint = fmt.Sprintf("check the path: %s does not exist at %s (paths are case-sensitive)", clean, refName(ref))
		case strings.Contains(ve.Message, "TF401175"):
			ve.Hint = fmt.Sprintf("check the ref: %s names no branch, tag or commit of %s", refName(ref), repo)
		}
	}
	if err != nil {
		return nil, err
	}
	return p.files.Put(repo, clean, ref, &vcs.File{Path: clean, Ref: ref, Content: raw.Bytes}), nil
}

type gitItem struct {
	ObjectID      string `json:"objectId"`
	GitObjectType string `json:"gitObjectType"`
	Path          string `json:"path"`
	IsFolder      bool   `json:"isFolder"`
}

// ListDirectory lists the entries below dir on ref, in one answer (the
// items API does not page a listing). The answer holds the directory
// itself, which is dropped. Azure gives no sizes in a listing: Size is -1.
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/items?scopePath=&recursionLevel=oneLevel|full&versionDescriptor.version=&versionDescriptor.versionType=
func (p *Provider) ListDirectory(ctx context.Context, repo, dir, ref string, recursive bool) ([]*vcs.TreeEntry, error) {
	const op = "ListDirectory"
	if err := vcs.CheckFileArgs(vcs.KindAzureDevOps, op, dir, ref); err != nil {
		return nil, err
	}
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	scope := "/" + strings.Trim(dir, "/")
	level := "oneLevel" // VersionControlRecursionType, as the description spells it
	if recursive {
		level = "full"
	}
	var items collection[gitItem]
	err = withVersion(ref, func(v version) error {
		q := url.Values{"scopePath": {scope}, "recursionLevel": {level}}
		v.set(q)
		items = collection[gitItem]{}
		_, err := p.do(ctx, call{Op: op, URL: r.gitPath("items"), Query: q, Scope: scopeCodeRead}, &items)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]*vcs.TreeEntry, 0, len(items.Value))
	for _, it := range items.Value {
		if it.Path == scope || strings.TrimSuffix(it.Path, "/") == strings.TrimSuffix(scope, "/") {
			if !it.IsFolder && it.GitObjectType != "tree" {
				return nil, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrInvalidArgument, "%q is a file, not a directory", strings.Trim(dir, "/"))
			}
			continue
		}
		e := &vcs.TreeEntry{Path: strings.TrimPrefix(it.Path, "/"), SHA: it.ObjectID, Size: -1, Type: vcs.EntryFile}
		e.Name = path.Base(e.Path)
		switch {
		case it.IsFolder || it.GitObjectType == "tree":
			e.Type = vcs.EntryDirectory
		case it.GitObjectType == "commit":
			e.Type = vcs.EntrySubmodule
		}
		out = append(out, e)
	}
	return out, nil
}
