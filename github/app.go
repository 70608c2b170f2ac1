package github

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// GitHub App authentication (vcs.Config.GitHubApp). The app signs a JSON
// Web Token (RS256, iss = app ID, at most 10 minutes long) with its private
// key and exchanges it for an installation access token, which lives one
// hour. The JWT is signed with github.com/golang-jwt/jwt/v5;
// bradleyfalzon/ghinstallation was not used because it brings its own
// transport, while the tokens here must go through the provider's (its
// retries, limits and the rule that credentials go only to the configured
// API host).

// appRenewBefore is how long before its expiry an installation token is
// replaced.
const appRenewBefore = 5 * time.Minute

// appTokenSource mints installation tokens. It is safe for concurrent use:
// callers wait for one exchange instead of each starting their own.
type appTokenSource struct {
	appID, installationID int64
	key                   *rsa.PrivateKey
	api                   *url.URL
	hc                    *http.Client // no credentials of its own; redirects refused
	now                   func() time.Time
	web                   *url.URL

	mu          sync.Mutex
	token       string
	expires     time.Time
	permissions map[string]string
	selection   string // repository_selection: all or selected
}

// newAppTokenSource parses the app's key; a key that is not an RSA
// private key in PEM is ErrInvalidConfig.
func newAppTokenSource(cfg vcs.Config, api, web *url.URL, base http.RoundTripper) (*appTokenSource, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(cfg.GitHubApp.PrivateKeyPEM))
	if err != nil {
		return nil, &vcs.Error{Provider: vcs.KindGitHub, Op: "Config", Kind: vcs.ErrInvalidConfig,
			Message: "the GitHub App private key is not an RSA private key in PEM form",
			Hint:    "paste the whole .pem file generated on the app's settings page (Private keys → Generate a private key)"}
	}
	if base == nil {
		base = http.DefaultTransport
	}
	hc := &http.Client{Transport: base, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &appTokenSource{appID: cfg.GitHubApp.AppID, installationID: cfg.GitHubApp.InstallationID, key: key,
		api: api, web: web, hc: hc, now: cfg.Now}, nil
}

// jwt signs the app's JSON Web Token: issued a minute in the past (clock
// drift, as GitHub advises), valid nine minutes (GitHub allows ten).
func (s *appTokenSource) jwt() (string, error) {
	now := s.now()
	claims := jwt.RegisteredClaims{
		Issuer:    strconv.FormatInt(s.appID, 10),
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(s.key)
}

// Token returns the current installation token, minting a new one when
// there is none or it expires within appRenewBefore.
func (s *appTokenSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.token != "" && s.now().Add(appRenewBefore).Before(s.expires) {
		return &oauth2.Token{AccessToken: s.token, TokenType: "Bearer", Expiry: s.expires}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out struct {
		Token               string            `json:"token"`
		ExpiresAt           time.Time         `json:"expires_at"`
		Permissions         map[string]string `json:"permissions"`
		RepositorySelection string            `json:"repository_selection"`
	}
	if err := s.appCall(ctx, "GitHubAppToken", http.MethodPost, "app/installations/"+strconv.FormatInt(s.installationID, 10)+"/access_tokens", &out); err != nil {
		return nil, err
	}
	if out.Token == "" {
		return nil, &vcs.Error{Provider: vcs.KindGitHub, Op: "GitHubAppToken", Kind: vcs.ErrUnavailable, Message: "GitHub answered without an installation token"}
	}
	s.token, s.expires, s.permissions, s.selection = out.Token, out.ExpiresAt, out.Permissions, out.RepositorySelection
	return &oauth2.Token{AccessToken: s.token, TokenType: "Bearer", Expiry: s.expires}, nil
}

// installation returns what the last exchange said about the installation.
func (s *appTokenSource) installation() (map[string]string, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.permissions, s.selection
}

// appCall sends a request authenticated as the app (the JWT) to the API
// host and decodes a 2xx answer into out, mapping GitHub's refusals to
// typed errors: a JWT GitHub cannot verify (wrong key, unknown app ID) is
// ErrUnauthorized, an installation the app does not have ErrNotFound, a
// suspended one ErrPermissionDenied.
//
// GitHub API docs:
//   - POST /app/installations/{installation_id}/access_tokens
//   - GET /app/installations/{installation_id}
func (s *appTokenSource) appCall(ctx context.Context, op, method, path string, out any) error {
	signed, err := s.jwt()
	if err != nil {
		return &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrInvalidConfig, Message: "signing the GitHub App JWT failed: " + err.Error()}
	}
	u := s.api.ResolveReference(&url.URL{Path: path})
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrInvalidConfig, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+signed)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", APIVersion)
	resp, err := s.hc.Do(req)
	if err != nil {
		return httpx.Errors{Kind: vcs.KindGitHub}.FromError(op, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			return &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrUnavailable, StatusCode: resp.StatusCode, Message: "the answer is not the expected JSON"}
		}
		return nil
	}
	var msg struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &msg)
	e := &vcs.Error{Provider: vcs.KindGitHub, Op: op, StatusCode: resp.StatusCode, Message: msg.Message,
		RequestID: resp.Header.Get("X-GitHub-Request-Id")}
	settings := s.web.String() + "settings/installations/" + strconv.FormatInt(s.installationID, 10)
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		e.Kind = vcs.ErrUnauthorized
		e.Hint = fmt.Sprintf("GitHub could not verify the app's JWT: check that the app ID is %d's and that the private key is one of that app's current keys (the app's settings page, Private keys), and that this machine's clock is right", s.appID)
	case resp.StatusCode == http.StatusNotFound:
		e.Kind = vcs.ErrNotFound
		e.Hint = fmt.Sprintf("app %d has no installation %d: check the installation ID (the last part of the installation's settings URL) and that the app ID belongs to the app that was installed", s.appID, s.installationID)
	case resp.StatusCode == http.StatusForbidden && strings.Contains(strings.ToLower(msg.Message), "suspend"):
		e.Kind = vcs.ErrPermissionDenied
		e.Hint = "the installation is suspended: an owner of the account can unsuspend it at " + settings
	case resp.StatusCode == http.StatusForbidden:
		e.Kind = vcs.ErrPermissionDenied
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Kind = vcs.ErrRateLimited
	case resp.StatusCode >= 500:
		e.Kind = vcs.ErrUnavailable
	default:
		e.Kind = vcs.ErrConflict
	}
	return e
}
