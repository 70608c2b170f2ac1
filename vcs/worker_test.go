package vcs_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/store/memstore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// runWorker runs w until stop is called, which waits for Run to return.
func runWorker(t *testing.T, w *vcs.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func fastBackoff(int) time.Duration { return time.Millisecond }

func TestWorkerRetriesThenSetsAside(t *testing.T) {
	s := memstore.New()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitHub, "acme/db", i, fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	calls := map[int]int{}
	done := map[int]int{}
	var reported atomic.Int32
	w := &vcs.Worker{
		Store: s, PollInterval: 5 * time.Millisecond, MaxAttempts: 3, Backoff: fastBackoff,
		Handle: func(_ context.Context, ev *vcs.Event) error {
			mu.Lock()
			defer mu.Unlock()
			calls[ev.Number]++
			switch {
			case ev.Number == 2 && calls[2] < 3: // succeeds at the last attempt
				return errors.New("transient")
			case ev.Number == 3: // never succeeds
				panic("poison")
			}
			done[ev.Number]++
			return nil
		},
		OnError: func(*vcs.Delivery, error) { reported.Add(1) },
	}
	stop := runWorker(t, w)
	var aside []*vcs.Delivery
	waitFor(t, "the poison event to be set aside", func() bool {
		aside, _ = s.SetAside(ctx, 0)
		return len(aside) == 1
	})
	stop()
	mu.Lock()
	defer mu.Unlock()
	if done[1] != 1 || done[2] != 1 || calls[2] != 3 || calls[3] != 3 || done[3] != 0 {
		t.Errorf("calls %v done %v; want 1 and 2 done once (2 at the third attempt), 3 tried three times", calls, done)
	}
	if aside[0].Attempts != 3 || !strings.Contains(aside[0].LastError, "poison") {
		t.Errorf("set aside %+v; want 3 attempts and the panic as last error", aside[0])
	}
	if reported.Load() < 5 {
		t.Errorf("OnError told %d times, want every failed attempt (5)", reported.Load())
	}
}

// corrupt returns claims whose recorded data is not an event.
type corrupt struct{ *memstore.Store }

func (c corrupt) Claim(ctx context.Context, owner string, n int, lease time.Duration) ([]*vcs.Claim, error) {
	cs, err := c.Store.Claim(ctx, owner, n, lease)
	for _, cl := range cs {
		cl.Data = []byte(`{"event":`)
	}
	return cs, err
}

func TestWorkerSetsAsideMalformedRecords(t *testing.T) {
	s := memstore.New()
	ctx := context.Background()
	if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitLab, "g/p", 1, "x")); err != nil {
		t.Fatal(err)
	}
	var called atomic.Bool
	runWorker(t, &vcs.Worker{Store: corrupt{s}, PollInterval: 5 * time.Millisecond,
		Handle: func(context.Context, *vcs.Event) error { called.Store(true); return nil }})
	waitFor(t, "the malformed record to be set aside", func() bool {
		aside, _ := s.SetAside(ctx, 0)
		return len(aside) == 1 && strings.Contains(aside[0].LastError, "decoded")
	})
	if called.Load() {
		t.Error("Handle was called with a malformed record")
	}
}

// losing answers every Extend with ErrLeaseLost, as a store does once
// the lease ran out and another worker claimed the event.
type losing struct {
	*memstore.Store
	completes, fails atomic.Int32
}

func (l *losing) Extend(_ context.Context, c *vcs.Claim, _ time.Duration) error {
	return vcs.LeaseLost("Extend", c)
}
func (l *losing) Complete(ctx context.Context, c *vcs.Claim) error {
	l.completes.Add(1)
	return l.Store.Complete(ctx, c)
}
func (l *losing) Fail(ctx context.Context, c *vcs.Claim, cause string, at time.Time) error {
	l.fails.Add(1)
	return l.Store.Fail(ctx, c, cause, at)
}

func TestWorkerStopsHandleWhenTheLeaseIsLost(t *testing.T) {
	s := &losing{Store: memstore.New()}
	ctx := context.Background()
	if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindBitbucket, "w/r", 1, "x")); err != nil {
		t.Fatal(err)
	}
	cancelled := make(chan struct{})
	runWorker(t, &vcs.Worker{Store: s, PollInterval: 5 * time.Millisecond, Lease: 40 * time.Millisecond,
		Handle: func(ctx context.Context, _ *vcs.Event) error {
			select {
			case <-ctx.Done():
				close(cancelled)
				return ctx.Err()
			case <-time.After(10 * time.Second):
				return nil
			}
		}})
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("Handle's context was not cancelled when the lease was lost")
	}
	time.Sleep(20 * time.Millisecond)
	if s.completes.Load() != 0 || s.fails.Load() != 0 {
		t.Errorf("the worker settled an event it no longer owns: %d completes, %d fails", s.completes.Load(), s.fails.Load())
	}
}

// flaky fails the first Complete calls as a store does whose connection
// was dropped, and counts the calls.
type flaky struct {
	*memstore.Store
	failures           atomic.Int32 // Complete calls still to fail
	completes, extends atomic.Int32
}

func (f *flaky) Complete(ctx context.Context, c *vcs.Claim) error {
	f.completes.Add(1)
	if f.failures.Add(-1) >= 0 {
		return errors.New("conn closed: the connection was terminated")
	}
	return f.Store.Complete(ctx, c)
}
func (f *flaky) Extend(ctx context.Context, c *vcs.Claim, d time.Duration) error {
	f.extends.Add(1)
	return f.Store.Extend(ctx, c, d)
}

