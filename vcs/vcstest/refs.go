package vcstest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// RefHost is what the ref and merge scenarios need from a fake beyond
// Fake: the host actions that change refs and drafts, each returning the
// webhook deliveries the host sends for it. The fake servers of the four
// hosts implement it with the same names and signatures; a conformance
// adapter that does not is a test failure, not a skip.
type RefHost interface {
	// Push commits files to branch (created from the default branch when
	// new; a nil content deletes the file).
	Push(repo, branch string, files map[string]*string) (sha string, deliveries []*http.Request, err error)
	// PushTag creates the lightweight tag at branch's head.
	PushTag(repo, tag, branch string) ([]*http.Request, error)
	// DeleteBranch deletes branch.
	DeleteBranch(repo, branch string) ([]*http.Request, error)
	// ForcePush replaces branch's head commit by one with files changed
	// ("git commit --amend; git push --force").
	ForcePush(repo, branch string, files map[string]*string) (sha string, deliveries []*http.Request, err error)
	// PushWithTags commits files to branch and creates tags at the new
	// head in one push ("git push origin branch tag…").
	PushWithTags(repo, branch string, files map[string]*string, tags ...string) (sha string, deliveries []*http.Request, err error)
	// SetDraft marks an open pull request as a draft, or ready for
	// review.
	SetDraft(repo string, number int, draft bool) ([]*http.Request, error)
}

// What each host tells about a push, from its documentation (see the
// fakes' refs.go): whether it says a push was forced, and whether one
// delivery lists every ref of a push (else it sends one per ref).
var (
	hostTellsForced = map[vcs.Kind]bool{vcs.KindGitHub: true, vcs.KindBitbucket: true}
	hostBatchesRefs = map[vcs.Kind]bool{vcs.KindBitbucket: true, vcs.KindAzureDevOps: true}
)

// refsHookURL receives the ref scenarios' deliveries.
const refsHookURL = HookURL + "/refs"

type refsEnv struct {
	f      Fake
	host   RefHost
	repo   string
	secret string
	parser vcs.WebhookParser
	kind   vcs.Kind
}

func (s *suite) refsEnv(t *testing.T) (*refsEnv, Fixture) {
	t.Helper()
	f, fx := s.fake(t)
	host, ok := f.(RefHost)
	if !ok {
		t.Fatalf("the %s conformance fake (%T) does not implement vcstest.RefHost", s.h.Kind, f)
	}
	p := open(t, f.Config(f.Token(TokenFull)))
	const secret = "refs-secret"
	if _, err := p.CreateWebhook(ctx(t), f.Repo(), vcs.WebhookOptions{URL: refsHookURL, Secret: secret,
		Events: []vcs.WebhookEvent{vcs.WebhookEventPush, vcs.WebhookEventPullRequest}}); err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	parser, err := vcs.NewWebhookParser(s.h.Kind)
	if err != nil {
		t.Fatal(err)
	}
	return &refsEnv{f: f, host: host, repo: f.Repo(), secret: secret, parser: parser, kind: s.h.Kind}, fx
}

// delivery is one webhook delivery's headers and body, servable again
// and again.
type delivery struct {
	header http.Header
	body   []byte
}

func (d delivery) request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, refsHookURL, strings.NewReader(string(d.body)))
	r.Header = d.header.Clone()
	return r
}

// events keeps the deliveries to the scenarios' webhook and parses them
// through a WebhookHandler.
func (e *refsEnv) events(t *testing.T, reqs []*http.Request, err error) ([]delivery, []*vcs.Event) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var ds []delivery
	var evs []*vcs.Event
	for _, r := range reqs {
		if r.URL.String() != refsHookURL {
			continue
		}
		body, rerr := io.ReadAll(r.Body)
		if rerr != nil {
			t.Fatal(rerr)
		}
		d := delivery{header: r.Header.Clone(), body: body}
		var got *vcs.Event
		h := vcs.NewWebhookHandler(e.parser, e.secret, func(_ context.Context, ev *vcs.Event) error { got = ev; return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, d.request())
		if rec.Code != http.StatusOK || got == nil {
			t.Fatalf("delivery answered %d: %s", rec.Code, rec.Body)
		}
		ds = append(ds, d)
		evs = append(evs, got)
	}
	return ds, evs
}

