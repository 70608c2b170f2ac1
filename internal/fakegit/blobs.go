package fakegit

import (
	"fmt"
	"strings"
)

// blobIndex holds a repository's blobs by object ID, over the commits
// indexed so far.
type blobIndex struct {
	byID    map[string][]byte
	indexed map[string]bool // commit SHAs
}

// Blob returns a copy of the blob whose object ID (BlobSHA) is id, found
// in any commit of the repository, as git answers an object lookup; a
// fake host serves it for its blob endpoints (Azure DevOps' blobs zip).
// Commits are indexed on the first lookup after they were made.
func (s *Store) Blob(full, id string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	id = strings.ToLower(id)
	if r.blobs == nil {
		r.blobs = &blobIndex{byID: map[string][]byte{}, indexed: map[string]bool{}}
	}
	if b, ok := r.blobs.byID[id]; ok {
		return append([]byte(nil), b...), nil
	}
	for sha, c := range r.commits {
		if r.blobs.indexed[sha] {
			continue
		}
		r.blobs.indexed[sha] = true
		for _, b := range c.files {
			r.blobs.byID[BlobSHA(b)] = b
		}
	}
	if b, ok := r.blobs.byID[id]; ok {
		return append([]byte(nil), b...), nil
	}
	return nil, fmt.Errorf("blob %q: %w", id, ErrNotFound)
}
