// Package filestore is a durable vcs.Store in one database file, for a
// server of one process on one machine that needs no setup: events it
// recorded survive a crash or restart, and are processed when the process
// is back. It is built on bbolt (go.etcd.io/bbolt), an embedded key/value
// store whose every write transaction is fsynced before it returns.
//
// One process at a time may open the file (bbolt locks it); servers that
// run several replicas use store/pgstore.
//
// Done events are kept, for their identities, until DeleteDone drops
// them.
package filestore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/gitprovider/gitprovider/vcs"
)

var (
	bDeliveries  = []byte("deliveries")  // id (8 bytes, big endian) -> row JSON
	bOpen        = []byte("open")        // id of pending and running rows -> nothing
	bKeys        = []byte("keys")        // identity -> id
	bCheckpoints = []byte("checkpoints") // key -> RFC 3339 time
)

// Store is a vcs.Store in a bbolt file. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

// row is a delivery as stored.
type row struct {
	Identity    string            `json:"identity,omitempty"`
	Keys        []string          `json:"keys,omitempty"`
	Data        []byte            `json:"data"`
	State       vcs.DeliveryState `json:"state"`
	Attempts    int               `json:"attempts"`
	LastError   string            `json:"lastError,omitempty"`
	RecordedAt  time.Time         `json:"recordedAt"`
	NextAttempt time.Time         `json:"nextAttempt"`
	LeaseUntil  time.Time         `json:"leaseUntil"`
	Token       string            `json:"token,omitempty"`
	Owner       string            `json:"owner,omitempty"`
	SetAsideAt  time.Time         `json:"setAsideAt"`
}

// Open opens (creating it if needed) the store in the file at path. It
// waits up to a second for another process that holds the file.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		hint := "check the directory exists and is writable"
		if errors.Is(err, bolterrors.ErrTimeout) {
			hint = "another process has the file open: filestore serves one process; use store/pgstore for several replicas"
		}
		return nil, &vcs.Error{Op: "filestore.Open", Kind: vcs.ErrUnavailable, Message: "cannot open " + path, Hint: hint, Err: err}
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bDeliveries, bOpen, bKeys, bCheckpoints} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, &vcs.Error{Op: "filestore.Open", Kind: vcs.ErrUnavailable, Message: "cannot prepare " + path, Err: err}
	}
	return &Store{db: db, now: time.Now}, nil
}

var _ vcs.Store = (*Store)(nil)

func idKey(id uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], id)
	return b[:]
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var ve *vcs.Error
	if errors.As(err, &ve) {
		return err
	}
	return &vcs.Error{Op: op, Kind: vcs.ErrUnavailable, Message: "the store file failed", Err: err}
}

func put(tx *bolt.Tx, id []byte, r *row) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := tx.Bucket(bDeliveries).Put(id, b); err != nil {
		return err
	}
	if r.State == vcs.DeliveryPending || r.State == vcs.DeliveryRunning {
		return tx.Bucket(bOpen).Put(id, nil)
	}
	return tx.Bucket(bOpen).Delete(id)
}

// get reads row id; a row that cannot be decoded comes back set aside,
// with its bytes as its data, so that an operator sees it.
func get(tx *bolt.Tx, id []byte) (*row, bool) {
	v := tx.Bucket(bDeliveries).Get(id)
	if v == nil {
		return nil, false
	}
	var r row
	if err := json.Unmarshal(v, &r); err != nil || r.State == "" {
		return &row{Data: append([]byte(nil), v...), State: vcs.DeliverySetAside, LastError: "the stored row cannot be decoded"}, true
	}
	return &r, true
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
	identity, _ := vcs.DedupeKey(ev)
	var keys []string
	if identity != "" {
		keys = append(keys, identity)
	}
	if k := vcs.DeliveryIdentity(ev); k != "" && k != identity {
		keys = append(keys, k)
	}
	recorded := false
	err = s.db.Update(func(tx *bolt.Tx) error {
		kb := tx.Bucket(bKeys)
		for _, k := range keys {
			if kb.Get([]byte(k)) != nil {
				return nil
			}
		}
		seq, err := tx.Bucket(bDeliveries).NextSequence()
		if err != nil {
			return err
		}
		id := idKey(seq)
		now := s.now()
		for _, k := range keys {
			if err := kb.Put([]byte(k), id); err != nil {
				return err
			}
		}
		recorded = true
		return put(tx, id, &row{Identity: identity, Keys: keys, Data: data, State: vcs.DeliveryPending, RecordedAt: now, NextAttempt: now})
	})
	if err != nil {
		return false, wrap("Record", err)
	}
	return recorded, nil
}