// pushes returns the push events, failing on any other kind except pull
// request events.
func pushes(t *testing.T, evs []*vcs.Event) []*vcs.Event {
	t.Helper()
	var out []*vcs.Event
	for _, ev := range evs {
		switch ev.Kind {
		case vcs.EventPush:
			out = append(out, ev)
		case vcs.EventPullRequest:
		default:
			t.Errorf("unexpected %s event (%s)", ev.Kind, ev.HostEvent)
		}
	}
	return out
}

// onePush checks that evs hold exactly one push, of one ref, and returns
// it.
func onePush(t *testing.T, evs []*vcs.Event) *vcs.Event {
	t.Helper()
	ps := pushes(t, evs)
	if len(ps) != 1 {
		t.Fatalf("%d push events, want 1: %+v", len(ps), briefs(ps))
	}
	ev := ps[0]
	if len(ev.Changes) != 1 || ev.Changes[0].Ref != ev.Ref || ev.Changes[0].After != ev.HeadSHA ||
		ev.Changes[0].Created != ev.Created || ev.Changes[0].Deleted != ev.Deleted || ev.Changes[0].Forced != ev.Forced {
		t.Errorf("a push of one ref: top-level fields and Changes disagree: %+v", brief(ev))
	}
	return ev
}

func briefs(evs []*vcs.Event) []vcs.Event {
	out := make([]vcs.Event, len(evs))
	for i, ev := range evs {
		out[i] = brief(ev)
	}
	return out
}

