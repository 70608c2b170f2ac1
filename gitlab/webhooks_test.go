package gitlab_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
)

const hookURL = "https://bytebase.example.test/hook"

// TestCreateWebhookSettings checks what the hook is created with: the
// token, the derived signing token, merge request events on, push events
// explicitly off (GitLab's default is on) and SSL verification on.
func TestCreateWebhookSettings(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	h, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "hook-secret"})
	if err != nil {
		t.Fatal(err)
	}
	if !h.Active || len(h.Events) != 1 || h.Events[0] != vcs.WebhookEventPullRequest {
		t.Errorf("CreateWebhook = %+v", h)
	}
	hooks, _ := s.srv.Webhooks(s.repo)
	if len(hooks) != 1 {
		t.Fatalf("%d hooks", len(hooks))
	}
	got := hooks[0]
	if got.Secret != "hook-secret" || got.Settings["signing_token"] != gitlab.SigningToken("hook-secret") || got.Settings["enable_ssl_verification"] != "true" ||
		!slices.Contains(got.Events, "merge_requests_events") || slices.Contains(got.Events, "push_events") {
		t.Errorf("stored hook = %+v", got)
	}
}

// TestUpdateWebhookKeepsSecret: GitLab clears a hook's token when its URL
// changes; UpdateWebhook sends it again, so deliveries still verify.
func TestUpdateWebhookKeepsSecret(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	h, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "one"})
	if err != nil {
		t.Fatal(err)
	}

	// The fake models GitLab: a bare URL change drops the secrets.
	rawHookCall(t, s, http.MethodPut, "/"+h.ID, `{"url":"`+hookURL+`/moved"}`, http.StatusOK)
	if hooks, _ := s.srv.Webhooks(s.repo); hooks[0].Secret != "" || hooks[0].Settings["signing_token"] != "" {
		t.Fatalf("the fake kept the token across a URL change: %+v", hooks[0])
	}

	moved := hookURL + "/v2"
	if _, err := p.UpdateWebhook(testCtx(t), s.repo, h.ID, vcs.WebhookOptions{URL: moved, Secret: "two"}); err != nil {
		t.Fatal(err)
	}
	hooks, _ := s.srv.Webhooks(s.repo)
	if hooks[0].URL != moved || hooks[0].Secret != "two" || hooks[0].Settings["signing_token"] != gitlab.SigningToken("two") {
		t.Errorf("after UpdateWebhook: %+v", hooks[0])
	}
	reqs, err := s.srv.MergePullRequest(s.repo, s.mr)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("merge deliveries: %d, %v", len(reqs), err)
	}
	ev := serveDelivery(t, reqs[0], "two")
	if ev == nil || !ev.Merged || ev.Number != s.mr || ev.Repository != s.repo {
		t.Errorf("merged event = %+v", ev)
	}
}

// rawHookCall calls the seeded project's hooks API directly (as GitLab's UI
// or another client would), bypassing the provider.
func rawHookCall(t *testing.T, s *seeded, method, suffix, body string, want int) {
	t.Helper()
	req, _ := http.NewRequest(method, s.srv.APIURL()+"projects/acme%2Fplatform%2Fdb-migrations/hooks"+suffix, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil || resp.StatusCode != want {
		t.Fatalf("%s hooks%s: %v %v, want %d", method, suffix, resp, err, want)
	}
	resp.Body.Close()
}

// serveDelivery passes a fake delivery through vcs.WebhookHandler.
func serveDelivery(t *testing.T, r *http.Request, secret string) *vcs.Event {
	t.Helper()
	var got *vcs.Event
	h := vcs.NewWebhookHandler(gitlab.NewParser(), secret, func(_ context.Context, ev *vcs.Event) error { got = ev; return nil })
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("delivery answered %d: %s", rec.Code, rec.Body)
	}
	return got
}

