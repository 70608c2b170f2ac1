package vcs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/oauth2"

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

// nilParser parses every delivery to nothing, as a buggy parser might.
type nilParser struct{ stubParser }

func (nilParser) Parse(http.Header, []byte) (*vcs.Event, error) { return nil, nil }

func TestWebhookHandlerBodyLimits(t *testing.T) {
	var reasons []error
	h := &vcs.WebhookHandler{Parser: stubParser{}, Secret: "good", MaxBodyBytes: 2,
		OnEvent: func(context.Context, *vcs.Event) error { return nil },
		OnError: func(_ *http.Request, err error) { reasons = append(reasons, err) }}
	for _, tc := range []struct {
		name   string
		body   io.Reader
		length int64
		wrap   func(http.ResponseWriter, *http.Request) *http.Request
		want   int
	}{
		{"at the limit", strings.NewReader("{}"), 2, nil, 200},
		{"declared over the limit", strings.NewReader("{} "), 3, nil, 413},
		{"unknown length over the limit", strings.NewReader("{}  "), -1, nil, 413},
		{"unknown length within the limit", strings.NewReader("{}"), -1, nil, 200},
		{"server's own MaxBytesReader", strings.NewReader("{}"), -1, func(w http.ResponseWriter, r *http.Request) *http.Request {
			r.Body = http.MaxBytesReader(w, r.Body, 1)
			return r
		}, 413},
		{"body read fails", iotest.ErrReader(errors.New("connection reset")), -1, nil, 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reasons = nil
			r := httptest.NewRequest("POST", "/hook", tc.body)
			r.ContentLength = tc.length
			r.Header.Set("X-Secret", "good")
			rec := httptest.NewRecorder()
			if tc.wrap != nil {
				r = tc.wrap(rec, r)
			}
			h.ServeHTTP(rec, r)
			if rec.Code != tc.want {
				t.Errorf("status %d, want %d (%s)", rec.Code, tc.want, rec.Body)
			}
			if (tc.want != 200) != (len(reasons) == 1) {
				t.Errorf("OnError told %v", reasons)
			}
		})
	}
}

func TestWebhookHandlerMisconfigured(t *testing.T) {
	for name, h := range map[string]*vcs.WebhookHandler{
		"no parser":            {Secret: "good", OnEvent: func(context.Context, *vcs.Event) error { return nil }},
		"no callback":          {Parser: stubParser{}, Secret: "good"},
		"parser gives nothing": {Parser: nilParser{}, Secret: "good", OnEvent: func(context.Context, *vcs.Event) error { return nil }},
	} {
		r := httptest.NewRequest("POST", "/hook", strings.NewReader("{}"))
		r.Header.Set("X-Secret", "good")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == 200 {
			t.Errorf("%s: answered 200", name)
		}
	}
	h := vcs.NewWebhookHandler(stubParser{}, "good", nil)
	r := httptest.NewRequest("POST", "/hook", strings.NewReader("{}"))
	r.Header.Set("X-Secret", "good")
	ev, err := h.Read(r)
	if err != nil || ev.Kind != vcs.EventPing {
		t.Errorf("Read without OnEvent: %v, %v", ev, err)
	}
	if _, err := (&vcs.WebhookHandler{}).Read(r); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("Read without a parser: %v", err)
	}
	// No secret, unsigned deliveries explicitly allowed: accepted.
	h = &vcs.WebhookHandler{Parser: stubParser{}, AllowUnsigned: true}
	if _, err := h.Read(httptest.NewRequest("POST", "/hook", strings.NewReader("{}"))); err != nil {
		t.Errorf("AllowUnsigned without a secret: %v", err)
	}
}

