package vcs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

func TestReconcilerRefusesBadSetup(t *testing.T) {
	ctx := context.Background()
	r := &vcs.Reconciler{Repositories: []string{"o/r"}}
	if _, err := r.Sweep(ctx); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("Sweep without provider, recorder and checkpoints: %v, want ErrInvalidConfig", err)
	}
	if err := r.Run(ctx, 0, nil); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("Run every 0s: %v, want ErrInvalidArgument", err)
	}
}

func TestReconcilerRunStopsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sweeps := 0
	r := &vcs.Reconciler{Repositories: []string{"o/r"}}
	done := make(chan error, 1)
	go func() {
		done <- r.Run(ctx, time.Millisecond, func(error) {
			sweeps++
			if sweeps == 3 {
				cancel()
			}
		})
	}()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
	if sweeps < 3 {
		t.Errorf("%d sweeps reported, want 3", sweeps)
	}
}

func TestMergeEventHasTheWebhooksMergeKey(t *testing.T) {
	pr := &vcs.PullRequest{Number: 7, State: vcs.PullRequestMerged, SourceBranch: "f", TargetBranch: "main", HeadSHA: "abc", MergeCommitSHA: "def"}
	ev := vcs.MergeEvent(vcs.KindGitLab, "Group/Sub/App", pr)
	hook := &vcs.Event{Provider: vcs.KindGitLab, Kind: vcs.EventPullRequest, Action: vcs.ActionMerged, Merged: true, Repository: "group/sub/app", Number: 7}
	k1, ok1 := ev.MergeKey()
	k2, ok2 := hook.MergeKey()
	if !ok1 || !ok2 || k1 != k2 {
		t.Errorf("MergeKey %v (%v) vs the webhook's %v (%v)", k1, ok1, k2, ok2)
	}
	if ev.DeliveryID != vcs.ReconcileDeliveryPrefix+k1.String() || ev.HostEvent != vcs.ReconcileHostEvent || len(ev.Payload) == 0 {
		t.Errorf("event %+v", ev)
	}
}
