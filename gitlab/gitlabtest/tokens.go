package gitlabtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// AccessLevel is a GitLab member role, with GitLab's numeric values.
type AccessLevel int

// GitLab's roles.
const (
	NoAccess   AccessLevel = 0
	Guest      AccessLevel = 10
	Planner    AccessLevel = 15
	Reporter   AccessLevel = 20
	Developer  AccessLevel = 30
	Maintainer AccessLevel = 40
	Owner      AccessLevel = 50
)

// User is a GitLab user (bot users of project and group access tokens
// included).
type User struct {
	// ID is the user's numeric ID; Username the login.
	ID       int
	Username string // The login.
	// Name is the display name.
	Name string
	// Bot marks the bot users of project and group access tokens.
	Bot bool
	// Admin users may do anything on every project without being members.
	Admin bool
}

// tokenKind tells the fake's kinds of token apart.
type tokenKind string

// Token kinds.
const (
	personalToken tokenKind = "personal"
	projectToken  tokenKind = "project"
	groupToken    tokenKind = "group"
	oauthToken    tokenKind = "oauth"
)

// accessToken is a token the fake accepts.
type accessToken struct {
	ID     int
	Name   string
	Value  string // the secret the client sends
	Kind   tokenKind
	UserID int // the token's user (a bot user for project and group tokens)
	Scopes []string
	// ExpiresAt is the expiry date (midnight UTC, as GitLab stores a date):
	// the token stops working at that instant. Zero: never. OAuth tokens
	// expire to the second.
	ExpiresAt time.Time
	Revoked   bool
	Created   time.Time
}

// TokenOptions describe a token to create.
type TokenOptions struct {
	// Name defaults to "gitprovider".
	Name string
	// Scopes default to ["api"].
	Scopes []string
	// ExpiresAt is truncated to its date in UTC: GitLab tokens expire at
	// 00:00 UTC on their expiry date. Zero means no expiry.
	ExpiresAt time.Time
	// Role is the bot user's role for project and group access tokens
	// (default Maintainer); ignored for personal tokens.
	Role AccessLevel
}

type group struct {
	ID       int
	FullPath string
	members  map[int]AccessLevel
}

// CreateUser adds a user (or returns the existing one).
func (s *Server) CreateUser(username, name string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createUserLocked(username, name, false)
}

func (s *Server) createUserLocked(username, name string, bot bool) *User {
	if u := s.users[strings.ToLower(username)]; u != nil {
		return u
	}
	if name == "" {
		name = username
	}
	u := &User{ID: s.newID(), Username: username, Name: name, Bot: bot}
	s.users[strings.ToLower(username)] = u
	s.userByID[u.ID] = u
	return u
}

// MakeAdmin makes a user an instance administrator.
func (s *Server) MakeAdmin(username string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(username)]
	if u == nil {
		return fmt.Errorf("gitlabtest: no user %q", username)
	}
	u.Admin = true
	return nil
}

// AddMember gives a user a role on a group (inherited by its subgroups and
// projects) or on a project, by full path.
func (s *Server) AddMember(path, username string, role AccessLevel) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(username)]
	if u == nil {
		return fmt.Errorf("gitlabtest: no user %q", username)
	}
	if g := s.groups[strings.ToLower(path)]; g != nil {
		g.members[u.ID] = role
		return nil
	}
	repo, err := s.store.Repo(path)
	if err != nil {
		return fmt.Errorf("gitlabtest: no group or project %q", path)
	}
	s.projects[repo.ID].members[u.ID] = role
	return nil
}

func (s *Server) newToken(kind tokenKind, userID int, o TokenOptions) *accessToken {
	name := o.Name
	if name == "" {
		name = "gitprovider"
	}
	scopes := o.Scopes
	if scopes == nil {
		scopes = []string{"api"}
	}
	t := &accessToken{
		ID: s.newID(), Name: name, Kind: kind, UserID: userID,
		Scopes: append([]string(nil), scopes...), Created: s.Now(),
	}
	if !o.ExpiresAt.IsZero() {
		e := o.ExpiresAt.UTC()
		t.ExpiresAt = time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, time.UTC)
	}
	if kind == oauthToken {
		t.Value = randomHex(32)
	} else {
		t.Value = "glpat-" + randomHex(10)
	}
	s.tokens[t.Value] = t
	return t
}