func (s *suite) testRefs(t *testing.T) {
	e, fx := s.refsEnv(t)
	main := fx.DefaultBranch
	const branch = "feature/refs"

	var created string
	t.Run("BranchCreated", func(t *testing.T) {
		sha, reqs, err := e.host.Push(e.repo, branch, map[string]*string{"migrations/100_new.sql": str("SELECT 1;\n")})
		_, evs := e.events(t, reqs, err)
		ev := onePush(t, evs)
		if ev.Ref != "refs/heads/"+branch || ev.TargetBranch != branch || ev.HeadSHA != sha || !ev.Created || ev.Deleted || ev.Changes[0].Before != "" {
			t.Errorf("push to a new branch = %+v, want created refs/heads/%s at %s", brief(ev), branch, sha)
		}
		created = sha
	})
	t.Run("BranchPush", func(t *testing.T) {
		sha, reqs, err := e.host.Push(e.repo, main, map[string]*string{"migrations/101_main.sql": str("SELECT 2;\n")})
		_, evs := e.events(t, reqs, err)
		ev := onePush(t, evs)
		if ev.Ref != "refs/heads/"+main || ev.TargetBranch != main || ev.HeadSHA != sha || ev.Created || ev.Deleted || ev.Forced || ev.Changes[0].Before == "" {
			t.Errorf("push to %s = %+v", main, brief(ev))
		}
	})
	t.Run("TagPush", func(t *testing.T) {
		// A tag named like the watched branch is no push to that branch.
		for _, tag := range []string{"v1.0.0", main} {
			reqs, err := e.host.PushTag(e.repo, tag, main)
			_, evs := e.events(t, reqs, err)
			ev := onePush(t, evs)
			if ev.Ref != "refs/tags/"+tag || ev.TargetBranch != "" || ev.HeadSHA == "" || !ev.Created || ev.Deleted {
				t.Errorf("tag push %s = %+v, want created refs/tags/%s and no TargetBranch", tag, brief(ev), tag)
			}
			if name, ok := ev.Changes[0].Tag(); !ok || name != tag || len(ev.Branches()) != 0 {
				t.Errorf("tag push %s: Changes %+v", tag, ev.Changes)
			}
		}
	})
	t.Run("ForcePush", func(t *testing.T) {
		sha, reqs, err := e.host.ForcePush(e.repo, branch, map[string]*string{"migrations/100_new.sql": str("SELECT 3;\n")})
		_, evs := e.events(t, reqs, err)
		ev := onePush(t, evs)
		if ev.Ref != "refs/heads/"+branch || ev.HeadSHA != sha || sha == created || ev.Created || ev.Deleted || ev.Changes[0].Before != created {
			t.Errorf("force push = %+v, want %s moved from %s to %s", brief(ev), branch, created, sha)
		}
		if ev.Forced != hostTellsForced[e.kind] {
			t.Errorf("force push: Forced = %t; %s tells: %t", ev.Forced, e.kind, hostTellsForced[e.kind])
		}
		created = sha
	})
	t.Run("BranchDeleted", func(t *testing.T) {
		reqs, err := e.host.DeleteBranch(e.repo, branch)
		_, evs := e.events(t, reqs, err)
		ev := onePush(t, evs)
		if ev.Ref != "refs/heads/"+branch || ev.TargetBranch != branch || !ev.Deleted || ev.Created || ev.HeadSHA != "" || ev.Changes[0].Before != created {
			t.Errorf("branch deletion = %+v, want Deleted, no HeadSHA, Before %s", brief(ev), created)
		}
	})
	t.Run("BranchAndTagInOnePush", func(t *testing.T) {
		sha, reqs, err := e.host.PushWithTags(e.repo, main, map[string]*string{"migrations/102_release.sql": str("SELECT 4;\n")}, "v2.0.0")
		_, evs := e.events(t, reqs, err)
		ps := pushes(t, evs)
		var all []vcs.RefChange
		for _, ev := range ps {
			all = append(all, ev.Changes...)
		}
		refs := make([]string, len(all))
		for i, c := range all {
			refs[i] = c.Ref
			if c.After != sha {
				t.Errorf("%s after = %q, want %s", c.Ref, c.After, sha)
			}
		}
		slices.Sort(refs)
		if want := []string{"refs/heads/" + main, "refs/tags/v2.0.0"}; !slices.Equal(refs, want) {
			t.Fatalf("changed refs %v, want %v", refs, want)
		}
		if hostBatchesRefs[e.kind] {
			if len(ps) != 1 {
				t.Fatalf("%s sends one delivery for a push of several refs; got %d", e.kind, len(ps))
			}
			if ev := ps[0]; ev.Ref != "" || ev.TargetBranch != "" || ev.HeadSHA != "" || len(ev.Branches()) != 1 {
				t.Errorf("a delivery of several refs sets top-level fields: %+v", brief(ev))
			}
		} else if len(ps) != 2 {
			t.Errorf("%s sends one delivery per ref; got %d", e.kind, len(ps))
		}
	})
	t.Run("ManyTagsInOnePush", func(t *testing.T) {
		// GitHub sends no push event for tags past three tags in a push;
		// GitLab runs no hook for a push of more than
		// push_event_hooks_limit (3) refs; Bitbucket and Azure DevOps list
		// them all in one delivery.
		tags := []string{"v3.0.0", "v3.0.1", "v3.0.2", "v3.0.3"}
		_, reqs, err := e.host.PushWithTags(e.repo, main, map[string]*string{"migrations/103_more.sql": str("SELECT 5;\n")}, tags...)
		_, evs := e.events(t, reqs, err)
		var refs []string
		for _, ev := range pushes(t, evs) {
			for _, c := range ev.Changes {
				refs = append(refs, c.Ref)
			}
		}
		slices.Sort(refs)
		want := map[vcs.Kind][]string{
			vcs.KindGitHub: {"refs/heads/" + main},
			vcs.KindGitLab: nil,
		}[e.kind]
		if hostBatchesRefs[e.kind] {
			want = []string{"refs/heads/" + main}
			for _, tag := range tags {
				want = append(want, "refs/tags/"+tag)
			}
		}
		if !slices.Equal(refs, want) {
			t.Errorf("refs delivered %v, want %v", refs, want)
		}
	})
	t.Run("DraftMadeReady", func(t *testing.T) {
		n := e.f.ClosablePullRequest()
		for _, draft := range []bool{true, false} {
			reqs, err := e.host.SetDraft(e.repo, n, draft)
			_, evs := e.events(t, reqs, err)
			if len(evs) == 0 {
				t.Fatalf("SetDraft(%t) delivered nothing", draft)
			}
			for _, ev := range evs {
				if ev.Kind != vcs.EventPullRequest || ev.Number != n || ev.Action != vcs.ActionUpdated || ev.Draft != draft || ev.Merged {
					t.Errorf("SetDraft(%t): event %+v, want pull request %d updated with Draft %t", draft, brief(ev), n, draft)
				}
			}
		}
	})
}

