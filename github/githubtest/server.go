// Package githubtest is an in-memory fake of GitHub's REST API, for tests
// of code that uses the github provider (or go-github directly).
//
// A Server keeps repositories with files at branches, tags and commits,
// pull requests with their changed files, comments and webhooks, and
// tokens with classic scopes, fine-grained permissions or GitHub App
// installation permissions, expiry and revocation. It answers with
// GitHub's JSON shapes, status codes (including 404 where GitHub hides a
// missing scope, 403 with X-Accepted-GitHub-Permissions for a missing
// permission, GitHub's 422 errors[] for webhooks), Link-header pagination
// and rate-limit headers and limits. GitHub's caps can be lowered to test
// what happens past them (SetPageSize, SetTreeLimit, SetMaxFileSize,
// SetPullRequestFileLimit, SetRateLimit), and FailNext / FailRequest
// inject failures. Merging a pull request delivers a signed pull_request
// webhook.
//
// Serve it without a network through Client (an httpmock transport), or
// as an http.Handler with httptest:
//
//	srv := githubtest.New()
//	srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "hi"}})
//	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo", "admin:repo_hook"}})
//	p, _ := github.New(srv.Config(tok))
package githubtest

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/vcs"
)

// Server is a fake GitHub. Its methods are safe for concurrent use.
type Server struct {
	// Host supplies the clock, transport, latency and webhook outbox
	// every fake shares (Now, Advance, Client, SetLatency,
	// SetWebhookClient, Deliveries, …).
	kit fakehttp.Host

	store *fakegit.Store

	instance string   // what users put in vcs.Config.URL
	api      *url.URL // API root as clients see it
	web      *url.URL

	mu     sync.Mutex
	tokens map[string]*Token
	roles  map[string]map[string]Role // repo (lower-cased) -> user -> role
	users  map[string]string          // lower-cased login -> login
	// visible caches handleUserRepos' filtered list by caller and
	// repository count, so that each page of a long list costs a page.
	visible   map[string][]int32
	treeLimit int
	fileLimit int               // largest file the contents API serves
	prFiles   int               // most files a pull request lists
	modes     map[string]string // "repo\x00path" -> Git file mode
	failures  []failure
	limit     int // primary rate limit per hour
	remaining int
	resetAt   time.Time
	seq       int
	objects   objectStore // trees and blobs of the Git Data API
	appState  appState    // GitHub Apps and their installations
}

type failure struct {
	method, path string // empty: any request
	status       int
	retryAfter   time.Duration
}

// EnterpriseVersion is the GHES version an Enterprise fake reports in its
// deliveries' X-GitHub-Enterprise-Version (the newest release described by
// the API description the tests check it against).
const EnterpriseVersion = "3.19.0"

// Option configures New.
type Option func(*Server)

// Enterprise makes the fake a GitHub Enterprise Server at host: its API is
// served at https://HOST/api/v3/.
func Enterprise(host string) Option {
	return func(s *Server) {
		s.instance = "https://" + host
		s.api = &url.URL{Scheme: "https", Host: host, Path: "/api/v3/"}
		s.web = &url.URL{Scheme: "https", Host: host, Path: "/"}
	}
}

// Tenant makes the fake the GHE.com tenant TENANT.ghe.com.
func Tenant(tenant string) Option {
	return func(s *Server) {
		s.instance = "https://" + tenant + ".ghe.com"
		s.api = &url.URL{Scheme: "https", Host: "api." + tenant + ".ghe.com", Path: "/"}
		s.web = &url.URL{Scheme: "https", Host: tenant + ".ghe.com", Path: "/"}
	}
}

// New returns an empty fake of GitHub.com (or of the instance an option
// names).
func New(opts ...Option) *Server {
	s := &Server{
		instance:  "https://github.com",
		api:       &url.URL{Scheme: "https", Host: "api.github.com", Path: "/"},
		web:       &url.URL{Scheme: "https", Host: "github.com", Path: "/"},
		tokens:    map[string]*Token{},
		roles:     map[string]map[string]Role{},
		users:     map[string]string{},
		treeLimit: 100000,
		fileLimit: 100 << 20,
		prFiles:   3000,
		modes:     map[string]string{},
		limit:     5000,
	}
	for _, o := range opts {
		o(s)
	}
	s.store = fakegit.NewStore(s.Now)
	s.kit.Serve(s.routes(), s.api.Host)
	return s
}

// URL returns the instance URL to put in vcs.Config.URL.
func (s *Server) URL() string { return s.instance }