// CreateProjectAccessToken issues a project access token: GitLab creates a
// bot user (project_ID_bot_…) that is a member of the project with the
// token's role.
func (s *Server) CreateProjectAccessToken(project string, o TokenOptions) (string, error) {
	repo, err := s.store.Repo(project)
	if err != nil {
		return "", fmt.Errorf("gitlabtest: no project %q", project)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bot := s.createUserLocked(fmt.Sprintf("project_%d_bot_%s", repo.ID, randomHex(16)), "Project bot", true)
	s.projects[repo.ID].members[bot.ID] = roleOr(o.Role, Maintainer)
	return s.newToken(projectToken, bot.ID, o).Value, nil
}

// CreateGroupAccessToken issues a group access token: its bot user is a
// member of the group (and so of its subgroups and projects).
func (s *Server) CreateGroupAccessToken(groupPath string, o TokenOptions) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.groups[strings.ToLower(groupPath)]
	if g == nil {
		return "", fmt.Errorf("gitlabtest: no group %q", groupPath)
	}
	bot := s.createUserLocked(fmt.Sprintf("group_%d_bot_%s", g.ID, randomHex(16)), "Group bot", true)
	g.members[bot.ID] = roleOr(o.Role, Maintainer)
	return s.newToken(groupToken, bot.ID, o).Value, nil
}

// CreateOAuthToken issues an OAuth access token of a user, valid for ttl
// (0: two hours, GitLab's default). OAuth tokens are sent as Bearer
// tokens only; GET /oauth/token/info describes them.
func (s *Server) CreateOAuthToken(username string, scopes []string, ttl time.Duration) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(username)]
	if u == nil {
		return "", fmt.Errorf("gitlabtest: no user %q", username)
	}
	if ttl <= 0 {
		ttl = 2 * time.Hour
	}
	t := s.newToken(oauthToken, u.ID, TokenOptions{Name: "oauth", Scopes: scopes})
	t.ExpiresAt = s.Now().Add(ttl).Truncate(time.Second)
	return t.Value, nil
}

// RevokeToken revokes a token.
func (s *Server) RevokeToken(value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[value]
	if t == nil {
		return fmt.Errorf("gitlabtest: no such token")
	}
	t.Revoked = true
	return nil
}

// TokenUser returns the user a token belongs to (the bot user for project
// and group access tokens).
func (s *Server) TokenUser(value string) (*User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[value]
	if t == nil {
		return nil, fmt.Errorf("gitlabtest: no such token")
	}
	u := *s.userByID[t.UserID]
	return &u, nil
}

func roleOr(r, def AccessLevel) AccessLevel {
	if r == NoAccess {
		return def
	}
	return r
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n*2]
}

// caller is who made a request: a token and its user, or nobody.
type caller struct {
	token *accessToken
	user  *User
}

func (c *caller) anonymous() bool { return c.token == nil }

func (c *caller) userID() int {
	if c.user == nil {
		return 0
	}
	return c.user.ID
}

// authenticate finds the request's token. It answers 401 the way GitLab
// does for unknown, expired and revoked tokens.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*caller, bool) {
	value, bearer := r.Header.Get("Private-Token"), false
	if value == "" {
		if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			value, bearer = strings.TrimSpace(v), true
		}
	}
	if value == "" {
		return &caller{}, true
	}
	s.mu.Lock()
	t := s.tokens[value]
	var u *User
	if t != nil {
		u = s.userByID[t.UserID]
	}
	now := s.Now()
	s.mu.Unlock()
	switch {
	case t == nil, t.Kind == oauthToken && !bearer:
		writeError(w, http.StatusUnauthorized, "401 Unauthorized")
	case t.Revoked:
		invalidToken(w, "Token was revoked. You have to re-authorize from the user.")
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		invalidToken(w, "Token is expired. You can either do re-authorization or token refresh.")
	default:
		return &caller{token: t, user: u}, true
	}
	return nil, false
}

func invalidToken(w http.ResponseWriter, desc string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Protected by OAuth 2.0", error="invalid_token", error_description="`+desc+`"`)
	fakehttp.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token", "error_description": desc})
}