func TestStatusForError(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want int
	}{
		{vcs.ErrTooLarge, 413},
		{vcs.ErrInvalidSignature, 401},
		{vcs.ErrMissingSignature, 401},
		{vcs.Errorf("github", "Parse", vcs.ErrInvalidPayload, "x"), 400},
		{vcs.ErrInvalidArgument, 400},
		{vcs.ErrInvalidConfig, 500},
		{errors.New("other"), 500},
	} {
		if got := vcs.StatusForError(tc.err); got != tc.want {
			t.Errorf("StatusForError(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	for _, tc := range []struct {
		err  *vcs.Error
		want string
	}{
		{&vcs.Error{}, "error"},
		{vcs.Errorf("gitlab", "ReadFile", vcs.ErrNotFound, "file %q", "a.sql"), `gitlab: ReadFile: not found: file "a.sql"`},
		{&vcs.Error{Provider: "github", Op: "ListRepositories", Kind: vcs.ErrRateLimited, StatusCode: 429, RetryAfter: 1500 * time.Millisecond,
			Hint: "wait", Err: errors.New("EOF")}, "github: ListRepositories: rate limited (HTTP 429): EOF; retry after 2s; wait"},
	} {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
	if errors.Is(&vcs.Error{}, vcs.ErrNotFound) {
		t.Error("an Error without Kind matches a sentinel")
	}
}

func TestRegistry(t *testing.T) {
	if ks := vcs.Kinds(); !slices.Contains(ks, vcs.KindGitHub) || !slices.IsSorted(ks) {
		t.Errorf("Kinds() = %v", ks)
	}
	for name, f := range map[string]func(){
		"twice":      func() { vcs.Register(vcs.KindGitHub, stubDriver{}) },
		"empty kind": func() { vcs.Register("", stubDriver{}) },
		"nil driver": func() { vcs.Register("x-nil", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			f()
		}()
	}
	registerStub.Do(func() { vcs.Register("x-stub", stubDriver{}) }) // once per process (-count=N)
	if p, err := vcs.Open(vcs.Config{Kind: "x-stub", Token: "t"}); err != nil || p != nil {
		t.Errorf("Open(x-stub) = %v, %v", p, err)
	}
	if _, err := vcs.Open(vcs.Config{Kind: "x-stub"}); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("Open validates the config first: %v", err)
	}
	if wp, err := vcs.NewWebhookParser("x-stub"); err != nil || wp == nil {
		t.Errorf("NewWebhookParser(x-stub) = %v, %v", wp, err)
	}
}

var registerStub sync.Once

type stubDriver struct{}

func (stubDriver) Open(vcs.Config) (vcs.Provider, error) { return nil, nil }
func (stubDriver) WebhookParser() vcs.WebhookParser      { return stubParser{} }

func TestConfigPrinting(t *testing.T) {
	for _, tc := range []struct {
		c    vcs.Config
		want string
	}{
		{vcs.Config{Kind: "gitlab", URL: "https://git.example/gitlab", Token: "glpat-secret", CABundle: "x"},
			`vcs.Config{Kind: "gitlab", URL: "https://git.example/gitlab", Username: "", Token: [REDACTED], CABundle: true}`},
		{vcs.Config{Kind: "bitbucket", Username: "a@b.example", TokenSource: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "secret"})},
			`vcs.Config{Kind: "bitbucket", URL: "", Username: "a@b.example", Token: token source, CABundle: false}`},
		{vcs.Config{Kind: "github"}, `vcs.Config{Kind: "github", URL: "", Username: "", Token: none, CABundle: false}`},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("String() = %s\nwant       %s", got, tc.want)
		}
		if got := fmt.Sprintf("%v %+v %#v", tc.c, tc.c, tc.c); strings.Contains(got, "secret") {
			t.Errorf("formatting printed the token: %s", got)
		}
	}
	// URLs with credentials are never repeated in errors, parseable or not.
	for _, u := range []string{"ftp://user:pw@x.example", "https://user:pw@x.example:bad/"} {
		err := vcs.Config{Kind: "github", Token: "t", URL: u}.Validate()
		if err == nil || strings.Contains(err.Error(), "pw") {
			t.Errorf("URL %q: %v", u, err)
		}
	}
	at := time.Unix(42, 0)
	if got := (&vcs.Config{Clock: func() time.Time { return at }}).Now(); !got.Equal(at) {
		t.Errorf("Now() = %v", got)
	}
	if d := time.Since((&vcs.Config{}).Now()); d < 0 || d > time.Minute {
		t.Errorf("Now() without a clock is %v off", d)
	}
}

func TestAccessReportString(t *testing.T) {
	exp := time.Date(2026, 12, 1, 8, 15, 54, 0, time.UTC)
	r := &vcs.AccessReport{Provider: "github", APIURL: "https://api.github.com/", User: "bot", TokenKind: "classic personal access token",
		Scopes: []string{"repo", "admin:repo_hook"}, ExpiresAt: &exp, Notes: []string{"expires in 6 days"},
		Checks: []vcs.PermissionCheck{
			{Permission: vcs.PermReadRepository, Grant: vcs.Granted, Detail: "scope repo"},
			{Permission: vcs.PermCreateWebhook, Grant: vcs.Granted},
			{Permission: vcs.PermWriteComment, Grant: vcs.Granted},
		}}
	if !r.OK() || len(r.Missing()) != 0 {
		t.Errorf("OK() %t, Missing() %v", r.OK(), r.Missing())
	}
	want := `github https://api.github.com/ as "bot" (classic personal access token)
  scopes: repo, admin:repo_hook
  expires: 2026-12-01T08:15:54Z
  read_repository  granted  scope repo
  create_webhook   granted 
  write_comment    granted 
  note: expires in 6 days
`
	if got := r.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	if !(&vcs.PullRequest{State: vcs.PullRequestMerged}).Merged() || (&vcs.PullRequest{State: vcs.PullRequestClosed}).Merged() {
		t.Error("PullRequest.Merged")
	}
}
