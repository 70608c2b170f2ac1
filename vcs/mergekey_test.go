package vcs_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

func TestMergeKey(t *testing.T) {
	merged := &vcs.Event{Provider: vcs.KindGitHub, Kind: vcs.EventPullRequest, Action: vcs.ActionMerged, Merged: true, Repository: "Octo/DB", Number: 12, DeliveryID: "a"}
	again := *merged
	again.DeliveryID, again.Repository = "b", "octo/db"
	k1, ok1 := merged.MergeKey()
	k2, ok2 := again.MergeKey()
	if !ok1 || !ok2 || k1 != k2 {
		t.Fatalf("two deliveries of one merge: %v %v / %v %v", k1, ok1, k2, ok2)
	}
	if got, want := k1.String(), "github:octo/db#12"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if k1 != vcs.NewMergeKey(vcs.KindGitHub, "OCTO/db", 12) {
		t.Errorf("NewMergeKey does not match the event's key %v", k1)
	}
	for _, ev := range []*vcs.Event{
		nil,
		{Provider: vcs.KindGitHub, Kind: vcs.EventPullRequest, Action: vcs.ActionClosed, Repository: "o/r", Number: 1},
		{Provider: vcs.KindGitHub, Kind: vcs.EventPush, Merged: true, Repository: "o/r"},
		{Provider: vcs.KindGitHub, Kind: vcs.EventPullRequest, Merged: true, Repository: "o/r"},
	} {
		if k, ok := ev.MergeKey(); ok {
			t.Errorf("%+v has merge key %v", ev, k)
		}
	}
}
