package vcs

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestDeduplicator(t *testing.T) {
	d := NewDeduplicator(2, time.Hour)
	now := time.Unix(1000, 0)
	d.now = func() time.Time { return now }
	calls := 0
	fail := false
	h := d.Wrap(func(context.Context, *Event) error {
		calls++
		if fail {
			return errors.New("boom")
		}
		return nil
	})
	ev := func(id string) *Event { return &Event{Provider: KindGitHub, DeliveryID: id} }
	ctx := context.Background()

	_ = h(ctx, ev("a"))
	_ = h(ctx, ev("a"))
	if calls != 1 {
		t.Fatalf("redelivery handled again: %d calls", calls)
	}
	if _ = h(ctx, &Event{Provider: KindGitLab, DeliveryID: "a"}); calls != 2 {
		t.Error("the same ID from another provider is another delivery")
	}
	fail = true
	if err := h(ctx, ev("b")); err == nil {
		t.Fatal("error not passed on")
	}
	fail = false
	if _ = h(ctx, ev("b")); calls != 4 {
		t.Errorf("a failed delivery must be handled on retry: %d calls", calls)
	}
	_ = h(ctx, ev("c")) // evicts the oldest
	if _ = h(ctx, ev("a")); calls != 6 {
		t.Errorf("evicted ID not handled again: %d calls", calls)
	}
	now = now.Add(2 * time.Hour)
	if _ = h(ctx, ev("c")); calls != 7 {
		t.Errorf("expired ID not handled again: %d calls", calls)
	}
	if _ = h(ctx, ev("")); calls != 8 {
		t.Error("events without an ID always pass")
	}
}

// TestDeduplicatorEvictsOldestLiveClaim: an ID claimed, failed and claimed
// again is as new as its last claim; eviction must not take it for the
// oldest.
func TestDeduplicatorEvictsOldestLiveClaim(t *testing.T) {
	d := NewDeduplicator(2, 0)
	d.now = func() time.Time { return time.Unix(1000, 0) } // one instant: order alone decides
	calls := map[string]int{}
	fail := true
	h := d.Wrap(func(_ context.Context, ev *Event) error {
		calls[ev.DeliveryID]++
		if ev.DeliveryID == "x" && fail {
			fail = false
			return errors.New("db down")
		}
		return nil
	})
	ctx := context.Background()
	for _, id := range []string{"x", "y", "x", "z"} { // x fails once, then succeeds
		_ = h(ctx, &Event{DeliveryID: id})
	}
	// Remembered: x and z (the two newest). y was the oldest live one.
	for _, id := range []string{"x", "z", "y"} {
		_ = h(ctx, &Event{DeliveryID: id})
	}
	if calls["x"] != 2 || calls["z"] != 1 || calls["y"] != 2 {
		t.Errorf("calls %v; want x twice (failed, then handled once), z once, y again after its eviction", calls)
	}
	if len(d.seen) > 2 || len(d.order) > 4 {
		t.Errorf("remembers %d IDs in %d order entries, max 2", len(d.seen), len(d.order))
	}
}

func TestDeduplicatorBoundedWhileRetrying(t *testing.T) {
	d := NewDeduplicator(0, time.Hour)
	if d.max != 10000 {
		t.Errorf("default max %d", d.max)
	}
	d = NewDeduplicator(2, time.Hour)
	h := d.Wrap(func(context.Context, *Event) error { return errors.New("still down") })
	for range 50 { // the host retries one failing delivery many times
		if err := h(context.Background(), &Event{DeliveryID: "x"}); err == nil {
			t.Fatal("error swallowed")
		}
	}
	if len(d.seen) != 0 || len(d.order) > 2*d.max+1 {
		t.Errorf("after 50 failed attempts: %d remembered, %d order entries", len(d.seen), len(d.order))
	}
}