// scopeOK reports whether the caller's token has one of scopes, and
// answers 403 insufficient_scope when it has not. Anonymous callers pass:
// visibility decides what they see.
func (s *Server) scopeOK(w http.ResponseWriter, c *caller, scopes ...string) bool {
	if c.anonymous() {
		return true
	}
	for _, sc := range scopes {
		if slices.Contains(c.token.Scopes, sc) {
			return true
		}
	}
	need := strings.Join(scopes, " ")
	w.Header().Set("WWW-Authenticate", `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="`+need+`"`)
	fakehttp.WriteJSON(w, http.StatusForbidden, map[string]string{
		"error":             "insufficient_scope",
		"error_description": "The request requires higher privileges than provided by the access token.",
		"scope":             need,
	})
	return false
}

// Scope sets GitLab's API calls need.
var (
	scopesRead     = []string{"api", "read_api"}
	scopesReadRepo = []string{"api", "read_api", "read_repository"}
	scopesWrite    = []string{"api"}
	scopesUser     = []string{"api", "read_api", "read_user"}
)

type rateWindow struct {
	start time.Time
	count int
}

// rateLimited counts the request against its token's per-minute window,
// sets GitLab's RateLimit-* headers and answers 429 when it is over.
func (s *Server) rateLimited(w http.ResponseWriter, c *caller) bool {
	key := "anonymous"
	if c.token != nil {
		key = c.token.Value
	}
	s.mu.Lock()
	now := s.Now()
	start := now.Truncate(time.Minute)
	win := s.rate[key]
	if win == nil || !win.start.Equal(start) {
		win = &rateWindow{start: start}
		s.rate[key] = win
	}
	win.count++
	limit, count := s.rateLimit, win.count
	s.mu.Unlock()
	reset := start.Add(time.Minute)
	h := w.Header()
	h.Set("RateLimit-Name", "throttle_authenticated_api")
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Observed", strconv.Itoa(count))
	h.Set("RateLimit-Remaining", strconv.Itoa(max(limit-count, 0)))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	h.Set("RateLimit-ResetTime", reset.UTC().Format(http.TimeFormat))
	if limit > 0 && count > limit {
		h.Set("Retry-After", strconv.Itoa(int(reset.Sub(now).Seconds())+1))
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("Retry later\n"))
		return true
	}
	return false
}

// handleUser serves GET /user.
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request, c *caller) {
	if c.anonymous() {
		writeError(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	}
	if !s.scopeOK(w, c, scopesUser...) {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"id": c.user.ID, "username": c.user.Username, "name": c.user.Name, "state": "active",
		"bot": c.user.Bot, "is_admin": c.user.Admin, "locked": false, "avatar_url": nil,
		"web_url": s.webURL(c.user.Username), "created_at": c.token.Created.UTC().Format(time.RFC3339),
	})
}

// handleTokenSelf serves GET /personal_access_tokens/self. It works for
// personal, project and group access tokens; an OAuth token gets 400.
func (s *Server) handleTokenSelf(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	noSelf := s.noSelf
	s.mu.Unlock()
	switch {
	case noSelf:
		writeError(w, http.StatusNotFound, "404 Not Found")
		return
	case c.anonymous():
		writeError(w, http.StatusUnauthorized, "401 Unauthorized")
		return
	case c.token.Kind == oauthToken:
		writeError(w, http.StatusBadRequest, "400 Bad request - This endpoint requires token type to be a personal access token")
		return
	}
	t := c.token
	var expires any
	if !t.ExpiresAt.IsZero() {
		expires = t.ExpiresAt.Format("2006-01-02")
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"id": t.ID, "name": t.Name, "revoked": t.Revoked, "created_at": t.Created.UTC().Format(time.RFC3339),
		"description": nil, "scopes": t.Scopes, "user_id": t.UserID, "last_used_at": s.Now().UTC().Format(time.RFC3339),
		"active": !t.Revoked, "expires_at": expires,
	})
}

// handleTokenInfo serves GET /oauth/token/info (outside /api/v4), which
// describes OAuth tokens only.
func (s *Server) handleTokenInfo(w http.ResponseWriter, r *http.Request, c *caller) {
	if c.anonymous() || c.token.Kind != oauthToken {
		invalidToken(w, "The access token is invalid")
		return
	}
	t := c.token
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"resource_owner_id": t.UserID, "scope": t.Scopes, "scopes": t.Scopes,
		"expires_in":  int(t.ExpiresAt.Sub(s.Now()).Seconds()),
		"application": map[string]string{"uid": "gitlabtest"}, "created_at": t.Created.Unix(),
	})
}
