package azuredevops

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/batchread"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// scopeCodeManage is the PAT scope Azure DevOps Server 2022 documents for
// the blobs zip (vso.code_manage in specification/git/7.0/git.json, as in
// every version before 7.1; 7.1 lists vso.code).
const scopeCodeManage = "Code (Read, write, & manage)"

// MaxBatchZipSize is the largest zip one batched read accepts, in bytes.
// Azure DevOps documents no limit for the blobs zip; this is the
// library's own cap, so that ten batches in flight (vcs.DefaultBatchHeld)
// hold at most 160 MB of answers. A larger zip is never cut: its blobs
// are asked for again in two halves, and a single blob over the cap is
// read with ReadFile (whose cap is MaxFileSize).
const MaxBatchZipSize = 16 << 20

// maxBatchZip is MaxBatchZipSize; tests lower it.
var maxBatchZip int64 = MaxBatchZipSize

// inflateFactor bounds what one zip may inflate to: at most this many
// times its own size in total (and MaxFileSize for one entry), so that a
// zip bomb costs bounded memory. Blobs past the bound are read with
// ReadFile, which has its own cap.
const inflateFactor = 8

// ReadFiles reads many files at ref in two requests (vcs.BatchReader;
// vcs.StreamChangedFiles and vcs.ReadChangedFiles call it with at most
// vcs.MaxBatchRead paths) and returns them in the order of paths:
//
//  1. POST …/itemsbatch resolves every path at ref to its blob's object
//     ID, with the same version descriptor as ReadFile (a plain name is a
//     branch, then a tag);
//  2. POST …/blobs with the object IDs answers one zip whose entries are
//     named by object ID ("NOTE: The filenames in the zip archive are the
//     blob ids", microsoft/azure-devops-rust-api,
//     examples/git_repo_download_zip.rs; the REST docs are silent), asked
//     for with Accept: application/zip (the same example sets it: the
//     operation produces only application/zip).
//
// Each content is checked against its object ID (the git blob SHA-1). A
// file the batch cannot carry — a folder or submodule, a Git LFS pointer
// (the zip holds the pointer, ReadFile resolves it), a blob over
// MaxFileSize or past the zip's inflation bound, a content that does not
// hash to its ID, or missing from the zip — is read with ReadFile, which
// also gives the REST errors (vcs.ErrNotFound, vcs.ErrTooLarge). When a
// batch request fails for any reason but the rate limit or the caller's
// context (e.g. a path that does not exist, which fails the whole
// itemsbatch), every file it was for is read with ReadFile. Binary files
// need no fallback: the zip carries bytes.
//
// Azure DevOps Server 2022 (api-version 7.0) documents the blobs zip with
// the vso.code_manage scope; a PAT without it is refused, and the
// provider then reads with ReadFile until SetToken (one refused request,
// not one per batch). Files at a commit SHA are answered from the same
// cache as ReadFile.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/itemsbatch ("Items - Get Items Batch", GitItemRequestData{itemDescriptors:[{path, version, versionType}]}),
// POST {org}/{project}/_apis/git/repositories/{repo}/blobs ("Blobs - Get Blobs Zip", body: the blob IDs; Accept: application/zip)
func (p *Provider) ReadFiles(ctx context.Context, repo, ref string, paths []string) ([]*vcs.File, error) {
	const op = "ReadFiles"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	b, err := batchread.Plan(vcs.KindAzureDevOps, op, p.files, repo, ref, paths)
	if err != nil {
		return nil, err
	}
	if len(b.Ask) > 0 && !p.zipRefused.Load() {
		ids, err := p.resolveBlobs(ctx, r, ref, b)
		var blobs map[string][]byte // content by object ID
		if err == nil {
			blobs, err = p.readBlobs(ctx, r, ids)
		}
		if batchread.Fatal(ctx, err) {
			return nil, err
		}
		if err == nil { // otherwise Finish reads every file alone
			for k, i := range b.Ask {
				if content, ok := blobs[ids[k]]; ok && ids[k] != "" && !batchread.IsLFSPointer(content) {
					b.Accept(i, ids[k], content)
				}
			}
		}
	}
	return b.Finish(ctx, func(ctx context.Context, path string) (*vcs.File, error) { return p.ReadFile(ctx, repo, path, ref) })
}

// itemDescriptor is a GitItemDescriptor.
type itemDescriptor struct {
	Path        string `json:"path"`
	Version     string `json:"version,omitempty"`
	VersionType string `json:"versionType,omitempty"`
}

