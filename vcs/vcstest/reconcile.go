package vcstest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// pageOfOne is the default fixture with one item a page, so that even the
// fixture's two pull requests take several pages.
func (s *suite) pageOfOne(t *testing.T) (Fake, Fixture) {
	t.Helper()
	fx := DefaultFixture()
	fx.PageSize = 1
	return s.h.New(t, fx), fx
}

// listNumbers lists the pull requests opts selects and returns their
// numbers, sorted, failing the test on an error.
func listNumbers(t *testing.T, p vcs.Provider, repo string, opts vcs.ListPullRequestsOptions) ([]int, []*vcs.PullRequest) {
	t.Helper()
	prs, err := vcs.Collect(p.ListPullRequests(ctx(t), repo, opts))
	if err != nil {
		t.Fatalf("ListPullRequests(%+v): %v", opts, err)
	}
	var nums []int
	for _, pr := range prs {
		nums = append(nums, pr.Number)
	}
	slices.Sort(nums)
	return nums, prs
}

func (s *suite) testListPullRequests(t *testing.T) {
	f, fx := s.pageOfOne(t)
	cfg := f.Config(f.Token(TokenFull))
	p := open(t, cfg)
	repo := f.Repo()
	both := []int{f.PullRequest(), f.ClosablePullRequest()}
	slices.Sort(both)
	want := func(state vcs.PullRequestState, since time.Time, nums ...int) []*vcs.PullRequest {
		t.Helper()
		if nums == nil {
			nums = []int{}
		}
		got, prs := listNumbers(t, p, repo, vcs.ListPullRequestsOptions{State: state, UpdatedSince: since})
		if got == nil {
			got = []int{}
		}
		if !slices.Equal(got, nums) {
			t.Errorf("ListPullRequests(state %q, since %v) = %v, want %v", state, since, got, nums)
		}
		for _, pr := range prs {
			if state != "" && state != vcs.PullRequestAll && pr.State != state {
				t.Errorf("pull request %d is %q in a list of %q", pr.Number, pr.State, state)
			}
		}
		return prs
	}
	want(vcs.PullRequestOpen, time.Time{}, both...)
	want(vcs.PullRequestAll, time.Time{}, both...)
	want("", time.Time{}, both...)
	want(vcs.PullRequestMerged, time.Time{})
	want(vcs.PullRequestClosed, time.Time{})

	f.Advance(time.Minute)
	mergedAt := cfg.Clock()
	f.Trigger(t, f.PullRequest(), vcs.ActionMerged)
	f.Advance(time.Minute)
	f.Trigger(t, f.ClosablePullRequest(), vcs.ActionClosed)
	f.Advance(time.Minute)

	for _, pr := range want(vcs.PullRequestMerged, time.Time{}, f.PullRequest()) {
		if !pr.Merged() || pr.TargetBranch != fx.DefaultBranch || pr.SourceBranch != fx.SourceBranch || pr.HeadSHA == "" {
			t.Errorf("merged pull request = %+v", pr)
		}
		if pr.UpdatedAt.IsZero() || pr.UpdatedAt.Before(mergedAt.Add(-time.Second)) {
			t.Errorf("merged pull request's UpdatedAt %v is before its merge at %v", pr.UpdatedAt, mergedAt)
		}
	}
	want(vcs.PullRequestClosed, time.Time{}, f.ClosablePullRequest())
	want(vcs.PullRequestOpen, time.Time{})
	want(vcs.PullRequestAll, time.Time{}, both...)

	// UpdatedSince: both changed about two minutes ago.
	now := cfg.Clock()
	want(vcs.PullRequestMerged, now.Add(-time.Hour), f.PullRequest())
	want(vcs.PullRequestClosed, now.Add(-time.Hour), f.ClosablePullRequest())
	f.Advance(2 * time.Hour)
	want(vcs.PullRequestMerged, cfg.Clock().Add(-time.Hour))
	want(vcs.PullRequestClosed, cfg.Clock().Add(-time.Hour))

	// Stopping early stops cleanly.
	for pr, err := range p.ListPullRequests(ctx(t), repo, vcs.ListPullRequestsOptions{}) {
		if err != nil || pr == nil {
			t.Fatalf("first item: %v, %v", pr, err)
		}
		break
	}

	// Bad input fails before any request; a token that may not read the
	// repository fails as the host says.
	_, err := vcs.Collect(p.ListPullRequests(ctx(t), repo, vcs.ListPullRequestsOptions{State: "draft"}))
	wantErr(t, err, "ListPullRequests with state draft", vcs.ErrInvalidArgument)
	_, err = vcs.Collect(p.ListPullRequests(ctx(t), "no-slash", vcs.ListPullRequestsOptions{}))
	wantErr(t, err, "ListPullRequests of a malformed repository", vcs.ErrInvalidArgument)
	noRead := open(t, f.Config(f.Token(TokenNoRead)))
	_, err = vcs.Collect(noRead.ListPullRequests(ctx(t), repo, vcs.ListPullRequestsOptions{State: vcs.PullRequestMerged}))
	wantErr(t, err, "ListPullRequests without read access", vcs.ErrNotFound, vcs.ErrPermissionDenied, vcs.ErrUnauthorized)
	expired := open(t, f.Config(f.Token(TokenExpired)))
	_, err = vcs.Collect(expired.ListPullRequests(ctx(t), repo, vcs.ListPullRequestsOptions{}))
	wantErr(t, err, "ListPullRequests with an expired token", vcs.ErrUnauthorized)
}

