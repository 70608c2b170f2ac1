// Package gitlabtest is an in-memory fake of the GitLab REST API (v4), for
// testing code that talks to GitLab.com or a self-managed GitLab instance
// without a network.
//
// The fake speaks GitLab's JSON shapes, status codes and pagination
// (page/per_page with Link and x-next-page headers, keyset pagination for
// projects and trees), enforces GitLab's permission model (token scopes,
// member roles inherited through groups, project visibility, token expiry
// and revocation) and sends RateLimit-* headers. Merging, closing or
// opening a merge request delivers a "Merge Request Hook" to the project's
// webhooks, with the X-Gitlab-Token header and, for webhooks that have a
// signing token, the GitLab 19 Standard Webhooks signature headers.
//
// Serve it through Client (an httpmock transport, no sockets) or as an
// http.Handler with net/http/httptest:
//
//	srv := gitlabtest.New(gitlabtest.WithURL("https://git.example.test/gitlab"))
//	err := srv.CreateRepository("acme/platform/db", vcstest.RepositoryOptions{Files: files})
//	err = srv.Grant("acme/platform/db", "bot", vcstest.RoleAdmin) // Maintainer
//	tok, err := srv.IssueToken("bot", vcstest.TokenOptions{})  // scope api
//	cfg := srv.Config(tok) // a vcs.Config for the gitlab provider
//
// Server has the test-kit methods common to the four fakes
// (vcstest.Host) and GitLab's own: CreateProject, AddMember (groups and
// every GitLab role), CreateProjectAccessToken, CreateGroupAccessToken,
// CreateOAuthToken, …
package gitlabtest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/vcs"
)

// DefaultURL is the instance URL of a fake made without WithURL.
const DefaultURL = "https://gitlab.com"

// Version is the GitLab version the fake reports in webhook User-Agents.
const Version = "19.0.0"

// Server is a fake GitLab instance. It is safe for concurrent use.
type Server struct {
	// Host supplies the clock, transport, latency and webhook outbox
	// every fake shares (Now, Advance, Client, SetLatency,
	// SetWebhookClient, Deliveries, …).
	kit fakehttp.Host

	base  *url.URL // instance URL, without a trailing slash
	store *fakegit.Store

	mu           sync.Mutex
	rateLimit    int
	rate         map[string]*rateWindow
	users        map[string]*User // by lower-cased username
	userByID     map[int]*User
	groups       map[string]*group       // by lower-cased full path
	projects     map[int]*project        // by fakegit repo ID
	tokens       map[string]*accessToken // by secret value
	nextID       int
	noSelf       bool // /personal_access_tokens/self answers 404 (GitLab < 15.5)
	noSigning    bool // signing_token is ignored (GitLab < 19 or flag off)
	maxDiffFiles int  // the instance's "Maximum diff files" limit
	countLimit   int  // offset lists above it omit their totals (0: DefaultCountLimit)
	blockLocal   bool // webhook URLs in the local network are refused
	faults       []*fault
	configURL    string // what Config puts in vcs.Config.URL, when set
}

// Option configures New.
type Option func(*Server)

// WithURL sets the instance URL, e.g. "https://gitlab.example.com" or
// "https://host/gitlab" for an instance under a relative URL root. The API
// is served below it at /api/v4.
func WithURL(instance string) Option {
	return func(s *Server) {
		u, err := url.Parse(strings.TrimRight(instance, "/"))
		if err != nil || u.Host == "" {
			panic(fmt.Sprintf("gitlabtest: bad instance URL %q", instance))
		}
		s.base = u
	}
}

// WithConfigURL makes Config put u in vcs.Config.URL instead of the
// instance URL, to test another form of it an admin may enter (with
// /api/v4, a trailing slash, …).
func WithConfigURL(u string) Option { return func(s *Server) { s.configURL = u } }

// WithoutTokenSelf makes GET /personal_access_tokens/self answer 404, as
// GitLab before 15.5 does.
func WithoutTokenSelf() Option { return func(s *Server) { s.noSelf = true } }

// WithoutSigningTokens makes the fake ignore webhook signing tokens, as
// GitLab before 19.0 (or with the webhook_signing_token flag off) does:
// deliveries then carry only X-Gitlab-Token.
func WithoutSigningTokens() Option { return func(s *Server) { s.noSigning = true } }

