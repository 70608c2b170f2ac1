package fakegit

import "time"

// CommitInfo is what the store keeps of a commit besides its files: its
// parents (the merged head second, for a merge commit) and when it was
// made.
type CommitInfo struct {
	// SHA is the commit's full SHA.
	SHA string
	// Parents are the parent SHAs: none for a root commit, the merged
	// head second for a merge commit.
	Parents []string
	// When is the store clock's time the commit was made.
	When time.Time
}

// CommitInfo returns the commit sha's (full or abbreviated) parents and
// time, for the fakes' commit objects.
func (s *Store) CommitInfo(full, sha string) (CommitInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return CommitInfo{}, err
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return CommitInfo{}, err
	}
	info := CommitInfo{SHA: c.sha, When: c.when}
	for _, p := range []string{c.parent, c.merged} {
		if p != "" {
			info.Parents = append(info.Parents, p)
		}
	}
	return info, nil
}
