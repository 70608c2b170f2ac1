package bitbuckettest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// CredentialType is what Bitbucket reports in the x-credential-type
// response header.
type CredentialType string

// Credential types.
const (
	// APIToken is an Atlassian API token (with scopes), sent as Basic
	// credentials with the account's email address.
	APIToken CredentialType = "api_token"
	// RepositoryAccessToken, ProjectAccessToken and WorkspaceAccessToken
	// belong to a repository, project or workspace, not a user; they are
	// sent as Bearer tokens.
	RepositoryAccessToken CredentialType = "repo_access_token"
	ProjectAccessToken    CredentialType = "project_access_token"
	WorkspaceAccessToken  CredentialType = "workspace_access_token"
	// OAuthToken is an OAuth 2.0 access token, sent as a Bearer token.
	OAuthToken CredentialType = "oauth2"
	// AppPassword is a legacy app password (Basic username:password).
	// Atlassian removed app passwords on 2026-07-28: the fake refuses
	// them with 401.
	AppPassword CredentialType = "app_password"
)

func (k CredentialType) isAccessToken() bool {
	return k == RepositoryAccessToken || k == ProjectAccessToken || k == WorkspaceAccessToken
}

// Scopes of Atlassian API tokens and access tokens.
const (
	ScopeReadRepository   = "read:repository:bitbucket"
	ScopeWriteRepository  = "write:repository:bitbucket"
	ScopeAdminRepository  = "admin:repository:bitbucket"
	ScopeReadPullRequest  = "read:pullrequest:bitbucket"
	ScopeWritePullRequest = "write:pullrequest:bitbucket"
	ScopeReadWebhook      = "read:webhook:bitbucket"
	ScopeWriteWebhook     = "write:webhook:bitbucket"
	// ScopeDeleteWebhook is what DELETE …/hooks/{uid} requires (the
	// published description's scopes for that operation).
	ScopeDeleteWebhook = "delete:webhook:bitbucket"
	ScopeReadUser      = "read:user:bitbucket"
	// ScopeReadWorkspace is what the fake requires for GET
	// /2.0/user/workspaces. Bitbucket's reference does not name the API
	// token scope of that endpoint (unconfirmed); read:workspace:bitbucket
	// is the granular scope for workspace reads, and OAuth's "account"
	// covers it as it covered the workspace listings CHANGE-2770 removed.
	ScopeReadWorkspace = "read:workspace:bitbucket"
)

// FullScopes are the scopes the gitprovider workflow needs: read
// repository and pull requests, manage webhooks, write comments.
// read:user:bitbucket names the account in CheckAccess and
// read:workspace:bitbucket lets ListRepositories find the workspaces.
var FullScopes = []string{ScopeReadRepository, ScopeReadPullRequest, ScopeWritePullRequest, ScopeReadWebhook, ScopeWriteWebhook, ScopeDeleteWebhook, ScopeReadUser, ScopeReadWorkspace}

// FullAccessTokenScopes are the permissions a repository, project or
// workspace access token needs for the workflow, by the scope names access
// tokens carry: Repositories Read and Admin (admin covers the webhooks),
// Pull requests Write, Webhooks Read and write.
var FullAccessTokenScopes = []string{"repository", "repository:admin", "pullrequest:write", "webhook"}

// FullOAuthScopes are the same permissions as an OAuth consumer's scopes:
// repository and pull request read and write, webhooks, and account (the
// user and their workspaces).
var FullOAuthScopes = []string{"pullrequest:write", "webhook", "account"}

// implied lists, for each scope an endpoint requires, the scopes that
// satisfy it. Granular scopes stand alone; the older OAuth scope names
// follow Bitbucket's documented hierarchy (pullrequest:write implies
// pullrequest and repository:write, pullrequest implies repository,
// repository:write implies repository).
var implied = map[string][]string{
	ScopeReadRepository:   {ScopeReadRepository, "repository", "repository:write", "pullrequest", "pullrequest:write"},
	ScopeWriteRepository:  {ScopeWriteRepository, "repository:write", "pullrequest:write"},
	ScopeAdminRepository:  {ScopeAdminRepository, "repository:admin"},
	ScopeReadPullRequest:  {ScopeReadPullRequest, "pullrequest", "pullrequest:write"},
	ScopeWritePullRequest: {ScopeWritePullRequest, "pullrequest:write"},
	ScopeReadWebhook:      {ScopeReadWebhook, "webhook"},
	ScopeWriteWebhook:     {ScopeWriteWebhook, "webhook"},
	ScopeDeleteWebhook:    {ScopeDeleteWebhook, "webhook"},
	ScopeReadUser:         {ScopeReadUser, "account"},
	ScopeReadWorkspace:    {ScopeReadWorkspace, "account"},
}

