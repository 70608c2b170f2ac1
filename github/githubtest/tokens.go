package githubtest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// Token is an access token the fake accepts.
type Token struct {
	// Value is the token string; AddToken generates one when empty
	// (ghp_… for classic, github_pat_… for fine-grained).
	Value string
	// User is the login the token acts as.
	User string
	// Scopes are a classic token's scopes (reported in X-OAuth-Scopes).
	Scopes []string
	// FineGrained marks a fine-grained token: Permissions apply instead
	// of Scopes, and no X-OAuth-Scopes header is sent.
	FineGrained bool
	// Installation marks a GitHub App installation token (ghs_…): it acts
	// as the app (User is the app's bot login, e.g. "my-app[bot]"), has
	// Permissions like a fine-grained token but needs no repository role,
	// has no GET /user (403) and lists its repositories through GET
	// /installation/repositories.
	Installation bool
	// Permissions of a fine-grained or installation token: "contents",
	// "pull_requests", "issues", "webhooks" (GitHub's API name
	// "repository_hooks" works too) mapped to "read" or "write".
	Permissions map[string]string
	// Repositories limits a fine-grained or installation token to these
	// full paths; empty means all repositories of the user (or every
	// repository, for an installation).
	Repositories []string
	// ExpiresAt is the expiry; zero means the token never expires.
	ExpiresAt time.Time
	// Revoked tokens are rejected.
	Revoked bool
}

// Role is a user's role on a repository.
type Role string

// Repository roles.
const (
	RoleAdmin Role = "admin"
	RoleWrite Role = "write"
	RoleRead  Role = "read"
)

// AddToken registers a token and returns its value.
func (s *Server) AddToken(t Token) string {
	if t.Value == "" {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		prefix := "ghp_"
		switch {
		case t.Installation:
			prefix = "ghs_"
		case t.FineGrained:
			prefix = "github_pat_"
		}
		t.Value = prefix + hex.EncodeToString(b)
	}
	if t.Installation && t.User == "" {
		t.User = "app[bot]"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := t
	s.tokens[t.Value] = &cp
	return t.Value
}

func (s *Server) role(repo, user string) Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roles[strings.ToLower(repo)][user]
}

// call is an authenticated request.
type call struct {
	tok  Token
	user string
}

// scoped reports whether the token is judged by permissions rather than
// classic scopes.
func (c *call) scoped() bool { return c.tok.FineGrained || c.tok.Installation }

func (c *call) has(scopes ...string) bool {
	for _, want := range scopes {
		for _, h := range c.tok.Scopes {
			if h == want {
				return true
			}
		}
	}
	return false
}

// authed authenticates the request, answers failures as GitHub does and
// adds the headers GitHub puts on every authenticated answer.
func (s *Server) authed(h func(w http.ResponseWriter, r *http.Request, c *call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.failNext(w, r) {
			return
		}
		value := r.Header.Get("Authorization")
		value = strings.TrimPrefix(strings.TrimPrefix(value, "Bearer "), "token ")
		now := s.Now()
		s.mu.Lock()
		tok := s.tokens[value]
		var t Token
		if tok != nil {
			t = *tok
		}
		if !now.Before(s.resetAt) {
			s.remaining, s.resetAt = s.limit, now.Add(time.Hour)
		}
		limited := s.remaining == 0
		if !limited {
			s.remaining--
		}
		remaining, reset := s.remaining, s.resetAt
		s.mu.Unlock()
		w.Header().Set("X-RateLimit-Limit", strconv.Itoa(s.limit))
		w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-RateLimit-Used", strconv.Itoa(s.limit-remaining))
		w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		w.Header().Set("X-RateLimit-Resource", "core")
		w.Header().Set("X-GitHub-Request-Id", "FAKE:"+strconv.Itoa(s.nextID()))
		if limited {
			writeError(w, http.StatusForbidden, "API rate limit exceeded for user. (But here's the good news: Authenticated requests get a higher rate limit.)")
			return
		}
		if tok == nil || t.Revoked || (!t.ExpiresAt.IsZero() && !s.Now().Before(t.ExpiresAt)) {
			writeError(w, http.StatusUnauthorized, "Bad credentials")
			return
		}
		if !t.FineGrained && !t.Installation {
			w.Header().Set("X-OAuth-Scopes", strings.Join(t.Scopes, ", "))
		}
		if !t.ExpiresAt.IsZero() {
			w.Header().Set("GitHub-Authentication-Token-Expiration", t.ExpiresAt.UTC().Format("2006-01-02 15:04:05 MST"))
		}
		h(w, r, &call{tok: t, user: t.User})
	}
}

func (s *Server) failNext(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	i := slices.IndexFunc(s.failures, func(f failure) bool {
		return (f.method == "" || f.method == r.Method) && (f.path == "" || f.path == r.URL.Path)
	})
	if i < 0 {
		s.mu.Unlock()
		return false
	}
	f := s.failures[i]
	s.failures = slices.Delete(s.failures, i, i+1)
	s.mu.Unlock()
	if f.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(f.retryAfter/time.Second)))
	}
	msg := http.StatusText(f.status)
	if f.status == http.StatusTooManyRequests || f.status == http.StatusForbidden {
		msg = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
	}
	writeError(w, f.status, msg)
	return true
}

// need is what a request needs on a repository.
type need int

