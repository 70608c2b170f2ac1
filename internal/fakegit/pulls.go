package fakegit

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"
)

func (r *repo) pr(number int) (*PullRequest, error) {
	for _, pr := range r.prs {
		if pr.Number == number {
			return pr, nil
		}
	}
	return nil, fmt.Errorf("pull request %d: %w", number, ErrNotFound)
}

// OpenPullRequest opens a pull request from source into target (empty:
// the default branch). Both branches must exist.
func (s *Store) OpenPullRequest(full, source, target, title, description, author string) (PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, err
	}
	if target == "" {
		target = r.DefaultBranch
	}
	head, ok := r.branches[source]
	if !ok {
		return PullRequest{}, fmt.Errorf("source branch %q: %w", source, ErrNotFound)
	}
	base, ok := r.branches[target]
	if !ok {
		return PullRequest{}, fmt.Errorf("target branch %q: %w", target, ErrNotFound)
	}
	pr := &PullRequest{
		Number: len(r.prs) + 1, Title: title, Description: description, Author: author,
		SourceBranch: source, TargetBranch: target, BaseSHA: r.mergeBase(head, base), HeadSHA: head,
		State: "open", Created: s.now(), Updated: s.now(),
	}
	r.prs = append(r.prs, pr)
	return *pr, nil
}

// mergeBase returns the nearest commit of a's history (breadth first,
// through both parents of merge commits) that is also in b's, so that a
// pull request changes only what its branch changed, also after earlier
// merges of the same branch.
func (r *repo) mergeBase(a, b string) string {
	inB := map[string]bool{}
	r.walk(b, func(sha string) bool { inB[sha] = true; return true })
	base := b
	r.walk(a, func(sha string) bool {
		if inB[sha] {
			base = sha
			return false
		}
		return true
	})
	return base
}

// walk visits the history of sha breadth first, each commit once, until
// visit returns false.
func (r *repo) walk(sha string, visit func(string) bool) {
	seen := map[string]bool{}
	queue := []string{sha}
	for len(queue) > 0 {
		sha, queue = queue[0], queue[1:]
		if sha == "" || seen[sha] {
			continue
		}
		seen[sha] = true
		if !visit(sha) {
			return
		}
		c := r.commits[sha]
		queue = append(queue, c.parent, c.merged)
	}
}

// PullRequest returns one pull request.
func (s *Store) PullRequest(full string, number int) (PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, err
	}
	pr, err := r.pr(number)
	if err != nil {
		return PullRequest{}, err
	}
	return *pr, nil
}

// PullRequests lists a repository's pull requests by number.
func (s *Store) PullRequests(full string) ([]PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	out := make([]PullRequest, len(r.prs))
	for i, pr := range r.prs {
		out[i] = *pr
	}
	return out, nil
}

// Changes lists the files a pull request changes between its base and
// head, sorted by path. A removed file whose exact content reappears under
// a new path is a rename, as in git's default rename detection.
func (s *Store) Changes(full string, number int) ([]Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return nil, err
	}
	pr, err := r.pr(number)
	if err != nil {
		return nil, err
	}
	// Commits never change, so the diff of two of them is computed once:
	// a fake answering a 3,000-file list page by page stays O(page).
	key := [2]string{pr.BaseSHA, pr.HeadSHA}
	if c, ok := s.diffs[key]; ok {
		return append([]Change(nil), c...), nil
	}
	out := diff(r.commits[pr.BaseSHA].files, r.commits[pr.HeadSHA].files)
	if s.diffs == nil || len(s.diffs) >= maxDiffs {
		s.diffs = map[[2]string][]Change{}
	}
	s.diffs[key] = out
	return append([]Change(nil), out...), nil
}

// maxDiffs bounds the Store's memory of computed diffs.
const maxDiffs = 64

