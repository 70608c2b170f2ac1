package bitbucket_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const (
	testSecret   = "It's a Secret to Everybody"
	testDelivery = "c5b9bb8b-2b6c-4a7d-9f39-3e0f61b1d7a1"
)

// signedRequest is a delivery the way Bitbucket sends it: X-Event-Key,
// X-Request-UUID, X-Hook-UUID, X-Attempt-Number and, with a secret,
// X-Hub-Signature: sha256=HEX.
func signedRequest(t *testing.T, eventKey string, body []byte, secret string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
	r.Header.Set(bitbucket.HeaderEventKey, eventKey)
	r.Header.Set(bitbucket.HeaderRequestUUID, testDelivery)
	r.Header.Set(bitbucket.HeaderHookUUID, "0b7e2e4a-4f3d-4d4b-9b1e-1d2c3b4a5f60")
	r.Header.Set(bitbucket.HeaderAttemptNumber, "1")
	if secret != "" {
		r.Header.Set(bitbucket.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
	}
	return r
}

func TestParseFixtures(t *testing.T) {
	vcstest.RunWebhookFixtures(t, bitbucket.NewParser(), "testdata", vcs.KindBitbucket,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			signed := signedRequest(t, fx.EventHeader, body, secret)
			for k, v := range signed.Header {
				r.Header[k] = v
			}
		})
}

// TestFixtureDetails checks what the index does not list: delivery ID,
// title, author, web URL and the raw payload.
func TestFixtureDetails(t *testing.T) {
	for _, name := range []string{"pr-created.json", "pr-fulfilled.json"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		ev, err := bitbucket.NewParser().Parse(signedRequest(t, "pullrequest:created", body, "").Header, body)
		if err != nil {
			t.Fatal(err)
		}
		if ev.DeliveryID != testDelivery || ev.Title != "Awesome new feature" || ev.Author != "Brad Rydzewski" ||
			ev.WebURL == "" || len(ev.Payload) != len(body) || ev.HostAction != "created" {
			t.Errorf("%s: %+v", name, ev)
		}
	}
}

// TestWebhookRejections covers what is Bitbucket's own; the generic
// answers (unsigned, wrong secret, changed body, not JSON, too large) are
// checked for every fixture by vcstest.RunWebhookFixtures.
func TestWebhookRejections(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-fulfilled.json")
	if err != nil {
		t.Fatal(err)
	}
	ok := func(context.Context, *vcs.Event) error { return nil }
	serve := func(h http.Handler, r *http.Request) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	h := vcs.NewWebhookHandler(bitbucket.NewParser(), testSecret, ok)
	sha1Style := signedRequest(t, "pullrequest:fulfilled", body, "")
	sha1Style.Header.Set(bitbucket.HeaderSignature, "sha1="+signature.HMACSHA256Hex(testSecret, body))
	if code := serve(h, sha1Style); code != http.StatusUnauthorized {
		t.Errorf("signature without the sha256= prefix: %d, want 401", code)
	}
	noKey := signedRequest(t, "", body, testSecret)
	if code := serve(h, noKey); code != http.StatusBadRequest {
		t.Errorf("delivery without X-Event-Key: %d, want 400", code)
	}
	err = bitbucket.NewParser().Verify(signedRequest(t, "pullrequest:fulfilled", body, "").Header, body, testSecret)
	if !errors.Is(err, vcs.ErrMissingSignature) || !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("Verify of an unsigned delivery = %v, want ErrMissingSignature", err)
	}
	err = bitbucket.NewParser().Verify(signedRequest(t, "pullrequest:fulfilled", body, "wrong").Header, body, testSecret)
	if errors.Is(err, vcs.ErrMissingSignature) || !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("Verify of a wrongly signed delivery = %v, want ErrInvalidSignature only", err)
	}
}

