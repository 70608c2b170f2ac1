package vcs

import (
	"context"
	"sync"
	"time"
)

// Deduplicator remembers webhook delivery IDs so that a delivery the host
// sends again (after a timeout, or by an admin's "redeliver") is handled
// once. It keeps the IDs of one process in memory; servers that run
// several replicas need a shared store keyed by Event.Provider and
// Event.DeliveryID instead.
type Deduplicator struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	seen  map[string]time.Time
	order []string // keys, oldest first
}

// NewDeduplicator remembers up to max delivery IDs, each for ttl.
func NewDeduplicator(max int, ttl time.Duration) *Deduplicator {
	if max <= 0 {
		max = 10000
	}
	return &Deduplicator{max: max, ttl: ttl, now: time.Now, seen: map[string]time.Time{}}
}

// Wrap returns an OnEvent callback that calls next once per delivery ID.
// A delivery whose next call failed is forgotten, so the host's retry is
// handled. Events without a delivery ID always reach next.
func (d *Deduplicator) Wrap(next func(context.Context, *Event) error) func(context.Context, *Event) error {
	return func(ctx context.Context, ev *Event) error {
		if ev.DeliveryID == "" {
			return next(ctx, ev)
		}
		key := string(ev.Provider) + "\x00" + ev.DeliveryID
		if !d.claim(key) {
			return nil
		}
		if err := next(ctx, ev); err != nil {
			d.forget(key)
			return err
		}
		return nil
	}
}

// claim records key and reports whether it was new (or had expired).
func (d *Deduplicator) claim(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if at, ok := d.seen[key]; ok && (d.ttl <= 0 || now.Sub(at) < d.ttl) {
		return false
	}
	d.seen[key] = now
	d.order = append(d.order, key)
	for len(d.seen) > d.max && len(d.order) > 0 {
		delete(d.seen, d.order[0])
		d.order = d.order[1:]
	}
	if len(d.order) > 2*d.max {
		// Drop keys that were forgotten or re-claimed.
		kept := d.order[:0]
		for _, k := range d.order {
			if _, ok := d.seen[k]; ok {
				kept = append(kept, k)
			}
		}
		d.order = kept
	}
	return true
}

func (d *Deduplicator) forget(key string) {
	d.mu.Lock()
	delete(d.seen, key)
	d.mu.Unlock()
}
