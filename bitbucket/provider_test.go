package bitbucket_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/bitbucket"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const testRepo = fixtureRepo

// newTestProvider seeds a fake with the conformance fixture and returns a
// provider using the service user's API token with every workflow scope.
func newTestProvider(t *testing.T) (*bitbuckettest.Server, vcs.Provider) {
	t.Helper()
	srv, _, _ := seed(t, vcstest.DefaultFixture())
	tok, err := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	if err != nil {
		t.Fatal(err)
	}
	return srv, open(t, srv.Config(tok))
}

func open(t *testing.T, cfg vcs.Config) vcs.Provider {
	t.Helper()
	p, err := bitbucket.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func asVCSError(t *testing.T, err error, kind error) *vcs.Error {
	t.Helper()
	var ve *vcs.Error
	if !errors.Is(err, kind) || !errors.As(err, &ve) {
		t.Fatalf("error %v does not match %v as a *vcs.Error", err, kind)
	}
	return ve
}

func TestParseInstanceURL(t *testing.T) {
	for _, u := range []string{
		"", "https://bitbucket.org", "https://bitbucket.org/", "https://BITBUCKET.org", "https://www.bitbucket.org",
		"https://api.bitbucket.org", "https://api.bitbucket.org/", "https://api.bitbucket.org/2.0", "https://api.bitbucket.org/2.0/",
		" https://bitbucket.org ", "https://bitbucket.org/acme-team", "https://bitbucket.org/acme-team/db-migrations/",
	} {
		api, web, err := bitbucket.ParseInstanceURL(u)
		if err != nil {
			t.Errorf("ParseInstanceURL(%q): %v", u, err)
			continue
		}
		if api.String() != "https://api.bitbucket.org/2.0/" || web.String() != "https://bitbucket.org/" {
			t.Errorf("ParseInstanceURL(%q) = %s, %s", u, api, web)
		}
	}
	for _, u := range []string{
		"https://bitbucket.example.com", "http://bitbucket.org", "https://bitbucket.org/acme-team/db/src",
		"https://api.bitbucket.org/1.0", "https://api.bitbucket.org/2.0/repositories", "https://github.com",
		"https://bitbucket.example.com/rest/api/1.0", "https://bitbucket.org?x=1", "https://bitbucket.org#x",
		"bitbucket.org", "://bad",
	} {
		_, _, err := bitbucket.ParseInstanceURL(u)
		ve := asVCSError(t, err, vcs.ErrInvalidConfig)
		if !strings.Contains(ve.Message, "only Bitbucket Cloud is supported") {
			t.Errorf("ParseInstanceURL(%q): message %q does not say only Bitbucket Cloud is supported", u, ve.Message)
		}
	}
	_, _, err := bitbucket.ParseInstanceURL("https://bot:s3cret-token@bitbucket.org")
	if ve := asVCSError(t, err, vcs.ErrInvalidConfig); strings.Contains(ve.Error(), "s3cret-token") {
		t.Errorf("the error repeats the URL's password: %v", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	srv := bitbuckettest.New()
	for _, u := range []string{"", "https://bitbucket.org", "https://api.bitbucket.org/2.0"} {
		cfg := srv.Config("tok")
		cfg.URL = u
		p, err := bitbucket.New(cfg)
		if err != nil {
			t.Errorf("New with URL %q: %v", u, err)
			continue
		}
		if p.APIURL() != "https://api.bitbucket.org/2.0/" {
			t.Errorf("APIURL() = %q", p.APIURL())
		}
	}
	cfg := srv.Config("tok")
	cfg.URL = "https://bitbucket.example.com"
	if _, err := bitbucket.New(cfg); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("New with a Data Center URL: %v", err)
	}
	cfg = srv.Config("tok")
	cfg.Username = "bot@example.com:x"
	if _, err := bitbucket.New(cfg); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("username with a colon: %v", err)
	}
	cfg = srv.Config("tok")
	cfg.Kind = vcs.KindGitHub
	if _, err := bitbucket.New(cfg); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("kind github: %v", err)
	}
}