// BlockLocalWebhooks makes the fake refuse webhook URLs on localhost or in
// a private network with 422 "url is blocked", as GitLab does unless an
// administrator allows requests to the local network. The fake allows them
// by default, so that httptest receivers work.
func BlockLocalWebhooks() Option { return func(s *Server) { s.blockLocal = true } }

// New returns an empty fake GitLab instance.
func New(opts ...Option) *Server {
	s := &Server{
		rateLimit:    2000,
		rate:         map[string]*rateWindow{},
		users:        map[string]*User{},
		userByID:     map[int]*User{},
		groups:       map[string]*group{},
		projects:     map[int]*project{},
		tokens:       map[string]*accessToken{},
		nextID:       100,
		maxDiffFiles: DefaultDiffMaxFiles,
	}
	s.base, _ = url.Parse(DefaultURL)
	for _, o := range opts {
		o(s)
	}
	s.store = fakegit.NewStore(s.Now)
	s.kit.Serve(http.HandlerFunc(s.serve), s.base.Host)
	return s
}

// URL returns the instance URL to put in vcs.Config.URL.
func (s *Server) URL() string { return s.base.String() }

// APIURL returns the API root, the instance URL followed by /api/v4/.
func (s *Server) APIURL() string { return s.base.String() + "/api/v4/" }

// Config returns a config for the gitlab provider that talks to the fake
// with token.
func (s *Server) Config(token string) vcs.Config {
	u := s.URL()
	if s.configURL != "" {
		u = s.configURL
	}
	return vcs.Config{
		Kind:       vcs.KindGitLab,
		URL:        u,
		Token:      token,
		HTTPClient: s.Client(),
		Clock:      s.Now,
	}
}

// SetRateLimit sets how many requests one token may make per minute of
// the fake's clock before it answers 429 (GitLab.com: 2,000).
func (s *Server) SetRateLimit(perMinute int) {
	s.mu.Lock()
	s.rateLimit = perMinute
	s.mu.Unlock()
}

// DefaultDiffMaxFiles is GitLab's default "Maximum diff files" limit.
const DefaultDiffMaxFiles = 1000

// SetDiffMaxFiles sets the instance's "Maximum diff files" limit (Admin >
// Settings > General > Diff limits; GitLab's default 1,000, at most
// 3,000). A merge request that changes more files keeps only the first n
// in its diff: GET …/merge_requests/:iid/diffs lists those, and the merge
// request's changes_count reads "n+".
func (s *Server) SetDiffMaxFiles(n int) {
	s.mu.Lock()
	s.maxDiffFiles = n
	s.mu.Unlock()
}

type fault struct {
	match      func(*http.Request) bool
	status     int
	retryAfter time.Duration
	left       int
}

// FailNext makes the next n API requests answer status with a
// GitLab-style error body and, when retryAfter > 0, a Retry-After header
// (a 429 always has one), to test retries and error handling.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{status: status, retryAfter: retryAfter, left: n})
	s.mu.Unlock()
}

// FailMatching makes the next n requests that match answer status with a
// GitLab-style error body. A nil match matches every request.
func (s *Server) FailMatching(n, status int, match func(r *http.Request) bool) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{match: match, status: status, left: n})
	s.mu.Unlock()
}

func (s *Server) takeFault(r *http.Request) (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.left > 0 && (f.match == nil || f.match(r)) {
			f.left--
			return f.status, f.retryAfter
		}
	}
	return 0, 0
}

// perPage returns page and per_page of a request, capped by GitLab's 100
// and the configured page size.
func (s *Server) perPage(r *http.Request) (page, per int) {
	page, per = fakehttp.PageParams(r, "per_page", 20, 100)
	return page, s.kit.PageCap(per)
}

// publicBase is the scheme and host the client used, for links.
func publicBase(r *http.Request) *url.URL {
	u := &url.URL{Scheme: r.URL.Scheme, Host: r.URL.Host}
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	return u
}

// webURL is the web address of a path on the instance.
func (s *Server) webURL(p string) string { return s.base.String() + "/" + p }

