package vcs

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestDedupeKey(t *testing.T) {
	for _, c := range []struct {
		ev   *Event
		want string
	}{
		{&Event{Provider: KindGitHub, DeliveryID: "d1"}, "delivery:github:d1"},
		{&Event{Provider: KindAzureDevOps, DeliveryID: "d2", Kind: EventPullRequest, Merged: true, Repository: "P/R", Number: 3}, "merge:azuredevops:p/r#3"},
		{&Event{Provider: KindGitLab, Kind: EventPullRequest, Merged: true, Repository: "g/p", Number: 4}, "merge:gitlab:g/p#4"},
		{&Event{Provider: KindGitLab, Kind: EventPullRequest, Action: ActionClosed, Repository: "g/p", Number: 4}, ""},
		{nil, ""},
	} {
		got, ok := DedupeKey(c.ev)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("DedupeKey(%+v) = %q, %t; want %q", c.ev, got, ok, c.want)
		}
	}
}

// TestDeduplicatorConcurrent: the same delivery sent many times at once,
// and the two deliveries Azure DevOps sends for one completion (two
// delivery IDs, one merge), reach the callback once.
func TestDeduplicatorConcurrent(t *testing.T) {
	d := NewDeduplicator(0, time.Hour)
	var calls sync.Map
	h := d.Wrap(func(_ context.Context, ev *Event) error {
		k, _ := DedupeKey(ev)
		n, _ := calls.LoadOrStore(k, new(atomic.Int32))
		n.(*atomic.Int32).Add(1)
		time.Sleep(time.Millisecond) // let the others arrive while it runs
		return nil
	})
	merge := func(id, hostEvent string) *Event {
		return &Event{Provider: KindAzureDevOps, Kind: EventPullRequest, Action: ActionMerged, Merged: true,
			HostEvent: hostEvent, DeliveryID: id, Repository: "Fabrikam/db", Number: 7}
	}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			var ev *Event
			switch i % 3 {
			case 0:
				ev = &Event{Provider: KindGitHub, DeliveryID: "same"}
			case 1:
				ev = merge("updated-delivery", "git.pullrequest.updated")
			default:
				ev = merge("merged-delivery", "git.pullrequest.merged")
			}
			if err := h(context.Background(), ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	n := 0
	calls.Range(func(k, v any) bool {
		n++
		if c := v.(*atomic.Int32).Load(); c != 1 {
			t.Errorf("%s handled %d times", k, c)
		}
		return true
	})
	if n != 2 {
		t.Errorf("%d keys handled, want 2 (one delivery, one merge)", n)
	}
}

// TestDeduplicatorInFlight: a redelivery that arrives while the first
// attempt runs is not answered as done. It waits; when the first attempt
// fails it handles the event itself; when its own context ends first it
// returns ErrInProgress, which the handler answers with 503.
func TestDeduplicatorInFlight(t *testing.T) {
	d := NewDeduplicator(0, 0)
	release := make(chan error)
	started := make(chan struct{}, 4)
	var calls atomic.Int32
	h := d.Wrap(func(context.Context, *Event) error {
		calls.Add(1)
		started <- struct{}{}
		return <-release
	})
	ev := &Event{Provider: KindBitbucket, DeliveryID: "x"}

	first := make(chan error, 1)
	go func() { first <- h(context.Background(), ev) }()
	<-started

	// A redelivery whose caller gives up while the first still runs.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	err := h(ctx, ev)
	cancel()
	if !errors.Is(err, ErrInProgress) || !errors.Is(err, ErrConflict) {
		t.Fatalf("redelivery during the first attempt = %v, want ErrInProgress", err)
	}
	wh := &WebhookHandler{Parser: stubParser{ev}, Secret: "s", OnEvent: func(ctx context.Context, ev *Event) error {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		return h(ctx, ev)
	}}
	rec := httptest.NewRecorder()
	wh.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}")))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" {
		t.Errorf("handler answered %d (Retry-After %q), want 503 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	if StatusForError(err) != http.StatusServiceUnavailable {
		t.Errorf("StatusForError = %d", StatusForError(err))
	}

	// A redelivery that waits: the first attempt fails, so it runs.
	second := make(chan error, 1)
	go func() { second <- h(context.Background(), ev) }()
	time.Sleep(5 * time.Millisecond) // it is waiting (not required for correctness)
	release <- errors.New("db down")
	if err := <-first; err == nil {
		t.Fatal("first attempt's error swallowed")
	}
	<-started
	release <- nil
	if err := <-second; err != nil {
		t.Fatalf("second attempt: %v", err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (failed, then handled by the waiting redelivery)", calls.Load())
	}
	// Handled now: a third delivery is done without a call.
	if err := h(context.Background(), ev); err != nil || calls.Load() != 2 {
		t.Errorf("after success: %v, %d calls", err, calls.Load())
	}
}

// TestDeduplicatorPanic: a callback that panics does not leave its key
// claimed for ever.
func TestDeduplicatorPanic(t *testing.T) {
	d := NewDeduplicator(0, 0)
	boom := true
	h := d.Wrap(func(context.Context, *Event) error {
		if boom {
			panic("boom")
		}
		return nil
	})
	ev := &Event{Provider: KindGitHub, DeliveryID: "p"}
	func() {
		defer func() { _ = recover() }()
		_ = h(context.Background(), ev)
	}()
	boom = false
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := h(ctx, ev); err != nil {
		t.Fatalf("after a panic: %v", err)
	}
}

type stubParser struct{ ev *Event }

func (stubParser) Verify(http.Header, []byte, string) error    { return nil }
func (p stubParser) Parse(http.Header, []byte) (*Event, error) { return p.ev, nil }
