package azuredevops_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const guideText = "the Organization field has to be All accessible organizations, not a specific organization"

func TestSingleOrganizationPAT(t *testing.T) {
	f, _ := newFixture(t)
	tok := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes, Organization: f.Organization()})
	p := open(t, f.Config(tok))
	// The organization's own APIs accept the token.
	if _, err := p.GetRepository(ctx(t), fixtureRepo); err != nil {
		t.Fatalf("GetRepository with a single-organization PAT: %v", err)
	}
	rep, err := p.CheckAccess(ctx(t), fixtureRepo)
	if err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, guideText) || !strings.Contains(hook.Remediation, "All accessible organizations") {
		t.Errorf("create_webhook = %+v, want missing with the guide's remediation", hook)
	}
	if rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
		t.Errorf("read/comment should stay granted:\n%s", rep)
	}
	noted := false
	for _, n := range rep.Notes {
		if strings.Contains(n, guideText) {
			noted = true
		}
	}
	if !noted || rep.OK() {
		t.Errorf("report lacks the note or is OK:\n%s", rep)
	}
	if rep.User != azuredevopstest.DefaultUser || rep.ExpiresAt != nil || rep.Scopes != nil {
		t.Errorf("user/expiry/scopes = %q %v %v", rep.User, rep.ExpiresAt, rep.Scopes)
	}

	// The same user with a PAT for all organizations is fine.
	all := open(t, f.Config(f.Token(vcstest.TokenFull)))
	rep, err = all.CheckAccess(ctx(t), fixtureRepo)
	if err != nil || !rep.OK() {
		t.Fatalf("all-organizations PAT: %v\n%s", err, rep)
	}
	for _, n := range rep.Notes {
		if strings.Contains(n, guideText) {
			t.Errorf("all-organizations PAT got the single-organization note: %s", n)
		}
	}
}

// A PAT for All accessible organizations without the User Profile (Read)
// scope is refused by the account-wide service too, but by name: it must
// not be reported as a single-organization PAT.
func TestAllOrganizationsPATWithoutProfileScope(t *testing.T) {
	f, _ := newFixture(t)
	for _, c := range []struct {
		name   string
		scopes []string
		note   bool
	}{
		{"without User Profile (Read)", azuredevopstest.FullScopes, true},
		{"with User Profile (Read)", append(append([]string{}, azuredevopstest.FullScopes...), azuredevopstest.ScopeProfile), false},
	} {
		p := open(t, f.Config(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: c.scopes})))
		rep, err := p.CheckAccess(ctx(t), fixtureRepo)
		if err != nil {
			t.Fatalf("%s: CheckAccess: %v", c.name, err)
		}
		if !rep.OK() {
			t.Errorf("%s: report is not OK:\n%s", c.name, rep)
		}
		noted := false
		for _, n := range rep.Notes {
			if strings.Contains(n, guideText) || strings.Contains(n, "could not tell") {
				t.Errorf("%s: note %q", c.name, n)
			}
			noted = noted || strings.Contains(n, "lacks the User Profile (Read) scope")
		}
		if noted != c.note {
			t.Errorf("%s: profile-scope note = %t, want %t:\n%s", c.name, noted, c.note, rep)
		}
	}
}

// When the account-wide service refuses the token without naming anyone,
// a single-organization PAT and one without User Profile (Read) look the
// same: the report says so instead of guessing.
func TestAccountWideRefusalWithoutIdentity(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	f.FailRequest(http.MethodGet, "/_apis/profile/profiles/me", 0, http.StatusUnauthorized)
	rep, err := p.CheckAccess(ctx(t), fixtureRepo)
	if err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if hook.Grant != vcs.Unknown || !strings.Contains(hook.Detail, "both") ||
		!strings.Contains(hook.Remediation, "All accessible organizations") || !strings.Contains(hook.Remediation, "User Profile (Read)") {
		t.Errorf("create_webhook = %+v, want unknown, saying both causes and what to check", hook)
	}
	if rep.OK() || rep.Check(vcs.PermReadRepository).Grant != vcs.Granted || rep.Check(vcs.PermWriteComment).Grant != vcs.Granted {
		t.Errorf("report:\n%s", rep)
	}
}

