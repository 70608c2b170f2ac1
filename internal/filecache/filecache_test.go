package filecache

import (
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

const sha1 = "0123456789abcdef0123456789abcdef01234567"

func TestIsCommitSHA(t *testing.T) {
	for ref, want := range map[string]bool{
		sha1:                    true,
		strings.ToUpper(sha1):   true,
		strings.Repeat("a", 64): true,
		sha1[:7]:                false,
		"main":                  false,
		strings.Repeat("g", 40): false,
		"":                      false,
	} {
		if IsCommitSHA(ref) != want {
			t.Errorf("IsCommitSHA(%q) = %v", ref, !want)
		}
	}
}

func TestGetPut(t *testing.T) {
	c := New(1 << 10)
	if c.Get("o/r", "a.sql", sha1) != nil {
		t.Fatal("empty cache answered")
	}
	f := &vcs.File{Path: "a.sql", Ref: sha1, Content: []byte("x")}
	c.Put("o/r", "a.sql", sha1, f)
	f.Content[0] = 'y' // the caller's copy is its own
	got := c.Get("O/R", "/a.sql", strings.ToUpper(sha1))
	if got == nil || string(got.Content) != "x" || got.Path != "a.sql" {
		t.Fatalf("Get = %+v, want the stored copy", got)
	}
	got.Content[0] = 'z'
	if string(c.Get("o/r", "a.sql", sha1).Content) != "x" {
		t.Error("a caller changed the cached content")
	}
	c.Put("o/r", "b.sql", "main", &vcs.File{Content: []byte("b")})
	if c.Get("o/r", "b.sql", "main") != nil {
		t.Error("a branch read was cached")
	}
	var nilCache *Cache
	if nilCache.Get("o/r", "a.sql", sha1) != nil || nilCache.Put("o/r", "a.sql", sha1, f) != f {
		t.Error("a nil cache must cache nothing")
	}
}

func TestBoundedBySize(t *testing.T) {
	c := New(800) // files of up to 100 bytes are kept
	c.Put("o/r", "big", sha1, &vcs.File{Content: make([]byte, 101)})
	if n, _ := c.Len(); n != 0 {
		t.Fatal("a file over an eighth of the cache was kept")
	}
	for i := range 10 {
		c.Put("o/r", string(rune('a'+i)), sha1, &vcs.File{Content: make([]byte, 100)})
		c.Get("o/r", "a", sha1) // a stays recently used
	}
	n, used := c.Len()
	if n != 8 || used != 800 {
		t.Fatalf("%d files, %d bytes; want 8 and 800", n, used)
	}
	if c.Get("o/r", "a", sha1) == nil || c.Get("o/r", "b", sha1) != nil {
		t.Error("want the least recently used (b) evicted and a kept")
	}
}

func TestAllowAbbreviated(t *testing.T) {
	c := New(0)
	c.Put("o/r", "a", sha1[:12], &vcs.File{Content: []byte("x")})
	if n, _ := c.Len(); n != 0 {
		t.Fatal("an abbreviated SHA was cached by default")
	}
	c.AllowAbbreviated(12)
	c.Put("o/r", "a", sha1[:12], &vcs.File{Content: []byte("x")})
	c.Put("o/r", "b", sha1[:11], &vcs.File{Content: []byte("x")})
	c.Put("o/r", "c", "main-branch1", &vcs.File{Content: []byte("x")})
	if c.Get("o/r", "a", sha1[:12]) == nil {
		t.Error("a 12-digit abbreviation was not cached")
	}
	if n, _ := c.Len(); n != 1 {
		t.Errorf("%d files cached, want only the 12-digit abbreviation", n)
	}
}

func TestTaggedKeepsTheETagAtAMovingRef(t *testing.T) {
	c := New(80)
	if f, etag := c.Tagged("o/r", "a.sql", "main"); f != nil || etag != "" {
		t.Fatalf("empty cache answered %v %q", f, etag)
	}
	c.PutTagged("o/r", "a.sql", "main", `"e1"`, &vcs.File{Path: "a.sql", Ref: "main", Content: []byte("one")})
	f, etag := c.Tagged("o/r", "/a.sql", "main")
	if f == nil || string(f.Content) != "one" || etag != `"e1"` {
		t.Fatalf("Tagged = %v %q", f, etag)
	}
	f.Content[0] = 'X' // the caller's copy is its own
	if f, _ := c.Tagged("o/r", "a.sql", "main"); string(f.Content) != "one" {
		t.Fatalf("the kept copy changed: %q", f.Content)
	}
	if f, _ := c.Tagged("o/r", "a.sql", "Main"); f != nil {
		t.Fatal("branch names are case-sensitive")
	}
	if f := c.Get("o/r", "a.sql", "main"); f != nil {
		t.Fatal("Get answered a read at a branch")
	}
	// A commit SHA is never kept as tagged.
	sha := "0123456789012345678901234567890123456789"
	c.PutTagged("o/r", "a.sql", sha, `"e"`, &vcs.File{Content: []byte("x")})
	if f, _ := c.Tagged("o/r", "a.sql", sha); f != nil {
		t.Fatal("Tagged answered at a commit SHA")
	}
	// No ETag drops what was kept; the byte bound holds.
	c.PutTagged("o/r", "a.sql", "main", "", &vcs.File{Content: []byte("two")})
	if f, _ := c.Tagged("o/r", "a.sql", "main"); f != nil {
		t.Fatal("a read without an ETag left the old copy")
	}
	for i := range 20 {
		c.PutTagged("o/r", "f"+string(rune('a'+i)), "main", `"e"`, &vcs.File{Content: []byte("0123456789")})
	}
	if _, n := c.Len(); n > 80 {
		t.Fatalf("%d bytes kept, bound 80", n)
	}
}
