package fakegit

import (
	"errors"
	"testing"
	"time"
)

func TestBlobFindsAnyCommitsBlob(t *testing.T) {
	s := NewStore(time.Now)
	if _, err := s.CreateRepo("o/r", "main", true, map[string]string{"a.sql": "one"}); err != nil {
		t.Fatal(err)
	}
	two := "two"
	if _, err := s.Commit("o/r", "main", map[string]*string{"a.sql": &two}); err != nil {
		t.Fatal(err)
	}
	// Both the old content (no longer at any branch head) and the new one.
	for _, want := range []string{"one", "two"} {
		b, err := s.Blob("o/r", BlobSHA([]byte(want)))
		if err != nil || string(b) != want {
			t.Errorf("Blob(%q) = %q, %v", want, b, err)
		}
	}
	three := "three"
	if _, err := s.Commit("o/r", "f", map[string]*string{"b.sql": &three}); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Blob("o/r", BlobSHA([]byte(three))); err != nil || string(b) != three {
		t.Errorf("a blob committed after the first look-up: %q, %v", b, err)
	}
	if _, err := s.Blob("o/r", BlobSHA([]byte("never"))); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown blob: %v, want ErrNotFound", err)
	}
}