func TestParseEventKeys(t *testing.T) {
	prBody := func(state string) []byte {
		return []byte(`{"pullrequest":{"id":7,"title":"t","state":"` + state + `","author":{"display_name":"Alice","nickname":"alice"},
			"source":{"branch":{"name":"feature/x"},"commit":{"hash":"aaaaaaaaaaaa"}},
			"destination":{"branch":{"name":"main"},"commit":{"hash":"bbbbbbbbbbbb"}},
			"merge_commit":null,"links":{"html":{"href":"https://bitbucket.org/ws/r/pull-requests/7"}}},
			"repository":{"full_name":"ws/r"},"actor":{"display_name":"Alice"}}`)
	}
	p := bitbucket.NewParser()
	for _, tc := range []struct {
		key    string
		body   []byte
		kind   vcs.EventKind
		action vcs.Action
		hostAc string
	}{
		{"pullrequest:created", prBody("OPEN"), vcs.EventPullRequest, vcs.ActionOpened, "created"},
		{"pullrequest:updated", prBody("OPEN"), vcs.EventPullRequest, vcs.ActionUpdated, "updated"},
		{"pullrequest:rejected", prBody("DECLINED"), vcs.EventPullRequest, vcs.ActionClosed, "rejected"},
		{"pullrequest:approved", prBody("OPEN"), vcs.EventPullRequest, vcs.ActionOther, "approved"},
		{"pullrequest:comment_created", prBody("OPEN"), vcs.EventPullRequest, vcs.ActionOther, "comment_created"},
		{"diagnostics:ping", []byte(`{"repository":{"full_name":"ws/r"}}`), vcs.EventPing, "", ""},
		{"repo:fork", []byte(`{"repository":{"full_name":"ws/r"},"fork":{"full_name":"me/r"}}`), vcs.EventOther, "", ""},
		{"issue:created", []byte(`{"repository":{"full_name":"ws/r"},"issue":{"id":3}}`), vcs.EventOther, "", ""},
	} {
		ev, err := p.Parse(signedRequest(t, tc.key, tc.body, "").Header, tc.body)
		if err != nil {
			t.Errorf("%s: %v", tc.key, err)
			continue
		}
		if ev.Kind != tc.kind || ev.Action != tc.action || ev.HostEvent != tc.key || ev.HostAction != tc.hostAc || ev.Repository != "ws/r" {
			t.Errorf("%s = %+v", tc.key, ev)
		}
		if ev.Kind == vcs.EventPullRequest && (ev.Number != 7 || ev.SourceBranch != "feature/x" || ev.HeadSHA != "aaaaaaaaaaaa" || ev.Merged) {
			t.Errorf("%s = %+v", tc.key, ev)
		}
		if ev.DeliveryID != testDelivery {
			t.Errorf("%s: delivery ID %q", tc.key, ev.DeliveryID)
		}
	}
	// A pull request event without its pull request is malformed.
	body := []byte(`{"repository":{"full_name":"ws/r"}}`)
	if _, err := p.Parse(signedRequest(t, "pullrequest:created", body, "").Header, body); !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Errorf("pullrequest:created without a pullrequest: %v, want ErrInvalidPayload", err)
	}
	// A deleted branch is a push with no new head.
	body = []byte(`{"repository":{"full_name":"ws/r"},"push":{"changes":[{"new":null,"old":{"type":"branch","name":"gone","target":{"hash":"cccccccccccc"}}}]}}`)
	ev, err := p.Parse(signedRequest(t, "repo:push", body, "").Header, body)
	if err != nil || ev.Kind != vcs.EventPush || ev.TargetBranch != "gone" || ev.HeadSHA != "" {
		t.Errorf("branch deletion = %+v, %v", ev, err)
	}
}

// TestFakeDeliveriesParse checks the fake's deliveries against the parser:
// every event key the fake sends, signed with the webhook's secret.
func TestFakeDeliveriesParse(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	if _, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/hook", Secret: testSecret,
		Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}); err != nil {
		t.Fatal(err)
	}
	var reqs []*http.Request
	add := func(r []*http.Request, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, r...)
	}
	change := "SELECT 2;\n"
	_, _, err := srv.Push(testRepo, "feature/more", map[string]*string{"migrations/010.sql": &change})
	add(nil, err)
	n, r, err := srv.OpenPullRequest(testRepo, vcstest.PullRequestOptions{Source: "feature/more", Title: "More", Author: devEmail})
	add(r, err)
	_, _, err = srv.Push(testRepo, "feature/more", map[string]*string{"migrations/011.sql": &change})
	add(nil, err)
	add(srv.MergePullRequest(testRepo, n))
	reqs = srv.Deliveries()
	want := []string{"repo:push", "pullrequest:created", "repo:push", "pullrequest:updated", "pullrequest:fulfilled", "repo:push"}
	if len(reqs) != len(want) {
		t.Fatalf("%d deliveries, want %d", len(reqs), len(want))
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		if got := r.Header.Get(bitbucket.HeaderEventKey); got != want[i] {
			t.Errorf("delivery %d is %s, want %s", i, got, want[i])
		}
		var ev *vcs.Event
		h := vcs.NewWebhookHandler(bitbucket.NewParser(), testSecret, func(_ context.Context, e *vcs.Event) error { ev = e; return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Fatalf("delivery %d: %d %s", i, rec.Code, rec.Body)
		}
		if ev.Repository != testRepo || ev.DeliveryID == "" || seen[ev.DeliveryID] {
			t.Errorf("delivery %d = %+v (IDs must be unique)", i, ev)
		}
		seen[ev.DeliveryID] = true
		switch want[i] {
		case "repo:push":
			if ev.Kind != vcs.EventPush || ev.TargetBranch == "" || ev.HeadSHA == "" {
				t.Errorf("push = %+v", ev)
			}
		case "pullrequest:fulfilled":
			pr, err := p.GetPullRequest(ctx, testRepo, n)
			if err != nil {
				t.Fatal(err)
			}
			if !ev.Merged || ev.Action != vcs.ActionMerged || ev.MergeCommitSHA == "" || ev.MergeCommitSHA != pr.MergeCommitSHA || ev.SourceBranch != "feature/more" {
				t.Errorf("merge = %+v, pull request %+v", ev, pr)
			}
		}
	}
}

func FuzzParse(f *testing.F) {
	vcstest.FuzzWebhookParser(f, bitbucket.NewParser(), "testdata", vcs.KindBitbucket, func(fx vcstest.WebhookFixture) http.Header {
		return http.Header{bitbucket.HeaderEventKey: {fx.EventHeader}}
	})
}
