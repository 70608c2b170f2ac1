// Package azuredevopstest is an in-memory fake of the Azure DevOps REST API
// for tests, served through an httpmock transport (Client) or as an
// http.Handler (ServeHTTP, for httptest.Server).
//
// It models one organization (or, with WithServer, one Azure DevOps Server
// collection) with projects, Git repositories, the items API, pull
// requests with iterations and their changes, comment threads, service-hook
// subscriptions with Basic-authenticated deliveries, and the security
// permission evaluation. It speaks Azure's JSON shapes, status codes,
// continuation tokens and $top/$skip paging, and its auth rules:
//
//   - personal access tokens with scopes (vso.code, vso.code_write,
//     vso.hooks, vso.hooks_write, vso.project, … and app_token for full
//     access), an expiry, revocation, and either one organization or All
//     accessible organizations;
//   - users with a role (Reader, Contributor, Project Administrator) that
//     decides their permissions;
//   - a PAT that lacks a scope gets the same 401 as a bad PAT, as on Azure;
//     a user without a permission gets 403;
//   - an unknown or revoked PAT gets 401 (302 to the sign-in page when the
//     client does not send X-TFS-FedAuthRedirect: Suppress), an expired PAT
//     gets a 203 with an HTML sign-in page (SetBadCredentialAnswer changes
//     this);
//   - the account-wide profile and accounts calls on
//     app.vssps.visualstudio.com need vso.profile (a PAT without it gets
//     the 401 of a missing scope, naming its user), and do not know a PAT
//     made for one organization (401 naming the anonymous identity);
//   - every authenticated answer names the caller in X-VSS-UserData.
//
// Simplifications: a Bearer token is looked up among the PATs (it stands
// for a Microsoft Entra token of the PAT's user with the PAT's scopes); the
// permission evaluation folds the PAT's scopes into the user's
// permissions; every call needs an api-version (7.1 at most, 7.0 for a
// Server collection; "-preview" where Azure requires it).
package azuredevopstest

