// Package memstore is a vcs.Store in memory, for tests and servers of one
// process that accept losing what is queued when the process stops. It is
// NOT durable: use store/filestore on one machine and store/pgstore for
// several replicas.
//
// Done events are kept (their identity is what makes a later redelivery
// a duplicate) until Forget drops them.
package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// Store is an in-memory vcs.Store. The zero value is not usable; call
// New.
type Store struct {
	mu          sync.Mutex
	now         func() time.Time
	seq         int64
	rows        map[string]*row
	byKey       map[string]*row
	open        map[string]*row // pending and running rows
	checkpoints map[string]time.Time
	closed      bool
}

type row struct {
	d         vcs.Delivery
	seq       int64
	keys      []string
	token     string
	owner     string
	setAsideN int64 // order of setting aside
}

// Option configures a Store.
type Option func(*Store)

// WithClock makes the store read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{now: time.Now, rows: map[string]*row{}, byKey: map[string]*row{}, open: map[string]*row{}, checkpoints: map[string]time.Time{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ vcs.Store = (*Store)(nil)

func (s *Store) check(op string) error {
	if s.closed {
		return vcs.Errorf("", op, vcs.ErrUnavailable, "the store is closed")
	}
	return nil
}

// Record implements vcs.EventRecorder.
func (s *Store) Record(ctx context.Context, ev *vcs.Event) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	data, err := vcs.EncodeEvent(ev)
	if err != nil {
		return false, err
	}
	keys := identities(ev)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("Record"); err != nil {
		return false, err
	}
	for _, k := range keys {
		if _, ok := s.byKey[k]; ok {
			return false, nil
		}
	}
	s.seq++
	now := s.now()
	identity, _ := vcs.DedupeKey(ev)
	r := &row{seq: s.seq, keys: keys, d: vcs.Delivery{
		ID: strconv.FormatInt(s.seq, 10), Identity: identity, Data: data,
		State: vcs.DeliveryPending, RecordedAt: now, NextAttempt: now,
	}}
	s.rows[r.d.ID] = r
	s.open[r.d.ID] = r
	for _, k := range keys {
		s.byKey[k] = r
	}
	return true, nil
}

// identities are the keys an event is recorded under: its identity and,
// for a merge, its delivery's too.
func identities(ev *vcs.Event) []string {
	var keys []string
	if k, ok := vcs.DedupeKey(ev); ok {
		keys = append(keys, k)
	}
	if k := vcs.DeliveryIdentity(ev); k != "" && (len(keys) == 0 || keys[0] != k) {
		keys = append(keys, k)
	}
	return keys
}

// Claim implements vcs.Store.
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]*vcs.Claim, error) {
	if err := vcs.CheckClaimArgs(owner, max, lease); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("Claim"); err != nil {
		return nil, err
	}
	now := s.now()
	var due []*row
	for _, r := range s.open {
		if r.d.State == vcs.DeliveryPending && !r.d.NextAttempt.After(now) ||
			r.d.State == vcs.DeliveryRunning && !r.d.LeaseUntil.After(now) {
			due = append(due, r)
		}
	}
	sort.Slice(due, func(i, j int) bool {
		if !due[i].d.NextAttempt.Equal(due[j].d.NextAttempt) {
			return due[i].d.NextAttempt.Before(due[j].d.NextAttempt)
		}
		return due[i].seq < due[j].seq
	})
	if len(due) > max {
		due = due[:max]
	}
	out := make([]*vcs.Claim, 0, len(due))
	for _, r := range due {
		r.d.State = vcs.DeliveryRunning
		r.d.Attempts++
		r.d.LeaseUntil = now.Add(lease)
		r.token = newToken()
		r.owner = owner
		out = append(out, &vcs.Claim{Delivery: r.d, Owner: owner, Token: r.token})
	}
	return out, nil
}