// recorder remembers the Authorization header of every request.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	auth []string
	urls []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	r.urls = append(r.urls, req.URL.String())
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func recorded(srv *bitbuckettest.Server, cfg vcs.Config) (vcs.Config, *recorder) {
	rec := &recorder{next: srv.Client().Transport}
	cfg.HTTPClient = &http.Client{Transport: rec}
	return cfg, rec
}

type staticSource string

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s)}, nil
}

func TestCredentialSchemes(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	apiTok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	repoTok, _ := srv.CreateAccessToken(bitbuckettest.RepositoryAccessToken, testRepo, "Bytebase", bitbuckettest.FullAccessTokenScopes, time.Time{})
	oauthTok, _ := srv.CreateOAuthToken(botEmail, []string{"repository", "pullrequest:write", "webhook"}, time.Time{})
	for _, tc := range []struct {
		name string
		cfg  vcs.Config
		want string
	}{
		{"API token: Basic email:token", srv.Config(apiTok), "Basic "},
		{"access token: Bearer", srv.Config(repoTok), "Bearer " + repoTok},
		{"OAuth TokenSource: Bearer, even with a username", func() vcs.Config {
			c := srv.Config("")
			c.Username, c.TokenSource = botEmail, staticSource(oauthTok)
			return c
		}(), "Bearer " + oauthTok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, rec := recorded(srv, tc.cfg)
			p := open(t, cfg)
			if _, err := p.GetRepository(ctx, testRepo); err != nil {
				t.Fatal(err)
			}
			if got := rec.auth[0]; !strings.HasPrefix(got, tc.want) {
				t.Errorf("Authorization = %q, want %q…", got, tc.want)
			}
			if tc.want == "Basic " {
				req, _ := http.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Authorization", rec.auth[0])
				if u, pw, ok := req.BasicAuth(); !ok || u != botEmail || pw != apiTok {
					t.Errorf("Basic credentials are %q:%q, want the email and the API token", u, pw)
				}
			}
		})
	}
}

func TestAppPasswordRemoved(t *testing.T) {
	srv, _ := newTestProvider(t)
	pw, err := srv.CreateAppPassword("bytebase-bot")
	if err != nil {
		t.Fatal(err)
	}
	cfg := srv.Config(pw)
	if cfg.Username != "bytebase-bot" {
		t.Fatalf("app password config username = %q", cfg.Username)
	}
	p := open(t, cfg)
	_, err = p.CheckAccess(context.Background(), testRepo)
	ve := asVCSError(t, err, vcs.ErrUnauthorized)
	for _, want := range []string{"app password", "2026-07-28", "API token", "email", "id.atlassian.com", "read:repository:bitbucket", "read:pullrequest:bitbucket", "write:pullrequest:bitbucket", "read:webhook:bitbucket", "write:webhook:bitbucket"} {
		if !strings.Contains(ve.Hint, want) {
			t.Errorf("hint does not mention %q: %s", want, ve.Hint)
		}
	}
	if strings.Contains(err.Error(), pw) {
		t.Errorf("error contains the app password: %v", err)
	}

	// An API token with the wrong email gets a hint about the email and
	// the token, not about app passwords.
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	cfg = srv.Config(tok)
	cfg.Username = "someone-else@acme.example"
	_, err = open(t, cfg).GetRepository(context.Background(), testRepo)
	ve = asVCSError(t, err, vcs.ErrUnauthorized)
	if strings.Contains(ve.Hint, "app password") || !strings.Contains(ve.Hint, "email address") || !strings.Contains(ve.Hint, "someone-else@acme.example") {
		t.Errorf("wrong-email hint: %s", ve.Hint)
	}

	// A revoked access token (Bearer) says how access tokens are sent.
	acc, _ := srv.CreateAccessToken(bitbuckettest.WorkspaceAccessToken, "acme-team", "CI", bitbuckettest.FullAccessTokenScopes, time.Time{})
	srv.RevokeToken(acc)
	_, err = open(t, srv.Config(acc)).GetRepository(context.Background(), testRepo)
	ve = asVCSError(t, err, vcs.ErrUnauthorized)
	if !strings.Contains(ve.Hint, "Bearer") || !strings.Contains(ve.Hint, "email address as the username") {
		t.Errorf("access token hint: %s", ve.Hint)
	}
}

