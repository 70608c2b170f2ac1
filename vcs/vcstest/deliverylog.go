package vcstest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// RunDeliveryLog checks a provider whose host keeps a delivery log
// (vcs.DeliveryLog: GitHub, GitLab) against its fake: while the receiver
// is down a pull request is opened and merged and every delivery fails;
// the log lists the failures under the delivery IDs the parser reads;
// RedeliverFailed sends each again once, with the same delivery ID, and
// the receiver, back up, gets them; a second RedeliverFailed sends
// nothing. repo must be a repository path the host accepts (it is
// created).
func RunDeliveryLog(t *testing.T, h Host, repo string) {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreateRepository(repo, RepositoryOptions{Files: map[string]string{"README.md": "# app\n"}}))
	h.SetPageSize(1) // every list of the log takes several pages
	tok, err := h.IssueToken("release-bot", TokenOptions{})
	must(err)
	must(h.Grant(repo, "release-bot", RoleAdmin))
	p, err := vcs.Open(h.Config(tok))
	must(err)
	log, ok := p.(vcs.DeliveryLog)
	if !ok {
		t.Fatalf("%T does not implement vcs.DeliveryLog", p)
	}
	parser, err := vcs.NewWebhookParser(h.Kind())
	must(err)

	// The receiver: down (503) until up is set; it records the delivery
	// IDs it accepted.
	const secret = "delivery-log-secret"
	var (
		up       atomic.Bool
		mu       sync.Mutex
		accepted = map[string]int{}
	)
	h.SetWebhookClient(HandlerClient(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "restarting", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if err := parser.Verify(r.Header, body, secret); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := parser.Parse(r.Header, body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		accepted[ev.DeliveryID]++
		mu.Unlock()
	})))
	res, err := vcs.EnsureWebhook(c, p, repo, vcs.WebhookOptions{URL: HookURL, Secret: secret, Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest}})
	must(err)
	hook := res.Webhook.ID
	since := h.Now().Add(-time.Minute)

	_, _, err = h.Push(repo, "feature/log", map[string]*string{"migrations/001.sql": str("CREATE TABLE t (id int);\n")})
	must(err)
	number, _, err := h.OpenPullRequest(repo, PullRequestOptions{Source: "feature/log", Title: "Add t"})
	must(err)
	merge, err := h.MergePullRequest(repo, number)
	must(err)
	if len(h.DeliveryErrors()) == 0 {
		t.Fatal("no delivery failed while the receiver was down")
	}
	mergeID := ""
	for _, r := range merge {
		body, _ := io.ReadAll(r.Body)
		if ev, err := parser.Parse(r.Header, body); err == nil && ev.Merged {
			mergeID = ev.DeliveryID
		}
	}
	if mergeID == "" {
		t.Fatal("the merge made no merged pull request delivery")
	}

	failed, err := vcs.Collect(log.ListWebhookDeliveries(c, repo, hook, vcs.ListWebhookDeliveriesOptions{Since: since, Failed: true}))
	must(err)
	ids := map[string]bool{}
	for _, d := range failed {
		if !d.Failed || d.StatusCode != http.StatusServiceUnavailable || d.ID == "" || d.DeliveryID == "" || d.DeliveredAt.IsZero() {
			t.Errorf("failed delivery = %+v", d)
		}
		ids[d.DeliveryID] = true
	}
	if len(failed) < 2 || !ids[mergeID] {
		t.Fatalf("ListWebhookDeliveries(Failed) = %d attempts %v; want the opening and the merge (%s)", len(failed), ids, mergeID)
	}

	// Back up: every failed delivery is sent again, once, with its ID.
	up.Store(true)
	sent, err := vcs.RedeliverFailed(c, log, repo, hook, since)
	must(err)
	if len(sent) != len(ids) {
		t.Errorf("RedeliverFailed sent %d deliveries, want %d", len(sent), len(ids))
	}
	mu.Lock()
	for id := range ids {
		if accepted[id] != 1 {
			t.Errorf("delivery %s reached the receiver %d times after redelivery, want 1", id, accepted[id])
		}
	}
	mu.Unlock()
	all, err := vcs.Collect(log.ListWebhookDeliveries(c, repo, hook, vcs.ListWebhookDeliveriesOptions{Since: since}))
	must(err)
	if len(all) != 2*len(ids) {
		t.Errorf("log has %d attempts, want %d (each delivery failed once and succeeded once)", len(all), 2*len(ids))
	}
	// Nothing is left to redeliver.
	sent, err = vcs.RedeliverFailed(c, log, repo, hook, since)
	if err != nil || len(sent) != 0 {
		t.Errorf("second RedeliverFailed = %d, %v; want nothing sent", len(sent), err)
	}
	// Since leaves out what is older.
	if later, err := vcs.Collect(log.ListWebhookDeliveries(c, repo, hook, vcs.ListWebhookDeliveriesOptions{Since: h.Now().Add(time.Hour)})); err != nil || len(later) != 0 {
		t.Errorf("ListWebhookDeliveries since an hour ahead = %d, %v; want none", len(later), err)
	}

	// Bad input fails before any request; unknown hooks and deliveries
	// are not found.
	_, err = vcs.Collect(log.ListWebhookDeliveries(c, repo, "not-a-hook", vcs.ListWebhookDeliveriesOptions{}))
	wantErr(t, err, "ListWebhookDeliveries of a malformed hook ID", vcs.ErrInvalidArgument)
	_, err = vcs.Collect(log.ListWebhookDeliveries(c, repo, "987654", vcs.ListWebhookDeliveriesOptions{}))
	wantErr(t, err, "ListWebhookDeliveries of an unknown hook", vcs.ErrNotFound)
	wantErr(t, log.RedeliverWebhookDelivery(c, repo, hook, "bad"), "RedeliverWebhookDelivery of a malformed ID", vcs.ErrInvalidArgument)
	err = log.RedeliverWebhookDelivery(c, repo, hook, "987654")
	wantErr(t, err, "RedeliverWebhookDelivery of an unknown delivery", vcs.ErrNotFound)
	if errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("unknown delivery reported as bad input: %v", err)
	}

	// A token that may not manage webhooks may not read their log.
	weak, err := h.IssueToken("reader", TokenOptions{})
	must(err)
	must(h.Grant(repo, "reader", RoleRead))
	pr, err := vcs.Open(h.Config(weak))
	must(err)
	_, err = vcs.Collect(pr.(vcs.DeliveryLog).ListWebhookDeliveries(c, repo, hook, vcs.ListWebhookDeliveriesOptions{}))
	wantErr(t, err, "ListWebhookDeliveries as a reader", vcs.ErrPermissionDenied, vcs.ErrNotFound)
}