func delivery(id []byte, r *row) vcs.Delivery {
	return vcs.Delivery{ID: strconv.FormatUint(binary.BigEndian.Uint64(id), 10), Identity: r.Identity, Data: r.Data, State: r.State,
		Attempts: r.Attempts, LastError: r.LastError, RecordedAt: r.RecordedAt, NextAttempt: r.NextAttempt, LeaseUntil: r.LeaseUntil}
}

// Claim implements vcs.Store.
func (s *Store) Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]*vcs.Claim, error) {
	if err := vcs.CheckClaimArgs(owner, max, lease); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*vcs.Claim
	err := s.db.Update(func(tx *bolt.Tx) error {
		out = nil
		now := s.now()
		type due struct {
			id []byte
			r  *row
		}
		var ds, bad []due
		err := tx.Bucket(bOpen).ForEach(func(k, _ []byte) error {
			id := append([]byte(nil), k...)
			r, ok := get(tx, id)
			switch {
			case !ok:
			case r.State == vcs.DeliverySetAside: // undecodable
				bad = append(bad, due{id, r})
			case r.State == vcs.DeliveryPending && !r.NextAttempt.After(now),
				r.State == vcs.DeliveryRunning && !r.LeaseUntil.After(now):
				ds = append(ds, due{id, r})
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Rows that cannot be decoded are set aside for an operator
		// (after the walk: a bucket must not change while it is walked).
		for _, b := range bad {
			b.r.SetAsideAt = now
			if err := put(tx, b.id, b.r); err != nil {
				return err
			}
		}
		sort.SliceStable(ds, func(i, j int) bool { return ds[i].r.NextAttempt.Before(ds[j].r.NextAttempt) })
		if len(ds) > max {
			ds = ds[:max]
		}
		for _, d := range ds {
			d.r.State = vcs.DeliveryRunning
			d.r.Attempts++
			d.r.LeaseUntil = now.Add(lease)
			d.r.Token = newToken()
			d.r.Owner = owner
			if err := put(tx, d.id, d.r); err != nil {
				return err
			}
			out = append(out, &vcs.Claim{Delivery: delivery(d.id, d.r), Owner: owner, Token: d.r.Token})
		}
		return nil
	})
	if err != nil {
		return nil, wrap("Claim", err)
	}
	return out, nil
}

// settle runs change on c's row if c still holds its lease.
func (s *Store) settle(ctx context.Context, op string, c *vcs.Claim, change func(r *row, now time.Time)) error {
	if c == nil {
		return vcs.Errorf("", op, vcs.ErrInvalidArgument, "nil claim")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	n, err := strconv.ParseUint(c.ID, 10, 64)
	if err != nil {
		return vcs.LeaseLost(op, c)
	}
	id := idKey(n)
	err = s.db.Update(func(tx *bolt.Tx) error {
		now := s.now()
		r, ok := get(tx, id)
		if !ok || r.State != vcs.DeliveryRunning || r.Token != c.Token || !r.LeaseUntil.After(now) {
			return vcs.LeaseLost(op, c)
		}
		change(r, now)
		return put(tx, id, r)
	})
	return wrap(op, err)
}

// Extend implements vcs.Store.
func (s *Store) Extend(ctx context.Context, c *vcs.Claim, lease time.Duration) error {
	return s.settle(ctx, "Extend", c, func(r *row, now time.Time) { r.LeaseUntil = now.Add(lease) })
}

// Complete implements vcs.Store.
func (s *Store) Complete(ctx context.Context, c *vcs.Claim) error {
	return s.settle(ctx, "Complete", c, func(r *row, _ time.Time) {
		r.State, r.LeaseUntil, r.Token = vcs.DeliveryDone, time.Time{}, ""
	})
}

// Fail implements vcs.Store.
func (s *Store) Fail(ctx context.Context, c *vcs.Claim, cause string, retryAt time.Time) error {
	return s.settle(ctx, "Fail", c, func(r *row, now time.Time) {
		r.LastError, r.LeaseUntil, r.Token = cause, time.Time{}, ""
		if retryAt.IsZero() {
			r.State, r.SetAsideAt = vcs.DeliverySetAside, now
			return
		}
		r.State, r.NextAttempt = vcs.DeliveryPending, retryAt
	})
}

// Release implements vcs.Store.
func (s *Store) Release(ctx context.Context, c *vcs.Claim) error {
	return s.settle(ctx, "Release", c, func(r *row, now time.Time) {
		r.State, r.Attempts, r.NextAttempt, r.LeaseUntil, r.Token = vcs.DeliveryPending, max(r.Attempts-1, 0), now, time.Time{}, ""
	})
}

// SetAside implements vcs.Store. It reads every row; set-aside events
// are meant to be few.
func (s *Store) SetAside(ctx context.Context, limit int) ([]*vcs.Delivery, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type aside struct {
		d  vcs.Delivery
		at time.Time
	}
	var as []aside
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bDeliveries).ForEach(func(k, _ []byte) error {
			if r, ok := get(tx, k); ok && r.State == vcs.DeliverySetAside {
				as = append(as, aside{delivery(k, r), r.SetAsideAt})
			}
			return nil
		})
	})
	if err != nil {
		return nil, wrap("SetAside", err)
	}
	sort.SliceStable(as, func(i, j int) bool { return as[i].at.Before(as[j].at) })
	if limit > 0 && len(as) > limit {
		as = as[:limit]
	}
	out := make([]*vcs.Delivery, len(as))
	for i := range as {
		out[i] = &as[i].d
	}
	return out, nil
}

// Retry implements vcs.Store.
func (s *Store) Retry(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	notFound := vcs.Errorf("", "Retry", vcs.ErrNotFound, "no set-aside event %q", id)
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return notFound
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		r, ok := get(tx, idKey(n))
		if !ok || r.State != vcs.DeliverySetAside {
			return notFound
		}
		r.State, r.Attempts, r.NextAttempt, r.SetAsideAt = vcs.DeliveryPending, 0, s.now(), time.Time{}
		return put(tx, idKey(n), r)
	})
	return wrap("Retry", err)
}

