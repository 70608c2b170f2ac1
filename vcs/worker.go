package vcs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"os"
	"sync"
	"time"
)

// Worker defaults.
const (
	DefaultWorkerConcurrency = 4
	DefaultWorkerLease       = 30 * time.Second
	DefaultWorkerPoll        = 500 * time.Millisecond
	DefaultMaxAttempts       = 10
	DefaultShutdownGrace     = 10 * time.Second
)

// Worker processes the events a Store holds: it claims due events with a
// lease, calls Handle, and completes the event when Handle returns nil or
// fails it with a retry time (exponential backoff) when it returns an
// error. After MaxAttempts attempts an event is set aside for an
// operator (Store.SetAside, Store.Retry). Run as many workers as you like,
// on every replica: each event is leased to one of them at a time.
//
// While Handle runs, the worker renews the lease. When the lease cannot be
// renewed (the store answers ErrLeaseLost, or cannot be reached for half
// the lease), Handle's context is cancelled before the lease runs out, so
// that a Handle that honours its context stops before another worker can
// claim the event; a Handle whose effects leave the process (a migration,
// a comment) should still be idempotent, as vcs.UpsertComment is, because
// a process can die after Handle's effect and before the store hears of
// it. When Handle succeeded but the store fails to mark the event done,
// the worker asks again, renewing the lease between attempts, for as long
// as it holds the lease; only a store that stays unreachable for the rest
// of the lease (OnError is told) lets the event run a second time.
type Worker struct {
	// Store holds the events. Required.
	Store Store
	// Handle processes one event. Required. A nil return completes the
	// event; an error fails the attempt; a panic is an error.
	Handle func(ctx context.Context, ev *Event) error
	// Owner names this worker in the store (for operators); default
	// hostname, process ID and a random suffix.
	Owner string
	// Concurrency is how many events are processed at once; default
	// DefaultWorkerConcurrency.
	Concurrency int
	// Lease is how long a claim lasts without renewal; default
	// DefaultWorkerLease. A worker that dies leaves its events to others
	// after this long.
	Lease time.Duration
	// PollInterval is how long the worker waits when nothing is due;
	// default DefaultWorkerPoll.
	PollInterval time.Duration
	// MaxAttempts is how many attempts an event gets before it is set
	// aside; default DefaultMaxAttempts.
	MaxAttempts int
	// Backoff returns the wait before attempt+1 after attempt failed;
	// default one second doubling per attempt up to ten minutes, with
	// 20 % jitter.
	Backoff func(attempt int) time.Duration
	// ShutdownGrace is how long Run waits, once its context is done, for
	// the events in hand to finish before it cancels Handle's context and
	// releases them; default DefaultShutdownGrace; negative means no wait.
	ShutdownGrace time.Duration
	// OnError, when set, is told of every failed attempt and store error
	// (d is nil for store errors outside an event).
	OnError func(d *Delivery, err error)
}

