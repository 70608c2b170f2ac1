package vcstest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// NewStore opens a fresh, empty vcs.Store for one test; the test closes
// it. Store packages pass one to RunStore, and harnesses to the delivery
// scenarios, so that vcstest needs no database driver.
type NewStore func(t testing.TB) vcs.Store

// StoreLease is the lease RunStore claims with when it lets one run out.
const StoreLease = 300 * time.Millisecond

// MergedEvent returns the merged pull request event a host delivers for
// repo's pull request number, with delivery ID id.
func MergedEvent(kind vcs.Kind, repo string, number int, id string) *vcs.Event {
	return &vcs.Event{Provider: kind, Kind: vcs.EventPullRequest, Action: vcs.ActionMerged, Merged: true,
		HostEvent: "pull_request", DeliveryID: id, Repository: repo, Number: number,
		Payload: []byte(fmt.Sprintf(`{"number":%d}`, number))}
}

// RunStore is the conformance suite of vcs.Store implementations.
func RunStore(t *testing.T, open NewStore) {
	t.Run("Identity", func(t *testing.T) { storeIdentity(t, open(t)) })
	t.Run("ClaimComplete", func(t *testing.T) { storeClaimComplete(t, open(t)) })
	t.Run("FailRetrySetAside", func(t *testing.T) { storeFail(t, open(t)) })
	t.Run("LeaseRunsOut", func(t *testing.T) { storeLease(t, open(t)) })
	t.Run("Release", func(t *testing.T) { storeRelease(t, open(t)) })
	t.Run("ConcurrentClaims", func(t *testing.T) { storeConcurrent(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { storeCheckpoints(t, open(t)) })
	t.Run("BadArguments", func(t *testing.T) { storeBadArgs(t, open(t)) })
}

func record(t *testing.T, s vcs.Store, ev *vcs.Event, want bool) {
	t.Helper()
	got, err := s.Record(context.Background(), ev)
	if err != nil {
		t.Fatalf("Record(%s): %v", identity(ev), err)
	}
	if got != want {
		t.Fatalf("Record(%s %s) = %t, want %t", identity(ev), ev.DeliveryID, got, want)
	}
}

func claim(t *testing.T, s vcs.Store, owner string, max int, lease time.Duration, want int) []*vcs.Claim {
	t.Helper()
	cs, err := s.Claim(context.Background(), owner, max, lease)
	if err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if len(cs) != want {
		t.Fatalf("Claim(%d) got %d events, want %d", max, len(cs), want)
	}
	return cs
}

func storeIdentity(t *testing.T, s vcs.Store) {
	defer s.Close()
	merge := MergedEvent(vcs.KindGitHub, "Acme/DB", 7, "d-1")
	record(t, s, merge, true)
	record(t, s, merge, false)                                            // redelivery
	record(t, s, MergedEvent(vcs.KindGitHub, "acme/db", 7, "d-2"), false) // second completion event, other case
	record(t, s, MergedEvent(vcs.KindGitHub, "acme/db", 7, ""), false)    // found by reconciliation
	record(t, s, MergedEvent(vcs.KindGitLab, "acme/db", 7, "d-3"), true)  // another host
	record(t, s, MergedEvent(vcs.KindGitHub, "acme/db", 8, "d-4"), true)  // another pull request
	opened := &vcs.Event{Provider: vcs.KindGitHub, Kind: vcs.EventPullRequest, Action: vcs.ActionOpened, DeliveryID: "d-5", Repository: "acme/db", Number: 9}
	record(t, s, opened, true)
	record(t, s, opened, false)
	// The merge's delivery ID is taken even by an event that is not the
	// merge (a redelivery whose payload the host rebuilt).
	record(t, s, &vcs.Event{Provider: vcs.KindGitHub, Kind: vcs.EventPullRequest, Action: vcs.ActionClosed, DeliveryID: "d-1", Repository: "acme/db", Number: 7}, false)
	noID := &vcs.Event{Provider: vcs.KindGitHub, Kind: vcs.EventPing}
	record(t, s, noID, true)
	record(t, s, noID, true)
	cs := claim(t, s, "w", 100, time.Minute, 6)
	seen := map[string]bool{}
	for _, c := range cs {
		ev, err := c.Event()
		if err != nil {
			t.Fatalf("Event: %v", err)
		}
		if ev.Merged && len(ev.Payload) == 0 {
			t.Errorf("the payload of %s was not kept", c.Identity)
		}
		seen[identity(ev)] = true
		if c.Attempts != 1 || c.State != vcs.DeliveryRunning || c.Owner != "w" || c.Token == "" {
			t.Errorf("claim %+v: want attempt 1, running, owner w and a token", c)
		}
	}
	if !seen["merge:github:acme/db#7"] || !seen["merge:gitlab:acme/db#7"] || !seen["merge:github:acme/db#8"] || !seen["delivery:github:d-5"] {
		t.Errorf("claimed identities %v", seen)
	}
}

func storeClaimComplete(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		record(t, s, MergedEvent(vcs.KindGitHub, "acme/db", i, fmt.Sprint("d", i)), true)
	}
	cs := claim(t, s, "a", 2, time.Minute, 2)
	ev, _ := cs[0].Event()
	if ev.Number != 1 {
		t.Errorf("first claim is pull request %d, want the oldest (1)", ev.Number)
	}
	rest := claim(t, s, "b", 5, time.Minute, 1)
	claim(t, s, "c", 5, time.Minute, 0)
	for _, c := range append(cs, rest...) {
		if err := s.Complete(ctx, c); err != nil {
			t.Fatalf("Complete: %v", err)
		}
	}
	if err := s.Complete(ctx, cs[0]); !errors.Is(err, vcs.ErrLeaseLost) {
		t.Errorf("second Complete: %v, want ErrLeaseLost", err)
	}
	claim(t, s, "c", 5, time.Minute, 0)
	// A done merge stays a duplicate.
	record(t, s, MergedEvent(vcs.KindGitHub, "acme/db", 1, "again"), false)
}

func storeFail(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	record(t, s, MergedEvent(vcs.KindGitLab, "g/p", 1, "x"), true)
	c := claim(t, s, "a", 1, time.Minute, 1)[0]
	if err := s.Fail(ctx, c, "boom 1", time.Now().Add(time.Hour)); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	claim(t, s, "a", 1, time.Minute, 0) // not due for an hour
	if err := s.Fail(ctx, c, "again", time.Now()); !errors.Is(err, vcs.ErrLeaseLost) {
		t.Errorf("Fail after Fail: %v, want ErrLeaseLost", err)
	}

	record(t, s, MergedEvent(vcs.KindGitLab, "g/p", 2, "y"), true)
	c = claim(t, s, "a", 1, time.Minute, 1)[0]
	if err := s.Fail(ctx, c, "boom 2", time.Now().Add(-time.Second)); err != nil {
		t.Fatalf("Fail: %v", err)
	}
	c = claim(t, s, "b", 1, time.Minute, 1)[0] // due again
	if c.Attempts != 2 || c.LastError != "boom 2" {
		t.Errorf("second claim: attempts %d, last error %q; want 2, boom 2", c.Attempts, c.LastError)
	}
	if err := s.Fail(ctx, c, "gave up", time.Time{}); err != nil {
		t.Fatalf("Fail (set aside): %v", err)
	}
	claim(t, s, "a", 1, time.Minute, 0)
	aside, err := s.SetAside(ctx, 0)
	if err != nil {
		t.Fatalf("SetAside: %v", err)
	}
	if len(aside) != 1 || aside[0].ID != c.ID || aside[0].LastError != "gave up" || aside[0].Attempts != 2 || aside[0].State != vcs.DeliverySetAside {
		t.Fatalf("SetAside = %+v, want the one set aside with its attempts and last error", aside)
	}
	if err := s.Retry(ctx, "no-such-id"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("Retry(unknown): %v, want ErrNotFound", err)
	}
	if err := s.Retry(ctx, c.ID); err != nil {
		t.Fatalf("Retry: %v", err)
	}
	if err := s.Retry(ctx, c.ID); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("Retry of an event no longer set aside: %v, want ErrNotFound", err)
	}
	c = claim(t, s, "a", 1, time.Minute, 1)[0]
	if c.Attempts != 1 {
		t.Errorf("after Retry the attempts are %d, want 1", c.Attempts)
	}
	if aside, _ := s.SetAside(ctx, 0); len(aside) != 0 {
		t.Errorf("SetAside after Retry lists %d", len(aside))
	}
}