// held returns c's row if c still holds its lease.
func (s *Store) held(op string, c *vcs.Claim) (*row, error) {
	if err := s.check(op); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, vcs.Errorf("", op, vcs.ErrInvalidArgument, "nil claim")
	}
	r, ok := s.rows[c.ID]
	if !ok || r.d.State != vcs.DeliveryRunning || r.token != c.Token || !r.d.LeaseUntil.After(s.now()) {
		return nil, vcs.LeaseLost(op, c)
	}
	return r, nil
}

// Extend implements vcs.Store.
func (s *Store) Extend(ctx context.Context, c *vcs.Claim, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held("Extend", c)
	if err != nil {
		return err
	}
	r.d.LeaseUntil = s.now().Add(lease)
	return nil
}

// Complete implements vcs.Store.
func (s *Store) Complete(ctx context.Context, c *vcs.Claim) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held("Complete", c)
	if err != nil {
		return err
	}
	r.d.State = vcs.DeliveryDone
	r.d.LeaseUntil = time.Time{}
	r.token = ""
	delete(s.open, r.d.ID)
	return nil
}

// Fail implements vcs.Store.
func (s *Store) Fail(ctx context.Context, c *vcs.Claim, cause string, retryAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held("Fail", c)
	if err != nil {
		return err
	}
	r.d.LastError = cause
	r.d.LeaseUntil = time.Time{}
	r.token = ""
	if retryAt.IsZero() {
		r.d.State = vcs.DeliverySetAside
		s.seq++
		r.setAsideN = s.seq
		delete(s.open, r.d.ID)
		return nil
	}
	r.d.State = vcs.DeliveryPending
	r.d.NextAttempt = retryAt
	return nil
}

// Release implements vcs.Store.
func (s *Store) Release(ctx context.Context, c *vcs.Claim) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held("Release", c)
	if err != nil {
		return err
	}
	r.d.State = vcs.DeliveryPending
	r.d.Attempts = max(r.d.Attempts-1, 0)
	r.d.LeaseUntil = time.Time{}
	r.d.NextAttempt = s.now()
	r.token = ""
	return nil
}

// SetAside implements vcs.Store.
func (s *Store) SetAside(ctx context.Context, limit int) ([]*vcs.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("SetAside"); err != nil {
		return nil, err
	}
	var rows []*row
	for _, r := range s.rows {
		if r.d.State == vcs.DeliverySetAside {
			rows = append(rows, r)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].seq < rows[j].seq })
	if limit > 0 && len(rows) > limit {
		rows = rows[:limit]
	}
	out := make([]*vcs.Delivery, len(rows))
	for i, r := range rows {
		d := r.d
		out[i] = &d
	}
	return out, nil
}

// Retry implements vcs.Store.
func (s *Store) Retry(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("Retry"); err != nil {
		return err
	}
	r, ok := s.rows[id]
	if !ok || r.d.State != vcs.DeliverySetAside {
		return vcs.Errorf("", "Retry", vcs.ErrNotFound, "no set-aside event %q", id)
	}
	r.d.State = vcs.DeliveryPending
	r.d.Attempts = 0
	r.d.NextAttempt = s.now()
	s.open[id] = r
	return nil
}

// Checkpoint implements vcs.CheckpointStore.
func (s *Store) Checkpoint(ctx context.Context, key string) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("Checkpoint"); err != nil {
		return time.Time{}, err
	}
	return s.checkpoints[key], nil
}

// SetCheckpoint implements vcs.CheckpointStore.
func (s *Store) SetCheckpoint(ctx context.Context, key string, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.check("SetCheckpoint"); err != nil {
		return err
	}
	s.checkpoints[key] = t
	return nil
}

// Forget drops the done events recorded before t, and with them their
// identities: a delivery of one of them arriving later is recorded anew.
// It returns how many it dropped.
func (s *Store) Forget(before time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, r := range s.rows {
		if r.d.State == vcs.DeliveryDone && r.d.RecordedAt.Before(before) {
			for _, k := range r.keys {
				delete(s.byKey, k)
			}
			delete(s.rows, id)
			n++
		}
	}
	return n
}

// Close implements vcs.Store; every later call fails with
// vcs.ErrUnavailable.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