// Run claims and processes events until ctx is done, then shuts down
// gracefully: it stops claiming, waits up to ShutdownGrace for the events
// in hand, cancels the rest and releases them so that another worker
// takes them at once. It returns nil after a shutdown, or an error for a
// worker that cannot run (no Store or Handle).
func (w *Worker) Run(ctx context.Context) error {
	if w.Store == nil || w.Handle == nil {
		return Errorf("", "Worker.Run", ErrInvalidConfig, "the worker has no Store or Handle")
	}
	owner := w.Owner
	if owner == "" {
		owner = defaultOwner()
	}
	conc := w.Concurrency
	if conc <= 0 {
		conc = DefaultWorkerConcurrency
	}
	poll := w.PollInterval
	if poll <= 0 {
		poll = DefaultWorkerPoll
	}
	// Handle runs under procCtx, which outlives ctx by the grace period.
	procCtx, cancelProc := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelProc()
	slots := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for ctx.Err() == nil {
		// Wait for a free slot, then claim as many events as are free.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			continue
		}
		free := 1
		for free < conc {
			select {
			case slots <- struct{}{}:
				free++
				continue
			default:
			}
			break
		}
		claims, err := w.Store.Claim(ctx, owner, free, w.lease())
		if err != nil && ctx.Err() == nil {
			w.report(nil, fmt.Errorf("claiming events: %w", err))
		}
		for i := len(claims); i < free; i++ {
			<-slots
		}
		for _, c := range claims {
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				w.process(ctx, procCtx, c)
			}()
		}
		if len(claims) == 0 {
			t := time.NewTimer(jitter(poll))
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
	}
	// Shutting down: no more claims. Wait for what is in hand.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	grace := w.ShutdownGrace
	if grace == 0 {
		grace = DefaultShutdownGrace
	}
	if grace > 0 {
		t := time.NewTimer(grace)
		select {
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
	cancelProc()
	<-done
	return nil
}

func (w *Worker) lease() time.Duration {
	if w.Lease > 0 {
		return w.Lease
	}
	return DefaultWorkerLease
}

// process runs Handle on one claimed event and settles the claim.
func (w *Worker) process(runCtx, procCtx context.Context, c *Claim) {
	// Settling uses its own context: a shutdown must still complete,
	// fail or release what it holds.
	settle := func(op func(ctx context.Context) error) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(procCtx), w.lease())
		defer cancel()
		return op(ctx)
	}
	ev, err := c.Event()
	if err != nil {
		// A record that cannot be decoded will never succeed: set it
		// aside for an operator at once.
		w.report(&c.Delivery, err)
		if err := settle(func(ctx context.Context) error { return w.Store.Fail(ctx, c, err.Error(), time.Time{}) }); err != nil {
			w.report(&c.Delivery, fmt.Errorf("setting aside an undecodable event: %w", err))
		}
		return
	}

	lease := w.lease()
	hctx, cancel := context.WithCancel(procCtx)
	defer cancel()
	var lost bool // guarded by hb
	// held is when the lease, as last confirmed, runs out (guarded by
	// hb); the claim was made just before, so it is a little late.
	held := time.Now().Add(lease)
	var hb sync.Mutex
	stopHB := make(chan struct{})
	hbDone := make(chan struct{})
	go func() {
		defer close(hbDone)
		confirmed := time.Now()
		tick := time.NewTicker(lease / 4)
		defer tick.Stop()
		for {
			select {
			case <-stopHB:
				return
			case <-tick.C:
			}
			asked := time.Now()
			ctx, cancelExt := context.WithTimeout(procCtx, lease/4)
			err := w.Store.Extend(ctx, c, lease)
			cancelExt()
			switch {
			case err == nil:
				confirmed = time.Now()
				hb.Lock()
				held = asked.Add(lease)
				hb.Unlock()
			case errors.Is(err, ErrLeaseLost) || time.Since(confirmed) >= lease/2:
				// Stop Handle before anyone else can claim the event.
				hb.Lock()
				lost = true
				hb.Unlock()
				w.report(&c.Delivery, fmt.Errorf("renewing the lease: %w", err))
				cancel()
				return
			default:
				w.report(&c.Delivery, fmt.Errorf("renewing the lease (will retry): %w", err))
			}
		}
	}()
	herr := w.call(hctx, ev)
	close(stopHB)
	<-hbDone
	hb.Lock()
	leaseLost, heldUntil := lost, held
	hb.Unlock()

	switch {
	case herr == nil:
		w.complete(c, settle, heldUntil)
	case leaseLost:
		// Another worker may own it now: leave it alone.
		w.report(&c.Delivery, herr)
	case runCtx.Err() != nil && procCtx.Err() != nil:
		// Cancelled by shutdown: give the event back untouched.
		if err := settle(func(ctx context.Context) error { return w.Store.Release(ctx, c) }); err != nil && !errors.Is(err, ErrLeaseLost) {
			w.report(&c.Delivery, fmt.Errorf("releasing at shutdown (the lease will run out instead): %w", err))
		}
	default:
		w.report(&c.Delivery, herr)
		max := w.MaxAttempts
		if max <= 0 {
			max = DefaultMaxAttempts
		}
		var retryAt time.Time
		if c.Attempts < max {
			retryAt = time.Now().Add(w.backoff(c.Attempts))
		}
		if err := settle(func(ctx context.Context) error { return w.Store.Fail(ctx, c, herr.Error(), retryAt) }); err != nil && !errors.Is(err, ErrLeaseLost) {
			w.report(&c.Delivery, fmt.Errorf("recording the failure (the lease will run out instead): %w", err))
		}
	}
}

// complete tells the store a processed event is done. An event whose
// completion is lost is processed again once its lease runs out, so a
// store that fails (a dropped connection, a failover) is asked again for
// as long as the lease is held, and the lease is renewed between
// attempts: the event is processed twice only when the store stays
// unreachable for the rest of the lease, or another worker holds it.
func (w *Worker) complete(c *Claim, settle func(func(context.Context) error) error, held time.Time) {
	lease := w.lease()
	// Give up with a quarter of the lease left: the claim's time was
	// taken a little before held was, and clocks drift.
	margin := lease / 4
	wait := 10 * time.Millisecond
	for {
		err := settle(func(ctx context.Context) error { return w.Store.Complete(ctx, c) })
		if err == nil {
			return
		}
		if !errors.Is(err, ErrLeaseLost) {
			asked := time.Now()
			switch ext := settle(func(ctx context.Context) error { return w.Store.Extend(ctx, c, lease) }); {
			case ext == nil:
				held = asked.Add(lease)
			case errors.Is(ext, ErrLeaseLost):
				err = ext
			}
		}
		if errors.Is(err, ErrLeaseLost) || time.Until(held) < margin+wait {
			w.report(&c.Delivery, fmt.Errorf("the event was processed but could not be marked done; it may be processed again: %w", err))
			return
		}
		time.Sleep(wait)
		wait = min(2*wait, lease/8)
	}
}

// call runs Handle, turning a panic into an error.
func (w *Worker) call(ctx context.Context, ev *Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the Handle callback panicked: %v", r)
		}
	}()
	return w.Handle(ctx, ev)
}

func (w *Worker) backoff(attempt int) time.Duration {
	if w.Backoff != nil {
		return w.Backoff(attempt)
	}
	return DefaultBackoff(attempt)
}

// DefaultBackoff is the wait after a failed attempt (1 for the first):
// one second doubling per attempt, at most ten minutes, with 20 % jitter.
func DefaultBackoff(attempt int) time.Duration {
	d := time.Duration(float64(time.Second) * math.Pow(2, float64(max(attempt-1, 0))))
	if d <= 0 || d > 10*time.Minute {
		d = 10 * time.Minute
	}
	return jitter(d)
}

// jitter returns d ± 20 %.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

func (w *Worker) report(d *Delivery, err error) {
	if w.OnError != nil && err != nil {
		w.OnError(d, err)
	}
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
