package github_test

import (
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

var fullFineGrained = map[string]string{"contents": "read", "pull_requests": "write", "webhooks": "write"}

func TestCheckAccessFineGrained(t *testing.T) {
	srv, _, _ := seeded(t)
	tok := srv.AddToken(githubtest.Token{User: "bot", FineGrained: true, Permissions: fullFineGrained})
	rep, err := open(t, srv, tok).CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if rep.TokenKind != github.TokenKindFineGrained || rep.Scopes != nil || !rep.OK() {
		t.Fatalf("fine-grained full token:\n%s", rep)
	}
	for _, c := range rep.Checks {
		if !has(c.Detail, "probed") {
			t.Errorf("%s: Detail %q does not say the verdict was probed", c.Permission, c.Detail)
		}
	}
	// The probes changed nothing.
	if hooks, _ := srv.Webhooks("octo/app"); len(hooks) != 0 {
		t.Errorf("probing created webhooks: %+v", hooks)
	}
}

func TestCheckAccessFineGrainedMissing(t *testing.T) {
	srv, _, _ := seeded(t)
	tok := srv.AddToken(githubtest.Token{User: "bot", FineGrained: true, Permissions: map[string]string{"contents": "read", "pull_requests": "read"}})
	rep, err := open(t, srv, tok).CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermReadRepository); c.Grant != vcs.Granted {
		t.Errorf("read = %+v", c)
	}
	for _, p := range []vcs.Permission{vcs.PermCreateWebhook, vcs.PermWriteComment} {
		c := rep.Check(p)
		if c.Grant != vcs.Missing || !has(c.Remediation, "settings/tokens") || !has(c.Detail, "403") {
			t.Errorf("%s = %+v, want missing (probe answered 403) with the token settings link", p, c)
		}
	}
	if !has(rep.Check(vcs.PermCreateWebhook).Remediation, "Webhooks: Read and write") {
		t.Errorf("webhook remediation does not name the permission: %q", rep.Check(vcs.PermCreateWebhook).Remediation)
	}
}

func TestCheckAccessFineGrainedNotAdmin(t *testing.T) {
	srv, _, _ := seeded(t)
	srv.Grant("octo/app", "helper", vcstest.RoleWrite)
	tok := srv.AddToken(githubtest.Token{User: "helper", FineGrained: true, Permissions: fullFineGrained})
	rep, err := open(t, srv, tok).CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermCreateWebhook); c.Grant != vcs.Missing || !has(c.Remediation, "admin") {
		t.Errorf("webhook check of a non-admin = %+v", c)
	}
	if c := rep.Check(vcs.PermWriteComment); c.Grant != vcs.Granted {
		t.Errorf("comment check = %+v", c)
	}
}

// A probe whose answer does not tell (a server error, a secondary rate
// limit) is reported as unknown with a remediation, never as granted or
// missing.
func TestCheckAccessProbeAmbiguous(t *testing.T) {
	srv, _, _ := seeded(t)
	tok := srv.AddToken(githubtest.Token{User: "bot", FineGrained: true, Permissions: fullFineGrained})
	srv.FailRequest(http.MethodPatch, "repos/octo/app/hooks/0", http.StatusInternalServerError)
	srv.FailRequest(http.MethodPatch, "repos/octo/app/issues/comments/0", http.StatusForbidden)
	rep, err := open(t, srv, tok).CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []vcs.Permission{vcs.PermCreateWebhook, vcs.PermWriteComment} {
		c := rep.Check(p)
		if c.Grant != vcs.Unknown || c.Remediation == "" || !has(c.Detail, "probed PATCH") {
			t.Errorf("%s = %+v, want unknown, saying what was probed, with a remediation", p, c)
		}
	}
	if rep.OK() {
		t.Error("OK() with unknown permissions")
	}
}

func TestCheckAccessInstallationToken(t *testing.T) {
	srv, _, _ := seeded(t)
	for i := range 3 {
		if err := srv.CreateRepository("other/r"+string(rune('a'+i)), vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetPageSize(2)
	// The app is installed on octo/app only; it has no role there.
	tok := srv.AddToken(githubtest.Token{Installation: true, User: "migrator[bot]", Permissions: fullFineGrained, Repositories: []string{"octo/app"}})
	p := open(t, srv, tok)
	rep, err := p.CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if rep.TokenKind != github.TokenKindInstallation || rep.User == "" || !rep.OK() || len(rep.Notes) == 0 {
		t.Fatalf("installation token report:\n%s", rep)
	}
	repos, err := vcs.Collect(p.ListRepositories(ctx))
	if err != nil || len(repos) != 1 || repos[0].ID != "octo/app" {
		t.Errorf("ListRepositories with an installation token = %v, %v", repos, err)
	}
	all := srv.AddToken(githubtest.Token{Installation: true, Permissions: fullFineGrained})
	repos, err = vcs.Collect(open(t, srv, all).ListRepositories(ctx))
	if err != nil || len(repos) != 4 {
		t.Errorf("ListRepositories of an installation on every repository = %d repositories, %v; want 4 (every page)", len(repos), err)
	}

	noHooks := srv.AddToken(githubtest.Token{Installation: true, Permissions: map[string]string{"contents": "read", "issues": "write", "repository_hooks": "read"}})
	rep, err = open(t, srv, noHooks).CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermCreateWebhook); c.Grant != vcs.Missing || !has(c.Remediation, "GitHub App") {
		t.Errorf("installation without Webhooks = %+v, want missing with an app remediation", c)
	}
	_, err = open(t, srv, noHooks).CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://example.test/h", Secret: "s"})
	if ve := wantKind(t, "CreateWebhook without Webhooks", err, vcs.ErrPermissionDenied); !has(ve.Hint, "repository_hooks=write") {
		t.Errorf("hint %q does not name the permission GitHub asked for", ve.Hint)
	}
}

func TestCheckAccessOAuthTokenSource(t *testing.T) {
	srv, _, _ := seeded(t)
	tok := srv.AddToken(githubtest.Token{Value: "opaque-oauth-token", User: "bot", Scopes: []string{"repo"}})
	cfg := srv.Config("")
	cfg.TokenSource = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})
	p, err := github.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.CheckAccess(ctx, "octo/app")
	if err != nil {
		t.Fatal(err)
	}
	if rep.TokenKind != github.TokenKindOAuth || len(rep.Scopes) != 1 || !rep.OK() {
		t.Errorf("OAuth token from a TokenSource:\n%s", rep)
	}
}

func TestCheckAccessClassicWithoutRepoScope(t *testing.T) {
	_, p, _ := seeded(t, "read:user")
	rep, err := p.CheckAccess(ctx, "octo/app") // public, but comments need a scope
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermWriteComment); c.Grant != vcs.Missing || !has(c.Remediation, "repo scope") {
		t.Errorf("comment without repo/public_repo = %+v", c)
	}
	if c := rep.Check(vcs.PermCreateWebhook); c.Grant != vcs.Missing || !has(c.Remediation, "admin:repo_hook") {
		t.Errorf("webhook without a hook scope = %+v", c)
	}
}
