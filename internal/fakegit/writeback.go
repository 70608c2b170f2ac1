package fakegit

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

// This file holds what the write-back endpoints of the fakes share:
// branch creation and compare-and-swap moves, commits of several files,
// dangling commits (GitHub's Git Data API) and commit statuses.

// BranchHead returns the commit a branch points to.
func (s *Store) BranchHead(full, branch string) (string, error) {
	return s.refSHA(full, "branch", branch)
}

// BranchNames returns the repository's branch names, sorted.
func (s *Store) BranchNames(full string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(r.branches))
	for b := range r.branches {
		out = append(out, b)
	}
	sort.Strings(out)
	return out, nil
}

// CreateBranch points a new branch at the commit sha (full or at least 7
// characters). An existing branch is ErrConflict, an unknown commit
// ErrNotFound. It returns the full commit SHA.
func (s *Store) CreateBranch(full, name, sha string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	if _, ok := r.branches[name]; ok {
		return "", fmt.Errorf("branch %q exists: %w", name, ErrConflict)
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return "", err
	}
	r.branches[name] = c.sha
	return c.sha, nil
}

// commitByID finds a commit by full or abbreviated (≥ 7) ID only.
func (r *repo) commitByID(sha string) (*commit, error) {
	sha = strings.ToLower(sha)
	if c, ok := r.commits[sha]; ok {
		return c, nil
	}
	if len(sha) >= 7 {
		for id, c := range r.commits {
			if strings.HasPrefix(id, sha) {
				return c, nil
			}
		}
	}
	return nil, fmt.Errorf("commit %q: %w", sha, ErrNotFound)
}

// HasCommit reports whether sha (full or abbreviated) names a commit.
func (s *Store) HasCommit(full, sha string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", false
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return "", false
	}
	return c.sha, true
}

// Files returns every file of the commit sha.
func (s *Store) Files(full, sha string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(c.files))
	for p, b := range c.files {
		out[p] = b
	}
	return out, nil
}

// NewCommit stores a commit holding exactly files, with parent as its
// only parent, on no branch (GitHub's POST git/commits). It returns the
// commit's SHA.
func (s *Store) NewCommit(full, parent string, files map[string][]byte) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	p, err := r.commitByID(parent)
	if err != nil {
		return "", err
	}
	c := &commit{sha: s.newSHA(full), parent: p.sha, files: map[string][]byte{}, when: s.now()}
	for k, v := range files {
		c.files[k] = v
	}
	r.commits[c.sha] = c
	return c.sha, nil
}

// FastForward moves branch to sha when its current head is an ancestor of
// sha (GitHub's PATCH git/refs without force); otherwise ErrConflict. It
// returns the previous head.
func (s *Store) FastForward(full, branch, sha string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	old, ok := r.branches[branch]
	if !ok {
		return "", fmt.Errorf("branch %q: %w", branch, ErrNotFound)
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return "", err
	}
	ancestor := false
	r.walk(c.sha, func(id string) bool {
		if id == old {
			ancestor = true
			return false
		}
		return true
	})
	if !ancestor {
		return "", fmt.Errorf("update of %q is not a fast forward: %w", branch, ErrConflict)
	}
	r.moveBranch(branch, c.sha, s.now())
	return old, nil
}

func (r *repo) moveBranch(branch, sha string, now time.Time) {
	r.branches[branch] = sha
	for _, pr := range r.prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			pr.HeadSHA = sha
			pr.Updated = now
		}
	}
}

// FileChange is one file of CommitChanges: Content nil deletes the file.
type FileChange struct {
	Path string // The file's path.
	// Action is "create", "update" or "delete"; checked only when
	// CommitChanges is strict.
	Action  string
	Content []byte // The new content; nil deletes the file.
}

// ChangeError names the file a strict commit refused and why.
type ChangeError struct {
	Path   string // The file refused.
	Reason string // "exists", "missing", "changed"
	Err    error  // The store error it matches.
}

// Error names the file and the reason.
func (e *ChangeError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Reason) }

// Unwrap returns the store error.
func (e *ChangeError) Unwrap() error { return e.Err }

// CommitOptions guard CommitChanges.
type CommitOptions struct {
	// ExpectHead, when set, must be the branch's head (else ErrConflict:
	// Bitbucket's parents, Azure DevOps' oldObjectId).
	ExpectHead string
	// Strict refuses a create of an existing path and an update or delete
	// of a missing one (GitLab, Azure DevOps).
	Strict bool
	// UnchangedSince refuses an update or delete of a file whose content
	// differs between this commit and the branch head (GitLab's
	// last_commit_id, by content).
	UnchangedSince string
}

