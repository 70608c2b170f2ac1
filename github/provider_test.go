package github_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestParseInstanceURL(t *testing.T) {
	for _, tc := range []struct{ in, api, web string }{
		{"", "https://api.github.com/", "https://github.com/"},
		{"https://github.com", "https://api.github.com/", "https://github.com/"},
		{"https://github.com/", "https://api.github.com/", "https://github.com/"},
		{"https://GitHub.com", "https://api.github.com/", "https://github.com/"},
		{"https://www.github.com", "https://api.github.com/", "https://github.com/"},
		{"http://github.com", "https://api.github.com/", "https://github.com/"},
		{"https://api.github.com", "https://api.github.com/", "https://github.com/"},
		{"  https://github.com  ", "https://api.github.com/", "https://github.com/"},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"https://GHE.Example.com/", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"http://ghe.internal:8080", "http://ghe.internal:8080/api/v3/", "http://ghe.internal:8080/"},
		{"https://10.0.0.7", "https://10.0.0.7/api/v3/", "https://10.0.0.7/"},
		{"https://acme.ghe.com", "https://api.acme.ghe.com/", "https://acme.ghe.com/"},
		{"https://acme.ghe.com/", "https://api.acme.ghe.com/", "https://acme.ghe.com/"},
		{"https://api.acme.ghe.com", "https://api.acme.ghe.com/", "https://acme.ghe.com/"},
	} {
		api, web, err := github.ParseInstanceURL(tc.in)
		if err != nil || api.String() != tc.api || web.String() != tc.web {
			t.Errorf("ParseInstanceURL(%q) = %v, %v, %v; want %s, %s", tc.in, api, web, err, tc.api, tc.web)
		}
	}
	for _, bad := range []string{
		"github.com",                       // no scheme
		"ftp://github.com",                 // wrong scheme
		"https://",                         // no host
		"https://github.com/octo",          // a pasted owner URL
		"https://github.com/api/v3",        // GitHub.com has no /api/v3
		"https://.ghe.com",                 // no tenant
		"https://a.b.ghe.com",              // not a tenant
		"https://acme.ghe.com/octo/repo",   // a pasted repository URL
		"https://ghe.example.com/octo",     // GHES is served at the root
		"https://ghe.example.com/octo/app", // a pasted repository URL
		"https://ghe.example.com/api/v4",
		"https://user:pw@ghe.example.com", // credentials
		"https://ghe.example.com/?x=1",    // query
		"https://ghe.example.com/#top",    // fragment
		"://nonsense",
	} {
		if _, _, err := github.ParseInstanceURL(bad); !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("ParseInstanceURL(%q) error = %v, want ErrInvalidConfig", bad, err)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("ParseInstanceURL(%q) error repeats the credentials: %v", bad, err)
		}
	}
}

func TestParseExpiry(t *testing.T) {
	want := time.Date(2026, 12, 1, 8, 15, 54, 0, time.UTC)
	for _, v := range []string{"2026-12-01 08:15:54 UTC", "2026-12-01 00:15:54 -0800", "2026-12-01 09:15:54 +0100", "2026-12-01T08:15:54Z", " 2026-12-01 08:15:54 UTC"} {
		if got, ok := github.ParseExpiry(v); !ok || !got.Equal(want) {
			t.Errorf("parseExpiry(%q) = %v, %t; want %v", v, got, ok, want)
		}
	}
	// An abbreviation Go cannot place would be read as UTC: refuse it.
	for _, v := range []string{"", "2026-12-01 08:15:54 PST", "soon", "2026-12-01"} {
		if got, ok := github.ParseExpiry(v); ok {
			t.Errorf("parseExpiry(%q) = %v, want no expiry", v, got)
		}
	}
}

func seeded(t *testing.T, scopes ...string) (*githubtest.Server, vcs.Provider, string) {
	t.Helper()
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{
		"a/1.sql": "1", "a/b/2.sql": "2", "a/b/c/3.sql": "3", "a/b/c/d/4.sql": "4", "z.md": "z",
	}, Public: true}); err != nil {
		t.Fatal(err)
	}
	srv.Grant("octo/app", "bot", vcstest.RoleAdmin)
	if len(scopes) == 0 {
		scopes = []string{"repo", "admin:repo_hook"}
	}
	tok := srv.AddToken(githubtest.Token{User: "bot", Scopes: scopes})
	p, err := github.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	return srv, p, tok
}