// memRecorder is an in-memory vcs.EventRecorder: one record per merge
// identity (else delivery ID).
type memRecorder struct {
	mu     sync.Mutex
	events map[string]*vcs.Event
	fail   error
}

func (m *memRecorder) Record(_ context.Context, ev *vcs.Event) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return false, m.fail
	}
	id := "delivery:" + ev.DeliveryID
	if k, ok := ev.MergeKey(); ok {
		id = k.String()
	}
	if m.events == nil {
		m.events = map[string]*vcs.Event{}
	}
	if _, ok := m.events[id]; ok {
		return false, nil
	}
	m.events[id] = ev
	return true, nil
}

// memCheckpoints is an in-memory vcs.CheckpointStore.
type memCheckpoints struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func (c *memCheckpoints) Checkpoint(_ context.Context, key string) (time.Time, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key], nil
}

func (c *memCheckpoints) SetCheckpoint(_ context.Context, key string, t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]time.Time{}
	}
	c.m[key] = t
	return nil
}

func (s *suite) testReconcile(t *testing.T) {
	f, fx := s.pageOfOne(t)
	cfg := f.Config(f.Token(TokenFull))
	p := open(t, cfg)
	repo := f.Repo()
	const secret = "reconcile-secret"
	if _, err := vcs.EnsureWebhook(ctx(t), p, repo, vcs.WebhookOptions{URL: HookURL, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	rec, cps := &memRecorder{}, &memCheckpoints{}
	r := &vcs.Reconciler{Provider: p, Repositories: []string{repo}, Recorder: rec, Checkpoints: cps, Clock: cfg.Clock}

	// The first sweep of a repository replays nothing: it only sets the
	// checkpoint.
	before := cfg.Clock()
	res, err := r.Sweep(ctx(t))
	after := cfg.Clock()
	if err != nil || len(res) != 1 || res[0].Recorded != 0 || res[0].Checkpoint.Before(before) || res[0].Checkpoint.After(after) {
		t.Fatalf("first Sweep = %+v, %v; want nothing recorded and the checkpoint at the fake's time (%v)", res, err, before)
	}
	start := res[0].Checkpoint

	// The server is down: the merge's deliveries never arrive, and the
	// abandoned pull request's neither.
	f.Advance(time.Minute)
	deliveries := f.Trigger(t, f.PullRequest(), vcs.ActionMerged)
	f.Advance(time.Minute)
	f.Trigger(t, f.ClosablePullRequest(), vcs.ActionClosed)
	f.Advance(time.Minute)
	webhookKey := mergeKeyOf(t, s.h.Kind, deliveries)

	res, err = r.Sweep(ctx(t))
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if res[0].Recorded != 1 || res[0].Listed != 1 {
		t.Fatalf("Sweep after a missed merge = %+v, want 1 listed and 1 recorded", res[0])
	}
	if len(rec.events) != 1 {
		t.Fatalf("recorded %d events, want 1", len(rec.events))
	}
	for key, ev := range rec.events {
		if key != webhookKey.String() {
			t.Errorf("reconciliation recorded merge %q; the webhook's merge key is %q", key, webhookKey)
		}
		if ev.Provider != s.h.Kind || ev.Kind != vcs.EventPullRequest || ev.Action != vcs.ActionMerged || !ev.Merged ||
			ev.Number != f.PullRequest() || !strings.HasPrefix(ev.DeliveryID, vcs.ReconcileDeliveryPrefix) ||
			ev.SourceBranch != fx.SourceBranch || ev.TargetBranch != fx.DefaultBranch || ev.HeadSHA == "" || ev.HostEvent != vcs.ReconcileHostEvent {
			t.Errorf("reconciled event = %+v", ev)
		}
	}
	if !res[0].Checkpoint.After(start) {
		t.Errorf("checkpoint %v did not move past %v", res[0].Checkpoint, start)
	}

	// Sweeping again finds the merge again (the overlap) but records
	// nothing new, and never moves the checkpoint back.
	cp := res[0].Checkpoint
	f.Advance(time.Minute)
	res, err = r.Sweep(ctx(t))
	if err != nil || res[0].Recorded != 0 || len(rec.events) != 1 || res[0].Checkpoint.Before(cp) {
		t.Errorf("second Sweep = %+v, %v (%d events); want nothing new, checkpoint not before %v", res, err, len(rec.events), cp)
	}

	// A merge the webhook did deliver is not recorded a second time by
	// the sweep: both carry the same merge identity.
	viaHook := &memRecorder{}
	if ok, _ := viaHook.Record(ctx(t), eventOf(t, s.h.Kind, deliveries)); !ok {
		t.Fatal("the webhook's merge event was not recorded")
	}
	r2 := &vcs.Reconciler{Provider: p, Repositories: []string{repo}, Recorder: viaHook, Checkpoints: &memCheckpoints{}, Since: start, Clock: cfg.Clock}
	if res, err := r2.Sweep(ctx(t)); err != nil || res[0].Listed != 1 || res[0].Recorded != 0 {
		t.Errorf("Sweep after the webhook recorded the merge = %+v, %v; want 1 listed, 0 recorded", res, err)
	}

	// A failed record leaves the checkpoint where it was, so the next
	// sweep tries again.
	failing := &memRecorder{fail: errors.New("database is down")}
	cps3 := &memCheckpoints{}
	r3 := &vcs.Reconciler{Provider: p, Repositories: []string{repo}, Recorder: failing, Checkpoints: cps3, Since: start, Clock: cfg.Clock}
	if _, err := r3.Sweep(ctx(t)); err == nil || !strings.Contains(err.Error(), "database is down") {
		t.Errorf("Sweep with a failing recorder: %v, want the recorder's error", err)
	}
	if got, _ := cps3.Checkpoint(ctx(t), r3.CheckpointKey(repo)); !got.IsZero() {
		t.Errorf("checkpoint after a failed sweep = %v, want none", got)
	}
	failing.fail = nil
	if res, err := r3.Sweep(ctx(t)); err != nil || res[0].Recorded != 1 {
		t.Errorf("Sweep after the recorder recovered = %+v, %v; want the merge recorded", res, err)
	}

	// A repository that fails does not stop the sweep of the others.
	r4 := &vcs.Reconciler{Provider: p, Repositories: []string{"not a repo", repo}, Recorder: &memRecorder{}, Checkpoints: &memCheckpoints{}, Since: start, Clock: cfg.Clock}
	res, err = r4.Sweep(ctx(t))
	if !errors.Is(err, vcs.ErrInvalidArgument) || len(res) != 2 || res[1].Recorded != 1 {
		t.Errorf("Sweep with a malformed repository first = %+v, %v; want its error and the other repository swept", res, err)
	}
}

// eventOf parses the pull request delivery among reqs (a merge's
// deliveries) with the host's parser, as the webhook handler would.
func eventOf(t *testing.T, kind vcs.Kind, reqs []*http.Request) *vcs.Event {
	t.Helper()
	parser, err := vcs.NewWebhookParser(kind)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		ev, err := parser.Parse(r.Header, body)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		if _, ok := ev.MergeKey(); ok {
			return ev
		}
	}
	t.Fatalf("none of the %d deliveries of the merge is a merged pull request event", len(reqs))
	return nil
}

func mergeKeyOf(t *testing.T, kind vcs.Kind, reqs []*http.Request) vcs.MergeKey {
	t.Helper()
	k, _ := eventOf(t, kind, reqs).MergeKey()
	return k
}
