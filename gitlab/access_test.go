package gitlab_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestDeveloperProjectTokenNeedsMaintainer: a project access token with
// the Developer role may read and comment, and the report says that
// webhook creation needs Maintainer.
func TestDeveloperProjectTokenNeedsMaintainer(t *testing.T) {
	s := newSeeded(t)
	tok, err := s.srv.CreateProjectAccessToken(s.repo, gitlabtest.TokenOptions{Scopes: []string{"api"}, Role: gitlabtest.Developer})
	if err != nil {
		t.Fatal(err)
	}
	p := s.provider(t, tok)
	rep, err := p.CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("Developer project token:\n%s", rep)
	if rep.TokenKind != "project access token" || !strings.HasPrefix(rep.User, "project_") {
		t.Errorf("token kind %q, user %q", rep.TokenKind, rep.User)
	}
	if c := checkOf(t, rep, vcs.PermReadRepository); c.Grant != vcs.Granted {
		t.Errorf("read: %+v", c)
	}
	if c := checkOf(t, rep, vcs.PermWriteComment); c.Grant != vcs.Granted {
		t.Errorf("comment: %+v", c)
	}
	hook := checkOf(t, rep, vcs.PermCreateWebhook)
	if hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "webhook creation needs at least the Maintainer role") ||
		!strings.Contains(hook.Detail, "Developer") {
		t.Errorf("create_webhook = %+v", hook)
	}
	if !strings.Contains(rep.String(), "Maintainer") {
		t.Errorf("report text does not name the role:\n%s", rep)
	}
	_, err = p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: "https://hooks.example.test/x", Secret: "s"})
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "Maintainer") {
		t.Errorf("CreateWebhook as Developer = %v", err)
	}
}

func TestCheckAccessFullToken(t *testing.T) {
	s := newSeeded(t)
	exp := s.srv.Now().AddDate(0, 0, 3)
	tok, err := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"api", "read_user"}, ExpiresAt: exp})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.provider(t, tok).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.User != "bytebase-bot" || rep.TokenKind != "personal access token" || strings.Join(rep.Scopes, ",") != "api,read_user" {
		t.Errorf("report:\n%s", rep)
	}
	want := time.Date(exp.Year(), exp.Month(), exp.Day(), 0, 0, 0, 0, time.UTC)
	if rep.ExpiresAt == nil || !rep.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v (00:00 UTC on the expiry date)", rep.ExpiresAt, want)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "expires") {
		t.Errorf("no note about the token expiring within a week: %q", rep.Notes)
	}
	if rep.APIURL != "https://gitlab.com/api/v4/" {
		t.Errorf("APIURL = %q", rep.APIURL)
	}
}

func TestCheckAccessGroupToken(t *testing.T) {
	s := newSeeded(t)
	tok, err := s.srv.CreateGroupAccessToken("acme/platform", gitlabtest.TokenOptions{Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.provider(t, tok).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.TokenKind != "group access token" {
		t.Errorf("group token report:\n%s", rep)
	}
}

func TestCheckAccessReadOnlyToken(t *testing.T) {
	s := newSeeded(t)
	tok, err := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_api", "read_repository"}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.provider(t, tok)
	rep, err := p.CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if c := checkOf(t, rep, vcs.PermReadRepository); c.Grant != vcs.Granted {
		t.Errorf("read: %+v", c)
	}
	for _, perm := range []vcs.Permission{vcs.PermCreateWebhook, vcs.PermWriteComment} {
		if c := checkOf(t, rep, perm); c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "api scope") {
			t.Errorf("%s: %+v", perm, c)
		}
	}
	_, err = p.CreateComment(testCtx(t), s.repo, s.mr, "hi")
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "scope") {
		t.Errorf("CreateComment with a read-only token = %v", err)
	}
}

func TestCheckAccessRepositoryScopeOnly(t *testing.T) {
	s := newSeeded(t)
	tok, err := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_repository"}})
	if err != nil {
		t.Fatal(err)
	}
	p := s.provider(t, tok)
	rep, err := p.CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	// /user and /projects/:id need an API scope; the report still names
	// the user (from the token) and says what is missing.
	if rep.User == "" || rep.Check(vcs.PermCreateWebhook).Grant != vcs.Missing || rep.Check(vcs.PermReadRepository).Grant != vcs.Missing {
		t.Errorf("report:\n%s", rep)
	}
	// Files themselves are readable with read_repository.
	if f, err := p.ReadFile(testCtx(t), s.repo, "README.md", ""); err != nil || string(f.Content) != "# db\n" {
		t.Errorf("ReadFile with read_repository = %v, %v", f, err)
	}
}

