package bitbuckettest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/internal/apispec"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const (
	repo  = "acme-team/app"
	email = "bot@acme.example"
)

func newServer(t *testing.T) (*bitbuckettest.Server, string) {
	t.Helper()
	s := bitbuckettest.New(bitbuckettest.WithPageSize(2))
	s.AddAccount("bot", "Bot", email)
	if err := s.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{
		"README.md": "hi\n", "a/1.sql": "1\n", "a/b/2.sql": "2\n", "a/b/c/3.sql": "3\n",
	}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Grant(repo, email, vcstest.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	tok, err := s.IssueToken(email, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	if err != nil {
		t.Fatal(err)
	}
	return s, tok
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, c *http.Client, url, user, tok string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if user != "" {
		req.SetBasicAuth(user, tok)
	} else if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

type page struct {
	Pagelen int               `json:"pagelen"`
	Size    int               `json:"size"`
	Page    int               `json:"page"`
	Next    string            `json:"next"`
	Values  []json.RawMessage `json:"values"`
}

func TestPaginationFollowsNext(t *testing.T) {
	s, tok := newServer(t)
	url := bitbuckettest.APIRoot + "/repositories/" + repo + "/src/main/?max_depth=3"
	var entries int
	for pages := 0; url != ""; pages++ {
		a := get(t, s.Client(), url, email, tok)
		if a.status != http.StatusOK {
			t.Fatalf("%s: %d %s", url, a.status, a.body)
		}
		var pg page
		if err := json.Unmarshal(a.body, &pg); err != nil {
			t.Fatal(err)
		}
		if pg.Pagelen != 2 || pg.Size != 6 || len(pg.Values) > 2 {
			t.Errorf("page %d: %+v", pages, pg)
		}
		if pg.Next != "" && !strings.HasPrefix(pg.Next, bitbuckettest.APIRoot+"/") {
			t.Errorf("next %q is not an absolute API URL", pg.Next)
		}
		entries += len(pg.Values)
		url = pg.Next
		if pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	// max_depth=3: README.md, a, a/1.sql, a/b, a/b/2.sql, a/b/c (a/b/c/3.sql
	// is four levels down).
	if entries != 6 {
		t.Errorf("%d entries over every page, want 6", entries)
	}
}

func TestHeadersAndAuth(t *testing.T) {
	s, tok := newServer(t)
	c := s.Client()
	url := bitbuckettest.APIRoot + "/repositories/" + repo
	a := get(t, c, url, email, tok)
	if a.status != http.StatusOK || a.header.Get("X-Credential-Type") != "api_token" || !strings.Contains(a.header.Get("X-OAuth-Scopes"), "read:repository:bitbucket") {
		t.Errorf("API token: %d %v", a.status, a.header)
	}
	if a.header.Get("X-RateLimit-Limit") != "" {
		t.Error("rate-limit headers are for access tokens only")
	}
	if a := get(t, c, url, "someone@else.example", tok); a.status != http.StatusUnauthorized {
		t.Errorf("API token with the wrong email: %d", a.status)
	}
	if a := get(t, c, url, "", ""); a.status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", a.status)
	}
	pw, _ := s.CreateAppPassword("bot")
	if a := get(t, c, url, "bot", pw); a.status != http.StatusUnauthorized || !strings.Contains(string(a.body), "App passwords") {
		t.Errorf("app password: %d %s", a.status, a.body)
	}
	acc, _ := s.CreateAccessToken(bitbuckettest.RepositoryAccessToken, repo, "CI", []string{"repository"}, time.Time{})
	a = get(t, c, url, "", acc)
	if a.status != http.StatusOK || a.header.Get("X-Credential-Type") != "repo_access_token" || a.header.Get("X-RateLimit-Limit") == "" {
		t.Errorf("access token: %d %v", a.status, a.header)
	}
	a = get(t, c, bitbuckettest.APIRoot+"/repositories/"+repo+"/hooks", "", acc)
	if a.status != http.StatusForbidden || !strings.Contains(a.header.Get("X-Accepted-OAuth-Scopes"), "read:webhook:bitbucket") {
		t.Errorf("hooks without the webhook scope: %d %v", a.status, a.header)
	}
	if a := get(t, c, bitbuckettest.APIRoot+"/user", "", acc); a.status != http.StatusForbidden {
		t.Errorf("/user with an access token: %d", a.status)
	}
	expiring, _ := s.IssueToken(email, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes, ExpiresAt: s.Now().Add(time.Minute)})
	if a := get(t, c, url, email, expiring); a.status != http.StatusOK {
		t.Errorf("before expiry: %d", a.status)
	}
	s.Advance(2 * time.Minute)
	if a := get(t, c, url, email, expiring); a.status != http.StatusUnauthorized {
		t.Errorf("after expiry: %d", a.status)
	}
	s.RevokeToken(tok)
	if a := get(t, c, url, email, tok); a.status != http.StatusUnauthorized {
		t.Errorf("revoked: %d", a.status)
	}
}

func TestSrc(t *testing.T) {
	s, tok := newServer(t)
	noFollow := &http.Client{Transport: s.Client().Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base := bitbuckettest.APIRoot + "/repositories/" + repo + "/src"
	a := get(t, noFollow, base, email, tok)
	if a.status != http.StatusFound || !strings.HasPrefix(a.header.Get("Location"), base+"/") {
		t.Errorf("GET src: %d %v", a.status, a.header.Get("Location"))
	}
	a = get(t, s.Client(), base+"/main/a/b/2.sql", email, tok)
	if a.status != http.StatusOK || string(a.body) != "2\n" {
		t.Errorf("raw file: %d %q", a.status, a.body)
	}
	a = get(t, s.Client(), base+"/main/a/b/2.sql?format=meta", email, tok)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"type":"commit_file"`) || !strings.Contains(string(a.body), `"size":2`) {
		t.Errorf("file meta: %d %s", a.status, a.body)
	}
	a = get(t, s.Client(), base+"/main/a?format=meta", email, tok)
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"type":"commit_directory"`) {
		t.Errorf("directory meta: %d %s", a.status, a.body)
	}
	if a := get(t, s.Client(), base+"/main/nope.sql", email, tok); a.status != http.StatusNotFound {
		t.Errorf("missing file: %d", a.status)
	}
	if a := get(t, s.Client(), base+"/nobranch/README.md", email, tok); a.status != http.StatusNotFound {
		t.Errorf("missing ref: %d", a.status)
	}
}

func TestServeHTTPLinksPointAtTheServer(t *testing.T) {
	s, tok := newServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	a := get(t, ts.Client(), ts.URL+"/2.0/user/workspaces", email, tok)
	if a.status != http.StatusOK {
		t.Fatalf("%d %s", a.status, a.body)
	}
	a = get(t, ts.Client(), ts.URL+"/2.0/repositories/"+repo+"/src/main/?max_depth=3", email, tok)
	var pg page
	_ = json.Unmarshal(a.body, &pg)
	if !strings.HasPrefix(pg.Next, ts.URL+"/2.0/") {
		t.Errorf("next %q does not point at the httptest server %s", pg.Next, ts.URL)
	}
}

func TestRateLimit(t *testing.T) {
	s, tok := newServer(t)
	s.RateLimit(2, 30*time.Second)
	url := bitbuckettest.APIRoot + "/repositories/" + repo
	for i := 0; i < 2; i++ {
		a := get(t, s.Client(), url, email, tok)
		if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "30" || !strings.Contains(string(a.body), "Rate limit") {
			t.Errorf("request %d: %d %v %s", i, a.status, a.header, a.body)
		}
	}
	if a := get(t, s.Client(), url, email, tok); a.status != http.StatusOK {
		t.Errorf("after the limit: %d", a.status)
	}
}

func TestHookValidation(t *testing.T) {
	s, tok := newServer(t)
	post := func(body string) int {
		req, _ := http.NewRequest(http.MethodPost, bitbuckettest.APIRoot+"/repositories/"+repo+"/hooks", strings.NewReader(body))
		req.SetBasicAuth(email, tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for body, want := range map[string]int{
		`{"url":"https://x.test/h","events":["pullrequest:created"],"secret":"s"}`: http.StatusCreated,
		`{"url":"not a url","events":["pullrequest:created"]}`:                     http.StatusBadRequest,
		`{"url":"https://x.test/h","events":[]}`:                                   http.StatusBadRequest,
		`{"url":"https://x.test/h","events":["pull_request"]}`:                     http.StatusBadRequest,
	} {
		if got := post(body); got != want {
			t.Errorf("POST hooks %s: %d, want %d", body, got, want)
		}
	}
}

// The cross-workspace lists Atlassian removed answer 410 Gone, as on
// Bitbucket since CHANGE-2770; their replacements work.
func TestRemovedCrossWorkspaceEndpoints(t *testing.T) {
	s, tok := newServer(t)
	c := s.Client()
	for _, path := range []string{"/repositories?role=member", "/user/permissions/repositories", "/user/permissions/workspaces", "/workspaces"} {
		p, _, _ := strings.Cut(path, "?")
		apispec.Exempt(t, http.MethodGet, "/2.0"+p, http.StatusGone,
			"the endpoint was removed (CHANGE-2770); the description still has it, without the 410 the host now answers, and the test asks it on purpose")
		a := get(t, c, bitbuckettest.APIRoot+path, email, tok)
		if a.status != http.StatusGone || !strings.Contains(string(a.body), "CHANGE-2770") {
			t.Errorf("GET %s = %d %s, want 410 naming CHANGE-2770", path, a.status, a.body)
		}
	}
	a := get(t, c, bitbuckettest.APIRoot+"/user/workspaces", email, tok)
	var ws struct {
		Values []struct {
			Type      string `json:"type"`
			Workspace struct {
				Slug string `json:"slug"`
			} `json:"workspace"`
		} `json:"values"`
	}
	if err := json.Unmarshal(a.body, &ws); err != nil || a.status != http.StatusOK || len(ws.Values) != 1 ||
		ws.Values[0].Type != "workspace_access" || ws.Values[0].Workspace.Slug != "acme-team" {
		t.Errorf("GET /user/workspaces = %d %s", a.status, a.body)
	}
	// The role filter narrowed to one repository tells the permission.
	for role, want := range map[string]int{"admin": 1, "contributor": 1, "member": 1} {
		a = get(t, c, bitbuckettest.APIRoot+"/repositories/acme-team?role="+role+"&q="+url.QueryEscape(`full_name="`+repo+`"`), email, tok)
		var pg page
		_ = json.Unmarshal(a.body, &pg)
		if a.status != http.StatusOK || len(pg.Values) != want {
			t.Errorf("role=%s filtered to %s: %d %s", role, repo, a.status, a.body)
		}
	}
	if err := s.Grant(repo, email, vcstest.RoleWrite); err != nil {
		t.Fatal(err)
	}
	a = get(t, c, bitbuckettest.APIRoot+"/repositories/acme-team?role=admin&q="+url.QueryEscape(`full_name="`+repo+`"`), email, tok)
	var pg page
	_ = json.Unmarshal(a.body, &pg)
	if len(pg.Values) != 0 {
		t.Errorf("role=admin lists a repository the user may only write: %s", a.body)
	}
	// Access tokens have no user, hence no workspaces.
	acc, _ := s.CreateAccessToken(bitbuckettest.WorkspaceAccessToken, "acme-team", "CI", bitbuckettest.FullAccessTokenScopes, time.Time{})
	if a := get(t, c, bitbuckettest.APIRoot+"/user/workspaces", "", acc); a.status != http.StatusForbidden {
		t.Errorf("GET /user/workspaces with an access token = %d", a.status)
	}
}

// By default the fake takes an API token as a Bearer token (the suite's
// TokenSource rotation needs it); WithStrictBearer refuses it like
// Bitbucket, and OAuth tokens work either way.
func TestStrictBearer(t *testing.T) {
	for _, strict := range []bool{false, true} {
		var opts []bitbuckettest.Option
		if strict {
			opts = append(opts, bitbuckettest.WithStrictBearer())
		}
		s := bitbuckettest.New(opts...)
		s.AddAccount("bot", "Bot", email)
		if err := s.CreateRepository(repo, vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		_ = s.Grant(repo, email, vcstest.RoleRead)
		apiTok, _ := s.IssueToken(email, vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
		oauthTok, _ := s.CreateOAuthToken(email, bitbuckettest.FullOAuthScopes, time.Time{})
		u := bitbuckettest.APIRoot + "/repositories/" + repo
		wantAPI := http.StatusOK
		if strict {
			wantAPI = http.StatusUnauthorized
		}
		if a := get(t, s.Client(), u, "", apiTok); a.status != wantAPI {
			t.Errorf("strict=%t: API token as Bearer = %d, want %d", strict, a.status, wantAPI)
		}
		if a := get(t, s.Client(), u, "", oauthTok); a.status != http.StatusOK || a.header.Get("X-Credential-Type") != "oauth2" {
			t.Errorf("strict=%t: OAuth token = %d %s", strict, a.status, a.header.Get("X-Credential-Type"))
		}
		if a := get(t, s.Client(), u, email, apiTok); a.status != http.StatusOK {
			t.Errorf("strict=%t: API token as Basic = %d", strict, a.status)
		}
	}
}
