// Package bitbuckettest is an in-memory fake of the Bitbucket Cloud REST
// API (https://api.bitbucket.org/2.0), for tests of the bitbucket provider
// and of servers that use it.
//
// The fake speaks Bitbucket's JSON shapes and status codes: workspaces and
// repositories with read / write / admin permissions, Atlassian API tokens
// (Basic email:token), repository / project / workspace access tokens and
// OAuth tokens (Bearer) with Bitbucket's scopes, expiry and revocation, the
// x-credential-type / x-oauth-scopes / x-accepted-oauth-scopes headers,
// body "next"-URL pagination capped at pagelen 100, src (raw files and
// directory listings), pull requests with a diffstat reached through a 302
// redirect, comments, webhooks with secrets, signed webhook deliveries and
// 429 rate limiting with Retry-After. The cross-workspace endpoints
// Atlassian removed (CHANGE-2770) answer 410 Gone; GET /2.0/user/workspaces
// replaces them.
//
// One deliberate deviation: the fake accepts an Atlassian API token sent
// as a Bearer token (Bitbucket accepts it only as Basic email:token), so
// that one set of tokens serves the conformance suite's static and
// oauth2.TokenSource credentials. WithStrictBearer turns that off.
//
// Requests reach the fake through Client (an httpmock transport, no
// network) or through ServeHTTP (for httptest.Server).
package bitbuckettest

import (
	"context"
	"encoding/json"
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

// APIHost is the host the fake answers for through Client.
const APIHost = "api.bitbucket.org"

// APIRoot is the API root the fake serves.
const APIRoot = "https://" + APIHost + "/2.0"

// DefaultPageLen is Bitbucket's default pagelen; MaxPageLen the largest it
// accepts (more is a 400).
const (
	DefaultPageLen = 10
	MaxPageLen     = 100
)

// Server is a fake Bitbucket Cloud.
type Server struct {
	// Host supplies the clock, transport, latency and webhook outbox
	// every fake shares (Now, Advance, Client, SetLatency,
	// SetWebhookClient, Deliveries, …).
	kit fakehttp.Host

	store *fakegit.Store
	mux   *http.ServeMux

	mu       sync.Mutex
	seq      int
	users    []*User
	tokens   map[string]*token
	perms    map[string]map[string]Permission // repo (lower) -> account ID -> permission
	projects map[string]string                // repo (lower) -> project key
	comments map[int]*commentMeta             // comment ID -> Bitbucket-only state
	prUsers  map[string]*User                 // "repo#number" -> author

	limited     int // requests still to answer with limitStatus
	limitStatus int
	retryAfter  time.Duration

	strictBearer bool
	configURL    *string // what Config puts in vcs.Config.URL, when set
}

// Option configures a Server.
type Option func(*Server)

// WithPageSize caps every page at n items, whatever pagelen asks for.
func WithPageSize(n int) Option { return func(s *Server) { s.SetPageSize(n) } }

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.SetLatency(d) } }

// WithStrictBearer makes the fake refuse Atlassian API tokens sent as
// Bearer tokens (401), as Bitbucket does. By default the fake accepts
// them, so that the same tokens serve as static (Basic) and
// oauth2.TokenSource (Bearer) credentials in the conformance suite.
func WithStrictBearer() Option { return func(s *Server) { s.strictBearer = true } }

// WithConfigURL makes Config put u in vcs.Config.URL instead of
// "https://bitbucket.org", to test another form an admin may enter (""
// for the provider's default, "https://api.bitbucket.org/2.0", …).
func WithConfigURL(u string) Option { return func(s *Server) { s.configURL = &u } }

// WithTime stops the fake's clock at t (it moves only with Advance).
func WithTime(t time.Time) Option { return func(s *Server) { s.StopClock(t) } }

// New returns an empty fake Bitbucket Cloud.
func New(opts ...Option) *Server {
	s := &Server{
		tokens:   map[string]*token{},
		perms:    map[string]map[string]Permission{},
		projects: map[string]string{},
		comments: map[int]*commentMeta{},
		prUsers:  map[string]*User{},
	}
	s.store = fakegit.NewStore(s.Now)
	s.mux = http.NewServeMux()
	s.routes()
	s.kit.Serve(http.HandlerFunc(s.serve), APIHost)
	for _, o := range opts {
		o(s)
	}
	return s
}