func TestExpiredPATSignInPage(t *testing.T) {
	f, _ := newFixture(t)
	tok := f.Token(vcstest.TokenExpired)

	// The fake answers the way Azure does: 203 and an HTML sign-in page.
	req, _ := http.NewRequest(http.MethodGet, f.URL()+"/_apis/connectionData?api-version=7.1", nil)
	req.SetBasicAuth("", tok)
	req.Header.Set("X-TFS-FedAuthRedirect", "Suppress")
	resp, err := f.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNonAuthoritativeInfo || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("fake answered %d %s, want 203 text/html", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	p := open(t, f.Config(tok))
	calls := map[string]func() error{
		"CheckAccess":   func() error { _, err := p.CheckAccess(ctx(t), fixtureRepo); return err },
		"GetRepository": func() error { _, err := p.GetRepository(ctx(t), fixtureRepo); return err },
		"ReadFile":      func() error { _, err := p.ReadFile(ctx(t), fixtureRepo, "README.md", ""); return err },
		"CreateComment": func() error { _, err := p.CreateComment(ctx(t), fixtureRepo, f.PullRequest(), "x"); return err },
		"ListRepositories": func() error {
			_, err := vcs.Collect(p.ListRepositories(ctx(t)))
			return err
		},
	}
	for name, call := range calls {
		err := call()
		var ve *vcs.Error
		if !errors.Is(err, vcs.ErrUnauthorized) || !errors.As(err, &ve) {
			t.Errorf("%s with an expired PAT = %v, want ErrUnauthorized", name, err)
			continue
		}
		if ve.StatusCode != http.StatusNonAuthoritativeInfo || !strings.Contains(ve.Hint, "expired") || strings.Contains(err.Error(), tok) {
			t.Errorf("%s: error %v (status %d) should name the sign-in page and say what to do", name, err, ve.StatusCode)
		}
	}
}

func TestBadCredentialAnswers(t *testing.T) {
	f, _ := newFixture(t)
	unknown := "1" + f.Token(vcstest.TokenFull)[1:] // "1" is outside the fake's base32 alphabet, so never the real token
	for _, c := range []struct {
		name   string
		mode   azuredevopstest.BadCredentialAnswer
		token  string
		status int
	}{
		{"unknown PAT, default", azuredevopstest.AnswerDefault, unknown, http.StatusUnauthorized},
		{"unknown PAT, sign-in page", azuredevopstest.AnswerSignInPage, unknown, http.StatusNonAuthoritativeInfo},
		{"unknown PAT, redirect", azuredevopstest.AnswerRedirect, unknown, http.StatusFound},
		{"expired PAT, redirect", azuredevopstest.AnswerRedirect, f.Token(vcstest.TokenExpired), http.StatusFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			f.SetBadCredentialAnswer(c.mode)
			defer f.SetBadCredentialAnswer(azuredevopstest.AnswerDefault)
			_, err := open(t, f.Config(c.token)).GetRepository(ctx(t), fixtureRepo)
			var ve *vcs.Error
			if !errors.Is(err, vcs.ErrUnauthorized) || !errors.As(err, &ve) || ve.StatusCode != c.status {
				t.Fatalf("GetRepository = %v, want ErrUnauthorized with HTTP %d", err, c.status)
			}
			if ve.Hint == "" || strings.Contains(err.Error(), c.token) {
				t.Errorf("error %q has no hint or shows the token", err)
			}
		})
	}

	// Without X-TFS-FedAuthRedirect: Suppress the fake redirects, as Azure
	// does; the provider always sends it and gets a 401.
	req, _ := http.NewRequest(http.MethodGet, f.URL()+"/_apis/connectionData?api-version=7.1", nil)
	req.SetBasicAuth("", unknown)
	noFollow := *f.Client()
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "_signin") {
		t.Errorf("without Suppress: %d %s, want a 302 to the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestRevokedPAT(t *testing.T) {
	f, _ := newFixture(t)
	tok := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})
	p := open(t, f.Config(tok))
	if _, err := p.GetRepository(ctx(t), fixtureRepo); err != nil {
		t.Fatal(err)
	}
	f.RevokeToken(tok)
	_, err := p.CheckAccess(ctx(t), fixtureRepo)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrUnauthorized) || !errors.As(err, &ve) || ve.StatusCode != http.StatusUnauthorized || !strings.Contains(ve.Hint, "revoked") {
		t.Errorf("CheckAccess with a revoked PAT = %v", err)
	}
}

func TestMissingScopeNamesTheScope(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenNoComment)))
	_, err := p.CreateComment(ctx(t), fixtureRepo, f.PullRequest(), "hello")
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "Code (Read & write)") {
		t.Errorf("CreateComment without vso.code_write = %v", err)
	}
	p = open(t, f.Config(f.Token(vcstest.TokenNoWebhook)))
	_, err = p.ListWebhooks(ctx(t), fixtureRepo)
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "Service Hooks") {
		t.Errorf("ListWebhooks without vso.hooks = %v", err)
	}
}