// Permission is a user's permission on a repository.
type Permission string

// Repository permissions.
const (
	PermissionRead  Permission = "read"
	PermissionWrite Permission = "write"
	PermissionAdmin Permission = "admin"
)

func (p Permission) rank() int {
	switch p {
	case PermissionRead:
		return 1
	case PermissionWrite:
		return 2
	case PermissionAdmin:
		return 3
	}
	return 0
}

// User is an Atlassian account.
type User struct {
	AccountID   string // The Atlassian account ID.
	UUID        string // The Bitbucket UUID, in braces.
	Nickname    string // The public name, used in URLs.
	DisplayName string // The full name.
	Email       string // The Atlassian account email: the Basic user name of API tokens.
}

type token struct {
	value     string
	kind      CredentialType
	user      *User // nil for access tokens
	name      string
	resource  string // access tokens: "ws/slug", "ws/PROJECT" or "ws"
	scopes    []string
	expiresAt time.Time
	revoked   bool
	bot       *User // access tokens act as a bot user named after the token
}

type principal struct {
	tok *token
}

// actor is the user the principal acts as (the bot for access tokens).
func (p *principal) actor() *User {
	if p.tok.user != nil {
		return p.tok.user
	}
	return p.tok.bot
}

func (p *principal) has(scope string) bool {
	for _, ok := range implied[scope] {
		if slices.Contains(p.tok.scopes, ok) {
			return true
		}
	}
	return false
}

// AddAccount adds an Atlassian account with every field set.
func (s *Server) AddAccount(nickname, displayName, email string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(nickname, displayName, email)
}

func (s *Server) addUserLocked(nickname, displayName, email string) *User {
	s.seq++
	u := &User{
		AccountID:   fmt.Sprintf("557058:%08x-0000-4000-8000-%012x", s.seq, s.seq*7919),
		UUID:        fmt.Sprintf("{%08x-1111-4000-8000-%012x}", s.seq, s.seq*6007),
		Nickname:    nickname,
		DisplayName: displayName,
		Email:       email,
	}
	s.users = append(s.users, u)
	cp := *u
	return &cp
}

func (s *Server) userLocked(emailOrNick string) *User {
	for _, u := range s.users {
		if strings.EqualFold(u.Email, emailOrNick) || u.Nickname == emailOrNick || u.AccountID == emailOrNick {
			return u
		}
	}
	return nil
}

func (s *Server) newTokenValue(prefix string) string {
	s.seq++
	h := sha256.Sum256([]byte(fmt.Sprintf("bitbuckettest:%d:%d", s.seq, s.Now().UnixNano())))
	return prefix + hex.EncodeToString(h[:20])
}

// CreateOAuthToken creates an OAuth 2.0 access token acting as the user.
func (s *Server) CreateOAuthToken(email string, scopes []string, expiresAt time.Time) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(email)
	if u == nil {
		return "", fmt.Errorf("bitbuckettest: no user with email %q", email)
	}
	t := &token{value: s.newTokenValue("oauth-"), kind: OAuthToken, user: u, scopes: append([]string(nil), scopes...), expiresAt: expiresAt}
	s.tokens[t.value] = t
	return t.value, nil
}

// CreateAppPassword creates a legacy app password for the user. It exists
// to show how they fail: every request with it answers 401, as on
// Bitbucket after 2026-07-28.
func (s *Server) CreateAppPassword(nickname string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(nickname)
	if u == nil {
		return "", fmt.Errorf("bitbuckettest: no user %q", nickname)
	}
	t := &token{value: s.newTokenValue("ATBB"), kind: AppPassword, user: u}
	s.tokens[t.value] = t
	return t.value, nil
}

