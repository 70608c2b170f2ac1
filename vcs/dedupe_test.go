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