func storeLease(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	record(t, s, MergedEvent(vcs.KindBitbucket, "w/r", 1, "x"), true)
	first := claim(t, s, "dies", 1, StoreLease, 1)[0]
	if err := s.Extend(ctx, first, StoreLease); err != nil {
		t.Fatalf("Extend: %v", err)
	}
	claim(t, s, "other", 1, StoreLease, 0)
	time.Sleep(StoreLease + StoreLease/2)
	second := claim(t, s, "other", 1, time.Minute, 1)[0]
	if second.Token == first.Token || second.Attempts != 2 {
		t.Errorf("reclaimed: token %q (first %q), attempts %d; want a new token and attempt 2", second.Token, first.Token, second.Attempts)
	}
	for name, op := range map[string]func() error{
		"Extend":   func() error { return s.Extend(ctx, first, time.Minute) },
		"Complete": func() error { return s.Complete(ctx, first) },
		"Fail":     func() error { return s.Fail(ctx, first, "late", time.Now()) },
		"Release":  func() error { return s.Release(ctx, first) },
	} {
		if err := op(); !errors.Is(err, vcs.ErrLeaseLost) {
			t.Errorf("%s with the lost lease: %v, want ErrLeaseLost", name, err)
		}
	}
	if err := s.Complete(ctx, second); err != nil {
		t.Fatalf("Complete by the new owner: %v", err)
	}
}