// APIURL returns the API root, e.g. https://api.github.com/.
func (s *Server) APIURL() string { return s.api.String() }

// Config returns a config for the fake authenticated with token.
func (s *Server) Config(token string) vcs.Config {
	return vcs.Config{Kind: vcs.KindGitHub, URL: s.instance, Token: token, HTTPClient: s.Client(), Clock: s.Now}
}

// SetTreeLimit caps recursive tree answers at n entries, marking them
// truncated as GitHub does past 100,000 entries.
func (s *Server) SetTreeLimit(n int) {
	s.mu.Lock()
	s.treeLimit = n
	s.mu.Unlock()
}

// SetRateLimit sets what is left of the hour's primary rate limit (5,000
// requests by default). When nothing is left, requests are answered 403
// "API rate limit exceeded" with X-RateLimit-Remaining: 0 until the window
// resets (Advance the clock past X-RateLimit-Reset).
func (s *Server) SetRateLimit(remaining int) {
	s.mu.Lock()
	now := s.Now()
	if !now.Before(s.resetAt) {
		s.resetAt = now.Add(time.Hour)
	}
	s.remaining = remaining
	s.mu.Unlock()
}

// FailNext makes the next n API requests fail with status (e.g. 429,
// 502) and GitHub's error body (a 403 or 429 worded as a secondary rate
// limit) and, when retryAfter > 0, a Retry-After header.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	for range n {
		s.failures = append(s.failures, failure{status: status, retryAfter: retryAfter})
	}
	s.mu.Unlock()
}

// FailRequest makes the next request with method to path (relative to
// the API root, e.g. "repos/octo/app/hooks/0") fail with status. A 403 or
// 429 reads as a secondary rate limit, as GitHub words it.
func (s *Server) FailRequest(method, path string, status int) {
	s.mu.Lock()
	s.failures = append(s.failures, failure{method: method, path: "/" + strings.TrimPrefix(path, "/"), status: status})
	s.mu.Unlock()
}

func (s *Server) nextID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return s.seq
}

// apiPath strips the API root's path prefix: /api/v3 on Enterprise, and
// also when the fake is served by httptest and the client was configured
// with the test server's URL as an Enterprise instance.
func (s *Server) apiPath(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/api/v3/"); ok {
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + rest
			r2.URL.RawPath = ""
			if raw, ok := strings.CutPrefix(r.URL.RawPath, "/api/v3/"); ok {
				r2.URL.RawPath = "/" + raw
			}
			r = r2
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request, *call)) {
		mux.Handle(pattern, s.authed(h))
	}
	handle("GET /user", s.handleUser)
	handle("GET /user/repos", s.handleUserRepos)
	handle("GET /installation/repositories", s.handleInstallationRepos)
	handle("GET /repos/{owner}/{repo}", s.handleRepo)
	handle("GET /repos/{owner}/{repo}/commits", s.handleCommits)
	handle("GET /repos/{owner}/{repo}/contents/{path...}", s.handleContents)
	handle("GET /repos/{owner}/{repo}/git/trees/{sha}", s.handleTree)
	handle("GET /repos/{owner}/{repo}/pulls", s.handlePulls)
	handle("GET /repos/{owner}/{repo}/pulls/{number}", s.handlePull)
	handle("GET /repos/{owner}/{repo}/pulls/{number}/files", s.handlePullFiles)
	handle("PUT /repos/{owner}/{repo}/pulls/{number}/merge", s.handleMerge)
	handle("GET /repos/{owner}/{repo}/issues/{number}/comments", s.handleListComments)
	handle("POST /repos/{owner}/{repo}/issues/{number}/comments", s.handleCreateComment)
	handle("PATCH /repos/{owner}/{repo}/issues/comments/{id}", s.handleEditComment)
	handle("GET /repos/{owner}/{repo}/hooks", s.handleListHooks)
	handle("POST /repos/{owner}/{repo}/hooks", s.handleCreateHook)
	handle("GET /repos/{owner}/{repo}/hooks/{id}", s.handleGetHook)
	handle("PATCH /repos/{owner}/{repo}/hooks/{id}", s.handleEditHook)
	handle("DELETE /repos/{owner}/{repo}/hooks/{id}", s.handleDeleteHook)
	s.writeBackRoutes(handle)
	s.appRoutes(mux)
	s.graphQLRoutes(mux)
	handle("GET /repos/{owner}/{repo}/hooks/{id}/deliveries", s.handleListDeliveries)
	handle("POST /repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}/attempts", s.handleRedeliver)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found")
	})
	return s.apiPath(mux)
}
