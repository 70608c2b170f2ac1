package vcstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/store/memstore"
	"github.com/gitprovider/gitprovider/vcs"
)

// NewSharedStore makes a fresh, empty store for one test and returns a
// function that opens clients of it: each replica of the Replicas
// scenario opens its own, as servers on several machines would. The test
// closes every client.
type NewSharedStore func(t testing.TB) (client func() vcs.Store)

// SharedStore returns clients of one in-process store s (memstore): Close
// on a client leaves s open.
func SharedStore(s vcs.Store) func() vcs.Store {
	return func() vcs.Store { return sharedClient{s} }
}

type sharedClient struct{ vcs.Store }

func (sharedClient) Close() error { return nil }

// ReplicaCounts is what the Replicas scenario saw.
type ReplicaCounts struct {
	// Merges is how many pull requests were merged.
	Merges int
	// Processed counts the merges the callback completed at least once;
	// Lost those it never completed; Twice those it completed more than
	// once. Exactly once means Processed == Merges, Lost == Twice == 0.
	Processed, Lost, Twice int
	// Failures is how many callback attempts failed on purpose.
	Failures int
	// Resent counts the deliveries sent again (duplicates, out of order)
	// and Redelivered those the host redelivered.
	Resent, Redelivered int
	// DeliveryErrors counts the deliveries the host could not make (the
	// server was unreachable).
	DeliveryErrors int
	// Reconciled counts the merges the reconciliation sweeps recorded.
	Reconciled int
	// Cancelled is true when one replica's context was cancelled while
	// it processed a merge.
	Cancelled bool
}

// String gives the counts on one line, as the closing notes quote them.
func (c ReplicaCounts) String() string {
	return fmt.Sprintf("merges %d, processed %d, lost %d, twice %d (callback failures %d, resent %d, redelivered %d, undeliverable %d, reconciled %d)",
		c.Merges, c.Processed, c.Lost, c.Twice, c.Failures, c.Resent, c.Redelivered, c.DeliveryErrors, c.Reconciled)
}

// ReplicaMerges is how many pull requests the Replicas scenario merges.
const ReplicaMerges = 12