func TestListDirectoryWalksTruncatedTrees(t *testing.T) {
	srv, p, _ := seeded(t)
	want, err := p.ListDirectory(context.Background(), "octo/app", "", "", true)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetTreeLimit(3) // GitHub truncates recursive trees past its limit
	got, err := p.ListDirectory(context.Background(), "octo/app", "", "", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(want) != 9 {
		t.Fatalf("truncated tree walked to %d entries, want %d (= 9)", len(got), len(want))
	}
	seen := map[string]bool{}
	for _, e := range got {
		seen[e.Path] = true
	}
	for _, e := range want {
		if !seen[e.Path] {
			t.Errorf("walk missed %s", e.Path)
		}
	}
	_, err = p.ListDirectory(context.Background(), "octo/app", "z.md", "", false)
	if !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("ListDirectory of a file = %v, want ErrInvalidArgument", err)
	}
	_, err = p.ReadFile(context.Background(), "octo/app", "a/b", "")
	if !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("ReadFile of a directory = %v, want ErrInvalidArgument", err)
	}
}

func TestRetriesSafeRequestsOnly(t *testing.T) {
	srv, p, _ := seeded(t)
	ctx := context.Background()
	srv.FailNext(1, http.StatusTooManyRequests, 0)
	srv.FailNext(1, http.StatusBadGateway, 0)
	if _, err := p.GetRepository(ctx, "octo/app"); err != nil {
		t.Fatalf("GET after a 429 and a 502: %v", err)
	}
	if _, _, err := srv.Push("octo/app", "f", map[string]*string{"x.sql": new(string)}); err != nil {
		t.Fatal(err)
	}
	n, _, err := srv.OpenPullRequest("octo/app", vcstest.PullRequestOptions{Source: "f", Title: "t", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, http.StatusBadGateway, 0)
	_, err = p.CreateComment(ctx, "octo/app", n, "hello")
	if !errors.Is(err, vcs.ErrUnavailable) {
		t.Fatalf("POST answered 502: %v, want ErrUnavailable", err)
	}
	// The POST was not repeated: had it been, the comment would exist.
	if bodies, _ := srv.Comments("octo/app", n); len(bodies) != 0 {
		t.Errorf("a failed POST was retried: %q", bodies)
	}
	// A rate limit longer than the context allows is returned, not waited.
	srv.FailNext(1, http.StatusTooManyRequests, time.Hour)
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = p.GetRepository(ctx2, "octo/app")
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrRateLimited) || !errors.As(err, &ve) || ve.RetryAfter != time.Hour {
		t.Errorf("long rate limit = %v, want ErrRateLimited with RetryAfter 1h", err)
	}
}

func TestExpiredTokenError(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"x": "y"}}); err != nil {
		t.Fatal(err)
	}
	srv.Grant("octo/app", "bot", vcstest.RoleAdmin)
	tok := srv.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo"}, ExpiresAt: srv.Now().Add(30 * time.Minute)})
	p, err := github.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.CheckAccess(context.Background(), "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExpiresAt == nil || len(rep.Notes) == 0 {
		t.Errorf("report of an expiring token lacks expiry or a note: %+v", rep)
	}
	srv.Advance(time.Hour)
	_, err = p.GetRepository(context.Background(), "octo/app")
	if !errors.Is(err, vcs.ErrTokenExpired) || !errors.Is(err, vcs.ErrUnauthorized) {
		t.Fatalf("after expiry: %v, want ErrTokenExpired", err)
	}
	if msg := err.Error(); strings.Contains(msg, tok) || !strings.Contains(msg, "new one") {
		t.Errorf("expired error text %q: contains the token or no remediation", msg)
	}
	// A rotated token works and clears the old expiry.
	fresh := srv.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo"}})
	if err := p.SetToken(fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetRepository(context.Background(), "octo/app"); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
}