// resolveBlobs asks itemsbatch for the batch's Ask at ref and returns
// the blob object ID of each, in that order ("" for an item that is not
// a blob, such as a folder or a submodule).
func (p *Provider) resolveBlobs(ctx context.Context, r repoRef, ref string, b *batchread.Batch) ([]string, error) {
	const op = "ReadFiles"
	want := make([]string, len(b.Ask)) // the item path each descriptor names
	for k, i := range b.Ask {
		want[k] = "/" + b.Path(i)
	}
	// The answer's value holds one list of items per descriptor, in the
	// order of the descriptors (the description's httpExamples,
	// POST__git_repositories__repositoryId__itemsBatch.json); each item
	// names its path, so the lists are matched by path, not trusted by
	// position.
	var items collection[[]gitItem]
	err := withVersion(ref, func(v version) error {
		descs := make([]itemDescriptor, len(want))
		for k, w := range want {
			// No version means the default branch, as for GET …/items
			// (unconfirmed for itemsbatch: its docs are silent).
			descs[k] = itemDescriptor{Path: w, Version: v.Version, VersionType: v.Type}
		}
		body := map[string]any{"itemDescriptors": descs, "includeContentMetadata": false}
		items = collection[[]gitItem]{}
		_, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.gitPath("itemsbatch"), Body: body, Scope: scopeCodeRead}, &items)
		return err
	})
	if err != nil {
		return nil, err
	}
	byPath := make(map[string]gitItem, len(want))
	for _, list := range items.Value {
		for _, it := range list {
			byPath[it.Path] = it
		}
	}
	ids := make([]string, len(want))
	for k, w := range want {
		it, ok := byPath[w]
		if ok && it.GitObjectType == "blob" && !it.IsFolder && isSHA(it.ObjectID) {
			ids[k] = strings.ToLower(it.ObjectID)
		}
	}
	return ids, nil
}

// readBlobs reads the blobs named in ids (duplicates and "" skipped) from
// blobs zips and returns their contents by object ID. A zip over
// maxBatchZip is asked for again in halves; a single blob whose zip is
// over the cap is left out (ReadFile reads it, or says it is too large).
func (p *Provider) readBlobs(ctx context.Context, r repoRef, ids []string) (map[string][]byte, error) {
	seen := map[string]bool{}
	var uniq []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	out := make(map[string][]byte, len(uniq))
	var fetch func(ids []string) error
	fetch = func(ids []string) error {
		if len(ids) == 0 {
			return nil
		}
		err := p.blobsZip(ctx, r, ids, out)
		if errors.Is(err, vcs.ErrTooLarge) && ctx.Err() == nil {
			if len(ids) == 1 {
				return nil
			}
			if err := fetch(ids[:len(ids)/2]); err != nil {
				return err
			}
			return fetch(ids[len(ids)/2:])
		}
		return err
	}
	if err := fetch(uniq); err != nil {
		return nil, err
	}
	return out, nil
}

// blobsZip sends one POST …/blobs and adds the entries of the zip that
// are named by one of ids to out.
func (p *Provider) blobsZip(ctx context.Context, r repoRef, ids []string, out map[string][]byte) error {
	const op = "ReadFiles"
	scope := scopeCodeRead
	if p.inst.APIVersion == APIVersionServer {
		scope = scopeCodeManage
	}
	raw := rest.Raw{Limit: maxBatchZip}
	_, err := p.do(ctx, call{Op: op, Method: http.MethodPost, URL: r.gitPath("blobs"), Body: ids, Accept: "application/zip", Scope: scope}, &raw)
	if rest.IsStatus(err, http.StatusUnauthorized) && errors.Is(err, vcs.ErrPermissionDenied) {
		// A 401 while the token opens the organization (explain): the
		// PAT lacks the zip's scope (on Server, Code (Read, write, &
		// manage)). Do not ask again with this token. A 403 is about
		// the user's permission on one repository and is not kept.
		p.zipRefused.Store(true)
	}
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(bytes.NewReader(raw.Bytes), int64(len(raw.Bytes)))
	if err != nil {
		return &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrInvalidPayload,
			Message: "the blobs answer is not a zip: " + err.Error(),
			Hint:    "try again; if it persists, a proxy between the library and Azure DevOps is changing answers"}
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	budget := inflateFactor * max(int64(len(raw.Bytes)), 1<<20)
	for _, f := range zr.File {
		id := strings.ToLower(f.Name)
		if !want[id] || out[id] != nil || f.FileInfo().IsDir() {
			continue
		}
		limit := min(maxFileSize, budget)
		if f.UncompressedSize64 > uint64(limit) {
			continue // over a bound: ReadFile reads it
		}
		content, ok := readEntry(f, limit)
		if !ok {
			continue
		}
		budget -= int64(len(content))
		out[id] = content
	}
	return nil
}

// readEntry inflates one zip entry, at most limit bytes: an entry that
// inflates past limit (whatever its header claims) or fails to inflate is
// not ok.
func readEntry(f *zip.File, limit int64) ([]byte, bool) {
	rc, err := f.Open()
	if err != nil {
		return nil, false
	}
	defer rc.Close()
	buf := bytes.NewBuffer(make([]byte, 0, min(int64(f.UncompressedSize64), limit)))
	n, err := io.Copy(buf, io.LimitReader(rc, limit+1))
	if err != nil || n > limit {
		return nil, false
	}
	return buf.Bytes(), true
}

var _ vcs.BatchReader = (*Provider)(nil)