func (s *Server) routes() {
	const repo = "/2.0/repositories/{ws}/{slug}"
	h := map[string]http.HandlerFunc{
		"GET /2.0/user":                                        s.handleUser,
		"GET /2.0/user/workspaces":                             s.handleUserWorkspaces,
		"GET /2.0/user/permissions/repositories":               s.handleRemoved,
		"GET /2.0/user/permissions/workspaces":                 s.handleRemoved,
		"GET /2.0/repositories":                                s.handleRemoved,
		"GET /2.0/workspaces":                                  s.handleRemoved,
		"GET /2.0/repositories/{ws}":                           s.handleListRepos,
		"GET " + repo:                                          s.handleGetRepo,
		"GET " + repo + "/refs/branches/{name...}":             s.handleRef,
		"GET " + repo + "/refs/tags/{name...}":                 s.handleRef,
		"GET " + repo + "/src":                                 s.handleSrcRoot,
		"GET " + repo + "/src/{commit}":                        s.handleSrc,
		"GET " + repo + "/src/{commit}/{path...}":              s.handleSrc,
		"GET " + repo + "/pullrequests":                        s.handleListPulls,
		"GET " + repo + "/pullrequests/{id}":                   s.handleGetPull,
		"GET " + repo + "/pullrequests/{id}/diffstat":          s.handlePullDiffstat,
		"GET " + repo + "/diffstat/{spec...}":                  s.handleDiffstat,
		"GET " + repo + "/pullrequests/{id}/comments":          s.handleListComments,
		"POST " + repo + "/pullrequests/{id}/comments":         s.handleCreateComment,
		"GET " + repo + "/pullrequests/{id}/comments/{cid}":    s.handleGetComment,
		"PUT " + repo + "/pullrequests/{id}/comments/{cid}":    s.handleUpdateComment,
		"DELETE " + repo + "/pullrequests/{id}/comments/{cid}": s.handleDeleteComment,
		"GET " + repo + "/hooks":                               s.handleListHooks,
		"POST " + repo + "/hooks":                              s.handleCreateHook,
		"GET " + repo + "/hooks/{uid}":                         s.handleGetHook,
		"PUT " + repo + "/hooks/{uid}":                         s.handleUpdateHook,
		"DELETE " + repo + "/hooks/{uid}":                      s.handleDeleteHook,
	}
	h["GET /2.0/user/workspaces/{ws}/permissions/repositories"] = s.handleUserRepoPermissions
	s.writeBackRoutes(h)
	for pattern, fn := range h {
		s.mux.HandleFunc(pattern, fn)
	}
}

// URL returns the instance URL to put in vcs.Config.
func (s *Server) URL() string { return "https://bitbucket.org" }

// Config returns a provider config for the fake with token: Kind, URL,
// HTTPClient and Clock, and Username (the account email) when token is an
// Atlassian API token, which Bitbucket takes as Basic credentials.
func (s *Server) Config(tok string) vcs.Config {
	cfg := vcs.Config{Kind: vcs.KindBitbucket, URL: s.URL(), Token: tok, HTTPClient: s.Client(), Clock: s.Now}
	if s.configURL != nil {
		cfg.URL = *s.configURL
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tokens[tok]; t != nil && t.user != nil && (t.kind == APIToken || t.kind == AppPassword) {
		cfg.Username = t.user.Email
		if t.kind == AppPassword {
			cfg.Username = t.user.Nickname
		}
	}
	return cfg
}

// RateLimit makes the next n API requests answer 429 "Rate limit for this
// resource has been exceeded" with a Retry-After of retryAfter, as
// Bitbucket does when the rolling hourly limit is spent.
func (s *Server) RateLimit(n int, retryAfter time.Duration) {
	s.FailNext(n, http.StatusTooManyRequests, retryAfter)
}

// FailNext makes the next n API requests answer status with Bitbucket's
// error body and, when retryAfter > 0, a Retry-After header (a 429 is
// worded as Bitbucket words its rate limit).
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	s.limited, s.limitStatus, s.retryAfter = n, status, retryAfter
	s.mu.Unlock()
}

type ctxKey struct{}