import (
	"crypto/sha1"
	"encoding/hex"
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

// VSSPSHost is the account-wide host of Azure DevOps Services.
const VSSPSHost = "app.vssps.visualstudio.com"

// BadCredentialAnswer selects how the fake answers credentials it does not
// accept.
type BadCredentialAnswer int

// Answers to bad credentials.
const (
	// AnswerDefault: 401 JSON for a missing, unknown or revoked PAT (302 to
	// the sign-in page when the request lacks X-TFS-FedAuthRedirect:
	// Suppress), 203 with an HTML sign-in page for an expired one.
	AnswerDefault BadCredentialAnswer = iota
	// AnswerSignInPage: 203 with an HTML sign-in page for every rejected
	// credential.
	AnswerSignInPage
	// AnswerRedirect: 302 to the sign-in page for every rejected
	// credential, whatever the request's headers.
	AnswerRedirect
)

type urlForm int

const (
	formDevAzure urlForm = iota
	formLegacy
	formServer
)

// Server is a fake Azure DevOps organization.
type Server struct {
	// Host supplies the clock, transport, latency and webhook outbox
	// every fake shares (Now, Advance, Client, SetLatency,
	// SetWebhookClient, Deliveries, …).
	kit fakehttp.Host

	mu sync.Mutex

	org       string
	form      urlForm
	serverURL *url.URL // WithServer: the collection URL
	store     *fakegit.Store

	badCreds       BadCredentialAnswer
	throttleLeft   int
	throttleAfter  time.Duration
	throttleStatus int

	faults []*fault

	seq          int
	instanceID   string
	accountID    string
	users        map[string]*User // by lower-cased unique name
	defaultUser  *User
	pats         map[string]*pat
	projects     []*project
	repos        map[string]*repoInfo // by lower-cased "project/repo"
	prs          map[int]*prInfo
	nextPR       int
	nextThread   int
	subs         []*subscriptionRec
	notification int
	// completionOrder: see SetCompletionOrder.
	completionOrder []string
	// speculative: see SetSpeculativeMerges.
	speculative bool
}

// Option configures New.
type Option func(*Server)

// WithOrganization names the organization (default "fabrikam").
func WithOrganization(name string) Option { return func(s *Server) { s.org = name } }

// WithLegacyURL makes URL return the legacy https://{org}.visualstudio.com
// form. The fake answers both Services URL forms either way.
func WithLegacyURL() Option { return func(s *Server) { s.form = formLegacy } }

// WithServer makes the fake an Azure DevOps Server collection at
// collectionURL (https://HOST/{collection} or https://HOST/tfs/{collection}),
// which speaks api-version 7.0 and has no account-wide host.
func WithServer(collectionURL string) Option {
	return func(s *Server) {
		u, err := url.Parse(strings.TrimSuffix(collectionURL, "/"))
		if err != nil || u.Host == "" {
			panic("azuredevopstest: bad server URL " + collectionURL)
		}
		s.form, s.serverURL = formServer, u
		parts := strings.Split(strings.Trim(u.Path, "/"), "/")
		s.org = parts[len(parts)-1]
	}
}

// DefaultUser is the unique name of the user New creates, a Project
// Administrator.
const DefaultUser = "jamal@fabrikam.example"

// New returns an empty fake organization with DefaultUser.
func New(opts ...Option) *Server {
	s := &Server{
		org:   "fabrikam",
		users: map[string]*User{}, pats: map[string]*pat{},
		repos: map[string]*repoInfo{}, prs: map[int]*prInfo{},
		nextPR: 1, nextThread: 1,
	}
	for _, o := range opts {
		o(s)
	}
	s.store = fakegit.NewStore(s.Now)
	s.instanceID, s.accountID = s.guid("instance"), s.guid("account")
	s.defaultUser = s.AddMember(DefaultUser, "Jamal Hartnett", RoleProjectAdministrator)
	var hosts []string
	switch s.form {
	case formServer:
		hosts = []string{s.serverURL.Host}
	default:
		hosts = []string{"dev.azure.com", strings.ToLower(s.org) + ".visualstudio.com", VSSPSHost}
	}
	s.kit.Serve(http.HandlerFunc(s.handle), hosts...)
	return s
}

// URL returns the organization (or collection) URL to put in vcs.Config.
func (s *Server) URL() string {
	switch s.form {
	case formLegacy:
		return "https://" + strings.ToLower(s.org) + ".visualstudio.com"
	case formServer:
		return s.serverURL.String()
	}
	return "https://dev.azure.com/" + s.org
}

// baseURL is URL with a trailing slash, for links in answers.
func (s *Server) baseURL() string { return s.URL() + "/" }

// Organization returns the organization (or collection) name.
func (s *Server) Organization() string { return s.org }

// Config returns a config for the fake with token (a PAT).
func (s *Server) Config(token string) vcs.Config {
	return vcs.Config{Kind: vcs.KindAzureDevOps, URL: s.URL(), Token: token, HTTPClient: s.Client(), Clock: s.Now}
}

// SetBadCredentialAnswer selects how rejected credentials are answered.
func (s *Server) SetBadCredentialAnswer(a BadCredentialAnswer) {
	s.mu.Lock()
	s.badCreds = a
	s.mu.Unlock()
}

// ThrottleNext answers the next n API requests with 429, Retry-After and
// Azure's X-RateLimit-* headers, as Azure does when a user exceeds its
// resource usage.
func (s *Server) ThrottleNext(n int, retryAfter time.Duration) {
	s.FailNext(n, http.StatusTooManyRequests, retryAfter)
}

// FailNext makes the next n API requests answer status with Azure's
// error body and, when retryAfter > 0, a Retry-After header; a 429 is
// Azure's throttling answer, with its X-RateLimit-* headers.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	s.throttleLeft, s.throttleStatus, s.throttleAfter = n, status, retryAfter
	s.mu.Unlock()
}

type fault struct {
	method, path string
	skip, status int
}

// FailRequest makes one request fail with status (and an Azure error body):
// the first request with method whose path contains pathContains after
// skip such requests have been answered normally. Use it to test what a
// client does when a host fails in the middle of a sequence.
func (s *Server) FailRequest(method, pathContains string, skip, status int) {
	s.mu.Lock()
	s.faults = append(s.faults, &fault{method: method, path: pathContains, skip: skip, status: status})
	s.mu.Unlock()
}