func TestCheckAccessGuest(t *testing.T) {
	s := newSeeded(t)
	s.srv.CreateUser("visitor", "")
	if err := s.srv.AddMember(s.repo, "visitor", gitlabtest.Guest); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.srv.IssueToken("visitor", vcstest.TokenOptions{})
	rep, err := s.provider(t, tok).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	for _, perm := range vcs.Permissions {
		if c := checkOf(t, rep, perm); c.Grant != vcs.Missing || !strings.Contains(c.Detail, "Guest") {
			t.Errorf("%s: %+v", perm, c)
		}
	}
	if c := rep.Check(vcs.PermReadRepository); !strings.Contains(c.Remediation, "Reporter") {
		t.Errorf("read remediation %q does not name Reporter", c.Remediation)
	}
}

func TestCheckAccessPublicProjectNonMember(t *testing.T) {
	s := newSeeded(t)
	if _, err := s.srv.CreateProject("oss/tool", gitlabtest.RepoOptions{Visibility: gitlabtest.Public, Files: map[string]string{"a.sql": "x"}}); err != nil {
		t.Fatal(err)
	}
	rep, err := s.provider(t, s.tok).CheckAccess(testCtx(t), "oss/tool")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted ||
		rep.Check(vcs.PermCreateWebhook).Grant != vcs.Missing {
		t.Errorf("public project, no membership:\n%s", rep)
	}
}

// TestCheckAccessOAuth: an OAuth token (Bearer, from a TokenSource or
// pasted as the token) has no /personal_access_tokens/self; its scopes and
// expiry come from /oauth/token/info.
func TestCheckAccessOAuth(t *testing.T) {
	s := newSeeded(t)
	tok, err := s.srv.CreateOAuthToken("bytebase-bot", []string{"api"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.srv.Config("")
	cfg.TokenSource = staticSource(tok)
	for _, p := range []vcs.Provider{open(t, cfg), s.provider(t, tok)} {
		rep, err := p.CheckAccess(testCtx(t), s.repo)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.TokenKind != "OAuth token" || strings.Join(rep.Scopes, ",") != "api" || rep.ExpiresAt == nil {
			t.Errorf("OAuth report:\n%s", rep)
		}
	}

	// Where /oauth/token/info does not answer either, the scope probe
	// tells whether the token has api; /personal_access_tokens/self's 400
	// still says it is an OAuth token.
	s.srv.FailMatching(1, http.StatusNotFound, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/oauth/token/info") })
	rep, err := open(t, cfg).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	// The probe shows the api scope, not the full list: Scopes stays nil.
	if !rep.OK() || rep.TokenKind != "OAuth token" || rep.Scopes != nil || !strings.Contains(rep.Check(vcs.PermCreateWebhook).Detail, "api scope") {
		t.Errorf("OAuth report without token introspection:\n%s", rep)
	}

	// Versions that fail on OAuth tokens (500) do not tell the kind.
	s.srv.FailMatching(1, http.StatusInternalServerError, func(r *http.Request) bool {
		return strings.HasSuffix(r.URL.Path, "/personal_access_tokens/self")
	})
	s.srv.FailMatching(1, http.StatusNotFound, func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, "/oauth/token/info") })
	rep, err = open(t, cfg).CheckAccess(testCtx(t), s.repo)
	if err != nil || !rep.OK() || rep.TokenKind != "" {
		t.Errorf("OAuth report where GitLab fails on the token: %v\n%s", err, rep)
	}
}

// TestCheckAccessWithoutTokenSelf: before GitLab 15.5 there is no
// /personal_access_tokens/self; the verdicts rest on the role.
func TestCheckAccessWithoutTokenSelf(t *testing.T) {
	s := newSeeded(t, gitlabtest.WithoutTokenSelf())
	rep, err := s.provider(t, s.tok).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scopes != nil || !rep.OK() || !strings.Contains(rep.Check(vcs.PermCreateWebhook).Detail, "api scope") || len(rep.Notes) == 0 {
		t.Errorf("report without token introspection:\n%s", rep)
	}
	// A read-only token: the probe (a write to a note that cannot exist)
	// is refused for its scope, and nothing was written.
	ro, _ := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_api"}})
	rep, err = s.provider(t, ro).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermCreateWebhook).Grant != vcs.Missing ||
		rep.Check(vcs.PermWriteComment).Grant != vcs.Missing {
		t.Errorf("read-only token without introspection:\n%s", rep)
	}
	if notes, _ := s.srv.Comments(s.repo, s.mr); len(notes) != 0 {
		t.Errorf("the probe wrote notes: %+v", notes)
	}
	// Where the scope cannot be probed (the projects API refuses the
	// token), nothing is granted.
	rr, _ := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_repository"}})
	rep, err = s.provider(t, rr).CheckAccess(testCtx(t), s.repo)
	if err != nil || rep.OK() || rep.Check(vcs.PermCreateWebhook).Grant != vcs.Missing {
		t.Errorf("read_repository token without introspection: %v\n%s", err, rep)
	}
}

