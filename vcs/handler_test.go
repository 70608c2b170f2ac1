package vcs_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/gitprovider/gitprovider/github" // a registered kind for the registry tests
	"github.com/gitprovider/gitprovider/vcs"
)

// stubParser accepts the secret "good" in X-Secret and parses "{}" bodies.
type stubParser struct{}

func (stubParser) Verify(h http.Header, _ []byte, secret string) error {
	switch h.Get("X-Secret") {
	case "":
		return vcs.Errorf("", "Verify", vcs.ErrMissingSignature, "unsigned")
	case secret:
		return nil
	}
	return vcs.Errorf("", "Verify", vcs.ErrInvalidSignature, "mismatch")
}

func (stubParser) Parse(_ http.Header, body []byte) (*vcs.Event, error) {
	if string(body) != "{}" {
		return nil, vcs.Errorf("", "Parse", vcs.ErrInvalidPayload, "bad body")
	}
	return &vcs.Event{Kind: vcs.EventPing}, nil
}

func TestWebhookHandlerStatusCodes(t *testing.T) {
	var calls int
	onEvent := func(context.Context, *vcs.Event) error { calls++; return nil }
	failing := func(context.Context, *vcs.Event) error { return errors.New("db down at 10.0.0.7") }
	for _, tc := range []struct {
		name   string
		h      *vcs.WebhookHandler
		method string
		secret string
		body   string
		want   int
		called bool
	}{
		{"ok", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent}, "POST", "good", "{}", 200, true},
		{"wrong secret", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent}, "POST", "bad", "{}", 401, false},
		{"unsigned", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent}, "POST", "", "{}", 401, false},
		{"unsigned allowed", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", AllowUnsigned: true, OnEvent: onEvent}, "POST", "", "{}", 200, true},
		{"wrong secret despite allow unsigned", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", AllowUnsigned: true, OnEvent: onEvent}, "POST", "bad", "{}", 401, false},
		{"no secret configured", &vcs.WebhookHandler{Parser: stubParser{}, OnEvent: onEvent}, "POST", "good", "{}", 401, false},
		{"bad payload", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent}, "POST", "good", "nope", 400, false},
		{"too large", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent, MaxBodyBytes: 1}, "POST", "good", "{}", 413, false},
		{"GET", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: onEvent}, "GET", "good", "", 405, false},
		{"callback fails", &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", OnEvent: failing}, "POST", "good", "{}", 500, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = 0
			r := httptest.NewRequest(tc.method, "/hook", strings.NewReader(tc.body))
			if tc.secret != "" {
				r.Header.Set("X-Secret", tc.secret)
			}
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, r)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			if (calls == 1) != tc.called {
				t.Errorf("OnEvent called %d times, want called=%t", calls, tc.called)
			}
			if strings.Contains(rec.Body.String(), "good") || strings.Contains(rec.Body.String(), "10.0.0.7") {
				t.Error("answer contains the secret or the server's own error")
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := vcs.Config{Kind: "github", Token: "tok-123456"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range map[string]vcs.Config{
		"no kind":       {Token: "t"},
		"no token":      {Kind: "github"},
		"token spaces":  {Kind: "github", Token: "ab cd"},
		"token newline": {Kind: "github", Token: "abcd\n"},
		"bad scheme":    {Kind: "github", Token: "t", URL: "ftp://x"},
		"no host":       {Kind: "github", Token: "t", URL: "https://"},
		"credentials":   {Kind: "github", Token: "t", URL: "https://user:pw@x.example"},
		"query":         {Kind: "github", Token: "t", URL: "https://x.example/?a=b"},
		"bad CA bundle": {Kind: "github", Token: "t", CABundle: "not pem"},
	} {
		err := c.Validate()
		if !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("%s: %v, want ErrInvalidConfig", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: error repeats URL credentials: %v", name, err)
		}
	}
	secret := vcs.Config{Kind: "github", Token: "ghp_supersecret"}
	for _, s := range []string{secret.String(), secret.GoString()} {
		if strings.Contains(s, "supersecret") {
			t.Errorf("config printed its token: %s", s)
		}
	}
}

func TestOpenUnknownKindListsKnown(t *testing.T) {
	_, err := vcs.Open(vcs.Config{Kind: "gitea", Token: "t"})
	if !errors.Is(err, vcs.ErrInvalidConfig) || !strings.Contains(err.Error(), `"github"`) {
		t.Errorf("unknown kind: %v; want ErrInvalidConfig listing \"github\"", err)
	}
	if _, err := vcs.NewWebhookParser("gitea"); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("NewWebhookParser(unknown) = %v", err)
	}
}

func TestErrorMatching(t *testing.T) {
	err := &vcs.Error{Provider: "github", Op: "GetRepository", Kind: vcs.ErrTokenExpired, StatusCode: 401, Hint: "renew it", RequestID: "R1"}
	if !errors.Is(err, vcs.ErrTokenExpired) || !errors.Is(err, vcs.ErrUnauthorized) || errors.Is(err, vcs.ErrNotFound) {
		t.Error("ErrTokenExpired must match itself and ErrUnauthorized only")
	}
	if got := err.Error(); got != "github: GetRepository: token expired (HTTP 401); renew it [request R1]" {
		t.Errorf("Error() = %q", got)
	}
	wrapped := &vcs.Error{Kind: vcs.ErrUnavailable, Err: context.DeadlineExceeded}
	if !errors.Is(wrapped, context.DeadlineExceeded) {
		t.Error("the underlying error must match too")
	}
}

func TestAccessReport(t *testing.T) {
	r := &vcs.AccessReport{Provider: "github", User: "bot", Checks: []vcs.PermissionCheck{
		{Permission: vcs.PermReadRepository, Grant: vcs.Granted},
		{Permission: vcs.PermCreateWebhook, Grant: vcs.Missing, Remediation: "add admin:repo_hook"},
	}}
	if r.OK() {
		t.Error("OK() with a missing and an unreported permission")
	}
	missing := r.Missing()
	if len(missing) != 2 || missing[0].Permission != vcs.PermCreateWebhook || missing[1].Grant != vcs.Unknown {
		t.Errorf("Missing() = %+v", missing)
	}
	if s := r.String(); !strings.Contains(s, "add admin:repo_hook") {
		t.Errorf("String() = %q", s)
	}
}

func TestConfigFor(t *testing.T) {
	c, err := vcs.Config{Token: "t"}.For(vcs.KindGitLab)
	if err != nil || c.Kind != vcs.KindGitLab {
		t.Errorf("empty kind: %v, %v", c.Kind, err)
	}
	if _, err := (vcs.Config{Kind: vcs.KindGitHub, Token: "t"}).For(vcs.KindGitLab); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("another kind: %v", err)
	}
	if _, err := (vcs.Config{}).For(vcs.KindGitLab); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("no token: %v", err)
	}
}

func TestArgumentChecks(t *testing.T) {
	if err := vcs.CheckPullRequestNumber("x", "Op", 0); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("number 0: %v", err)
	}
	if err := vcs.CheckCommentBody("x", "Op", " \n", 10); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("blank body: %v", err)
	}
	if err := vcs.CheckCommentBody("x", "Op", strings.Repeat("é", 11), 10); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("11 characters over 10: %v", err)
	}
	if err := vcs.CheckCommentBody("x", "Op", strings.Repeat("é", 10), 10); err != nil {
		t.Errorf("10 two-byte characters count as 10: %v", err)
	}
}