// injected answers a request FailRequest asked to fail.
func (s *Server) injected(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.method != r.Method || !strings.Contains(r.URL.Path, f.path) {
			continue
		}
		if f.skip > 0 {
			f.skip--
			return false
		}
		s.faults = append(s.faults[:i], s.faults[i+1:]...)
		writeError(w, f.status, "InjectedFailureException", "The fake was asked to fail this request.")
		return true
	}
	return false
}

// guid returns a fresh, deterministic GUID. Callers hold mu or are in New.
func (s *Server) guid(salt string) string {
	s.seq++
	h := sha1.Sum([]byte(fmt.Sprintf("%s:%s:%d", s.org, salt, s.seq)))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func azTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

// request is one API request being served.
type request struct {
	w       http.ResponseWriter
	r       *http.Request
	segs    []string
	user    *User
	pat     *pat
	version string
	preview bool
}

func (q *request) query(k string) string { return q.r.URL.Query().Get(k) }

// writeJSON answers with v.
func (q *request) json(status int, v any) {
	q.w.Header().Set("Content-Type", "application/json; charset=utf-8; api-version="+q.version)
	q.w.WriteHeader(status)
	_ = json.NewEncoder(q.w).Encode(v)
}

// fail answers with Azure's error JSON.
func (q *request) fail(status int, typeKey, format string, args ...any) {
	writeError(q.w, status, typeKey, fmt.Sprintf(format, args...))
}

func writeError(w http.ResponseWriter, status int, typeKey, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"$id": "1", "innerException": nil, "message": msg,
		"typeName": "Microsoft.TeamFoundation." + typeKey + ", Microsoft.TeamFoundation.Server.Core",
		"typeKey":  typeKey, "errorCode": 0, "eventId": 3000,
	})
}

// handle is the fake's http.Handler.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("ActivityId", s.locked(func() string { return s.guid("activity") }))
	w.Header().Set("X-VSS-E2EID", w.Header().Get("ActivityId"))
	if s.throttled(w) || s.injected(w, r) {
		return
	}
	host := strings.ToLower(r.Host)
	if host == "" {
		host = strings.ToLower(r.URL.Host)
	}
	segs, ok := splitPath(r.URL.EscapedPath())
	if !ok {
		writeError(w, http.StatusBadRequest, "InvalidPathException", "the request path is not valid")
		return
	}
	vssps := false
	switch {
	case s.form == formServer:
		prefix, _ := splitPath(s.serverURL.EscapedPath())
		if !hasPrefixFold(segs, prefix) {
			writeError(w, http.StatusNotFound, "CollectionDoesNotExistException", "TF400898: the project collection does not exist at this URL")
			return
		}
		segs = segs[len(prefix):]
	case host == VSSPSHost:
		vssps = true
	case host == "dev.azure.com":
		if len(segs) == 0 || !strings.EqualFold(segs[0], s.org) {
			writeError(w, http.StatusNotFound, "AccountNotFoundException", "VS800075: The organization could not be found")
			return
		}
		segs = segs[1:]
	case host == strings.ToLower(s.org)+".visualstudio.com":
		if len(segs) > 0 && strings.EqualFold(segs[0], "DefaultCollection") {
			segs = segs[1:]
		}
	default:
		// Served through httptest: the path starts with the organization.
		if len(segs) > 0 && strings.EqualFold(segs[0], s.org) {
			segs = segs[1:]
		}
	}
	q := &request{w: w, r: r, segs: segs}
	if !s.checkVersion(q) {
		return
	}
	if !s.authenticate(q, vssps) {
		return
	}
	if vssps {
		s.routeVSSPS(q)
		return
	}
	s.route(q)
}

func (s *Server) locked(f func() string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f()
}

func (s *Server) throttled(w http.ResponseWriter) bool {
	s.mu.Lock()
	if s.throttleLeft <= 0 {
		s.mu.Unlock()
		return false
	}
	s.throttleLeft--
	wait, status := s.throttleAfter, s.throttleStatus
	s.mu.Unlock()
	secs := int(wait.Round(time.Second) / time.Second)
	h := w.Header()
	if status != http.StatusTooManyRequests {
		if wait > 0 {
			h.Set("Retry-After", strconv.Itoa(secs))
		}
		writeError(w, status, "VssServiceException", http.StatusText(status))
		return true
	}
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("X-RateLimit-Resource", "ATCPU")
	h.Set("X-RateLimit-Delay", strconv.FormatFloat(wait.Seconds(), 'f', 3, 64))
	h.Set("X-RateLimit-Limit", "200")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(s.Now().Add(wait).Unix(), 10))
	writeError(w, http.StatusTooManyRequests, "RequestBlockedException",
		"TF400733: Request was blocked due to exceeding usage of resource 'ATCPU' in namespace 'User'.")
	return true
}