func TestAccessTokens(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	repoTok, _ := srv.CreateAccessToken(bitbuckettest.RepositoryAccessToken, testRepo, "Bytebase migrations", bitbuckettest.FullAccessTokenScopes, time.Time{})
	p := open(t, srv.Config(repoTok))
	rep, err := p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.TokenKind != "repository access token" || rep.User != "repository access token of "+testRepo || rep.ExpiresAt != nil {
		t.Errorf("repository access token report:\n%s", rep)
	}
	c, err := p.CreateComment(ctx, testRepo, 1, "from the access token")
	if err != nil {
		t.Fatal(err)
	}
	if c.Author != "Bytebase migrations" {
		t.Errorf("comment author %q, want the access token's name", c.Author)
	}
	if _, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "s"}); err != nil {
		t.Errorf("CreateWebhook with a repository access token: %v", err)
	}
	// Access tokens have no user, so Bitbucket cannot list their
	// workspaces: ListRepositories says so, ListWorkspaceRepositories
	// works.
	_, err = vcs.Collect(p.ListRepositories(ctx))
	ve := asVCSError(t, err, vcs.ErrPermissionDenied)
	if !strings.Contains(ve.Hint, "ListWorkspaceRepositories") || !strings.Contains(ve.Hint, "CHANGE-2770") {
		t.Errorf("ListRepositories with an access token: hint %q", ve.Hint)
	}
	repos, err := vcs.Collect(p.(*bitbucket.Provider).ListWorkspaceRepositories(ctx, "acme-team"))
	if err != nil || len(repos) != 1 || repos[0].ID != testRepo {
		t.Errorf("a repository access token lists %d repositories of its workspace (%v), want its own", len(repos), err)
	}
	if _, err := p.GetRepository(ctx, "acme-team/service-01"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("another repository with a repository access token: %v, want not found", err)
	}

	// A workspace access token without the webhook scopes: reported
	// missing, with the access token named in the remediation.
	wsTok, _ := srv.CreateAccessToken(bitbuckettest.WorkspaceAccessToken, "acme-team", "Reader",
		[]string{"repository", "pullrequest:write"}, time.Time{})
	p = open(t, srv.Config(wsTok))
	rep, err = p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
		t.Errorf("old-style scopes not accepted:\n%s", rep)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "workspace access token") || !strings.Contains(hook.Remediation, "Webhooks: Read and write (webhook)") {
		t.Errorf("webhook check = %+v", hook)
	}
	if rep.User != "workspace access token of workspace acme-team" {
		t.Errorf("workspace access token user = %q", rep.User)
	}
	repos, err = vcs.Collect(p.(*bitbucket.Provider).ListWorkspaceRepositories(ctx, "acme-team"))
	if err != nil || len(repos) != 24 {
		t.Errorf("a workspace access token lists %d repositories (%v), want the workspace's 24", len(repos), err)
	}

	// An access token manages webhooks with its repository admin
	// permission, not with the webhook scope alone.
	noAdmin, _ := srv.CreateAccessToken(bitbuckettest.RepositoryAccessToken, testRepo, "Hooks", []string{"repository", "pullrequest:write", "webhook"}, time.Time{})
	p = open(t, srv.Config(noAdmin))
	rep, err = p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if hook := rep.Check(vcs.PermCreateWebhook); hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "Repositories: Admin (repository:admin)") ||
		!strings.Contains(hook.Remediation, "Repository settings → Access tokens") {
		t.Errorf("webhook check without repository:admin = %+v", hook)
	}
	_, err = p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h2", Secret: "s"})
	if ve := asVCSError(t, err, vcs.ErrPermissionDenied); !strings.Contains(ve.Hint, "repository:admin") {
		t.Errorf("CreateWebhook without repository:admin: hint %q", ve.Hint)
	}

	// A project access token sees only its project's repositories.
	srv.SetProject("acme-team/service-01", "OPS")
	projTok, _ := srv.CreateAccessToken(bitbuckettest.ProjectAccessToken, "acme-team/OPS", "Ops", bitbuckettest.FullAccessTokenScopes, time.Time{})
	p = open(t, srv.Config(projTok))
	if _, err := p.GetRepository(ctx, "acme-team/service-01"); err != nil {
		t.Errorf("project repository: %v", err)
	}
	if rep, err := p.CheckAccess(ctx, "acme-team/service-01"); err != nil || rep.User != "project access token of project acme-team/OPS" {
		t.Errorf("project access token report = %v, %v", rep, err)
	}
	if _, err := p.GetRepository(ctx, testRepo); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("repository outside the project: %v, want not found", err)
	}
}

