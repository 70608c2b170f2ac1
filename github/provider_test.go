package github_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
)

func TestParseInstanceURL(t *testing.T) {
	for _, tc := range []struct{ in, api, web string }{
		{"", "https://api.github.com/", "https://github.com/"},
		{"https://github.com", "https://api.github.com/", "https://github.com/"},
		{"https://github.com/", "https://api.github.com/", "https://github.com/"},
		{"https://api.github.com", "https://api.github.com/", "https://github.com/"},
		{"https://ghe.example.com", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3/", "https://ghe.example.com/"},
		{"http://ghe.internal:8080", "http://ghe.internal:8080/api/v3/", "http://ghe.internal:8080/"},
		{"https://acme.ghe.com", "https://api.acme.ghe.com/", "https://acme.ghe.com/"},
		{"https://api.acme.ghe.com", "https://api.acme.ghe.com/", "https://acme.ghe.com/"},
	} {
		api, web, err := github.ParseInstanceURL(tc.in)
		if err != nil || api.String() != tc.api || web.String() != tc.web {
			t.Errorf("ParseInstanceURL(%q) = %v, %v, %v; want %s, %s", tc.in, api, web, err, tc.api, tc.web)
		}
	}
	for _, bad := range []string{"github.com", "ftp://github.com", "https://github.com/octo", "https://.ghe.com"} {
		if _, _, err := github.ParseInstanceURL(bad); !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("ParseInstanceURL(%q) error = %v, want ErrInvalidConfig", bad, err)
		}
	}
}

func seeded(t *testing.T, scopes ...string) (*githubtest.Server, vcs.Provider, string) {
	t.Helper()
	srv := githubtest.New()
	if err := srv.CreateRepo("octo/app", false, map[string]string{
		"a/1.sql": "1", "a/b/2.sql": "2", "a/b/c/3.sql": "3", "a/b/c/d/4.sql": "4", "z.md": "z",
	}); err != nil {
		t.Fatal(err)
	}
	srv.SetRole("octo/app", "bot", githubtest.RoleAdmin)
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
	srv.FailNext(http.StatusTooManyRequests, 0)
	srv.FailNext(http.StatusBadGateway, 0)
	if _, err := p.GetRepository(ctx, "octo/app"); err != nil {
		t.Fatalf("GET after a 429 and a 502: %v", err)
	}
	if _, err := srv.CommitFiles("octo/app", "f", map[string]*string{"x.sql": new(string)}); err != nil {
		t.Fatal(err)
	}
	n, err := srv.OpenPullRequest("octo/app", "f", "", "t", "alice")
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(http.StatusBadGateway, 0)
	_, err = p.CreateComment(ctx, "octo/app", n, "hello")
	if !errors.Is(err, vcs.ErrUnavailable) {
		t.Fatalf("POST answered 502: %v, want ErrUnavailable", err)
	}
	// The POST was not repeated: had it been, the comment would exist.
	if bodies, _ := srv.Comments("octo/app", n); len(bodies) != 0 {
		t.Errorf("a failed POST was retried: %q", bodies)
	}
	// A rate limit longer than the context allows is returned, not waited.
	srv.FailNext(http.StatusTooManyRequests, time.Hour)
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
	if err := srv.CreateRepo("octo/app", true, map[string]string{"x": "y"}); err != nil {
		t.Fatal(err)
	}
	srv.SetRole("octo/app", "bot", githubtest.RoleAdmin)
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
	srv.SetRole("octo/app", "helper", githubtest.RoleWrite)
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
