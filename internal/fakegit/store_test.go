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

func TestReposCommentsHooksAndStates(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewStore(func() time.Time { return now })
	r1, err := s.CreateRepo("Acme/DB", "", true, map[string]string{"/a.sql": "A"})
	if err != nil || r1.DefaultBranch != "main" || !r1.Created.Equal(now) {
		t.Fatalf("CreateRepo = %+v, %v", r1, err)
	}
	if _, err := s.CreateRepo("acme/db", "", false, nil); !errors.Is(err, ErrConflict) {
		t.Errorf("CreateRepo of an existing path (other case): %v", err)
	}
	r2, _ := s.CreateRepo("acme/web", "trunk", false, nil)
	if got := s.Repos(); len(got) != 2 || got[0].FullPath != "Acme/DB" || got[1].ID != r2.ID {
		t.Errorf("Repos() = %+v", got)
	}
	if got, err := s.Repo("ACME/db"); err != nil || got.ID != r1.ID {
		t.Errorf("Repo (any case) = %+v, %v", got, err)
	}
	if got, err := s.RepoByID(r2.ID); err != nil || got.FullPath != "acme/web" {
		t.Errorf("RepoByID = %+v, %v", got, err)
	}
	if _, err := s.RepoByID(1); !errors.Is(err, ErrNotFound) {
		t.Errorf("RepoByID(unknown): %v", err)
	}
	for name, err := range map[string]error{
		"Repo":         func() error { _, err := s.Repo("x/y"); return err }(),
		"Commit":       func() error { _, err := s.Commit("x/y", "main", nil); return err }(),
		"Tag repo":     s.Tag("x/y", "v1", "main"),
		"Tag branch":   s.Tag("acme/db", "v1", "nope"),
		"Branches":     func() error { _, err := s.Branches("x/y"); return err }(),
		"Resolve":      func() error { _, err := s.Resolve("acme/db", "nope"); return err }(),
		"ReadFile":     func() error { _, _, err := s.ReadFile("acme/db", "", "nope.sql"); return err }(),
		"RootTree":     func() error { _, err := s.RootTree("acme/db", "nope"); return err }(),
		"TreeBySHA":    func() error { _, _, err := s.TreeBySHA("acme/db", "0000"); return err }(),
		"PullRequest":  func() error { _, err := s.PullRequest("acme/db", 9); return err }(),
		"Open source":  func() error { _, err := s.OpenPullRequest("acme/db", "nope", "", "t", "", "a"); return err }(),
		"Open target":  func() error { _, err := s.OpenPullRequest("acme/db", "main", "nope", "t", "", "a"); return err }(),
		"AddComment":   func() error { _, err := s.AddComment("acme/db", 9, "a", "b"); return err }(),
		"Comment":      func() error { _, _, err := s.Comment("acme/db", 1); return err }(),
		"Update":       func() error { _, err := s.UpdateComment("acme/db", 1, "b"); return err }(),
		"Hook":         func() error { _, err := s.Hook("acme/db", 1); return err }(),
		"UpdateHook":   func() error { _, err := s.UpdateHook("acme/db", 1, func(*Hook) {}); return err }(),
		"DeleteHook":   s.DeleteHook("acme/db", 1),
		"Close":        func() error { _, err := s.ClosePullRequest("acme/db", 9); return err }(),
		"PullRequests": func() error { _, err := s.PullRequests("x/y"); return err }(),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of something missing: %v, want ErrNotFound", name, err)
		}
	}

	head, _ := s.Commit("acme/db", "f", map[string]*string{"b.sql": str("B")})
	if br, _ := s.Branches("acme/db"); br["f"] != head || len(br) != 2 {
		t.Errorf("Branches = %v", br)
	}
	if ok, _ := s.IsDir("acme/db", "f", ""); !ok {
		t.Error("the root is a directory")
	}
	if ok, _ := s.IsDir("acme/db", "f", "b.sql"); ok {
		t.Error("a file is not a directory")
	}
	pr, _ := s.OpenPullRequest("acme/db", "f", "", "Add b", "desc", "alice")
	next, _ := s.Commit("acme/db", "f", map[string]*string{"c.sql": str("C")})
	if got, _ := s.PullRequest("acme/db", pr.Number); got.HeadSHA != next {
		t.Errorf("an open pull request follows its branch: head %s, want %s", got.HeadSHA, next)
	}
	if got, err := s.ClosePullRequest("acme/db", pr.Number); err != nil || got.State != "closed" || got.ClosedAt.IsZero() {
		t.Errorf("close = %+v, %v", got, err)
	}
	if _, err := s.ClosePullRequest("acme/db", pr.Number); !errors.Is(err, ErrConflict) {
		t.Errorf("closing twice: %v", err)
	}
	if got, err := s.ReopenPullRequest("acme/db", pr.Number); err != nil || got.State != "open" || !got.ClosedAt.IsZero() {
		t.Errorf("reopen = %+v, %v", got, err)
	}
	if prs, _ := s.PullRequests("acme/db"); len(prs) != 1 || prs[0].Title != "Add b" {
		t.Errorf("PullRequests = %+v", prs)
	}

	c1, _ := s.AddComment("acme/db", pr.Number, "bot", "first")
	c2, _ := s.AddComment("acme/db", pr.Number, "bot", "second")
	now = now.Add(time.Hour)
	if up, err := s.UpdateComment("acme/db", c1.ID, "edited"); err != nil || up.Body != "edited" || !up.Updated.Equal(now) || !up.Created.Equal(c1.Created) {
		t.Errorf("UpdateComment = %+v, %v", up, err)
	}
	if cs, _ := s.Comments("acme/db", pr.Number); len(cs) != 2 || cs[0].Body != "edited" || cs[1].ID != c2.ID {
		t.Errorf("Comments = %+v", cs)
	}
	if c, n, err := s.Comment("acme/db", c2.ID); err != nil || n != pr.Number || c.Body != "second" {
		t.Errorf("Comment = %+v, %d, %v", c, n, err)
	}

	h, _ := s.AddHook("acme/db", Hook{URL: "https://ci.example/hook", Events: []string{"pull_request"}, Active: true, Extra: map[string]string{"ct": "json"}})
	h.Events[0], h.Extra["ct"] = "mutated", "mutated" // callers get copies
	got, _ := s.Hook("acme/db", h.ID)
	if got.Events[0] != "pull_request" || got.Extra["ct"] != "json" {
		t.Errorf("the stored hook changed through a returned copy: %+v", got)
	}
	if up, err := s.UpdateHook("acme/db", h.ID, func(x *Hook) { x.URL, x.ID = "https://ci.example/v2", 1 }); err != nil || up.URL != "https://ci.example/v2" || up.ID != h.ID {
		t.Errorf("UpdateHook = %+v, %v (the ID cannot change)", up, err)
	}
	if hooks, _ := s.Hooks("acme/db"); len(hooks) != 1 {
		t.Errorf("Hooks = %+v", hooks)
	}
	if err := s.DeleteHook("acme/db", h.ID); err != nil {
		t.Fatal(err)
	}
	if hooks, _ := s.Hooks("acme/db"); len(hooks) != 0 {
		t.Errorf("after delete: %+v", hooks)
	}
	root, _ := s.RootTree("acme/db", "main")
	if commit, dir, err := s.TreeBySHA("acme/db", root); err != nil || dir != "" || commit == "" {
		t.Errorf("TreeBySHA(root) = %q %q %v", commit, dir, err)
	}
	if NormalizePath("/a/b/") != "a/b" || BlobSHA([]byte("")) != "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391" {
		t.Error("NormalizePath or BlobSHA (git's empty blob)")
	}
}
