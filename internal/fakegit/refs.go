package fakegit

import (
	"fmt"
	"strings"
)

// ZeroSHA is Git's "no object", the before of a created ref and the after
// of a deleted one in the hosts' push payloads.
var ZeroSHA = strings.Repeat("0", 40)

// TagSHA returns the commit tag points at.
func (s *Store) TagSHA(full, tag string) (string, error) {
	return s.refSHA(full, "tag", tag)
}

// refSHA returns the commit the tag or branch (kind) name points at.
func (s *Store) refSHA(full, kind, name string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	refs := r.branches
	if kind == "tag" {
		refs = r.tags
	}
	sha, ok := refs[name]
	if !ok {
		return "", fmt.Errorf("%s %q: %w", kind, name, ErrNotFound)
	}
	return sha, nil
}

// DeleteBranch removes branch and returns the commit it pointed at. The
// default branch cannot be deleted (ErrConflict), as on every host.
func (s *Store) DeleteBranch(full, branch string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", err
	}
	sha, ok := r.branches[branch]
	if !ok {
		return "", fmt.Errorf("branch %q: %w", branch, ErrNotFound)
	}
	if branch == r.DefaultBranch {
		return "", fmt.Errorf("branch %q is the default branch: %w", branch, ErrConflict)
	}
	delete(r.branches, branch)
	return sha, nil
}

// Rewrite replaces the head commit of branch by a new commit with the
// same parent and files, changed by files (nil content removes a file), as
// "git commit --amend && git push --force" does; it returns the old and
// the new head. A branch whose head has no parent cannot be rewritten.
func (s *Store) Rewrite(full, branch string, files map[string]*string) (before, after string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return "", "", err
	}
	before, ok := r.branches[branch]
	if !ok {
		return "", "", fmt.Errorf("branch %q: %w", branch, ErrNotFound)
	}
	head := r.commits[before]
	if head.parent == "" {
		return "", "", fmt.Errorf("branch %q has a single commit: %w", branch, ErrConflict)
	}
	// The amended commit keeps the head's files, on the head's parent.
	c := s.commitOnto(r, branch, &commit{sha: head.parent, files: head.files}, files)
	return before, c.sha, nil
}

// MarkDraft marks an open pull request as a draft or as ready for review
// (SetDraft for any state) and returns it.
func (s *Store) MarkDraft(full string, number int, draft bool) (PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, err
	}
	for _, pr := range r.prs {
		if pr.Number == number {
			if pr.State != "open" {
				return PullRequest{}, fmt.Errorf("pull request %d is %s: %w", number, pr.State, ErrConflict)
			}
			pr.Draft = draft
			pr.Updated = s.now()
			return *pr, nil
		}
	}
	return PullRequest{}, fmt.Errorf("pull request %d: %w", number, ErrNotFound)
}
