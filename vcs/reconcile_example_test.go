package vcs_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// memoryRecorder keeps one record per merge identity (a delivery store
// does this durably).
type memoryRecorder struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (m *memoryRecorder) Record(_ context.Context, ev *vcs.Event) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key, ok := ev.MergeKey()
	if !ok {
		return false, nil
	}
	if m.seen[key.String()] {
		return false, nil
	}
	m.seen[key.String()] = true
	fmt.Println("recorded", key, "from", ev.HostEvent)
	return true, nil
}

// memoryCheckpoints keeps checkpoints in memory.
type memoryCheckpoints struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (c *memoryCheckpoints) Checkpoint(_ context.Context, key string) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

func (c *memoryCheckpoints) SetCheckpoint(_ context.Context, key string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = t
	return nil
}

// A merge happens while the server is down, so no webhook delivery
// reaches it. The next sweep finds the merge through the API and records
// it under the same merge identity a delivery would have had; sweeping
// again records nothing new.
func ExampleReconciler() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	r := &vcs.Reconciler{
		Provider:     p,
		Repositories: []string{"acme/db"},
		Recorder:     &memoryRecorder{seen: map[string]bool{}},
		Checkpoints:  &memoryCheckpoints{m: map[string]time.Time{}},
		// Where a repository without a checkpoint starts: when it was
		// connected. Zero would only set the checkpoint on the first
		// sweep.
		Since: fake.Now().Add(-time.Hour),
	}
	if _, err := fake.MergePullRequest("acme/db", 1); err != nil { // nobody listening
		panic(err)
	}
	for range 2 {
		res, err := r.Sweep(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Printf("listed %d, recorded %d\n", res[0].Listed, res[0].Recorded)
	}
	// Output:
	// recorded github:acme/db#1 from reconciliation
	// listed 1, recorded 1
	// listed 1, recorded 0
}

// GitHub and GitLab keep a log of each webhook's delivery attempts and
// do not retry a failed one. RedeliverFailed asks the host to send again,
// once, each delivery that never got through (here: while the receiver
// answered 503).
func ExampleRedeliverFailed() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	down := true
	fake.SetWebhookClient(vcstest.HandlerClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Println("received", r.Header.Get("X-GitHub-Event"), "delivery")
	})))
	res, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"})
	if err != nil {
		panic(err)
	}
	since := fake.Now()
	_, _ = fake.MergePullRequest("acme/db", 1) // the receiver is down

	down = false
	sent, err := vcs.RedeliverFailed(ctx, p.(vcs.DeliveryLog), "acme/db", res.Webhook.ID, since)
	if err != nil {
		panic(err)
	}
	fmt.Println("redelivered:", len(sent))
	sent, _ = vcs.RedeliverFailed(ctx, p.(vcs.DeliveryLog), "acme/db", res.Webhook.ID, since)
	fmt.Println("then:", len(sent))
	// Output:
	// received pull_request delivery
	// redelivered: 1
	// then: 0
}