// diff lists the changes from base to head, sorted by path, with exact
// renames detected.
func diff(base, head map[string][]byte) []Change {
	var added, removed []Change
	var out []Change
	for p, nb := range head {
		ob, existed := base[p]
		switch {
		case !existed:
			added = append(added, Change{Path: p, Status: "added", BlobSHA: BlobSHA(nb), Content: nb})
		case !bytes.Equal(ob, nb):
			out = append(out, Change{Path: p, Status: "modified", BlobSHA: BlobSHA(nb), OldSHA: BlobSHA(ob), Content: nb, Old: ob})
		}
	}
	for p, ob := range base {
		if _, ok := head[p]; !ok {
			removed = append(removed, Change{Path: p, Status: "removed", OldSHA: BlobSHA(ob), Old: ob})
		}
	}
	sort.Slice(removed, func(i, j int) bool { return removed[i].Path < removed[j].Path })
	sort.Slice(added, func(i, j int) bool { return added[i].Path < added[j].Path })
	for _, rm := range removed {
		renamed := false
		for i, ad := range added {
			if ad.Status == "added" && bytes.Equal(ad.Content, rm.Old) {
				added[i].Status, added[i].OldPath, added[i].OldSHA, added[i].Old = "renamed", rm.Path, rm.OldSHA, rm.Old
				renamed = true
				break
			}
		}
		if !renamed {
			out = append(out, rm)
		}
	}
	out = append(out, added...)
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// MergePullRequest merges an open pull request: the target branch gets a
// merge commit that applies the pull request's changes (from its merge
// base to its head) to the target's current files, so that commits the
// target got since the pull request was opened are kept.
func (s *Store) MergePullRequest(full string, number int) (PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, err
	}
	pr, err := r.pr(number)
	if err != nil {
		return PullRequest{}, err
	}
	if pr.State != "open" {
		return PullRequest{}, fmt.Errorf("pull request %d is %s: %w", number, pr.State, ErrConflict)
	}
	head, target := r.commits[pr.HeadSHA], r.branches[pr.TargetBranch]
	base := r.commits[r.mergeBase(pr.HeadSHA, target)]
	c := &commit{sha: s.newSHA("merge"), parent: target, merged: pr.HeadSHA, files: map[string][]byte{}, when: s.now()}
	for p, b := range r.commits[target].files {
		c.files[p] = b
	}
	for p, b := range head.files {
		if ob, ok := base.files[p]; !ok || !bytes.Equal(ob, b) {
			c.files[p] = b
		}
	}
	for p := range base.files {
		if _, ok := head.files[p]; !ok {
			delete(c.files, p)
		}
	}
	r.commits[c.sha] = c
	r.branches[pr.TargetBranch] = c.sha
	pr.State, pr.MergeSHA, pr.MergedAt, pr.ClosedAt, pr.Updated = "merged", c.sha, s.now(), s.now(), s.now()
	return *pr, nil
}

// ClosePullRequest closes an open pull request without merging.
func (s *Store) ClosePullRequest(full string, number int) (PullRequest, error) {
	return s.setState(full, number, "open", "closed")
}

// ReopenPullRequest reopens a closed, unmerged pull request.
func (s *Store) ReopenPullRequest(full string, number int) (PullRequest, error) {
	return s.setState(full, number, "closed", "open")
}

func (s *Store) setState(full string, number int, from, to string) (PullRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.get(full)
	if err != nil {
		return PullRequest{}, err
	}
	pr, err := r.pr(number)
	if err != nil {
		return PullRequest{}, err
	}
	if pr.State != from {
		return PullRequest{}, fmt.Errorf("pull request %d is %s: %w", number, pr.State, ErrConflict)
	}
	pr.State, pr.Updated = to, s.now()
	if to == "closed" {
		pr.ClosedAt = s.now()
	} else {
		pr.ClosedAt = time.Time{}
	}
	return *pr, nil
}

// NormalizePath trims slashes from a repository-relative path.
func NormalizePath(p string) string { return strings.Trim(p, "/") }