func (s *Server) newID() int {
	s.nextID++
	return s.nextID
}

// serve routes one request. Paths are matched on their escaped form, one
// segment at a time, so a project's URL-encoded full path
// (group%2Fsub%2Fproject) and a file's encoded path stay one segment.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.base.EscapedPath())
	if !ok {
		// GitLab answers an unknown URL with a JSON 404, as it does a missing resource.
		writeError(w, http.StatusNotFound, "404 Not found")
		return
	}
	if status, wait := s.takeFault(r); status != 0 {
		switch {
		case wait > 0:
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		case status == http.StatusTooManyRequests:
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, status, http.StatusText(status))
		return
	}
	if rest == "/oauth/token/info" && r.Method == http.MethodGet {
		if c, ok := s.authenticate(w, r); ok {
			s.handleTokenInfo(w, r, c)
		}
		return
	}
	if rest == "/api/graphql" && r.Method == http.MethodPost {
		if c, ok := s.authenticate(w, r); ok && !s.rateLimited(w, c) {
			s.handleGraphQL(w, r, c)
		}
		return
	}
	api, ok := strings.CutPrefix(rest, "/api/v4/")
	if !ok {
		// GitLab answers an unknown URL with a JSON 404, as it does a missing resource.
		writeError(w, http.StatusNotFound, "404 Not found")
		return
	}
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if s.rateLimited(w, c) {
		return
	}
	raw := strings.Split(strings.TrimSuffix(api, "/"), "/")
	seg := make([]string, len(raw))
	for i, p := range raw {
		seg[i] = unescape(p)
	}
	get, m := r.Method == http.MethodGet, r.Method
	match := func(n int, head ...string) bool {
		if len(seg) != n {
			return false
		}
		for i, h := range head {
			if h != "*" && seg[i] != h {
				return false
			}
		}
		return true
	}
	switch {
	case get && match(1, "user"):
		s.handleUser(w, r, c)
	case get && match(2, "personal_access_tokens", "self"):
		s.handleTokenSelf(w, r, c)
	case get && match(1, "projects"):
		s.handleProjects(w, r, c)
	case get && match(2, "projects"):
		s.handleProject(w, r, c, seg[1])
	case get && match(6, "projects", "*", "repository", "files", "*", "raw"):
		s.handleFile(w, r, c, seg[1], seg[4], true)
	case get && match(5, "projects", "*", "repository", "files"):
		s.handleFile(w, r, c, seg[1], seg[4], false)
	case get && match(4, "projects", "*", "repository", "tree"):
		s.handleTree(w, r, c, seg[1])
	case get && match(3, "projects", "*", "merge_requests"):
		s.handleMergeRequests(w, r, c, seg[1])
	case get && match(4, "projects", "*", "merge_requests"):
		s.handleMergeRequest(w, r, c, seg[1], seg[3])
	case get && match(5, "projects", "*", "merge_requests", "*", "diffs"):
		s.handleDiffs(w, r, c, seg[1], seg[3])
	case get && match(5, "projects", "*", "merge_requests", "*", "notes"):
		s.handleNotes(w, r, c, seg[1], seg[3])
	case m == http.MethodPost && match(5, "projects", "*", "merge_requests", "*", "notes"):
		s.handleCreateNote(w, r, c, seg[1], seg[3])
	case (get || m == http.MethodPut) && match(6, "projects", "*", "merge_requests", "*", "notes"):
		s.handleNote(w, r, c, seg[1], seg[3], seg[5])
	case (get || m == http.MethodPost) && match(3, "projects", "*", "hooks"):
		s.handleHooks(w, r, c, seg[1])
	case (get || m == http.MethodPut || m == http.MethodDelete) && match(4, "projects", "*", "hooks"):
		s.handleHook(w, r, c, seg[1], seg[3])
	case get && match(5, "projects", "*", "hooks", "*", "events"):
		s.handleHookEvents(w, r, c, seg[1], seg[3])
	case m == http.MethodPost && match(7, "projects", "*", "hooks", "*", "events", "*", "resend"):
		s.handleHookEventResend(w, r, c, seg[1], seg[3], seg[5])
	default:
		if !s.serveWriteBack(w, r, c, seg) {
			fakehttp.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
		}
	}
}