const (
	needRead          need = iota // metadata
	needContents                  // Contents: read
	needPulls                     // Pull requests: read
	needCommentWrite              // Issues or Pull requests: write
	needHooksRead                 // Webhooks: read, repository admin
	needHooksWrite                // Webhooks: write, repository admin
	needContentsWrite             // Contents: write, push access
	needPullsWrite                // Pull requests: write, push access (opening one)
	needStatusesRead              // Commit statuses: read
	needStatusesWrite             // Commit statuses: write, push access
)

// repo resolves the {owner}/{repo} of the request and checks that the
// caller may do what n says, answering as GitHub does when not: 404 for a
// repository the token cannot see or a missing classic scope (with
// X-Accepted-OAuth-Scopes), 403 for a missing fine-grained permission.
func (s *Server) repo(w http.ResponseWriter, r *http.Request, c *call, n need) (fakegit.Repo, bool) {
	full := r.PathValue("owner") + "/" + r.PathValue("repo")
	repo, err := s.store.Repo(full)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, false
	}
	role := s.role(repo.FullPath, c.user)
	visible := role != "" || !repo.Private || c.tok.Installation
	if c.scoped() {
		if len(c.tok.Repositories) > 0 && !containsFold(c.tok.Repositories, repo.FullPath) {
			visible = false
		}
	} else if repo.Private && !c.has("repo") {
		visible = false
	}
	accepted := acceptedScopes(n, repo.Private)
	if accepted != "" {
		w.Header().Set("X-Accepted-OAuth-Scopes", accepted)
	}
	if !visible {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, false
	}
	if c.scoped() {
		perm, level := finePermission(n)
		if perm != "" && !fineHas(c.tok.Permissions, perm, level) {
			w.Header().Set("X-Accepted-GitHub-Permissions", acceptedPermissions(perm, level))
			msg := "Resource not accessible by personal access token"
			if c.tok.Installation {
				msg = "Resource not accessible by integration"
			}
			writeError(w, http.StatusForbidden, msg)
			return repo, false
		}
	} else if accepted != "" && !c.has(splitList(accepted)...) {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, false
	}
	if (n == needHooksRead || n == needHooksWrite) && role != RoleAdmin && !c.tok.Installation {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, false
	}
	if n == needCommentWrite && role == "" && repo.Private && !c.tok.Installation {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, false
	}
	if (n == needContentsWrite || n == needPullsWrite || n == needStatusesWrite) && role != RoleWrite && role != RoleAdmin && !c.tok.Installation {
		if repo.Private {
			writeError(w, http.StatusNotFound, "Not Found")
		} else {
			writeError(w, http.StatusForbidden, "Must have push access to repository")
		}
		return repo, false
	}
	return repo, true
}

func acceptedScopes(n need, private bool) string {
	switch n {
	case needHooksRead:
		return "admin:repo_hook, read:repo_hook, repo, write:repo_hook"
	case needHooksWrite:
		return "admin:repo_hook, repo, write:repo_hook"
	case needCommentWrite, needContentsWrite, needPullsWrite:
		if private {
			return "repo"
		}
		return "public_repo, repo"
	case needStatusesRead, needStatusesWrite:
		return "repo, repo:status"
	}
	if private {
		return "repo"
	}
	return ""
}

func finePermission(n need) (perm, level string) {
	switch n {
	case needContents:
		return "contents", "read"
	case needPulls:
		return "pull_requests", "read"
	case needCommentWrite:
		return "pull_requests", "write"
	case needHooksRead:
		return "webhooks", "read"
	case needHooksWrite:
		return "webhooks", "write"
	case needContentsWrite:
		return "contents", "write"
	case needPullsWrite:
		return "pull_requests", "write"
	case needStatusesRead:
		return "statuses", "read"
	case needStatusesWrite:
		return "statuses", "write"
	}
	return "", ""
}

// acceptedPermissions renders X-Accepted-GitHub-Permissions with GitHub's
// permission names (Webhooks is repository_hooks); sets that each suffice
// are separated by "; ".
func acceptedPermissions(perm, level string) string {
	switch {
	case perm == "webhooks":
		return "repository_hooks=" + level
	case perm == "pull_requests" && level == "write":
		return "issues=write; pull_requests=write"
	}
	return perm + "=" + level
}

func fineHas(perms map[string]string, perm, level string) bool {
	have := perms[perm]
	if perm == "webhooks" && have == "" {
		have = perms["repository_hooks"] // GitHub's own name for it
	}
	if perm == "pull_requests" && level == "write" && perms["issues"] == "write" {
		return true // issue comments on pull requests accept either
	}
	return have == "write" || (have == "read" && level == "read")
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(f))
	}
	return out
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, msg string) {
	fakehttp.WriteJSON(w, status, map[string]any{
		"message":           msg,
		"documentation_url": "https://docs.github.com/rest",
		"status":            strconv.Itoa(status),
	})
}

// fieldError is one entry of a 422 (or 403) answer's errors[].
type fieldError struct {
	Resource string `json:"resource,omitempty"`
	Field    string `json:"field,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message,omitempty"`
}

// writeErrors answers with GitHub's validation error shape:
// {"message": "Validation Failed", "errors": [...]}.
func writeErrors(w http.ResponseWriter, status int, msg string, errs ...fieldError) {
	body := map[string]any{
		"message":           msg,
		"documentation_url": "https://docs.github.com/rest",
		"status":            strconv.Itoa(status),
	}
	// A 422 without field errors ("No commit found for SHA: …") has no
	// errors key; null is not a list (validation-error).
	if len(errs) > 0 {
		body["errors"] = errs
	}
	fakehttp.WriteJSON(w, status, body)
}