func TestRolePermissions(t *testing.T) {
	f, _ := newFixture(t)
	f.AddMember("dev@fabrikam.example", "Dev Contributor", azuredevopstest.RoleContributor)
	f.AddMember("read@fabrikam.example", "Read Only", azuredevopstest.RoleReader)

	contributor := open(t, f.Config(f.CreatePAT("dev@fabrikam.example", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	rep, err := contributor.CheckAccess(ctx(t), fixtureRepo)
	if err != nil {
		t.Fatal(err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	if rep.User != "dev@fabrikam.example" || hook.Grant != vcs.Missing || !strings.Contains(hook.Remediation, "Project Administrator") ||
		rep.Check(vcs.PermWriteComment).Grant != vcs.Granted || rep.Check(vcs.PermReadRepository).Grant != vcs.Granted {
		t.Errorf("contributor report:\n%s", rep)
	}
	_, err = contributor.CreateWebhook(ctx(t), fixtureRepo, vcs.WebhookOptions{URL: vcstest.HookURL, Secret: "s"})
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || ve.StatusCode != http.StatusForbidden || !strings.Contains(ve.Hint, "Edit subscription") {
		t.Errorf("contributor CreateWebhook = %v", err)
	}

	reader := open(t, f.Config(f.CreatePAT("read@fabrikam.example", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	rep, err = reader.CheckAccess(ctx(t), fixtureRepo)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Check(vcs.PermWriteComment); c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "Contribute to pull requests") {
		t.Errorf("reader write_comment = %+v", c)
	}
	_, err = reader.CreateComment(ctx(t), fixtureRepo, f.PullRequest(), "hi")
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || ve.StatusCode != http.StatusForbidden {
		t.Errorf("reader CreateComment = %v", err)
	}
}

type staticSource string

func (s staticSource) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: string(s)}, nil
}

func TestEntraTokenSource(t *testing.T) {
	f, _ := newFixture(t)
	cfg := f.Config("")
	cfg.TokenSource = staticSource(f.Token(vcstest.TokenFull))
	p := open(t, cfg)
	before := f.RequestLog()
	rep, err := p.CheckAccess(ctx(t), fixtureRepo)
	if err != nil || !rep.OK() || rep.TokenKind != "Microsoft Entra access token" {
		t.Fatalf("CheckAccess with a token source: %v\n%s", err, rep)
	}
	// Entra tokens are not bound to an organization: no account-wide call.
	for _, r := range f.RequestLog()[len(before):] {
		if strings.Contains(r, "/_apis/profile/") || strings.Contains(r, "/_apis/accounts") {
			t.Errorf("CheckAccess with an Entra token called %s", r)
		}
	}
}

func TestServerHasNoAccountCheck(t *testing.T) {
	f, _ := newFixture(t, azuredevopstest.WithServer("https://tfs.fabrikam.example/tfs/DefaultCollection"))
	// A PAT bound to the collection is normal on Server.
	tok := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes, Organization: f.Organization()})
	p := open(t, f.Config(tok))
	if p.Instance().Flavor != azuredevops.FlavorServer || p.Instance().APIVersion != azuredevops.APIVersionServer {
		t.Fatalf("instance = %+v", p.Instance())
	}
	rep, err := p.CheckAccess(ctx(t), fixtureRepo)
	if err != nil || !rep.OK() {
		t.Fatalf("CheckAccess on Server: %v\n%s", err, rep)
	}
	for _, n := range rep.Notes {
		if strings.Contains(n, "organization") {
			t.Errorf("Server report has an organization note: %s", n)
		}
	}
}

func TestRateLimit(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))

	// A GET waits for Retry-After and is sent again.
	f.ThrottleNext(1, time.Second)
	start := time.Now()
	if _, err := p.GetRepository(ctx(t), fixtureRepo); err != nil {
		t.Fatalf("GetRepository after a 429: %v", err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the retry did not wait for Retry-After (%s)", d)
	}

	// A POST is not repeated: the caller sees the 429.
	f.ThrottleNext(1, time.Second)
	_, err := p.CreateComment(ctx(t), fixtureRepo, f.PullRequest(), "once")
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrRateLimited) || !errors.As(err, &ve) || ve.RetryAfter != time.Second {
		t.Fatalf("CreateComment during a 429 = %v", err)
	}
	if list, err := p.ListComments(ctx(t), fixtureRepo, f.PullRequest()); err != nil || len(list) != 0 {
		t.Errorf("after a refused POST: %d comments, %v", len(list), err)
	}

	// A wait longer than the policy allows is returned at once.
	f.ThrottleNext(1, 10*time.Minute)
	_, err = p.GetRepository(ctx(t), fixtureRepo)
	if !errors.Is(err, vcs.ErrRateLimited) || !errors.As(err, &ve) || ve.RetryAfter != 10*time.Minute {
		t.Errorf("GetRepository with a 10 minute Retry-After = %v", err)
	}
}

// roundTripper answers every request with a fixed response.
type roundTripper func(*http.Request) *http.Response

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r), nil }

func TestHTMLWithoutContentTypeIsUnauthorized(t *testing.T) {
	cfg := vcs.Config{Kind: vcs.KindAzureDevOps, URL: "https://dev.azure.com/fabrikam", Token: "pat-value"}
	cfg.HTTPClient = &http.Client{Transport: roundTripper(func(r *http.Request) *http.Response {
		if r.Header.Get("X-TFS-FedAuthRedirect") != "Suppress" || r.Header.Get("Authorization") != "Basic OnBhdC12YWx1ZQ==" {
			t.Errorf("request headers: %v", r.Header)
		}
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("<html><body>Sign in</body></html>")), Request: r}
	})}
	_, err := open(t, cfg).GetRepository(ctx(t), fixtureRepo)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrUnauthorized) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "expired") {
		t.Errorf("HTML answer = %v, want ErrUnauthorized", err)
	}
}