// Checkpoint implements vcs.CheckpointStore.
func (s *Store) Checkpoint(ctx context.Context, key string) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	var at time.Time
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bCheckpoints).Get([]byte(key))
		if v == nil {
			return nil
		}
		return at.UnmarshalText(v)
	})
	return at, wrap("Checkpoint", err)
}

// SetCheckpoint implements vcs.CheckpointStore.
func (s *Store) SetCheckpoint(ctx context.Context, key string, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	v, err := t.MarshalText()
	if err != nil {
		return vcs.Errorf("", "SetCheckpoint", vcs.ErrInvalidArgument, "time %v cannot be stored", t)
	}
	return wrap("SetCheckpoint", s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bCheckpoints).Put([]byte(key), v) }))
}

// DeleteDone deletes the done events recorded before t, and their
// identities: a delivery of one of them arriving later is recorded anew.
func (s *Store) DeleteDone(ctx context.Context, before time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return wrap("DeleteDone", s.db.Update(func(tx *bolt.Tx) error {
		var gone [][]byte
		err := tx.Bucket(bDeliveries).ForEach(func(k, _ []byte) error {
			if r, ok := get(tx, k); ok && r.State == vcs.DeliveryDone && r.RecordedAt.Before(before) {
				gone = append(gone, append([]byte(nil), k...))
				for _, key := range r.Keys {
					if err := tx.Bucket(bKeys).Delete([]byte(key)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range gone {
			if err := tx.Bucket(bDeliveries).Delete(k); err != nil {
				return err
			}
		}
		return nil
	}))
}

// Close closes the file.
func (s *Store) Close() error { return s.db.Close() }

func newToken() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
