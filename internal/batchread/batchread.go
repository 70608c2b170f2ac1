// Package batchread holds what the providers' batched file reads
// (vcs.BatchReader: GitHub's and GitLab's GraphQL, Azure DevOps' blobs
// zip) share around their one request: the argument checks and cache
// look-ups before it, the blob checks a batched content must pass to be
// trusted, and the read of every file the batch could not carry, one
// request each.
package batchread

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// Batch is one batched read of paths at ref: the files answered so far
// and the indexes of the paths still to ask the host for.
type Batch struct {
	kind      vcs.Kind
	op        string
	cache     *filecache.Cache
	repo, ref string
	paths     []string // as cleaned: no leading or trailing slash
	out       []*vcs.File

	// Ask holds the indexes (into the paths given to Plan) of the files
	// the cache did not answer, in order: the ones to put in the batch.
	Ask []int
}

// Plan checks every path and the ref (an error before any request, as
// for one ReadFile) and answers from cache the files it holds.
func Plan(k vcs.Kind, op string, cache *filecache.Cache, repo, ref string, paths []string) (*Batch, error) {
	b := &Batch{kind: k, op: op, cache: cache, repo: repo, ref: ref, paths: make([]string, len(paths)), out: make([]*vcs.File, len(paths))}
	for i, fp := range paths {
		if err := vcs.CheckFileArgs(k, op, fp, ref); err != nil {
			return nil, err
		}
		clean := strings.Trim(fp, "/")
		if clean == "" {
			return nil, vcs.Errorf(k, op, vcs.ErrInvalidArgument, "file path is empty")
		}
		b.paths[i] = clean
		if f := cache.Get(repo, clean, ref); f != nil {
			b.out[i] = f
			continue
		}
		b.Ask = append(b.Ask, i)
	}
	return b, nil
}

// Path is the i-th path, cleaned of leading and trailing slashes.
func (b *Batch) Path(i int) string { return b.paths[i] }

// Accept takes content as the i-th file when it hashes to sha, the blob
// object ID the host gave with it (a content cut short or replaced does
// not), keeps it in the cache (at a commit SHA) and reports whether it
// did. A file not accepted is read on its own by Finish.
func (b *Batch) Accept(i int, sha string, content []byte) bool {
	if len(sha) != 40 && len(sha) != 64 {
		return false // no object ID to check against: read it alone
	}
	if httpx.CheckBlob(b.kind, b.op, b.paths[i], sha, content) != nil {
		return false
	}
	b.out[i] = b.cache.Put(b.repo, b.paths[i], b.ref, &vcs.File{Path: b.paths[i], Ref: b.ref, SHA: sha, Content: content})
	return true
}

// Finish reads every file neither the cache nor the batch answered with
// read (the provider's ReadFile, which also gives the REST errors:
// vcs.ErrNotFound, vcs.ErrTooLarge), one after another, and returns the
// files in the order of the paths given to Plan. The first error is
// returned alone.
func (b *Batch) Finish(ctx context.Context, read func(ctx context.Context, path string) (*vcs.File, error)) ([]*vcs.File, error) {
	for i, f := range b.out {
		if f != nil {
			continue
		}
		f, err := read(ctx, b.paths[i])
		if err != nil {
			return nil, err
		}
		b.out[i] = f
	}
	return b.out, nil
}

// Fatal reports whether a failed batch request fails the whole read
// rather than falling back to one read per file: the caller's context
// ended, or the host's rate limit is spent (reading file by file would
// spend more of it). Any other failure (a token the batch endpoint does
// not accept, a path that does not exist) falls back.
func Fatal(ctx context.Context, err error) bool {
	return err != nil && (ctx.Err() != nil || errors.Is(err, vcs.ErrRateLimited))
}

// lfsPointer starts a Git LFS pointer file
// (https://github.com/git-lfs/git-lfs/blob/main/docs/spec.md).
var lfsPointer = []byte("version https://git-lfs.github.com/spec/")

// IsLFSPointer reports whether a blob is a Git LFS pointer, whose content
// is stored elsewhere: a batch that carries the pointer has not read the
// file (GitLab's raw-file endpoint and Azure DevOps' items resolve it).
func IsLFSPointer(blob []byte) bool { return bytes.HasPrefix(blob, lfsPointer) }
