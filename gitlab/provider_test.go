package gitlab_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
)

func open(t *testing.T, cfg vcs.Config) vcs.Provider {
	t.Helper()
	p, err := vcs.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func staticSource(tok string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok, TokenType: "Bearer"})
}

// TestParseInstanceURL lists every accepted and rejected form of the
// instance URL.
func TestParseInstanceURL(t *testing.T) {
	for _, tc := range []struct{ in, api, web string }{
		{"", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"  https://gitlab.com  ", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"https://gitlab.com", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"https://gitlab.com/", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"https://gitlab.com/api/v4", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"https://GitLab.com/api/v4/", "https://gitlab.com/api/v4/", "https://gitlab.com/"},
		{"HTTPS://GitLab.Example.com/api/v4/", "https://gitlab.example.com/api/v4/", "https://gitlab.example.com/"},
		{"https://git.example.com:8443", "https://git.example.com:8443/api/v4/", "https://git.example.com:8443/"},
		{"https://host.example/gitlab", "https://host.example/gitlab/api/v4/", "https://host.example/gitlab/"},
		{"https://host.example/gitlab/", "https://host.example/gitlab/api/v4/", "https://host.example/gitlab/"},
		{"https://host.example/gitlab/api/v4", "https://host.example/gitlab/api/v4/", "https://host.example/gitlab/"},
		{"https://host.example/tools/gitlab/api/v4/", "https://host.example/tools/gitlab/api/v4/", "https://host.example/tools/gitlab/"},
		{"http://10.0.0.5/gitlab", "http://10.0.0.5/gitlab/api/v4/", "http://10.0.0.5/gitlab/"},
		{"https://[::1]:8443/gitlab", "https://[::1]:8443/gitlab/api/v4/", "https://[::1]:8443/gitlab/"},
	} {
		api, web, err := gitlab.ParseInstanceURL(tc.in)
		if err != nil {
			t.Errorf("ParseInstanceURL(%q): %v", tc.in, err)
			continue
		}
		if api.String() != tc.api || web.String() != tc.web {
			t.Errorf("ParseInstanceURL(%q) = API %q, web %q; want %q, %q", tc.in, api, web, tc.api, tc.web)
		}
		if strings.TrimSpace(tc.in) != tc.in {
			continue // vcs.Config.Validate refuses white space itself
		}
		// http:// needs the explicit opt-in (TestInsecureHTTP).
		p, err := gitlab.New(vcs.Config{Kind: vcs.KindGitLab, URL: tc.in, Token: "glpat-x", AllowInsecureHTTP: strings.HasPrefix(tc.in, "http://")})
		if err != nil {
			t.Errorf("New(%q): %v", tc.in, err)
			continue
		}
		if p.APIURL() != tc.api || p.InstanceURL() != tc.web {
			t.Errorf("New(%q): API %q, instance %q; want %q, %q", tc.in, p.APIURL(), p.InstanceURL(), tc.api, tc.web)
		}
	}
	for _, bad := range []string{
		"ftp://gitlab.com",                    // scheme
		"gitlab.com",                          // no scheme
		"https://",                            // no host
		"https://user:pw@gitlab.example.com",  // credentials
		"https://gitlab.com/?x=1",             // query
		"https://gitlab.com/?",                // empty query
		"https://gitlab.com/#frag",            // fragment
		"https://gitlab.com/api/v3",           // another API version
		"https://gitlab.com/api",              // a bare API prefix
		"https://gitlab.com/acme/db",          // a project URL pasted as the instance
		"https://host.example/gitlab/api/v3/", // another API version under a relative root
		"https://host.example/api",            // a bare API prefix on self-managed
		"://gitlab.example.com",               // unparsable
	} {
		_, _, err := gitlab.ParseInstanceURL(bad)
		var ve *vcs.Error
		if !errors.Is(err, vcs.ErrInvalidConfig) || !errors.As(err, &ve) {
			t.Errorf("ParseInstanceURL(%q) = %v, want a *vcs.Error matching ErrInvalidConfig", bad, err)
		}
		if _, err := gitlab.New(vcs.Config{Kind: vcs.KindGitLab, URL: bad, Token: "glpat-x"}); !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("New(%q) = %v, want ErrInvalidConfig", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows credentials: %v", err)
		}
	}
}