func TestDeliveryHeaders(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	if _, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "sekret"}); err != nil {
		t.Fatal(err)
	}
	reqs, err := s.srv.ClosePullRequest(s.repo, s.mr)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("%d deliveries, %v", len(reqs), err)
	}
	h := reqs[0].Header
	for _, k := range []string{gitlab.HeaderEvent, gitlab.HeaderEventUUID, gitlab.HeaderWebhookUUID, gitlab.HeaderIdempotencyKey,
		gitlab.HeaderToken, gitlab.HeaderWebhookID, gitlab.HeaderWebhookTimestamp, gitlab.HeaderWebhookSignature} {
		if h.Get(k) == "" {
			t.Errorf("delivery lacks %s", k)
		}
	}
	if h.Get(gitlab.HeaderWebhookID) != h.Get(gitlab.HeaderIdempotencyKey) {
		t.Error("webhook-id differs from Idempotency-Key")
	}
	ev := serveDelivery(t, reqs[0], "sekret")
	if ev == nil || ev.Action != vcs.ActionClosed || ev.Merged || ev.DeliveryID != h.Get(gitlab.HeaderWebhookID) {
		t.Errorf("event = %+v", ev)
	}
}

// TestDeliveriesBeforeGitLab19: without signing tokens deliveries carry
// only X-Gitlab-Token, which still verifies.
func TestDeliveriesBeforeGitLab19(t *testing.T) {
	s := newSeeded(t, gitlabtest.WithoutSigningTokens())
	p := s.provider(t, s.tok)
	if _, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "sekret"}); err != nil {
		t.Fatal(err)
	}
	reqs, err := s.srv.MergePullRequest(s.repo, s.mr)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("%d deliveries, %v", len(reqs), err)
	}
	if reqs[0].Header.Get(gitlab.HeaderWebhookSignature) != "" || reqs[0].Header.Get(gitlab.HeaderToken) != "sekret" {
		t.Errorf("headers = %v", reqs[0].Header)
	}
	body, _ := io.ReadAll(reqs[0].Body)
	if err := gitlab.NewParser().Verify(reqs[0].Header, body, "sekret"); err != nil {
		t.Errorf("token delivery: %v", err)
	}
	if err := (&gitlab.Parser{RequireSignature: true}).Verify(reqs[0].Header, body, "sekret"); !errors.Is(err, vcs.ErrMissingSignature) {
		t.Errorf("RequireSignature accepted a token-only delivery: %v", err)
	}
}

func TestPushAndInactiveWebhooks(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	push, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL + "/push", Secret: "p",
		Events: []vcs.WebhookEvent{vcs.WebhookEventPush}})
	if err != nil {
		t.Fatal(err)
	}
	off, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL + "/off", Secret: "o", Inactive: true})
	if err != nil {
		t.Fatal(err)
	}
	if !push.Active || off.Active || len(off.Events) != 0 {
		t.Errorf("push %+v, inactive %+v", push, off)
	}
	content := "x\n"
	if _, _, err := s.srv.Push(s.repo, "main", map[string]*string{"b.sql": &content}); err != nil {
		t.Fatal(err)
	}
	var hits []*http.Request
	for _, r := range s.srv.Deliveries() {
		if r.URL.String() == hookURL+"/off" {
			t.Errorf("the inactive hook got a delivery")
		}
		if r.URL.String() == hookURL+"/push" {
			hits = append(hits, r)
		}
	}
	if len(hits) != 1 {
		t.Fatalf("%d push deliveries", len(hits))
	}
	ev := serveDelivery(t, hits[0], "p")
	if ev == nil || ev.Kind != vcs.EventPush || ev.TargetBranch != "main" || ev.HeadSHA == "" {
		t.Errorf("push event = %+v", ev)
	}
	if err := p.DeleteWebhook(testCtx(t), s.repo, off.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteWebhook(testCtx(t), s.repo, off.ID); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

// TestHandMadeHookWithSecretTokenOnly: a hook an admin created by hand in
// GitLab's UI with only the secret token (no signing token) on GitLab 19
// sends X-Gitlab-Token and no signature; it verifies with the secret. The
// same hook given SigningToken(secret) as its signing token is signed, and
// verifies with the same secret.
func TestHandMadeHookWithSecretTokenOnly(t *testing.T) {
	s := newSeeded(t)
	rawHookCall(t, s, http.MethodPost, "", `{"url":"`+hookURL+`/by-hand","token":"hand-secret","merge_requests_events":true}`, http.StatusCreated)
	rawHookCall(t, s, http.MethodPost, "", `{"url":"`+hookURL+`/by-hand-signed","token":"hand-secret","signing_token":"`+
		gitlab.SigningToken("hand-secret")+`","merge_requests_events":true}`, http.StatusCreated)

	reqs, err := s.srv.ClosePullRequest(s.repo, s.mr)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*http.Request{}
	for _, r := range reqs {
		got[r.URL.Path] = r
	}
	plain, signed := got["/hook/by-hand"], got["/hook/by-hand-signed"]
	if plain == nil || signed == nil {
		t.Fatalf("deliveries to %v", got)
	}
	if plain.Header.Get(gitlab.HeaderWebhookSignature) != "" || plain.Header.Get(gitlab.HeaderToken) != "hand-secret" {
		t.Errorf("hand-made hook without signing token sent %v", plain.Header)
	}
	if signed.Header.Get(gitlab.HeaderWebhookSignature) == "" {
		t.Errorf("hand-made hook with the derived signing token sent no signature: %v", signed.Header)
	}
	for _, r := range []*http.Request{plain, signed} {
		if ev := serveDelivery(t, r, "hand-secret"); ev == nil || ev.Action != vcs.ActionClosed || ev.Number != s.mr {
			t.Errorf("%s: event %+v", r.URL, ev)
		}
	}
	body, _ := io.ReadAll(plain.Body)
	if err := gitlab.NewParser().Verify(plain.Header, body, "other-secret"); !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("a wrong secret against X-Gitlab-Token: %v", err)
	}
}

