package github_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const testSecret = "It's a Secret to Everybody"

func signedRequest(t *testing.T, event string, body []byte, secret string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(github.HeaderEvent, event)
	r.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	if secret != "" {
		r.Header.Set(github.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
	}
	return r
}

func TestParseFixtures(t *testing.T) {
	vcstest.RunWebhookFixtures(t, github.NewParser(), "testdata", vcs.KindGitHub,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			r.Header.Set(github.HeaderEvent, fx.EventHeader)
			r.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			r.Header.Set(github.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
		})
}

func TestClosedUnmergedIsNotMerged(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-closed-unmerged.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.NewParser().Parse(signedRequest(t, "pull_request", body, "").Header, body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Merged || ev.Action != vcs.ActionClosed || ev.MergeCommitSHA != "" {
		t.Errorf("closed unmerged pull request parsed as %+v", ev)
	}
}

func TestWebhookRejections(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-opened.json")
	if err != nil {
		t.Fatal(err)
	}
	ok := func(context.Context, *vcs.Event) error { return nil }
	serve := func(h http.Handler, r *http.Request) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	h := vcs.NewWebhookHandler(github.NewParser(), testSecret, ok)
	if code := serve(h, signedRequest(t, "pull_request", body, "")); code != http.StatusUnauthorized {
		t.Errorf("unsigned delivery: %d, want 401", code)
	}
	if code := serve(h, signedRequest(t, "pull_request", body, "wrong")); code != http.StatusUnauthorized {
		t.Errorf("wrongly signed delivery: %d, want 401", code)
	}
	tampered := signedRequest(t, "pull_request", body, testSecret)
	tampered.Body = http.NoBody
	if code := serve(h, tampered); code != http.StatusUnauthorized {
		t.Errorf("tampered delivery: %d, want 401", code)
	}
	if code := serve(h, signedRequest(t, "pull_request", []byte("not json"), testSecret)); code != http.StatusBadRequest {
		t.Errorf("signed garbage: %d, want 400", code)
	}
	small := &vcs.WebhookHandler{Parser: github.NewParser(), Secret: testSecret, OnEvent: ok, MaxBodyBytes: 100}
	if code := serve(small, signedRequest(t, "pull_request", body, testSecret)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized delivery: %d, want 413", code)
	}
	unsigned := &vcs.WebhookHandler{Parser: github.NewParser(), OnEvent: ok, AllowUnsigned: true}
	if code := serve(unsigned, signedRequest(t, "pull_request", body, "")); code != http.StatusOK {
		t.Errorf("unsigned delivery with AllowUnsigned: %d, want 200", code)
	}
	err = github.NewParser().Verify(signedRequest(t, "pull_request", body, "").Header, body, testSecret)
	if !errors.Is(err, vcs.ErrMissingSignature) || !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("Verify of an unsigned delivery = %v, want ErrMissingSignature", err)
	}
}

func TestUnmodelledEvents(t *testing.T) {
	p := github.NewParser()
	body := []byte(`{"action":"labeled","number":7,"pull_request":{"number":7,"merged":false,"head":{"ref":"x","sha":"abc"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"}}`)
	ev, err := p.Parse(signedRequest(t, "pull_request", body, "").Header, body)
	if err != nil || ev.Kind != vcs.EventPullRequest || ev.Action != vcs.ActionOther || ev.HostAction != "labeled" {
		t.Errorf("labeled = %+v, %v; want pull_request/other", ev, err)
	}
	body = []byte(`{"action":"submitted","review":{},"repository":{"full_name":"o/r"}}`)
	ev, err = p.Parse(signedRequest(t, "pull_request_review", body, "").Header, body)
	if err != nil || ev.Kind != vcs.EventOther || ev.HostEvent != "pull_request_review" || ev.Repository != "o/r" {
		t.Errorf("review = %+v, %v; want other", ev, err)
	}
	body = []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"x","sha":"abc"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"}}`)
	if ev, err = p.Parse(signedRequest(t, "pull_request", body, "").Header, body); err != nil || ev.Action != vcs.ActionUpdated {
		t.Errorf("synchronize = %+v, %v", ev, err)
	}
}