// recorder records the requests that reach the fake: their headers and
// URLs, and for writes "METHOD URI CONTENT-TYPE BODY".
type recorder struct {
	mu     sync.Mutex
	next   http.RoundTripper
	seen   []http.Header
	urls   []string
	writes []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Header.Clone())
	r.urls = append(r.urls, req.URL.String())
	if req.Method != http.MethodGet && req.Body != nil {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		r.writes = append(r.writes, req.Method+" "+req.URL.RequestURI()+" "+req.Header.Get("Content-Type")+" "+string(body))
	}
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func TestCredentialsHeaders(t *testing.T) {
	s := newSeeded(t)
	rec := &recorder{next: s.srv.Client().Transport}
	cfg := s.srv.Config(s.tok)
	cfg.HTTPClient = &http.Client{Transport: rec}
	if _, err := open(t, cfg).GetRepository(testCtx(t), s.repo); err != nil {
		t.Fatal(err)
	}
	if h := rec.seen[0]; h.Get("Authorization") != "Bearer "+s.tok || h.Get("Private-Token") != "" {
		t.Errorf("static token sent as %v", h)
	}

	rec.seen = nil
	cfg.Token, cfg.TokenSource = "", staticSource(s.tok)
	if _, err := open(t, cfg).GetRepository(testCtx(t), s.repo); err != nil {
		t.Fatal(err)
	}
	if h := rec.seen[0]; h.Get("Authorization") != "Bearer "+s.tok || h.Get("Private-Token") != "" {
		t.Errorf("token source sent as %v", h)
	}
}