// TestWebhookURLBlocked: GitLab refuses webhook URLs in its local network
// by default; the error says where an administrator allows them.
func TestWebhookURLBlocked(t *testing.T) {
	s := newSeeded(t, gitlabtest.BlockLocalWebhooks())
	p := s.provider(t, s.tok)
	_, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: "http://10.1.2.3/hook", Secret: "s"})
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrConflict) || !errors.As(err, &ve) || !strings.Contains(ve.Message, "url is blocked: Requests to the local network are not allowed") ||
		!strings.Contains(ve.Hint, "Outbound requests") {
		t.Errorf("CreateWebhook to a private address = %v", err)
	}
	if _, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "s"}); err != nil {
		t.Errorf("CreateWebhook to a public address: %v", err)
	}
}

// TestWritesSendJSONBodies: notes and hooks are written with JSON bodies
// (never the query string, which would put a secret in access logs), with
// every hook setting stated explicitly.
func TestWritesSendJSONBodies(t *testing.T) {
	s := newSeeded(t)
	rec := &recorder{next: s.srv.Client().Transport}
	cfg := s.srv.Config(s.tok)
	cfg.HTTPClient = &http.Client{Transport: rec}
	p := open(t, cfg)
	c, err := p.CreateComment(testCtx(t), s.repo, s.mr, "hello")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateComment(testCtx(t), s.repo, s.mr, c.ID, "hello again"); err != nil {
		t.Fatal(err)
	}
	h, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: hookURL, Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateWebhook(testCtx(t), s.repo, h.ID, vcs.WebhookOptions{URL: hookURL + "/v2", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	signing := gitlab.SigningToken("s3cret")
	hook := func(url string) string {
		return `{"url":"` + url + `","token":"s3cret","signing_token":"` + signing +
			`","merge_requests_events":true,"push_events":false,"tag_push_events":false,"enable_ssl_verification":true}`
	}
	const project = "/api/v4/projects/acme%2Fplatform%2Fdb-migrations"
	want := []string{
		"POST " + project + "/merge_requests/1/notes application/json " + `{"body":"hello"}`,
		"PUT " + project + "/merge_requests/1/notes/" + c.ID + " application/json " + `{"body":"hello again"}`,
		"POST " + project + "/hooks application/json " + hook(hookURL),
		"PUT " + project + "/hooks/" + h.ID + " application/json " + hook(hookURL+"/v2"),
	}
	if len(rec.writes) != len(want) {
		t.Fatalf("writes:\n%s", strings.Join(rec.writes, "\n"))
	}
	for i := range want {
		if strings.TrimSpace(rec.writes[i]) != want[i] {
			t.Errorf("write %d:\n got %s\nwant %s", i, rec.writes[i], want[i])
		}
	}
}