func TestExpiredAndRevokedTokens(t *testing.T) {
	s := newSeeded(t)
	expired, _ := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{ExpiresAt: s.srv.Now().AddDate(0, 0, -1)})
	_, err := s.provider(t, expired).CheckAccess(testCtx(t), s.repo)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrTokenExpired) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "expired") {
		t.Errorf("expired token: %v", err)
	}
	revoked, _ := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{})
	p := s.provider(t, revoked)
	if _, err := p.GetRepository(testCtx(t), s.repo); err != nil {
		t.Fatal(err)
	}
	if err := s.srv.RevokeToken(revoked); err != nil {
		t.Fatal(err)
	}
	_, err = p.GetRepository(testCtx(t), s.repo)
	if !errors.Is(err, vcs.ErrUnauthorized) || errors.Is(err, vcs.ErrTokenExpired) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked token: %v", err)
	}
	if strings.Contains(err.Error(), revoked) {
		t.Errorf("error contains the token: %v", err)
	}
	_, err = s.provider(t, "glpat-unknown-token-value").GetRepository(testCtx(t), s.repo)
	if !errors.Is(err, vcs.ErrUnauthorized) {
		t.Errorf("unknown token: %v", err)
	}
}

// TestCheckAccessAdmin: an instance administrator is no member of the
// project, yet may do everything.
func TestCheckAccessAdmin(t *testing.T) {
	s := newSeeded(t)
	s.srv.CreateUser("root", "Administrator")
	if err := s.srv.MakeAdmin("root"); err != nil {
		t.Fatal(err)
	}
	tok, _ := s.srv.IssueToken("root", vcstest.TokenOptions{})
	p := s.provider(t, tok)
	rep, err := p.CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || !strings.Contains(rep.Check(vcs.PermCreateWebhook).Detail, "administrator") {
		t.Errorf("admin report:\n%s", rep)
	}
	if _, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: "https://hooks.example.test/a", Secret: "s"}); err != nil {
		t.Errorf("admin CreateWebhook: %v", err)
	}
}

// TestCheckAccessProbeInconclusive: where GitLab lists no scopes and the
// scope probe tells nothing either, webhook and comment permissions are
// unknown, with a remediation that names the api scope, not a guess.
func TestCheckAccessProbeInconclusive(t *testing.T) {
	s := newSeeded(t, gitlabtest.WithoutTokenSelf())
	s.srv.FailMatching(1, http.StatusInternalServerError, func(r *http.Request) bool { return r.Method == http.MethodPut })
	rep, err := s.provider(t, s.tok).CheckAccess(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermReadRepository); c.Grant != vcs.Granted {
		t.Errorf("read: %+v", c)
	}
	for _, perm := range []vcs.Permission{vcs.PermCreateWebhook, vcs.PermWriteComment} {
		if c := checkOf(t, rep, perm); c.Grant != vcs.Unknown || !strings.Contains(c.Remediation, "api scope") {
			t.Errorf("%s: %+v, want unknown with a remediation naming the api scope", perm, c)
		}
	}
	if rep.Scopes != nil || rep.OK() {
		t.Errorf("report:\n%s", rep)
	}
}
