package vcs

import (
	"context"
	"encoding/json"
	"time"
)

// Store is a durable queue of verified webhook events, shared by every
// replica of a server: the webhook handler records, workers (on any
// replica) claim an event with a lease, then complete it, or fail it with
// a retry time; an event that keeps failing is set aside until an
// operator retries it.
//
// An event is recorded at most once per identity (DedupeKey, the key
// Deduplicator uses too): a merge under its MergeKey, whatever delivery
// carried it, and every other event under its provider and delivery ID;
// an event with neither is recorded every time it arrives.
//
// Implementations: store/memstore (one process, not durable),
// store/filestore (one machine, a database file) and store/pgstore
// (PostgreSQL, several replicas). vcs/vcstest.RunStore is the
// conformance suite they pass.
type Store interface {
	EventRecorder
	CheckpointStore
	// Claim leases up to max events that are due (recorded, or failed
	// with a retry time that has come, or whose previous lease ran out)
	// to owner for lease, oldest first, and counts an attempt on each.
	// An event is leased to one claim at a time.
	Claim(ctx context.Context, owner string, max int, lease time.Duration) ([]*Claim, error)
	// Extend renews c's lease for lease from now. It returns an error
	// matching ErrLeaseLost when the lease ran out and the event was
	// claimed again, completed or failed by someone else.
	Extend(ctx context.Context, c *Claim, lease time.Duration) error
	// Complete marks c's event done; it is never claimed again. It
	// returns an error matching ErrLeaseLost when c no longer holds the
	// lease.
	Complete(ctx context.Context, c *Claim) error
	// Fail records that the attempt failed with cause. The event is due
	// again at retryAt; the zero retryAt sets it aside (it is listed by
	// SetAside and claimed again only after Retry). It returns an error
	// matching ErrLeaseLost when c no longer holds the lease.
	Fail(ctx context.Context, c *Claim, cause string, retryAt time.Time) error
	// Release gives c's event back without counting the attempt, for a
	// worker that shuts down before it could process it.
	Release(ctx context.Context, c *Claim) error
	// SetAside lists the events that were set aside, oldest first, at
	// most limit (all when limit <= 0).
	SetAside(ctx context.Context, limit int) ([]*Delivery, error)
	// Retry makes a set-aside event due now, with its attempts reset.
	// It returns an error matching ErrNotFound when id names no
	// set-aside event.
	Retry(ctx context.Context, id string) error
	// Close releases the store's resources.
	Close() error
}

// DeliveryState is where a recorded event is in its processing.
type DeliveryState string

// Delivery states.
const (
	// DeliveryPending: recorded or failed with a retry time; due at
	// Delivery.NextAttempt.
	DeliveryPending DeliveryState = "pending"
	// DeliveryRunning: leased to a worker until Delivery.LeaseUntil.
	DeliveryRunning DeliveryState = "running"
	// DeliveryDone: processed.
	DeliveryDone DeliveryState = "done"
	// DeliverySetAside: failed too often, or could not be decoded;
	// waits for an operator's Store.Retry.
	DeliverySetAside DeliveryState = "set_aside"
)

// Delivery is one recorded event and the state of its processing.
type Delivery struct {
	// ID is the store's identifier of the record.
	ID string
	// Identity is the event's DedupeKey ("" when it has none).
	Identity string
	// Data is the event as EncodeEvent wrote it; Event decodes it.
	Data []byte
	// State is where the event is in its processing.
	State DeliveryState
	// Attempts counts the claims that were not released.
	Attempts int
	// LastError is the cause given to the last Store.Fail.
	LastError string
	// RecordedAt is when the event was recorded.
	RecordedAt time.Time
	// NextAttempt is when a pending event is due.
	NextAttempt time.Time
	// LeaseUntil is when a running event's lease runs out.
	LeaseUntil time.Time
}

// Event decodes the recorded event.
func (d *Delivery) Event() (*Event, error) { return DecodeEvent(d.Data) }

// Claim is a Delivery leased to one worker. Token tells this lease from
// the ones before and after it: a store accepts Extend, Complete, Fail and
// Release only from the claim that holds the lease.
type Claim struct {
	Delivery
	// Owner is who claimed it (Worker.Owner).
	Owner string
	// Token identifies the lease.
	Token string
}

// ErrLeaseLost matches a Store call made with a claim whose lease ran
// out and was taken, or finished, by another worker. It matches
// ErrConflict too.
var ErrLeaseLost error = &sentinel{"lease lost", ErrConflict}

// DeliveryIdentity returns the key of the delivery that carried ev
// ("delivery:", provider and delivery ID), or "" when it has no delivery
// ID. Stores record a merge under both keys, its DedupeKey and this, so
// that a redelivery of a merge's delivery is a duplicate even when its
// payload changed.
func DeliveryIdentity(ev *Event) string {
	if ev == nil || ev.DeliveryID == "" {
		return ""
	}
	return "delivery:" + string(ev.Provider) + ":" + ev.DeliveryID
}

// recordedEvent is the stored form of an Event: the Event's JSON plus its
// raw payload, which the Event's own JSON leaves out.
type recordedEvent struct {
	Event   *Event          `json:"event"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// EncodeEvent returns the form stores keep an event in (JSON, with the
// raw payload).
func EncodeEvent(ev *Event) ([]byte, error) {
	if ev == nil {
		return nil, Errorf("", "EncodeEvent", ErrInvalidArgument, "nil event")
	}
	rec := recordedEvent{Event: ev}
	if json.Valid(ev.Payload) {
		rec.Payload = ev.Payload
	}
	return json.Marshal(rec)
}

// DecodeEvent reads what EncodeEvent wrote. A record that is not an
// event is an error matching ErrInvalidPayload.
func DecodeEvent(data []byte) (*Event, error) {
	var rec recordedEvent
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, &Error{Op: "DecodeEvent", Kind: ErrInvalidPayload, Message: "the recorded event cannot be decoded", Err: err}
	}
	if rec.Event == nil || rec.Event.Kind == "" {
		return nil, Errorf("", "DecodeEvent", ErrInvalidPayload, "the record holds no event")
	}
	rec.Event.Payload = rec.Payload
	return rec.Event, nil
}

// CheckClaimArgs validates Store.Claim's arguments, for implementations.
func CheckClaimArgs(owner string, max int, lease time.Duration) error {
	switch {
	case owner == "":
		return Errorf("", "Claim", ErrInvalidArgument, "owner is empty")
	case max <= 0:
		return Errorf("", "Claim", ErrInvalidArgument, "max is %d; it must be positive", max)
	case lease <= 0:
		return Errorf("", "Claim", ErrInvalidArgument, "lease is %s; it must be positive", lease)
	}
	return nil
}

// LeaseLost returns the error stores give for a claim that no longer
// holds its lease.
func LeaseLost(op string, c *Claim) error {
	id := ""
	if c != nil {
		id = c.ID
	}
	return &Error{Op: op, Kind: ErrLeaseLost, Message: "event " + id + " is no longer leased to this claim",
		Hint: "its lease ran out before the worker finished; another worker owns it now, so this one must not act on it"}
}