func TestClassicScopeRemediation(t *testing.T) {
	_, p, _ := seeded(t, "public_repo")
	rep, err := p.CheckAccess(context.Background(), "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "admin:repo_hook") || !strings.Contains(hook.Remediation, "settings/tokens") {
		t.Errorf("webhook check = %+v, want missing with admin:repo_hook remediation", hook)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
		t.Errorf("public_repo on a public repository should read and comment:\n%s", rep)
	}
	_, err = p.CreateWebhook(context.Background(), "octo/app", vcs.WebhookOptions{URL: "https://example.test/h", Secret: "s"})
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "admin:repo_hook") {
		t.Errorf("CreateWebhook without the scope = %v; want ErrPermissionDenied naming admin:repo_hook", err)
	}
}

func TestNotAdminRemediation(t *testing.T) {
	srv, _, _ := seeded(t)
	srv.Grant("octo/app", "helper", vcstest.RoleWrite)
	tok := srv.AddToken(githubtest.Token{User: "helper", Scopes: []string{"repo", "admin:repo_hook"}})
	p, err := github.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.CheckAccess(context.Background(), "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermCreateWebhook); c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "admin") {
		t.Errorf("non-admin webhook check = %+v", c)
	}
}

// recorder passes requests to the fake and keeps what they carried.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Clone(req.Context()))
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// Every request carries the API version and the token, and go-github adds
// no Authorization of its own: the token goes to the API host only.
func TestRequestHeaders(t *testing.T) {
	srv, _, tok := seeded(t)
	rec := &recorder{next: srv.Client().Transport}
	cfg := srv.Config(tok)
	cfg.HTTPClient = &http.Client{Transport: rec}
	p, err := github.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CheckAccess(ctx, "octo/app"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.ReadFile(ctx, "octo/app", "z.md", ""); err != nil {
		t.Fatal(err)
	}
	// An absolute URL elsewhere, through the exposed go-github client.
	req, _ := p.Client().NewRequest(ctx, http.MethodGet, "https://objects.example.test/blob", nil)
	_, _ = p.Client().BareDo(req)
	if len(rec.seen) < 6 {
		t.Fatalf("%d requests recorded", len(rec.seen))
	}
	for _, r := range rec.seen {
		if got := r.Header.Get("X-GitHub-Api-Version"); got != github.APIVersion {
			t.Errorf("%s %s: X-GitHub-Api-Version %q, want %s", r.Method, r.URL, got, github.APIVersion)
		}
		auth := r.Header.Get("Authorization")
		switch r.URL.Host {
		case "api.github.com":
			if auth != "Bearer "+tok {
				t.Errorf("%s %s: Authorization %q", r.Method, r.URL, auth)
			}
		default:
			if auth != "" {
				t.Errorf("%s %s (not the API host) got Authorization %q", r.Method, r.URL, auth)
			}
		}
	}
}

// A POST is never sent twice, whatever GitHub answers: a retried create
// could post a second comment or webhook.
func TestPOSTNeverRetried(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv, p, _ := seeded(t)
			n := openPullRequest(t, srv, "octo/app", "f", map[string]*string{"x.sql": str("x")})
			for _, post := range []struct {
				path string
				call func() error
			}{
				{"repos/octo/app/issues/" + strconv.Itoa(n) + "/comments", func() error {
					_, err := p.CreateComment(ctx, "octo/app", n, "hello")
					return err
				}},
				{"repos/octo/app/hooks", func() error {
					_, err := p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://example.test/h", Secret: "s"})
					return err
				}},
			} {
				srv.FailRequest(http.MethodPost, post.path, status)
				if status == http.StatusTooManyRequests {
					srv.FailRequest(http.MethodPost, post.path, status) // would answer a retry
				}
				before := len(srv.RequestLog())
				if err := post.call(); err == nil {
					t.Fatalf("POST %s answered %d: no error", post.path, status)
				}
				if sent := len(srv.RequestLog()) - before; sent != 1 {
					t.Errorf("POST %s answered %d was sent %d times, want 1", post.path, status, sent)
				}
			}
			if bodies, _ := srv.Comments("octo/app", n); len(bodies) != 0 {
				t.Errorf("comments posted: %q", bodies)
			}
		})
	}
}

