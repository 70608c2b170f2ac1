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
	seen  map[string]seenAt
	order []claimed // oldest first; entries that no longer match seen are stale
	seq   uint64
}

// seenAt is when a key was claimed; seq tells claims of the same key
// apart.
type seenAt struct {
	at  time.Time
	seq uint64
}

// claimed is one claim of a key, in order.
type claimed struct {
	key string
	seq uint64
}

// NewDeduplicator remembers up to max delivery IDs (10,000 when max <= 0),
// each for ttl (until evicted when ttl <= 0); the oldest are forgotten
// first.
func NewDeduplicator(max int, ttl time.Duration) *Deduplicator {
	if max <= 0 {
		max = 10000
	}
	return &Deduplicator{max: max, ttl: ttl, now: time.Now, seen: map[string]seenAt{}}
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
	if c, ok := d.seen[key]; ok && (d.ttl <= 0 || now.Sub(c.at) < d.ttl) {
		return false
	}
	d.seq++
	d.seen[key] = seenAt{now, d.seq}
	d.order = append(d.order, claimed{key, d.seq})
	for len(d.seen) > d.max && len(d.order) > 0 {
		// An older claim of a key that was claimed again since (after
		// it expired or failed) must not evict the newer claim.
		if c := d.order[0]; d.seen[c.key].seq == c.seq {
			delete(d.seen, c.key)
		}
		d.order = d.order[1:]
	}
	if len(d.order) > 2*d.max {
		// Drop claims that were forgotten or made again later.
		kept := make([]claimed, 0, len(d.seen))
		for _, c := range d.order {
			if cur, ok := d.seen[c.key]; ok && cur.seq == c.seq {
				kept = append(kept, c)
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