// serve applies rate limiting and authentication, then routes.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Request-UUID", s.uuid(false))
	s.mu.Lock()
	limited := s.limited > 0
	if limited {
		s.limited--
	}
	wait, status := s.retryAfter, s.limitStatus
	s.mu.Unlock()
	if limited {
		if wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		}
		msg := http.StatusText(status)
		if status == http.StatusTooManyRequests {
			msg = "Rate limit for this resource has been exceeded"
		}
		writeError(w, status, msg)
		return
	}
	p, status, msg := s.authenticate(r)
	if status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="Bitbucket.org HTTP"`)
		}
		writeError(w, status, msg)
		return
	}
	w.Header().Set("X-Credential-Type", string(p.tok.kind))
	w.Header().Set("X-OAuth-Scopes", strings.Join(p.tok.scopes, ", "))
	if p.tok.kind.isAccessToken() {
		// Bitbucket sends rate-limit headers to access tokens only.
		w.Header().Set("X-RateLimit-Limit", "1000")
		w.Header().Set("X-RateLimit-Resource", "api")
		w.Header().Set("X-RateLimit-NearLimit", "false")
	}
	s.mux.ServeHTTP(&notFoundWriter{ResponseWriter: w}, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
}

// notFoundWriter turns the mux's plain-text 404 and 405 into Bitbucket's
// JSON error.
type notFoundWriter struct {
	http.ResponseWriter
	swallow bool
}

func (n *notFoundWriter) WriteHeader(code int) {
	if (code == http.StatusNotFound || code == http.StatusMethodNotAllowed) && n.Header().Get("Content-Type") == "text/plain; charset=utf-8" {
		n.swallow = true
		n.Header().Set("Content-Type", "application/json; charset=utf-8")
		n.ResponseWriter.WriteHeader(code)
		msg := "Resource not found"
		if code == http.StatusMethodNotAllowed {
			msg = "Method not allowed"
		}
		b, _ := json.Marshal(errorBody(msg))
		_, _ = n.ResponseWriter.Write(append(b, '\n'))
		return
	}
	n.ResponseWriter.WriteHeader(code)
}

func (n *notFoundWriter) Write(b []byte) (int, error) {
	if n.swallow {
		return len(b), nil
	}
	return n.ResponseWriter.Write(b)
}

func principalOf(r *http.Request) *principal {
	p, _ := r.Context().Value(ctxKey{}).(*principal)
	return p
}

func errorBody(msg string) map[string]any {
	return map[string]any{"type": "error", "error": map[string]any{"message": msg}}
}

func writeError(w http.ResponseWriter, status int, msg string) {
	fakehttp.WriteJSON(w, status, errorBody(msg))
}

// uuid returns a new Bitbucket-style UUID, with braces when braced.
func (s *Server) uuid(braced bool) string {
	s.mu.Lock()
	s.seq++
	n := s.seq
	s.mu.Unlock()
	u := fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", 0x5eed0000+n, n%0xffff, n%0xfff, (n*7)%0xfff, n*104729)
	if braced {
		return "{" + u + "}"
	}
	return u
}

// baseURL is the scheme and host the client addressed, for "next" links.
func baseURL(r *http.Request) string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host
}

// writePage answers with one page of items the Bitbucket way: pagelen,
// page, size, values and absolute next / previous URLs in the body.
func writePage[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) {
	page, per, ok := pageParams(s, w, r)
	if !ok {
		return
	}
	start, end := fakehttp.Bounds(page, per, len(items))
	writePageOf(w, r, page, per, len(items), items[start:end])
}

// pageParams reads page and pagelen, answering a 400 (and ok false) for
// values Bitbucket refuses.
func pageParams(s *Server, w http.ResponseWriter, r *http.Request) (page, per int, ok bool) {
	q := r.URL.Query()
	per = DefaultPageLen
	if v := q.Get("pagelen"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid pagelen: "+v)
			return 0, 0, false
		}
		if n > MaxPageLen {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid pagelen: %d exceeds the maximum of %d", n, MaxPageLen))
			return 0, 0, false
		}
		per = n
	}
	per = s.kit.PageCap(per)
	page = 1
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid page: "+v)
			return 0, 0, false
		}
		page = n
	}
	return page, per, true
}

// writePageOf answers with values, page number page of a list of total
// items at per a page: a handler that can count its list without
// building it hands over only the page.
func writePageOf[T any](w http.ResponseWriter, r *http.Request, page, per, total int, values []T) {
	if values == nil {
		values = []T{} // an empty page is [], never null
	}
	body := map[string]any{"pagelen": per, "page": page, "size": total, "values": values}
	link := func(p int) string {
		u, _ := url.Parse(baseURL(r))
		u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
		qq := r.URL.Query()
		qq.Set("page", strconv.Itoa(p))
		u.RawQuery = qq.Encode()
		return u.String()
	}
	if page*per < total {
		body["next"] = link(page + 1)
	}
	if page > 1 {
		body["previous"] = link(page - 1)
	}
	fakehttp.WriteJSON(w, http.StatusOK, body)
}

// storeError answers with the status a fakegit error stands for.
func storeError(w http.ResponseWriter, err error, what string) {
	switch {
	case err == nil:
	case isNotFound(err):
		writeError(w, http.StatusNotFound, what+" not found")
	case isConflict(err):
		writeError(w, http.StatusBadRequest, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "Something went wrong")
	}
}

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000-07:00") }