// testMergeOnce merges the pull request and serves every delivery of the
// merge (the pull request events and the push of the target branch) in
// every order, twice, and concurrently, through a Deduplicator-wrapped
// callback: the merge reaches it once, the push is never a merge.
func (s *suite) testMergeOnce(t *testing.T) {
	e, fx := s.refsEnv(t)
	n := e.f.PullRequest()
	ds, evs := e.events(t, e.f.Trigger(t, n, vcs.ActionMerged), nil)
	merges, targetPushes := 0, 0
	var key vcs.MergeKey
	for _, ev := range evs {
		switch {
		case ev.Kind == vcs.EventPush:
			if ev.Merged || ev.TargetBranch != fx.DefaultBranch {
				t.Errorf("the merge's push = %+v", brief(ev))
			}
			targetPushes++
		case ev.Action == vcs.ActionMerged:
			merges++
			k, ok := ev.MergeKey()
			if !ok || (key != vcs.MergeKey{} && k != key) || ev.MergeCommitSHA == "" {
				t.Errorf("merge event %+v: MergeKey %v, %t", brief(ev), k, ok)
			}
			key = k
		}
	}
	if merges == 0 || targetPushes != 1 {
		t.Fatalf("the merge delivered %d merge events and %d pushes of %s; want at least 1 and 1", merges, targetPushes, fx.DefaultBranch)
	}
	serve := func(d *vcs.Deduplicator, calls *atomic.Int32, r *http.Request) int {
		h := vcs.NewWebhookHandler(e.parser, e.secret, d.Wrap(func(_ context.Context, ev *vcs.Event) error {
			if ev.Merged {
				calls.Add(1)
			}
			return nil
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	orders := 0
	for perm := range permutations(len(ds)) {
		orders++
		d := vcs.NewDeduplicator(0, 0)
		var calls atomic.Int32
		for _, i := range append(perm, perm...) { // every delivery twice
			if code := serve(d, &calls, ds[i].request()); code != http.StatusOK {
				t.Fatalf("delivery answered %d", code)
			}
		}
		if calls.Load() != 1 {
			t.Fatalf("order %v: the merge reached the callback %d times, want 1", perm, calls.Load())
		}
	}
	d := vcs.NewDeduplicator(0, 0)
	var calls atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		for _, dl := range ds {
			wg.Go(func() {
				if code := serve(d, &calls, dl.request()); code != http.StatusOK {
					t.Errorf("concurrent delivery answered %d", code)
				}
			})
		}
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d concurrent deliveries: the merge reached the callback %d times, want 1", 8*len(ds), calls.Load())
	}
	t.Logf("%d deliveries (%d merge events), %d orders and %d concurrent deliveries: one callback each", len(ds), merges, orders, 8*len(ds))
}

// permutations yields every order of 0..n-1 (n is small: a merge's
// deliveries).
func permutations(n int) func(yield func([]int) bool) {
	return func(yield func([]int) bool) {
		p := make([]int, n)
		for i := range p {
			p[i] = i
		}
		var gen func(k int) bool
		gen = func(k int) bool {
			if k == n {
				return yield(slices.Clone(p))
			}
			for i := k; i < n; i++ {
				p[k], p[i] = p[i], p[k]
				if !gen(k + 1) {
					return false
				}
				p[k], p[i] = p[i], p[k]
			}
			return true
		}
		gen(0)
	}
}