// A store that keeps failing to mark an event done for longer than the
// lease lasts is asked again while the worker renews the lease, so the
// event is not claimed and processed a second time (before, the worker
// gave up after half a lease and the event ran again).
func TestWorkerCompletesThroughAFailingStore(t *testing.T) {
	s := &flaky{Store: memstore.New()}
	const lease = 400 * time.Millisecond
	// Waits of 10, 20, 40, then 50 ms (lease/8): ten failures take about
	// 420 ms, more than the lease.
	s.failures.Store(10)
	ctx := context.Background()
	if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindGitHub, "o/r", 1, "x")); err != nil {
		t.Fatal(err)
	}
	var handled atomic.Int32
	var reports []error
	var mu sync.Mutex
	stop := runWorker(t, &vcs.Worker{Store: s, PollInterval: 5 * time.Millisecond, Lease: lease,
		OnError: func(_ *vcs.Delivery, err error) { mu.Lock(); reports = append(reports, err); mu.Unlock() },
		Handle: func(context.Context, *vcs.Event) error {
			handled.Add(1)
			return nil
		}})
	waitFor(t, "the completion to get through", func() bool { return s.completes.Load() > 10 })
	// Past the lease: an event whose completion was lost would be claimed
	// and handled again by now.
	time.Sleep(2 * lease)
	stop()
	if n := handled.Load(); n != 1 {
		t.Errorf("handled %d times, want once", n)
	}
	if s.extends.Load() < 10 {
		t.Errorf("%d lease renewals between 10 failed completions, want one after each", s.extends.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reports) != 0 {
		t.Errorf("reports: %v", reports)
	}
}

func TestWorkerShutdown(t *testing.T) {
	ctx := context.Background()
	t.Run("releases what does not finish", func(t *testing.T) {
		s := memstore.New()
		if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindAzureDevOps, "o/p/r", 1, "x")); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		stop := runWorker(t, &vcs.Worker{Store: s, PollInterval: 5 * time.Millisecond, ShutdownGrace: -1,
			Handle: func(ctx context.Context, _ *vcs.Event) error {
				close(started)
				<-ctx.Done()
				return ctx.Err()
			}})
		<-started
		stop()
		cs, err := s.Claim(ctx, "next", 1, time.Minute)
		if err != nil || len(cs) != 1 || cs[0].Attempts != 1 {
			t.Fatalf("after shutdown: %v %v; want the event released at once, attempts not counted", cs, err)
		}
	})
	t.Run("finishes within the grace", func(t *testing.T) {
		s := memstore.New()
		if _, err := s.Record(ctx, vcstest.MergedEvent(vcs.KindAzureDevOps, "o/p/r", 1, "x")); err != nil {
			t.Fatal(err)
		}
		started := make(chan struct{})
		var finished atomic.Bool
		stop := runWorker(t, &vcs.Worker{Store: s, PollInterval: 5 * time.Millisecond, ShutdownGrace: 5 * time.Second,
			Handle: func(ctx context.Context, _ *vcs.Event) error {
				close(started)
				time.Sleep(50 * time.Millisecond)
				finished.Store(true)
				return ctx.Err()
			}})
		<-started
		stop()
		if !finished.Load() {
			t.Fatal("Run returned before Handle finished")
		}
		if cs, _ := s.Claim(ctx, "next", 1, time.Minute); len(cs) != 0 {
			t.Errorf("the finished event is claimable again")
		}
	})
	t.Run("no store", func(t *testing.T) {
		if err := (&vcs.Worker{}).Run(ctx); !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("Run without a store: %v, want ErrInvalidConfig", err)
		}
	})
}

// failingRecorder cannot record anything.
type failingRecorder struct{}

func (failingRecorder) Record(context.Context, *vcs.Event) (bool, error) {
	return false, errors.New("connection refused to 10.0.0.7:5432")
}

func TestWebhookHandlerRecords(t *testing.T) {
	s := memstore.New()
	var called atomic.Bool
	h := &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", Store: s,
		OnEvent: func(context.Context, *vcs.Event) error { called.Store(true); return nil }}
	post := func(h *vcs.WebhookHandler, secret string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", "/hook", strings.NewReader("{}"))
		r.Header.Set("X-Secret", secret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}
	if rec := post(h, "good"); rec.Code != 200 || rec.Body.String() != "recorded\n" {
		t.Errorf("first delivery: %d %q, want 200 recorded", rec.Code, rec.Body)
	}
	if rec := post(h, "good"); rec.Code != 200 {
		t.Errorf("second delivery: %d, want 200", rec.Code)
	}
	if rec := post(h, "bad"); rec.Code != 401 {
		t.Errorf("wrong secret: %d, want 401", rec.Code)
	}
	if called.Load() {
		t.Error("OnEvent was called although the handler has a store")
	}
	cs, _ := s.Claim(context.Background(), "w", 10, time.Minute)
	if len(cs) != 2 { // the stub's pings carry no delivery ID
		t.Errorf("%d events recorded, want 2", len(cs))
	}
	var reported error
	down := &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", Store: failingRecorder{}, OnError: func(_ *http.Request, err error) { reported = err }}
	rec := post(down, "good")
	if rec.Code != 503 || rec.Header().Get("Retry-After") == "" || strings.Contains(rec.Body.String(), "10.0.0.7") {
		t.Errorf("store down: %d %q %v; want 503 with Retry-After and no server detail", rec.Code, rec.Body, rec.Header())
	}
	if !errors.Is(reported, vcs.ErrUnavailable) {
		t.Errorf("OnError told %v, want ErrUnavailable", reported)
	}
}