// CommitChanges applies changes to branch's head in one new commit,
// atomically, and returns the new and the previous head.
func (s *Store) CommitChanges(full, branch string, changes []FileChange, o CommitOptions) (sha, old string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", "", err
	}
	old, ok := r.branches[branch]
	if !ok {
		return "", "", fmt.Errorf("branch %q: %w", branch, ErrNotFound)
	}
	if o.ExpectHead != "" && !strings.EqualFold(o.ExpectHead, old) {
		return "", "", fmt.Errorf("branch %q is at %s, not %s: %w", branch, old, o.ExpectHead, ErrConflict)
	}
	head := r.commits[old]
	var since *commit
	if o.UnchangedSince != "" {
		if since, err = r.commitByID(o.UnchangedSince); err != nil {
			return "", "", err
		}
	}
	c := &commit{sha: s.newSHA(branch), parent: old, files: map[string][]byte{}, when: s.now()}
	for p, b := range head.files {
		c.files[p] = b
	}
	for _, ch := range changes {
		_, exists := head.files[ch.Path]
		if o.Strict {
			switch {
			case ch.Action == "create" && exists:
				return "", "", &ChangeError{Path: ch.Path, Reason: "exists", Err: ErrConflict}
			case ch.Action != "create" && !exists:
				return "", "", &ChangeError{Path: ch.Path, Reason: "missing", Err: ErrNotFound}
			}
		}
		if since != nil && ch.Action != "create" && !bytes.Equal(since.files[ch.Path], head.files[ch.Path]) {
			return "", "", &ChangeError{Path: ch.Path, Reason: "changed", Err: ErrConflict}
		}
		if ch.Content == nil {
			delete(c.files, ch.Path)
		} else {
			c.files[ch.Path] = ch.Content
		}
	}
	r.commits[c.sha] = c
	r.moveBranch(branch, c.sha, s.now())
	return c.sha, old, nil
}

// Status is a commit status as a fake stores it; each fake keeps its
// host's state names and decides whether a new one replaces an old one.
type Status struct {
	ID          int       // Unique in the store.
	Key         string    // The status's context or name.
	State       string    // The host's state name.
	Description string    // The short sentence.
	URL         string    // The target link.
	Author      string    // The login that set it.
	Created     time.Time // When first set.
	Updated     time.Time // When last set.
}

// SetStatus records a status on the commit sha (full or abbreviated).
// With replace, a status with the same key is updated in place (its ID
// and creation time kept); otherwise the status is appended.
func (s *Store) SetStatus(full, sha string, st Status, replace bool) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return Status{}, err
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return Status{}, err
	}
	if r.statuses == nil {
		r.statuses = map[string][]*Status{}
	}
	now := s.now()
	st.Updated = now
	if replace {
		for _, old := range r.statuses[c.sha] {
			if old.Key == st.Key {
				st.ID, st.Created = old.ID, old.Created
				*old = st
				return st, nil
			}
		}
	}
	s.nextID++
	st.ID, st.Created = s.nextID, now
	r.statuses[c.sha] = append(r.statuses[c.sha], &st)
	return st, nil
}

// Statuses returns a commit's statuses, oldest first, and the commit's
// full SHA.
func (s *Store) Statuses(full, sha string) ([]Status, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, "", err
	}
	c, err := r.commitByID(sha)
	if err != nil {
		return nil, "", err
	}
	out := make([]Status, len(r.statuses[c.sha]))
	for i, st := range r.statuses[c.sha] {
		out[i] = *st
	}
	return out, c.sha, nil
}

// LatestStatuses keeps the newest status per key, sorted by key.
func LatestStatuses(all []Status) []Status {
	latest := map[string]Status{}
	for _, st := range all {
		latest[st.Key] = st // later ones win
	}
	out := make([]Status, 0, len(latest))
	for _, st := range latest {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// SetDraft marks a pull request as a draft or ready.
func (s *Store) SetDraft(full string, number int, draft bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return err
	}
	pr, err := r.pr(number)
	if err != nil {
		return err
	}
	pr.Draft = draft
	return nil
}

// OpenPullRequestFor returns the open pull request from source into
// target, if there is one.
func (s *Store) OpenPullRequestFor(full, source, target string) (PullRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, false
	}
	for _, pr := range r.prs {
		if pr.State == "open" && pr.SourceBranch == source && pr.TargetBranch == target {
			return *pr, true
		}
	}
	return PullRequest{}, false
}
