package fakegit

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func str(s string) *string { return &s }

func TestPullRequestChanges(t *testing.T) {
	s := NewStore(time.Now)
	if _, err := s.CreateRepo("o/r", "main", true, map[string]string{"a.sql": "A", "b.sql": "B", "c.sql": "C"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit("o/r", "f", map[string]*string{"a.sql": str("A2"), "b.sql": nil, "c.sql": nil, "d.sql": str("C"), "e.sql": str("E")}); err != nil {
		t.Fatal(err)
	}
	pr, err := s.OpenPullRequest("o/r", "f", "", "t", "", "alice")
	if err != nil {
		t.Fatal(err)
	}
	changes, err := s.Changes("o/r", pr.Number)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{Path: "a.sql", Status: "modified"}, {Path: "b.sql", Status: "removed"}, {Path: "d.sql", OldPath: "c.sql", Status: "renamed"}, {Path: "e.sql", Status: "added"}}
	if len(changes) != len(want) {
		t.Fatalf("changes = %+v", changes)
	}
	for i, w := range want {
		if changes[i].Path != w.Path || changes[i].Status != w.Status || changes[i].OldPath != w.OldPath {
			t.Errorf("change %d = %+v, want %+v", i, changes[i], w)
		}
	}
	merged, err := s.MergePullRequest("o/r", pr.Number)
	if err != nil || merged.State != "merged" || merged.MergeSHA == "" {
		t.Fatalf("merge = %+v, %v", merged, err)
	}
	if b, _, err := s.ReadFile("o/r", "main", "d.sql"); err != nil || string(b) != "C" {
		t.Errorf("after merge main:d.sql = %q, %v", b, err)
	}
	if _, err := s.MergePullRequest("o/r", pr.Number); !errors.Is(err, ErrConflict) {
		t.Errorf("second merge: %v", err)
	}
}

func TestTreeAndRefs(t *testing.T) {
	s := NewStore(time.Now)
	if _, err := s.CreateRepo("o/r", "main", false, map[string]string{"x/y/z.sql": "1", "top.md": "2"}); err != nil {
		t.Fatal(err)
	}
	sha, _ := s.Resolve("o/r", "main")
	if err := s.Tag("o/r", "v1", "main"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"", "main", "refs/heads/main", "v1", sha, sha[:8]} {
		if b, _, err := s.ReadFile("o/r", ref, "/top.md"); err != nil || string(b) != "2" {
			t.Errorf("ReadFile at %q = %q, %v", ref, b, err)
		}
	}
	root, err := s.Tree("o/r", "", "", false)
	if err != nil || len(root) != 2 || root[0].Path != "top.md" || root[1].Type != "dir" {
		t.Errorf("root = %+v, %v", root, err)
	}
	all, _ := s.Tree("o/r", "", "x", true)
	if len(all) != 2 {
		t.Errorf("recursive x = %+v", all)
	}
	commit, dir, err := s.TreeBySHA("o/r", all[0].SHA)
	if err != nil || dir != "x/y" || commit != sha {
		t.Errorf("TreeBySHA = %s %s %v", commit, dir, err)
	}
	if _, err := s.Tree("o/r", "", "top.md", false); !errors.Is(err, ErrConflict) {
		t.Errorf("Tree of a file: %v", err)
	}
	if _, err := s.Tree("o/r", "", "nope", false); !errors.Is(err, ErrNotFound) {
		t.Errorf("Tree of a missing dir: %v", err)
	}
}

func TestChangesFromMergeBase(t *testing.T) {
	s := NewStore(time.Now)
	if _, err := s.CreateRepo("o/r", "main", true, map[string]string{"a.sql": "A"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit("o/r", "f", map[string]*string{"b.sql": str("B")}); err != nil {
		t.Fatal(err)
	}
	// main moves on after the branch point.
	if _, err := s.Commit("o/r", "main", map[string]*string{"later.sql": str("L")}); err != nil {
		t.Fatal(err)
	}
	pr, err := s.OpenPullRequest("o/r", "f", "main", "t", "", "alice")
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := s.Changes("o/r", pr.Number)
	if len(changes) != 1 || changes[0].Path != "b.sql" || changes[0].Status != "added" {
		t.Errorf("changes = %+v, want only b.sql added", changes)
	}
}

func TestMergeKeepsTargetChanges(t *testing.T) {
	s := NewStore(time.Now)
	if _, err := s.CreateRepo("o/r", "main", false, map[string]string{"a.sql": "A", "old.sql": "O"}); err != nil {
		t.Fatal(err)
	}
	mustCommit := func(branch string, files map[string]*string) {
		t.Helper()
		if _, err := s.Commit("o/r", branch, files); err != nil {
			t.Fatal(err)
		}
	}
	mustCommit("f", map[string]*string{"b.sql": str("B"), "old.sql": nil})
	pr, err := s.OpenPullRequest("o/r", "f", "main", "t", "", "alice")
	if err != nil {
		t.Fatal(err)
	}
	mustCommit("main", map[string]*string{"later.sql": str("L")}) // lands while the PR is open
	if _, err := s.MergePullRequest("o/r", pr.Number); err != nil {
		t.Fatal(err)
	}
	tree, _ := s.Tree("o/r", "main", "", true)
	var paths []string
	for _, e := range tree {
		paths = append(paths, e.Path)
	}
	if strings.Join(paths, ",") != "a.sql,b.sql,later.sql" {
		t.Errorf("main after the merge has %v; want the PR's change (b.sql added, old.sql removed) and later.sql kept", paths)
	}

	// The branch goes on after the merge: a second pull request from it
	// changes only what came after the first merge.
	mustCommit("f", map[string]*string{"c.sql": str("C")})
	pr2, err := s.OpenPullRequest("o/r", "f", "main", "t2", "", "alice")
	if err != nil {
		t.Fatal(err)
	}
	changes, _ := s.Changes("o/r", pr2.Number)
	if len(changes) != 1 || changes[0].Path != "c.sql" {
		t.Errorf("second pull request changes %+v, want only c.sql", changes)
	}
	if _, err := s.MergePullRequest("o/r", pr.Number); !errors.Is(err, ErrConflict) {
		t.Errorf("merging twice: %v", err)
	}
}
