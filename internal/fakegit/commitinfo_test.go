package fakegit

import (
	"testing"
	"time"
)

func TestCommitInfo(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s := NewStore(func() time.Time { return at })
	if _, err := s.CreateRepo("o/r", "main", false, map[string]string{"a.sql": "A"}); err != nil {
		t.Fatal(err)
	}
	root, _ := s.Resolve("o/r", "main")
	head, err := s.Commit("o/r", "f", map[string]*string{"b.sql": str("B")})
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.CommitInfo("o/r", head[:7])
	if err != nil || info.SHA != head || len(info.Parents) != 1 || info.Parents[0] != root || !info.When.Equal(at) {
		t.Fatalf("CommitInfo(head) = %+v, %v; want parent %s at %v", info, err, root, at)
	}
	pr, _ := s.OpenPullRequest("o/r", "f", "", "t", "", "alice")
	merged, err := s.MergePullRequest("o/r", pr.Number)
	if err != nil {
		t.Fatal(err)
	}
	info, err = s.CommitInfo("o/r", merged.MergeSHA)
	if err != nil || len(info.Parents) != 2 || info.Parents[1] != head {
		t.Fatalf("CommitInfo(merge) = %+v, %v; want the merged head %s second", info, err, head)
	}
	if root, _ := s.CommitInfo("o/r", root); len(root.Parents) != 0 {
		t.Errorf("root commit has parents %v", root.Parents)
	}
	if _, err := s.CommitInfo("o/r", "ffffffff"); err == nil {
		t.Error("CommitInfo of an unknown SHA did not fail")
	}
}