// CreateAccessToken creates a repository, project or workspace access
// token named name for resource ("workspace/slug", "workspace/PROJECTKEY"
// or "workspace"), with scopes. The token acts as a bot user named after
// it.
func (s *Server) CreateAccessToken(kind CredentialType, resource, name string, scopes []string, expiresAt time.Time) (string, error) {
	if !kind.isAccessToken() {
		return "", fmt.Errorf("bitbuckettest: %q is not an access token type", kind)
	}
	parts := strings.Split(resource, "/")
	if (kind == WorkspaceAccessToken) != (len(parts) == 1) || len(parts) > 2 {
		return "", fmt.Errorf("bitbuckettest: resource %q does not fit a %s", resource, kind)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	bot := s.addUserLocked(strings.ToLower(strings.ReplaceAll(name, " ", "-")), name, "")
	t := &token{value: s.newTokenValue("ATCTT3x"), kind: kind, name: name, resource: resource, scopes: append([]string(nil), scopes...), expiresAt: expiresAt, bot: s.userLocked(bot.AccountID)}
	s.tokens[t.value] = t
	return t.value, nil
}

// RevokeToken revokes a token: it answers 401 from then on.
func (s *Server) RevokeToken(tok string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tokens[tok]
	if t == nil {
		return errors.New("bitbuckettest: no such token")
	}
	t.revoked = true
	return nil
}

// authenticate finds the principal of a request, or the status and
// message to refuse it with.
func (s *Server) authenticate(r *http.Request) (*principal, int, string) {
	const bad = "Token is invalid, expired, or not supported for this endpoint."
	auth := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(auth, " ")
	s.mu.Lock()
	defer s.mu.Unlock()
	var t *token
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, http.StatusUnauthorized, bad
		}
		user, secret, _ := strings.Cut(string(raw), ":")
		t = s.tokens[secret]
		if t == nil || t.user == nil {
			return nil, http.StatusUnauthorized, bad
		}
		if t.kind == AppPassword {
			return nil, http.StatusUnauthorized, "App passwords are no longer supported. Use an API token instead."
		}
		// API tokens authenticate with the account's email address.
		if !strings.EqualFold(user, t.user.Email) {
			return nil, http.StatusUnauthorized, bad
		}
	case "bearer":
		// Access tokens and OAuth tokens are Bearer tokens.
		//
		// Deviation from Bitbucket: the fake also takes an Atlassian API
		// token sent as a Bearer token, which Bitbucket refuses (API
		// tokens are Basic email:token only). The conformance suite
		// rotates tokens through an oauth2.TokenSource, which the provider
		// sends as Bearer, with the same tokens it uses as static ones;
		// accepting them keeps one token set for both. Use
		// WithStrictBearer to refuse them as Bitbucket does, and
		// CreateOAuthToken for real OAuth tokens.
		t = s.tokens[cred]
		if t == nil || t.kind == AppPassword || (t.kind == APIToken && s.strictBearer) {
			return nil, http.StatusUnauthorized, bad
		}
	default:
		return nil, http.StatusUnauthorized, "Authentication required"
	}
	if t.revoked || (!t.expiresAt.IsZero() && !s.Now().Before(t.expiresAt)) {
		return nil, http.StatusUnauthorized, bad
	}
	return &principal{tok: t}, 0, ""
}

// requireScopes answers 403 the Bitbucket way (x-accepted-oauth-scopes and
// the granted / required detail) unless p has every scope.
func requireScopes(w http.ResponseWriter, p *principal, scopes ...string) bool {
	var missing []string
	for _, sc := range scopes {
		if !p.has(sc) {
			missing = append(missing, sc)
		}
	}
	if len(missing) == 0 {
		return true
	}
	w.Header().Set("X-Accepted-OAuth-Scopes", strings.Join(missing, ", "))
	writeJSONError(w, http.StatusForbidden, map[string]any{
		"message": "Your credentials lack one or more required privilege scopes.",
		"detail":  map[string]any{"granted": p.tok.scopes, "required": missing},
	})
	return false
}

func writeJSONError(w http.ResponseWriter, status int, errObj map[string]any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = jsonEncode(w, map[string]any{"type": "error", "error": errObj})
}

// permissionLocked is p's permission on the repository ("" for none). An
// access token's permission follows from its scopes on the repositories
// its resource covers.
func (s *Server) permissionLocked(p *principal, full string) Permission {
	key := strings.ToLower(full)
	t := p.tok
	if t.kind.isAccessToken() {
		ws, _, _ := strings.Cut(key, "/")
		res := strings.ToLower(t.resource)
		covered := false
		switch t.kind {
		case RepositoryAccessToken:
			covered = res == key
		case WorkspaceAccessToken:
			covered = res == ws
		case ProjectAccessToken:
			covered = res == ws+"/"+strings.ToLower(s.projects[key])
		}
		if !covered {
			return ""
		}
		switch {
		case p.has(ScopeAdminRepository):
			return PermissionAdmin
		case p.has(ScopeWriteRepository):
			return PermissionWrite
		default:
			return PermissionRead
		}
	}
	return s.perms[key][t.user.AccountID]
}