// RunReplicas is the several-replica scenario: three replicas of a
// server, each with its own store client (from clients), webhook handler
// and workers, behind one webhook URL on host h. The callback fails at
// random 30 % of the time; one replica's context is cancelled while it
// processes a merge; the server is unreachable while one merge happens
// (the host's delivery fails, and the reconciliation sweep finds the
// merge); the merges' deliveries arrive again, duplicated and out of
// order, and the host redelivers some. Every merged pull request must be
// processed exactly once. It returns the counts, for the record.
func RunReplicas(t *testing.T, h Host, clients func() vcs.Store) ReplicaCounts {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, seed>>1))
	var rndMu sync.Mutex
	chance := func(p float64) bool { rndMu.Lock(); defer rndMu.Unlock(); return rnd.Float64() < p }
	intn := func(n int) int { rndMu.Lock(); defer rndMu.Unlock(); return rnd.IntN(n) }

	ctx := context.Background()
	const repo, user, secret = "acme/replicas", "bot", "replicas-secret"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreateRepository(repo, RepositoryOptions{Files: map[string]string{"migrations/000_init.sql": "CREATE TABLE t (id int);\n"}}))
	must(h.Grant(repo, user, RoleAdmin))
	token, err := h.IssueToken(user, TokenOptions{})
	must(err)
	p, err := vcs.Open(h.Config(token))
	must(err)
	_, err = vcs.EnsureWebhook(ctx, p, repo, vcs.WebhookOptions{URL: "https://replicas.example.test/hook", Secret: secret})
	must(err)
	parser, err := vcs.NewWebhookParser(h.Kind())
	must(err)

	// What the user's callback did, per merge.
	var mu sync.Mutex
	done := map[vcs.MergeKey]int{}
	var failures atomic.Int32

	type replica struct {
		store   vcs.Store
		handler *vcs.WebhookHandler
		cancel  context.CancelFunc
		stopped chan struct{}
		down    atomic.Bool
		rec     *vcs.Reconciler
	}
	var cancelled atomic.Bool
	reps := make([]*replica, 3)
	for i := range reps {
		s := clients()
		t.Cleanup(func() { _ = s.Close() })
		reps[i] = &replica{store: s, stopped: make(chan struct{}),
			handler: &vcs.WebhookHandler{Parser: parser, Secret: secret, Store: s},
			rec:     &vcs.Reconciler{Provider: p, Repositories: []string{repo}, Recorder: s, Checkpoints: s, Clock: h.Now},
		}
	}
	victim := reps[2]
	for i, r := range reps {
		wctx, cancel := context.WithCancel(ctx)
		r.cancel = cancel
		w := &vcs.Worker{
			Store: r.store, Owner: fmt.Sprintf("replica-%d", i), Concurrency: 2,
			Lease: 2 * time.Second, PollInterval: 5 * time.Millisecond, MaxAttempts: 100,
			Backoff: func(int) time.Duration { return time.Duration(1+intn(5)) * time.Millisecond },
			Handle: func(hctx context.Context, ev *vcs.Event) error {
				key, ok := ev.MergeKey()
				if !ok {
					return nil // pushes and openings: nothing to do
				}
				// The victim must be caught in the middle of a merge: the
				// others hold theirs until it was.
				for r != victim && !cancelled.Load() {
					select {
					case <-time.After(2 * time.Millisecond):
					case <-hctx.Done():
						return hctx.Err()
					}
				}
				if r == victim && !cancelled.Swap(true) {
					// The replica goes away in the middle of processing:
					// its context is cancelled, and it must not have
					// processed the merge.
					r.down.Store(true)
					r.cancel()
					<-hctx.Done()
					return hctx.Err()
				}
				select { // the work takes a little while
				case <-time.After(time.Duration(intn(3)) * time.Millisecond):
				case <-hctx.Done():
					return hctx.Err()
				}
				if chance(0.3) {
					failures.Add(1)
					return errors.New("the migration failed (on purpose)")
				}
				mu.Lock()
				done[key]++
				mu.Unlock()
				return nil
			},
		}
		if r == victim {
			w.ShutdownGrace = -1 // cancel at once: release what it holds
		}
		go func() {
			defer close(r.stopped)
			if err := w.Run(wctx); err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}()
	}
	stopAll := func() {
		for _, r := range reps {
			r.cancel()
			<-r.stopped
		}
	}
	defer stopAll()

	// One URL in front of the replicas, which routes each delivery to a
	// replica that is up; while unreachable, no delivery gets through.
	var unreachable atomic.Bool
	lb := &http.Client{Transport: roundTripper(func(req *http.Request) (*http.Response, error) {
		if unreachable.Load() {
			return nil, errors.New("dial tcp replicas.example.test:443: connect: connection refused")
		}
		var up []*replica
		for _, r := range reps {
			if !r.down.Load() {
				up = append(up, r)
			}
		}
		rec := httptest.NewRecorder()
		up[intn(len(up))].handler.ServeHTTP(rec, req)
		resp := rec.Result()
		resp.Request = req
		return resp, nil
	})}
	h.SetWebhookClient(lb)

	// The first sweep only sets the checkpoint.
	if _, err := reps[0].rec.Sweep(ctx); err != nil {
		t.Fatalf("first Sweep: %v", err)
	}

	var mergeDeliveries []*http.Request
	missed := -1
	merged := make([]int, 0, ReplicaMerges)
	for i := range ReplicaMerges {
		branch := fmt.Sprintf("change-%02d", i)
		sql := fmt.Sprintf("CREATE TABLE t%02d (id int);\n", i)
		_, _, err := h.Push(repo, branch, map[string]*string{fmt.Sprintf("migrations/%03d_change.sql", i+1): &sql})
		must(err)
		n, _, err := h.OpenPullRequest(repo, PullRequestOptions{Source: branch, Title: "Change " + branch})
		must(err)
		h.Advance(time.Second)
		if i == ReplicaMerges/2 {
			missed = n
			unreachable.Store(true)
		}
		reqs, err := h.MergePullRequest(repo, n)
		unreachable.Store(false)
		must(err)
		merged = append(merged, n)
		if n != missed { // no host sends a failed delivery again by itself
			mergeDeliveries = append(mergeDeliveries, reqs...)
		}
		h.Advance(time.Second)
	}
	undeliverable := len(h.DeliveryErrors())
	if undeliverable == 0 {
		t.Errorf("the merge of #%d made while the server was unreachable was delivered", missed)
	}

	// Duplicates out of order, at once, and the host's redeliveries.
	var resent, redelivered int
	var wg sync.WaitGroup
	send := func(req *http.Request) {
		defer wg.Done()
		resp, err := lb.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	order := rand.New(rand.NewPCG(seed, 7)).Perm(len(mergeDeliveries))
	for _, i := range order {
		copies := 1 + intn(3)
		for range copies {
			req := mergeDeliveries[i]
			body, err := req.GetBody()
			must(err)
			c := req.Clone(ctx)
			c.Body = body
			wg.Add(1)
			resent++
			go send(c)
		}
	}
	for _, n := range merged[:4] {
		if n == missed {
			continue
		}
		reqs, err := h.Redeliver(repo, n, vcs.ActionMerged)
		must(err)
		redelivered += len(reqs)
	}
	wg.Wait()

	// Reconciliation on every replica at once finds the merge no
	// delivery brought.
	var reconciled atomic.Int32
	for _, r := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := r.rec.Sweep(ctx)
			if err != nil {
				t.Errorf("Sweep: %v", err)
			}
			for _, x := range res {
				reconciled.Add(int32(x.Recorded))
			}
		}()
	}
	wg.Wait()

	// Wait until every merge was processed, then a little longer for any
	// second processing to show.
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(done)
		mu.Unlock()
		if n >= len(merged) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	stopAll()

	mu.Lock()
	defer mu.Unlock()
	c := ReplicaCounts{Merges: len(merged), Failures: int(failures.Load()), Resent: resent, Redelivered: redelivered,
		DeliveryErrors: undeliverable, Reconciled: int(reconciled.Load()), Cancelled: cancelled.Load()}
	var lost, twice []int
	for _, n := range merged {
		switch done[vcs.NewMergeKey(h.Kind(), repo, n)] {
		case 0:
			lost = append(lost, n)
		case 1:
			c.Processed++
		default:
			c.Processed++
			twice = append(twice, n)
		}
	}
	c.Lost, c.Twice = len(lost), len(twice)
	sort.Ints(lost)
	if len(lost) > 0 || len(twice) > 0 {
		t.Errorf("merges lost %v, processed twice %v (of %v; #%d was merged while the server was unreachable)", lost, twice, merged, missed)
	}
	if len(done) != len(merged) {
		t.Errorf("the callback completed %d merges, want %d", len(done), len(merged))
	}
	if c.Reconciled != 1 {
		t.Errorf("the sweeps recorded %d merges, want 1 (#%d, which no delivery brought)", c.Reconciled, missed)
	}
	if !c.Cancelled {
		t.Error("no replica was cancelled in the middle of processing")
	}
	if aside, err := reps[0].store.SetAside(ctx, 0); err != nil || len(aside) != 0 {
		t.Errorf("set aside after the run: %d, %v; want none", len(aside), err)
	}
	t.Logf("%s: %s", h.Kind(), c)
	return c
}

// testReplicas runs RunReplicas on the harness's fake (which must also
// be a Host) with an in-memory store; store packages run it with theirs.
func (s *suite) testReplicas(t *testing.T) {
	f, _ := s.fake(t)
	h, ok := f.(Host)
	if !ok {
		t.Fatalf("the harness's fake (%T) is not a vcstest.Host, which the Replicas scenario drives", f)
	}
	RunReplicas(t, h, SharedStore(memstore.New()))
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
