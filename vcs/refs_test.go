package vcs

import (
	"strings"
	"testing"
)

func TestNewRefChange(t *testing.T) {
	zero, zero256 := strings.Repeat("0", 40), strings.Repeat("0", 64)
	for _, c := range []struct {
		ref, before, after string
		want               RefChange
	}{
		{"refs/heads/main", "aaa", "bbb", RefChange{Ref: "refs/heads/main", Before: "aaa", After: "bbb"}},
		{"refs/heads/new", zero, "bbb", RefChange{Ref: "refs/heads/new", After: "bbb", Created: true}},
		{"refs/heads/gone", "aaa", zero, RefChange{Ref: "refs/heads/gone", Before: "aaa", Deleted: true}},
		{"refs/tags/v1", zero256, "ccc", RefChange{Ref: "refs/tags/v1", After: "ccc", Created: true}},
		{"refs/tags/v1", "", "", RefChange{Ref: "refs/tags/v1", Deleted: true}},
	} {
		if got := NewRefChange(c.ref, c.before, c.after); got != c.want {
			t.Errorf("NewRefChange(%q, %q, %q) = %+v, want %+v", c.ref, c.before, c.after, got, c.want)
		}
	}
}

func TestSetRefChanges(t *testing.T) {
	var ev Event
	ev.SetRefChanges(RefChange{Ref: "refs/heads/main", Before: "a", After: "b", Forced: true})
	if ev.Ref != "refs/heads/main" || ev.TargetBranch != "main" || ev.HeadSHA != "b" || !ev.Forced || len(ev.Changes) != 1 {
		t.Errorf("one branch: %+v", ev)
	}
	ev = Event{}
	ev.SetRefChanges(RefChange{Ref: "refs/tags/main", After: "c", Created: true})
	if ev.Ref != "refs/tags/main" || ev.TargetBranch != "" || ev.HeadSHA != "c" || !ev.Created {
		t.Errorf("a tag named like a branch: %+v", ev)
	}
	ev = Event{}
	ev.SetRefChanges(RefChange{Ref: "refs/tags/v1", After: "c"}, RefChange{Ref: "refs/heads/main", After: "d"})
	if ev.Ref != "" || ev.TargetBranch != "" || ev.HeadSHA != "" || len(ev.Changes) != 2 {
		t.Errorf("two refs: top-level fields set: %+v", ev)
	}
	if b := ev.Branches(); len(b) != 1 || b[0].Ref != "refs/heads/main" {
		t.Errorf("Branches = %+v", b)
	}
	if name, ok := ev.Changes[0].Tag(); !ok || name != "v1" {
		t.Errorf("Tag = %q, %t", name, ok)
	}
}