func storeRelease(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	record(t, s, MergedEvent(vcs.KindAzureDevOps, "o/p/r", 1, "x"), true)
	c := claim(t, s, "a", 1, time.Hour, 1)[0]
	if err := s.Release(ctx, c); err != nil {
		t.Fatalf("Release: %v", err)
	}
	c = claim(t, s, "b", 1, time.Hour, 1)[0]
	if c.Attempts != 1 {
		t.Errorf("attempts after a release: %d, want 1", c.Attempts)
	}
}

func storeConcurrent(t *testing.T, s vcs.Store) {
	defer s.Close()
	const events, workers = 60, 6
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	recorded := 0
	// Every event is delivered three times at once.
	for i := range events {
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := s.Record(ctx, MergedEvent(vcs.KindGitHub, "acme/db", i+1, fmt.Sprintf("d%d-%d", i, j)))
				if err != nil {
					t.Errorf("Record: %v", err)
				}
				if ok {
					mu.Lock()
					recorded++
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	if recorded != events {
		t.Fatalf("%d recorded of %d events delivered three times each", recorded, events)
	}
	got := map[string]int{}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				cs, err := s.Claim(ctx, fmt.Sprint("w", w), 3, time.Minute)
				if err != nil {
					t.Errorf("Claim: %v", err)
					return
				}
				if len(cs) == 0 {
					return
				}
				for _, c := range cs {
					mu.Lock()
					got[c.ID]++
					mu.Unlock()
					if err := s.Complete(ctx, c); err != nil {
						t.Errorf("Complete: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if len(got) != events {
		t.Errorf("%d events claimed, want %d", len(got), events)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s claimed %d times", id, n)
		}
	}
}

func storeCheckpoints(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	if got, err := s.Checkpoint(ctx, "github:acme/db"); err != nil || !got.IsZero() {
		t.Fatalf("Checkpoint before any: %v, %v; want the zero time", got, err)
	}
	at := time.Date(2026, 11, 30, 3, 4, 5, 0, time.UTC)
	for _, tm := range []time.Time{at.Add(-time.Hour), at} {
		if err := s.SetCheckpoint(ctx, "github:acme/db", tm); err != nil {
			t.Fatalf("SetCheckpoint: %v", err)
		}
	}
	got, err := s.Checkpoint(ctx, "github:acme/db")
	if err != nil || !got.Equal(at) {
		t.Errorf("Checkpoint = %v, %v; want %v", got, err, at)
	}
	if other, _ := s.Checkpoint(ctx, "gitlab:acme/db"); !other.IsZero() {
		t.Errorf("another key's checkpoint is %v", other)
	}
}

func storeBadArgs(t *testing.T, s vcs.Store) {
	defer s.Close()
	ctx := context.Background()
	for _, c := range []struct {
		owner string
		max   int
		lease time.Duration
	}{{"", 1, time.Minute}, {"w", 0, time.Minute}, {"w", 1, 0}} {
		if _, err := s.Claim(ctx, c.owner, c.max, c.lease); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("Claim(%q, %d, %s): %v, want ErrInvalidArgument", c.owner, c.max, c.lease, err)
		}
	}
	if _, err := s.Record(ctx, nil); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("Record(nil): %v, want ErrInvalidArgument", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if ok, err := s.Record(cancelled, MergedEvent(vcs.KindGitHub, "a/b", 1, "x")); err == nil || ok {
		t.Errorf("Record with a cancelled context: %t, %v; want an error", ok, err)
	}
}

func identity(ev *vcs.Event) string {
	k, _ := vcs.DedupeKey(ev)
	return k
}