func TestRepositoryRoleDecidesWebhooks(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	// Alice has write permission, not admin, and every scope.
	tok, _ := srv.IssueToken(devEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	p := open(t, srv.Config(tok))
	rep, err := p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "Admin") || !strings.Contains(hook.Detail, "write") {
		t.Errorf("webhook check for a writer = %+v", hook)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
		t.Errorf("writer report:\n%s", rep)
	}
	_, err = p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "s"})
	ve := asVCSError(t, err, vcs.ErrPermissionDenied)
	if !strings.Contains(ve.Hint, "Admin") {
		t.Errorf("hint %q does not mention Admin", ve.Hint)
	}
	// A repository the user has no permission on is not found.
	if _, err := p.CheckAccess(ctx, "other-team/private"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("CheckAccess on an invisible repository: %v", err)
	}
}

// A token made with the webhook read and write scopes but not
// delete:webhook:bitbucket cannot delete a webhook (the published
// description's scope for DELETE …/hooks/{uid}); CheckAccess says so and the
// refusal's hint names the scope.
func TestMissingScopeHint(t *testing.T) {
	srv, _ := newTestProvider(t)
	scopes := slices.DeleteFunc(slices.Clone(bitbuckettest.FullScopes), func(s string) bool { return s == bitbuckettest.ScopeDeleteWebhook })
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: scopes})
	p := open(t, srv.Config(tok))
	ctx := context.Background()
	h, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	err = p.DeleteWebhook(ctx, testRepo, h.ID)
	ve := asVCSError(t, err, vcs.ErrPermissionDenied)
	if !strings.Contains(ve.Hint, "delete:webhook:bitbucket") || ve.StatusCode != http.StatusForbidden {
		t.Errorf("missing scope error: %v (hint %q)", err, ve.Hint)
	}
	rep, err := p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermCreateWebhook); c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "delete:webhook:bitbucket") || !strings.Contains(c.Remediation, "Atlassian API token") {
		t.Errorf("webhook check = %+v", c)
	}
}

// Commenting takes read:pullrequest:bitbucket: a token without
// write:pullrequest:bitbucket comments, and CheckAccess grants it.
func TestCommentNeedsReadPullRequestOnly(t *testing.T) {
	srv, _ := newTestProvider(t)
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: []string{bitbuckettest.ScopeReadRepository, bitbuckettest.ScopeReadPullRequest, bitbuckettest.ScopeReadUser}})
	p := open(t, srv.Config(tok))
	ctx := context.Background()
	if _, err := p.CreateComment(ctx, testRepo, 1, "hi"); err != nil {
		t.Fatalf("CreateComment with read:pullrequest: %v", err)
	}
	rep, err := p.CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermWriteComment); c.Grant != vcs.Granted {
		t.Errorf("comment check = %+v", c)
	}
}