// go-github's own rate-limit pre-check is off: after GitHub's reset the
// next request is sent, and our retry policy alone decides on waits.
func TestPrimaryRateLimit(t *testing.T) {
	srv, p, _ := seeded(t)
	srv.SetRateLimit(1)
	if _, err := p.GetRepository(ctx, "octo/app"); err != nil {
		t.Fatal(err)
	}
	before := len(srv.RequestLog())
	_, err := p.GetRepository(ctx, "octo/app")
	ve := wantKind(t, "GetRepository with the limit used up", err, vcs.ErrRateLimited)
	if ve.RetryAfter < 50*time.Minute || ve.Hint == "" {
		t.Errorf("rate limit error = %+v, want RetryAfter until the reset (~1h) and a hint", ve)
	}
	if sent := len(srv.RequestLog()) - before; sent != 1 {
		t.Errorf("a wait longer than the retry policy allows was retried: %d requests", sent)
	}
	srv.Advance(time.Hour + time.Minute)
	if _, err := p.GetRepository(ctx, "octo/app"); err != nil {
		t.Errorf("after the reset: %v (did go-github refuse on its own?)", err)
	}
}

// SetToken forgets the old token's expiry: a 401 for the new token is not
// reported as an expired token.
func TestSetTokenClearsExpiry(t *testing.T) {
	srv, _, _ := seeded(t)
	expiring := srv.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo"}, ExpiresAt: srv.Now().Add(time.Hour)})
	p := open(t, srv, expiring)
	rep, err := p.CheckAccess(ctx, "octo/app")
	if err != nil || rep.ExpiresAt == nil {
		t.Fatalf("CheckAccess = %v, %v", rep, err)
	}
	srv.Advance(2 * time.Hour)
	_, err = p.GetRepository(ctx, "octo/app")
	wantKind(t, "after expiry", err, vcs.ErrTokenExpired)

	revoked := srv.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo"}})
	srv.RevokeToken(revoked)
	if err := p.SetToken(revoked); err != nil {
		t.Fatal(err)
	}
	_, err = p.GetRepository(ctx, "octo/app")
	wantKind(t, "revoked token", err, vcs.ErrUnauthorized)
	if errors.Is(err, vcs.ErrTokenExpired) {
		t.Errorf("the new token's 401 is blamed on the old token's expiry: %v", err)
	}
	if err := p.SetToken("has space"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("SetToken with white space = %v", err)
	}
}

// Bad arguments fail before any request is sent.
func TestInvalidArgumentsSendNothing(t *testing.T) {
	srv, p, _ := seeded(t)
	long := strings.Repeat("é", github.MaxCommentLength+1)
	atLimit := strings.Repeat("é", github.MaxCommentLength)
	before := len(srv.RequestLog())
	for what, err := range map[string]error{
		"comment over the limit": second(p.CreateComment(ctx, "octo/app", 1, long)),
		"edit over the limit":    second(p.UpdateComment(ctx, "octo/app", 1, "7", long)),
	} {
		wantKind(t, what, err, vcs.ErrTooLarge)
	}
	for what, err := range map[string]error{
		"empty repository":    second(p.GetRepository(ctx, "")),
		"repository path":     second(p.GetRepository(ctx, "a/b/c")),
		"repository query":    second(p.GetRepository(ctx, "a/b?x")),
		"empty file path":     second(p.ReadFile(ctx, "octo/app", "/", "")),
		"pull request 0":      second(p.GetPullRequest(ctx, "octo/app", 0)),
		"empty comment":       second(p.CreateComment(ctx, "octo/app", 1, "")),
		"comment ID":          second(p.UpdateComment(ctx, "octo/app", 1, "x", "b")),
		"webhook without URL": second(p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{Secret: "s"})),
		"webhook ID":          p.DeleteWebhook(ctx, "octo/app", "-3"),
	} {
		wantKind(t, what, err, vcs.ErrInvalidArgument)
	}
	if sent := len(srv.RequestLog()) - before; sent != 0 {
		t.Errorf("%d requests sent for bad arguments: %v", sent, srv.RequestLog()[before:])
	}
	// A comment of exactly MaxCommentLength characters is sent.
	n := openPullRequest(t, srv, "octo/app", "f", map[string]*string{"x.sql": str("x")})
	if _, err := p.CreateComment(ctx, "octo/app", n, atLimit); err != nil {
		t.Errorf("comment of %d characters: %v", github.MaxCommentLength, err)
	}
}

func second[T any](_ T, err error) error { return err }
