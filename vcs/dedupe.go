package vcs

import (
	"context"
	"sync"
	"time"
)

// Deduplicator makes a callback handle each event once: each merge once
// whichever deliveries carried it (keyed by its MergeKey: Azure DevOps
// sends two events per completion, and a replay may come under a new
// delivery ID), and every other event once per delivery ID (a redelivery
// after a timeout, or an admin's "redeliver"). DedupeKey gives the key.
//
// A delivery whose key is being handled by a call that has not ended yet
// waits for that call: when it succeeds the delivery returns nil (the
// event was handled), when it fails the waiting delivery handles the
// event itself. A delivery whose context ends while it waits returns an
// error matching ErrInProgress, which WebhookHandler answers with 503 so
// that the host retries; it is never answered as done while the outcome
// is unknown.
//
// It keeps the keys of one process in memory; servers that run several
// replicas need a shared store keyed by DedupeKey instead.
type Deduplicator struct {
	mu    sync.Mutex
	max   int
	ttl   time.Duration
	now   func() time.Time
	seen  map[string]seenAt
	order []claimed // handled keys, oldest first; entries that no longer match seen are stale
	seq   uint64
}

// seenAt is a key being handled (running is open until the call ends) or
// handled at at; seq tells records of the same key apart.
type seenAt struct {
	at      time.Time
	seq     uint64
	running chan struct{}
}

// claimed is one record of a handled key, in order.
type claimed struct {
	key string
	seq uint64
}

// NewDeduplicator remembers up to max handled keys (10,000 when max <= 0),
// each for ttl (until evicted when ttl <= 0); the oldest are forgotten
// first. Keys being handled are never forgotten.
func NewDeduplicator(max int, ttl time.Duration) *Deduplicator {
	if max <= 0 {
		max = 10000
	}
	return &Deduplicator{max: max, ttl: ttl, now: time.Now, seen: map[string]seenAt{}}
}

// Wrap returns an OnEvent callback that calls next once per DedupeKey. A
// key whose next call failed (or panicked) is forgotten, so the host's
// retry is handled. Events without a key (no merge, no delivery ID)
// always reach next.
func (d *Deduplicator) Wrap(next func(context.Context, *Event) error) func(context.Context, *Event) error {
	return func(ctx context.Context, ev *Event) error {
		key, ok := DedupeKey(ev)
		if !ok {
			return next(ctx, ev)
		}
		var seq uint64
		for {
			s, wait, mine := d.claim(key)
			if mine {
				seq = s
				break
			}
			if wait == nil {
				return nil // handled already
			}
			select {
			case <-wait: // the other call ended: handled, or failed and forgotten
			case <-ctx.Done():
				return &Error{Provider: ev.Provider, Op: "Deduplicator", Kind: ErrInProgress,
					Message: "the event (" + key + ") is still being handled by an earlier delivery; retry later", Err: ctx.Err()}
			}
		}
		done := false
		defer func() { d.finish(key, seq, done) }()
		if err := next(ctx, ev); err != nil {
			return err
		}
		done = true
		return nil
	}
}

// claim starts handling key and reports mine, unless it is being handled
// (wait is closed when that ends) or was handled within ttl (wait is nil).
func (d *Deduplicator) claim(key string) (seq uint64, wait <-chan struct{}, mine bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c, ok := d.seen[key]; ok {
		if c.running != nil {
			return 0, c.running, false
		}
		if d.ttl <= 0 || d.now().Sub(c.at) < d.ttl {
			return 0, nil, false
		}
	}
	d.seq++
	d.seen[key] = seenAt{seq: d.seq, running: make(chan struct{})}
	return d.seq, nil, true
}

// finish ends the call that claimed key as seq: a handled key is
// remembered from now on, a failed one forgotten; waiting deliveries wake.
func (d *Deduplicator) finish(key string, seq uint64, handled bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.seen[key]
	if !ok || c.seq != seq {
		return
	}
	close(c.running)
	if !handled {
		delete(d.seen, key)
		return
	}
	d.seq++
	d.seen[key] = seenAt{at: d.now(), seq: d.seq}
	d.order = append(d.order, claimed{key, d.seq})
	for len(d.seen) > d.max && len(d.order) > 0 {
		// An older record of a key handled again since (after it
		// expired) must not evict the newer one.
		if c := d.order[0]; d.seen[c.key].seq == c.seq {
			delete(d.seen, c.key)
		}
		d.order = d.order[1:]
	}
	if len(d.order) > 2*d.max {
		// Drop records of keys forgotten or handled again later.
		kept := make([]claimed, 0, len(d.seen))
		for _, c := range d.order {
			if cur, ok := d.seen[c.key]; ok && cur.seq == c.seq {
				kept = append(kept, c)
			}
		}
		d.order = kept
	}
}