func TestRateLimit(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	// A 429 with a short Retry-After is waited out for a GET: the same
	// request is sent again and succeeds.
	srv.RateLimit(1, time.Second)
	before := srv.Requests()
	if _, err := p.GetRepository(ctx, testRepo); err != nil {
		t.Fatalf("GET after a 429: %v", err)
	}
	if n := srv.Requests() - before; n != 2 {
		t.Errorf("GET after a 429 took %d requests, want 2 (the 429 and the retry)", n)
	}
	// A wait longer than the policy allows is returned as ErrRateLimited.
	srv.RateLimit(1, 10*time.Minute)
	_, err := p.GetRepository(ctx, testRepo)
	ve := asVCSError(t, err, vcs.ErrRateLimited)
	if ve.RetryAfter != 10*time.Minute || !strings.Contains(ve.Hint, "rate limit") {
		t.Errorf("rate limit error: %+v", ve)
	}
	// A POST is never repeated: the comment is not posted twice, and not
	// at all here.
	srv.RateLimit(1, time.Second)
	_, err = p.CreateComment(ctx, testRepo, 1, "once")
	asVCSError(t, err, vcs.ErrRateLimited)
	list, err := p.ListComments(ctx, testRepo, 1)
	if err != nil || len(list) != 0 {
		t.Errorf("comments after a rate-limited POST: %d, %v", len(list), err)
	}
}

