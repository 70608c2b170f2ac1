// Package filecache keeps files read at a full commit SHA. A file at a
// commit never changes, so a repeated read (a pull request checked again,
// a redelivered webhook, a retry after a partial failure) is answered from
// memory: no request, no rate-limit point. The cache is bounded by the
// bytes it holds and forgets the least recently used files first. A file
// read at a moving ref (a branch) may be kept too, with the host's ETag
// (Tagged, PutTagged), for the provider to revalidate with If-None-Match
// and take back on a 304; both kinds share the byte bound.
package filecache

import (
	"container/list"
	"strings"
	"sync"

	"github.com/gitprovider/gitprovider/vcs"
)

// DefaultMaxBytes is the content a provider's cache holds at most.
const DefaultMaxBytes = 32 << 20

// Cache is a size-bounded LRU cache of files by repository, path and
// commit SHA. The zero value is not usable; call New. A nil *Cache caches
// nothing. It is safe for concurrent use.
type Cache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	order *list.List // of *entry, most recently used first
	byKey map[key]*list.Element
	// abbrev is the shortest abbreviated SHA accepted as a commit (0:
	// only full SHAs).
	abbrev int
}

type key struct {
	repo, path, sha string
	// tagged marks an entry kept at a branch (or another moving ref)
	// with the ETag to revalidate it; sha is then the ref as spelled.
	tagged bool
}

type entry struct {
	key  key
	file vcs.File
	etag string
}

// New returns a cache holding up to maxBytes of content (0 means
// DefaultMaxBytes). A file larger than an eighth of that is not kept, so
// that one big file cannot flush the rest.
func New(maxBytes int64) *Cache {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Cache{max: maxBytes, order: list.New(), byKey: map[key]*list.Element{}}
}

// IsCommitSHA reports whether ref is a full commit SHA (SHA-1 or SHA-256,
// lower- or upper-case hex), the only refs whose content never changes.
// Branches, tags and abbreviated SHAs can move or become ambiguous.
func IsCommitSHA(ref string) bool {
	if len(ref) != 40 && len(ref) != 64 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// AllowAbbreviated makes c also keep files read at abbreviated commit
// SHAs of at least n hex digits, and returns c. It is for hosts that name
// commits only by such abbreviations (Bitbucket Cloud's pull requests give
// 12): the abbreviation named one commit when the host gave it, and the
// cache keeps answering for that commit.
func (c *Cache) AllowAbbreviated(n int) *Cache {
	c.abbrev = n
	return c
}

func (c *Cache) isCommit(ref string) bool {
	if IsCommitSHA(ref) {
		return true
	}
	if c.abbrev <= 0 || len(ref) < c.abbrev || len(ref) > 64 {
		return false
	}
	return IsCommitSHA(ref + strings.Repeat("0", 40-min(len(ref), 40)))
}

func keyOf(repo, path, sha string) key {
	return key{repo: strings.ToLower(repo), path: strings.Trim(path, "/"), sha: strings.ToLower(sha)}
}

// Get returns a copy of the file at path in repo at commit sha, with Ref
// set to sha, or nil when it is not cached (or sha is not a full commit
// SHA).
func (c *Cache) Get(repo, path, sha string) *vcs.File {
	if c == nil || !c.isCommit(sha) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[keyOf(repo, path, sha)]
	if el == nil {
		return nil
	}
	c.order.MoveToFront(el)
	f := el.Value.(*entry).file
	f.Content = append([]byte(nil), f.Content...) // the caller may change it
	f.Ref = sha                                   // as the caller spelled it
	return &f
}

// Put keeps a copy of f as the file at path in repo at commit sha, when
// sha is a full commit SHA, and returns f.
func (c *Cache) Put(repo, path, sha string, f *vcs.File) *vcs.File {
	if c == nil || f == nil || !c.isCommit(sha) {
		return f
	}
	size := int64(len(f.Content))
	if size > c.max/8 {
		return f
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.store(keyOf(repo, path, sha), "", f)
	return f
}

// store replaces what is kept under k with a copy of f and evicts the
// least recently used copies beyond the bound. The caller holds c.mu; an
// empty etag with a moving ref is the caller's to refuse.
func (c *Cache) store(k key, etag string, f *vcs.File) {
	c.drop(k)
	e := &entry{key: k, file: *f, etag: etag}
	e.file.Content = append([]byte(nil), f.Content...)
	c.byKey[k] = c.order.PushFront(e)
	c.used += int64(len(f.Content))
	for c.used > c.max {
		c.drop(c.order.Back().Value.(*entry).key)
	}
}

// drop forgets what is kept under k. The caller holds c.mu.
func (c *Cache) drop(k key) {
	if el := c.byKey[k]; el != nil {
		c.used -= int64(len(el.Value.(*entry).file.Content))
		c.order.Remove(el)
		delete(c.byKey, k)
	}
}

// Len returns how many files the cache holds, and their bytes.
func (c *Cache) Len() (files int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byKey), c.used
}

// Tagged returns a copy of the file last read at ref (a branch, a tag or
// "" for the default branch; not a commit SHA, which Get answers) and the
// ETag the host sent with it, or nil and "" when none is kept. The caller
// revalidates it with If-None-Match: the ref may have moved since.
func (c *Cache) Tagged(repo, path, ref string) (*vcs.File, string) {
	if c == nil || c.isCommit(ref) {
		return nil, ""
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.byKey[taggedKey(repo, path, ref)]
	if el == nil {
		return nil, ""
	}
	c.order.MoveToFront(el)
	e := el.Value.(*entry)
	f := e.file
	f.Content = append([]byte(nil), f.Content...)
	return &f, e.etag
}

// PutTagged keeps a copy of f, read at the moving ref with the given
// ETag, within the same byte bound as Put (it replaces the copy kept at
// ref before), and returns f. Without an ETag nothing is kept, and the
// copy kept before is dropped.
func (c *Cache) PutTagged(repo, path, ref, etag string, f *vcs.File) *vcs.File {
	if c == nil || f == nil || c.isCommit(ref) {
		return f
	}
	k := taggedKey(repo, path, ref)
	c.mu.Lock()
	defer c.mu.Unlock()
	if etag == "" || int64(len(f.Content)) > c.max/8 {
		c.drop(k)
		return f
	}
	c.store(k, etag, f)
	return f
}

// taggedKey keeps the ref as spelled: branch names are case-sensitive.
func taggedKey(repo, path, ref string) key {
	return key{repo: strings.ToLower(repo), path: strings.Trim(path, "/"), sha: ref, tagged: true}
}