// TestCredentialsOnlyToTheAPIHost: the client asked to talk to another
// host gets no token.
func TestCredentialsOnlyToTheAPIHost(t *testing.T) {
	s := newSeeded(t)
	other := gitlabtest.New(gitlabtest.WithURL("https://elsewhere.example.test"))
	rec := &recorder{next: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Host == "elsewhere.example.test" {
			return other.Client().Transport.RoundTrip(r)
		}
		return s.srv.Client().Transport.RoundTrip(r)
	})}
	cfg := s.srv.Config(s.tok)
	cfg.HTTPClient = &http.Client{Transport: rec}
	p, err := gitlab.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(testCtx(t), http.MethodGet, "https://elsewhere.example.test/api/v4/user", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Private-Token", s.tok)
	resp, err := p.Client().HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for i, h := range rec.seen {
		if h.Get("Private-Token") != "" || h.Get("Authorization") != "" {
			t.Errorf("credentials sent to %s", rec.urls[i])
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func count(lines []string, prefix string) int {
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// TestPOSTNotRetried: the GitLab client retries POSTs on 429 and 5xx by
// default; here a failed note or hook is sent once and reported, never
// duplicated, whatever the answer.
func TestPOSTNotRetried(t *testing.T) {
	isPost := func(r *http.Request) bool { return r.Method == http.MethodPost }
	for _, tc := range []struct {
		status int
		kind   error
	}{
		{http.StatusBadGateway, vcs.ErrUnavailable},
		{http.StatusServiceUnavailable, vcs.ErrUnavailable},
		{http.StatusInternalServerError, vcs.ErrUnavailable},
		{http.StatusTooManyRequests, vcs.ErrRateLimited}, // with Retry-After: 1
	} {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			s := newSeeded(t)
			p := s.provider(t, s.tok)
			s.srv.FailMatching(1, tc.status, isPost)
			if _, err := p.CreateComment(testCtx(t), s.repo, s.mr, "once"); !errors.Is(err, tc.kind) {
				t.Fatalf("CreateComment through a %d = %v, want %v", tc.status, err, tc.kind)
			}
			if n := count(s.srv.RequestLog(), "POST "); n != 1 {
				t.Errorf("note POST sent %d times, want 1", n)
			}
			s.srv.FailMatching(1, tc.status, isPost)
			_, err := p.CreateWebhook(testCtx(t), s.repo, vcs.WebhookOptions{URL: "https://hooks.example.test/h", Secret: "s"})
			if !errors.Is(err, tc.kind) {
				t.Fatalf("CreateWebhook through a %d = %v, want %v", tc.status, err, tc.kind)
			}
			if hooks, _ := s.srv.Webhooks(s.repo); len(hooks) != 0 || count(s.srv.RequestLog(), "POST ") != 2 {
				t.Errorf("hooks %d, POSTs %d; want 0 and 2", len(hooks), count(s.srv.RequestLog(), "POST "))
			}
			if notes, _ := s.srv.Comments(s.repo, s.mr); len(notes) != 0 {
				t.Errorf("notes written: %+v", notes)
			}
		})
	}
}

// TestPUTRetried: an update is idempotent, so our policy sends it again
// after a 502, with the same body.
func TestPUTRetried(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	c, err := p.CreateComment(testCtx(t), s.repo, s.mr, "v1")
	if err != nil {
		t.Fatal(err)
	}
	s.srv.FailMatching(1, http.StatusBadGateway, func(r *http.Request) bool { return r.Method == http.MethodPut })
	if got, err := p.UpdateComment(testCtx(t), s.repo, s.mr, c.ID, "v2"); err != nil || got.Body != "v2" {
		t.Fatalf("UpdateComment after one 502 = %+v, %v", got, err)
	}
	if n := count(s.srv.RequestLog(), "PUT "); n != 2 {
		t.Errorf("PUT sent %d times, want 2", n)
	}
}

// TestGETRetried: our policy retries idempotent requests after a 503.
func TestGETRetried(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	s.srv.FailMatching(1, http.StatusServiceUnavailable, func(r *http.Request) bool { return r.Method == http.MethodGet })
	if _, err := p.GetRepository(testCtx(t), s.repo); err != nil {
		t.Fatalf("GetRepository after one 503: %v", err)
	}
	if n := count(s.srv.RequestLog(), "GET "); n != 2 {
		t.Errorf("GET sent %d times, want 2", n)
	}
}

// TestRateLimited: requests within the host's limit pass, even though
// the GitLab client would size a limiter from RateLimit-Limit (burst = a
// third of it, so none for a limit of 2) and refuse them itself: the
// provider turns it off and leaves waiting to the host's 429 and
// Retry-After.
func TestRateLimited(t *testing.T) {
	s := newSeeded(t)
	s.srv.SetRateLimit(2)
	p := s.provider(t, s.tok)
	for i := 0; i < 2; i++ {
		if _, err := p.GetRepository(testCtx(t), s.repo); err != nil {
			t.Fatalf("request %d within the host's limit: %v", i+1, err)
		}
	}
	// The fake's window resets at the next minute of its clock; a context
	// shorter than the wait gets the 429 as ErrRateLimited.
	ctx, cancel := contextWithTimeout(t, 100)
	defer cancel()
	_, err := p.GetRepository(ctx, s.repo)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrRateLimited) || !errors.As(err, &ve) || ve.RetryAfter <= 0 {
		t.Errorf("over the limit: %v", err)
	}
}

func TestRepositoryArguments(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	for _, bad := range []string{"", "/", "noslash", "a//b", "a/../b", "a/b c", "a/b?x", "a/b#c"} {
		if _, err := p.GetRepository(testCtx(t), bad); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("GetRepository(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
	for _, call := range []func() error{
		func() error { _, err := p.GetPullRequest(testCtx(t), s.repo, 0); return err },
		func() error { _, err := p.ListComments(testCtx(t), s.repo, -1); return err },
		func() error { _, err := p.CreateComment(testCtx(t), s.repo, s.mr, "  "); return err },
		func() error { _, err := p.UpdateComment(testCtx(t), s.repo, s.mr, "abc", "x"); return err },
		func() error { _, err := p.UpdateWebhook(testCtx(t), s.repo, "x1", vcs.WebhookOptions{}); return err },
		func() error { return p.DeleteWebhook(testCtx(t), s.repo, "0") },
		func() error { _, err := p.ReadFile(testCtx(t), s.repo, "/", ""); return err },
	} {
		if err := call(); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("bad argument: %v, want ErrInvalidArgument", err)
		}
	}
	long := strings.Repeat("x", gitlab.MaxCommentLength+1)
	if _, err := p.CreateComment(testCtx(t), s.repo, s.mr, long); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("oversized comment: %v", err)
	}
}

func TestSetToken(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, "glpat-wrong")
	if _, err := p.GetRepository(testCtx(t), s.repo); !errors.Is(err, vcs.ErrUnauthorized) {
		t.Fatalf("wrong token: %v", err)
	}
	if err := p.SetToken("with space"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("SetToken with a space: %v", err)
	}
	if err := p.SetToken(s.tok); err != nil {
		t.Fatal(err)
	}
	if _, err := p.GetRepository(testCtx(t), s.repo); err != nil {
		t.Fatal(err)
	}
}