func TestDiffstatRedirect(t *testing.T) {
	srv, _ := newTestProvider(t)
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	cfg, rec := recorded(srv, srv.Config(tok))
	p := open(t, cfg)
	files, err := p.ListPullRequestFiles(context.Background(), testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(vcstest.DefaultFixture().ExpectedChanges) {
		t.Errorf("%d files", len(files))
	}
	if len(rec.urls) < 3 || !strings.HasSuffix(strings.Split(rec.urls[0], "?")[0], "/pullrequests/1/diffstat") || !strings.Contains(rec.urls[1], "/diffstat/acme-team/db-migrations:") {
		t.Errorf("requests %v: want the pull request diffstat, its redirect target, then further pages", rec.urls)
	}
	for i, a := range rec.auth {
		if a == "" {
			t.Errorf("request %d (%s) carried no credentials", i, rec.urls[i])
		}
	}
}

func TestPagelenCap(t *testing.T) {
	srv, _ := newTestProvider(t)
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	req, _ := http.NewRequest(http.MethodGet, bitbuckettest.APIRoot+"/repositories/acme-team?role=member&pagelen=101", nil)
	req.SetBasicAuth(botEmail, tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "pagelen") {
		t.Errorf("pagelen=101 answered %d %s, want 400", resp.StatusCode, body)
	}
}

func TestComments(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	if _, err := srv.AddComment(testRepo, 1, devEmail, "first"); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddInlineComment(testRepo, 1, devEmail, "migrations/004_users.sql", 1, "on a line"); err != nil {
		t.Fatal(err)
	}
	gone, _ := srv.AddComment(testRepo, 1, devEmail, "deleted")
	if err := srv.DeleteComment(testRepo, gone); err != nil {
		t.Fatal(err)
	}
	mine, err := p.CreateComment(ctx, testRepo, 1, "second")
	if err != nil {
		t.Fatal(err)
	}
	list, err := p.ListComments(ctx, testRepo, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Body != "first" || list[0].Author != "Alice Developer" || list[1].ID != mine.ID || list[1].WebURL == "" {
		t.Errorf("ListComments (inline and deleted left out) = %+v", list)
	}
	// Only the author may edit a comment.
	first := list[0]
	_, err = p.UpdateComment(ctx, testRepo, 1, first.ID, "hijack")
	asVCSError(t, err, vcs.ErrPermissionDenied)
	// A comment of another pull request is not found through this one.
	_, err = p.UpdateComment(ctx, testRepo, 2, mine.ID, "x")
	asVCSError(t, err, vcs.ErrNotFound)
	_, err = p.UpdateComment(ctx, testRepo, 1, "{abc}", "x")
	asVCSError(t, err, vcs.ErrInvalidArgument)
}

func TestFilesAtRefs(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	if _, _, err := srv.Push(testRepo, "release/2026.1", map[string]*string{"config/app.json": ptr(`{"pagelen": 10, "values": []}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.PushTag(testRepo, "v1.0.0", "release/2026.1"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"release/2026.1", "refs/heads/release/2026.1", "v1.0.0", "refs/tags/v1.0.0"} {
		f, err := p.ReadFile(ctx, testRepo, "config/app.json", ref)
		if err != nil {
			t.Errorf("ReadFile at %q: %v", ref, err)
			continue
		}
		// A JSON file whose content looks like a listing is still a file.
		if string(f.Content) != `{"pagelen": 10, "values": []}` || f.Ref != ref {
			t.Errorf("ReadFile at %q = %q", ref, f.Content)
		}
	}
	if _, err := p.ReadFile(ctx, testRepo, "config/app.json", "refs/tags/release/2026.1"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("a branch asked for as a tag: %v, want not found", err)
	}
	_, err := p.ReadFile(ctx, testRepo, "migrations", "")
	asVCSError(t, err, vcs.ErrInvalidArgument)
	_, err = p.ListDirectory(ctx, testRepo, "README.md", "", false)
	asVCSError(t, err, vcs.ErrInvalidArgument)
	entries, err := p.ListDirectory(ctx, testRepo, "migrations", "feature/add-users", true)
	if err != nil {
		t.Fatal(err)
	}
	var files, dirs int
	for _, e := range entries {
		switch e.Type {
		case vcs.EntryFile:
			files++
			if e.Size <= 0 {
				t.Errorf("file %s has size %d", e.Path, e.Size)
			}
		case vcs.EntryDirectory:
			dirs++
			if e.Size != -1 {
				t.Errorf("directory %s has size %d", e.Path, e.Size)
			}
		}
	}
	// 001, 003_renamed, 004 and bulk/ with 14 files (002 and 003_rename_me removed).
	if files != 17 || dirs != 1 {
		t.Errorf("recursive listing on the branch: %d files, %d dirs: %v", files, dirs, entries)
	}
}

func ptr(s string) *string { return &s }

func TestWebhookIDs(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	h, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h.ID, "{") || !strings.HasSuffix(h.ID, "}") {
		t.Errorf("webhook ID %q is not a braced UUID", h.ID)
	}
	bare := strings.Trim(h.ID, "{}")
	if _, err := p.UpdateWebhook(ctx, testRepo, bare, vcs.WebhookOptions{URL: "https://ci.example.test/h2", Secret: "s3cret", Inactive: true}); err != nil {
		t.Errorf("UpdateWebhook with the bare UUID: %v", err)
	}
	hooks, err := p.ListWebhooks(ctx, testRepo)
	if err != nil || len(hooks) != 1 || hooks[0].Active || hooks[0].URL != "https://ci.example.test/h2" {
		t.Fatalf("after update: %+v, %v", hooks, err)
	}
	// Closed (declined) pull requests are seen: the hook has
	// pullrequest:rejected. An inactive hook delivers nothing.
	if reqs, _ := srv.DeclinePullRequest(testRepo, 2); len(reqs) != 0 {
		t.Errorf("an inactive webhook delivered %d requests", len(reqs))
	}
	if _, err := p.UpdateWebhook(ctx, testRepo, h.ID, vcs.WebhookOptions{URL: "https://ci.example.test/h2", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	if reqs, _ := srv.SendPullRequestEvent(testRepo, 2, "pullrequest:rejected"); len(reqs) != 1 {
		t.Errorf("pullrequest:rejected delivered %d requests, want 1", len(reqs))
	}
	// The host never returns the secret.
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	req, _ := http.NewRequest(http.MethodGet, bitbuckettest.APIRoot+"/repositories/"+testRepo+"/hooks", nil)
	req.SetBasicAuth(botEmail, tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if strings.Contains(string(body), "s3cret") || !strings.Contains(string(body), `"secret_set":true`) {
		t.Errorf("hook listing exposes the secret or lacks secret_set: %s", body)
	}
	for _, id := range []string{"", "{}", "{a/b}", "a b"} {
		if err := p.DeleteWebhook(ctx, testRepo, id); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("DeleteWebhook(%q) = %v, want ErrInvalidArgument", id, err)
		}
	}
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	before := srv.Requests()
	for _, repo := range []string{"", "acme-team", "acme-team/db/extra", "acme team/db", "../x", "acme-team/"} {
		if _, err := p.GetRepository(ctx, repo); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("GetRepository(%q) = %v", repo, err)
		}
	}
	if _, err := p.GetPullRequest(ctx, testRepo, -1); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("GetPullRequest(-1) = %v", err)
	}
	if _, err := p.ReadFile(ctx, testRepo, "/", "main"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("ReadFile(\"/\") = %v", err)
	}
	if _, err := p.CreateComment(ctx, testRepo, 1, "  \n"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("blank comment = %v", err)
	}
	if _, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://x.test", Secret: "s", Events: []vcs.WebhookEvent{"issues"}}); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("unknown webhook event = %v", err)
	}
	if err := p.SetToken("has space"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("SetToken with a space = %v", err)
	}
	for _, err := range p.(*bitbucket.Provider).ListWorkspaceRepositories(ctx, "bad workspace") {
		if !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("ListWorkspaceRepositories with a bad slug = %v", err)
		}
	}
	if n := srv.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for invalid arguments", n)
	}
}

func TestCommentLengthLimit(t *testing.T) {
	srv, p := newTestProvider(t)
	ctx := context.Background()
	c, err := p.CreateComment(ctx, testRepo, 1, "short")
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Requests()
	long := strings.Repeat("ñ", bitbucket.MaxCommentLength+1) // characters, not bytes
	if _, err := p.CreateComment(ctx, testRepo, 1, long); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("CreateComment over MaxCommentLength = %v, want ErrTooLarge", err)
	}
	if _, err := p.UpdateComment(ctx, testRepo, 1, c.ID, long); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("UpdateComment over MaxCommentLength = %v, want ErrTooLarge", err)
	}
	if n := srv.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for oversized comments", n)
	}
	if _, err := p.CreateComment(ctx, testRepo, 1, strings.Repeat("ñ", bitbucket.MaxCommentLength)); err != nil {
		t.Errorf("CreateComment of exactly MaxCommentLength characters: %v", err)
	}
}

// ListRepositories walks every workspace of the user and every page of
// each, through the endpoints that replaced the cross-workspace list.
func TestListRepositoriesAcrossWorkspaces(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	srv.SetPageSize(2)
	for i := 1; i <= 5; i++ {
		name := fmt.Sprintf("ops-%d/infra", i)
		if err := srv.CreateRepository(name, vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Grant(name, botEmail, vcstest.RoleRead); err != nil {
			t.Fatal(err)
		}
	}
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	cfg, rec := recorded(srv, srv.Config(tok))
	p := open(t, cfg)
	repos, err := vcs.Collect(p.ListRepositories(ctx))
	if err != nil {
		t.Fatal(err)
	}
	// acme-team: the fixture repository and 23 services; five ops-N.
	if len(repos) != 1+23+5 {
		t.Errorf("ListRepositories returned %d repositories, want 29", len(repos))
	}
	seen := map[string]bool{}
	for _, r := range repos {
		if seen[r.ID] {
			t.Errorf("%s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.ID == "other-team/private" {
			t.Error("a repository the user has no permission on was listed")
		}
	}
	for _, u := range rec.urls {
		if strings.Contains(u, "/2.0/repositories?") || strings.HasSuffix(u, "/2.0/repositories") {
			t.Errorf("called the removed cross-workspace list: %s", u)
		}
		if q, _ := url.Parse(u); q != nil && q.Query().Get("page") == "" && q.Query().Get("pagelen") != "100" {
			t.Errorf("first page without pagelen=100: %s", u)
		}
	}

	// Without the workspace scope the error names it.
	tok, _ = srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: without(bitbuckettest.FullScopes, bitbuckettest.ScopeReadWorkspace)})
	_, err = vcs.Collect(open(t, srv.Config(tok)).ListRepositories(ctx))
	if ve := asVCSError(t, err, vcs.ErrPermissionDenied); !strings.Contains(ve.Hint, bitbuckettest.ScopeReadWorkspace) {
		t.Errorf("hint %q does not name %s", ve.Hint, bitbuckettest.ScopeReadWorkspace)
	}
}

// The user's permission on the repository (read from the user's
// permission list of the workspace) decides the webhook check.
func TestCheckAccessRoles(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	for _, tc := range []struct {
		perm    bitbuckettest.Permission
		detail  string
		webhook vcs.Grant
	}{
		{bitbuckettest.PermissionAdmin, "admin", vcs.Granted},
		{bitbuckettest.PermissionWrite, "write", vcs.Missing},
		{bitbuckettest.PermissionRead, "read", vcs.Missing},
	} {
		if err := srv.SetPermission(testRepo, devEmail, tc.perm); err != nil {
			t.Fatal(err)
		}
		tok, _ := srv.IssueToken(devEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
		rep, err := open(t, srv.Config(tok)).CheckAccess(ctx, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		hook := rep.Check(vcs.PermCreateWebhook)
		if hook.Grant != tc.webhook || !strings.Contains(hook.Detail, tc.detail) {
			t.Errorf("%s: webhook check = %+v", tc.perm, hook)
		}
		if rep.User != "Alice Developer (alice)" || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
			t.Errorf("%s: report\n%s", tc.perm, rep)
		}
	}
}

// Bitbucket never returns a webhook's secret, so an update must send it
// every time; it is never sent anywhere else.
func TestUpdateWebhookSendsSecret(t *testing.T) {
	srv, _ := newTestProvider(t)
	tok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	cfg := srv.Config(tok)
	bodies := &bodyRecorder{next: cfg.HTTPClient.Transport}
	cfg.HTTPClient = &http.Client{Transport: bodies}
	p := open(t, cfg)
	ctx := context.Background()
	h, err := p.CreateWebhook(ctx, testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "first-s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateWebhook(ctx, testRepo, h.ID, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "first-s3cret", Inactive: true}); err != nil {
		t.Fatal(err)
	}
	put := bodies.find(http.MethodPut)
	var sent struct {
		Secret *string  `json:"secret"`
		Events []string `json:"events"`
		Active *bool    `json:"active"`
	}
	if err := json.Unmarshal(put, &sent); err != nil || sent.Secret == nil || *sent.Secret != "first-s3cret" || sent.Active == nil || *sent.Active {
		t.Errorf("PUT body %s: want the secret and active=false", put)
	}
	for _, want := range []string{"pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"} {
		if !slices.Contains(sent.Events, want) {
			t.Errorf("PUT events %v lack %s", sent.Events, want)
		}
	}
}

// bodyRecorder keeps the method and body of every request.
type bodyRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	reqs []struct {
		method string
		body   []byte
	}
}

func (b *bodyRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	b.mu.Lock()
	b.reqs = append(b.reqs, struct {
		method string
		body   []byte
	}{req.Method, body})
	b.mu.Unlock()
	return b.next.RoundTrip(req)
}

func (b *bodyRecorder) find(method string) []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.reqs {
		if r.method == method {
			return r.body
		}
	}
	return nil
}

// Bitbucket takes webhook secrets of at most 128 characters (the
// description's webhook_subscription.secret maxLength): a longer one is
// refused before any request.
func TestWebhookSecretTooLong(t *testing.T) {
	srv, p := newTestProvider(t)
	before := srv.Requests()
	for _, secret := range []string{strings.Repeat("s", 129), strings.Repeat("é", 129)} {
		_, err := p.CreateWebhook(context.Background(), testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: secret})
		ve := asVCSError(t, err, vcs.ErrInvalidArgument)
		if !strings.Contains(ve.Hint, "128") || strings.Contains(err.Error(), secret) {
			t.Errorf("error %v (hint %q): want the limit named and the secret left out", err, ve.Hint)
		}
		_, err = p.UpdateWebhook(context.Background(), testRepo, "{00000000-0000-4000-8000-000000000001}", vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: secret})
		asVCSError(t, err, vcs.ErrInvalidArgument)
	}
	if n := srv.Requests() - before; n != 0 {
		t.Errorf("%d requests sent for a secret Bitbucket would refuse", n)
	}
	if _, err := p.CreateWebhook(context.Background(), testRepo, vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: strings.Repeat("é", 128)}); err != nil {
		t.Errorf("a 128-character secret: %v", err)
	}
}