func splitPath(escaped string) ([]string, bool) {
	var out []string
	for _, p := range strings.Split(escaped, "/") {
		if p == "" {
			continue
		}
		u, err := url.PathUnescape(p)
		if err != nil {
			return nil, false
		}
		out = append(out, u)
	}
	return out, true
}

func hasPrefixFold(segs, prefix []string) bool {
	if len(segs) < len(prefix) {
		return false
	}
	for i, p := range prefix {
		if !strings.EqualFold(segs[i], p) {
			return false
		}
	}
	return true
}

// match reports whether segs fits pattern ("*" matches any segment,
// literals compare case-insensitively) and returns the wildcard segments.
func match(segs []string, pattern ...string) ([]string, bool) {
	if len(segs) != len(pattern) {
		return nil, false
	}
	var caps []string
	for i, p := range pattern {
		if p == "*" {
			caps = append(caps, segs[i])
		} else if !strings.EqualFold(p, segs[i]) {
			return nil, false
		}
	}
	return caps, true
}

// checkVersion enforces api-version: present, not above what the instance
// speaks, with "-preview" on preview endpoints.
func (s *Server) checkVersion(q *request) bool {
	v := q.query("api-version")
	if v == "" {
		q.fail(http.StatusBadRequest, "VssVersionNotSpecifiedException", "No api-version was supplied for the %s request. Supply the version in the api-version query parameter, e.g. api-version=7.1.", q.r.Method)
		return false
	}
	num, suffix, _ := strings.Cut(v, "-")
	q.preview = strings.HasPrefix(strings.ToLower(suffix), "preview")
	maxV := 7.1
	if s.form == formServer {
		maxV = 7.0
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || (suffix != "" && !q.preview) {
		q.fail(http.StatusBadRequest, "VssInvalidApiVersionException", "The api-version %q is not valid.", v)
		return false
	}
	if f > maxV+1e-9 {
		q.fail(http.StatusBadRequest, "VssVersionOutOfRangeException", "The requested REST API version of %s is out of range for this server. The latest REST API version this server supports is %.1f.", num, maxV)
		return false
	}
	q.version = v
	return true
}

// route dispatches an organization request.
func (s *Server) route(q *request) {
	m, segs := q.r.Method, q.segs
	if _, ok := match(segs, "_apis", "connectionData"); ok && m == http.MethodGet {
		s.serveConnectionData(q)
		return
	}
	if _, ok := match(segs, "_apis", "projects"); ok && m == http.MethodGet {
		s.serveProjects(q)
		return
	}
	if c, ok := match(segs, "_apis", "projects", "*"); ok && m == http.MethodGet {
		s.serveProject(q, c[0])
		return
	}
	if _, ok := match(segs, "_apis", "security", "permissionevaluationbatch"); ok && m == http.MethodPost {
		s.servePermissionEvaluation(q)
		return
	}
	if _, ok := match(segs, "_apis", "hooks", "subscriptions"); ok {
		switch m {
		case http.MethodGet:
			s.serveListSubscriptions(q)
		case http.MethodPost:
			s.serveCreateSubscription(q)
		default:
			q.fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", m)
		}
		return
	}
	if c, ok := match(segs, "_apis", "hooks", "subscriptions", "*"); ok {
		switch m {
		case http.MethodGet:
			s.serveGetSubscription(q, c[0])
		case http.MethodPut:
			s.serveReplaceSubscription(q, c[0])
		case http.MethodDelete:
			s.serveDeleteSubscription(q, c[0])
		default:
			q.fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", m)
		}
		return
	}
	// Git: {project}/_apis/git/repositories[/{repo}/…], or
	// _apis/git/repositories[/{repoGUID}/…] without a project.
	project := ""
	rest := segs
	if len(segs) >= 1 && !strings.EqualFold(segs[0], "_apis") {
		project, rest = segs[0], segs[1:]
	}
	if len(rest) < 3 || !strings.EqualFold(rest[0], "_apis") || !strings.EqualFold(rest[1], "git") || !strings.EqualFold(rest[2], "repositories") {
		q.fail(http.StatusNotFound, "RouteNotFound", "The resource %s could not be found.", q.r.URL.Path)
		return
	}
	rest = rest[3:]
	if len(rest) == 0 {
		if m != http.MethodGet {
			q.fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", m)
			return
		}
		s.serveListRepos(q, project)
		return
	}
	ri, ok := s.findRepo(q, project, rest[0])
	if !ok {
		return
	}
	s.routeRepo(q, ri, rest[1:])
}

func (s *Server) routeRepo(q *request, ri *repoInfo, rest []string) {
	m := q.r.Method
	get := m == http.MethodGet
	switch {
	case len(rest) == 0 && get:
		s.serveRepo(q, ri)
	case len(rest) == 1 && strings.EqualFold(rest[0], "items") && get:
		s.serveItems(q, ri)
	case len(rest) == 1 && strings.EqualFold(rest[0], "itemsbatch") && m == http.MethodPost:
		s.serveItemsBatch(q, ri)
	case len(rest) == 1 && strings.EqualFold(rest[0], "blobs") && m == http.MethodPost:
		s.serveBlobsZip(q, ri)
	case len(rest) == 1 && strings.EqualFold(rest[0], "pullrequests") && get:
		s.servePRList(q, ri)
	case len(rest) >= 2 && strings.EqualFold(rest[0], "pullrequests"):
		id, err := strconv.Atoi(rest[1])
		if err != nil {
			q.fail(http.StatusBadRequest, "ArgumentException", "The pull request ID %q is not valid.", rest[1])
			return
		}
		pr, ok := s.findPR(q, ri, id)
		if !ok {
			return
		}
		s.routePR(q, pr, rest[2:])
	default:
		if !s.routeWriteBack(q, ri, rest) {
			q.fail(http.StatusNotFound, "RouteNotFound", "The resource %s could not be found.", q.r.URL.Path)
		}
	}
}

func (s *Server) routePR(q *request, pr *prInfo, rest []string) {
	m := q.r.Method
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		s.servePR(q, pr)
	case len(rest) == 1 && strings.EqualFold(rest[0], "iterations") && m == http.MethodGet:
		s.serveIterations(q, pr)
	case len(rest) == 3 && strings.EqualFold(rest[0], "iterations") && strings.EqualFold(rest[2], "changes") && m == http.MethodGet:
		it, err := strconv.Atoi(rest[1])
		if err != nil {
			q.fail(http.StatusBadRequest, "ArgumentException", "The iteration ID %q is not valid.", rest[1])
			return
		}
		s.serveChanges(q, pr, it)
	case len(rest) == 1 && strings.EqualFold(rest[0], "threads") && m == http.MethodGet:
		s.serveThreads(q, pr)
	case len(rest) == 1 && strings.EqualFold(rest[0], "threads") && m == http.MethodPost:
		s.serveCreateThread(q, pr)
	case len(rest) == 2 && strings.EqualFold(rest[0], "threads") && m == http.MethodGet:
		s.serveThread(q, pr, rest[1])
	case len(rest) == 4 && strings.EqualFold(rest[0], "threads") && strings.EqualFold(rest[2], "comments") && m == http.MethodPatch:
		s.serveUpdateComment(q, pr, rest[1], rest[3])
	default:
		q.fail(http.StatusNotFound, "RouteNotFound", "The resource %s could not be found.", q.r.URL.Path)
	}
}

// routeVSSPS dispatches an account-wide request.
func (s *Server) routeVSSPS(q *request) {
	if q.r.Method != http.MethodGet {
		q.fail(http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '%s'.", q.r.Method)
		return
	}
	if c, ok := match(q.segs, "_apis", "profile", "profiles", "*"); ok {
		s.serveProfile(q, c[0])
		return
	}
	if _, ok := match(q.segs, "_apis", "accounts"); ok {
		s.serveAccounts(q)
		return
	}
	q.fail(http.StatusNotFound, "RouteNotFound", "The resource %s could not be found.", q.r.URL.Path)
}
