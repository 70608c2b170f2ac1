package githubtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// AppInstallation describes a GitHub App's installation.
type AppInstallation struct {
	// Account is the login of the user or organization it is installed on.
	Account string
	// Permissions are the installation's permissions, by GitHub's names
	// ("contents", "pull_requests", "repository_hooks", "statuses",
	// "issues", "metadata") mapped to "read" or "write".
	Permissions map[string]string
	// Repositories are the repositories selected for the installation;
	// empty means all of the account's.
	Repositories []string
}

type fakeApp struct {
	keys []*rsa.PublicKey
	slug string
}

type installation struct {
	id        int64
	appID     int64
	inst      AppInstallation
	suspended bool
}

// appState is the fake's GitHub Apps.
type appState struct {
	mu            sync.Mutex
	apps          map[int64]*fakeApp
	installations map[int64]*installation
	nextInst      int64
	exchanges     int
}

// CreateApp registers a GitHub App with the ID appID and returns a
// private key of it in PEM (PKCS #1), as the app's settings page
// generates one. Calling it again adds another key to the app.
func (s *Server) CreateApp(appID int64, slug string) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	s.appState.mu.Lock()
	defer s.appState.mu.Unlock()
	if s.appState.apps == nil {
		s.appState.apps = map[int64]*fakeApp{}
		s.appState.installations = map[int64]*installation{}
		s.appState.nextInst = 40000000
	}
	a := s.appState.apps[appID]
	if a == nil {
		a = &fakeApp{slug: slug}
		s.appState.apps[appID] = a
	}
	a.keys = append(a.keys, &key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})), nil
}

// InstallApp installs app appID and returns the installation's ID.
func (s *Server) InstallApp(appID int64, inst AppInstallation) (int64, error) {
	s.appState.mu.Lock()
	defer s.appState.mu.Unlock()
	if s.appState.apps[appID] == nil {
		return 0, errors.New("githubtest: no app " + strconv.FormatInt(appID, 10))
	}
	s.appState.nextInst++
	id := s.appState.nextInst
	s.appState.installations[id] = &installation{id: id, appID: appID, inst: inst}
	return id, nil
}

// SuspendInstallation suspends an installation: GitHub then refuses to
// issue it tokens (403).
func (s *Server) SuspendInstallation(id int64) {
	s.appState.mu.Lock()
	defer s.appState.mu.Unlock()
	if in := s.appState.installations[id]; in != nil {
		in.suspended = true
	}
}

// AppTokenExchanges counts the installation tokens issued.
func (s *Server) AppTokenExchanges() int {
	s.appState.mu.Lock()
	defer s.appState.mu.Unlock()
	return s.appState.exchanges
}

// appRoutes serves the endpoints a GitHub App authenticates to with its
// JWT.
func (s *Server) appRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /app/installations/{id}/access_tokens", s.handleAccessToken)
	mux.HandleFunc("GET /app/installations/{id}", s.handleGetInstallation)
}

// appFromJWT verifies the request's JWT as GitHub does: RS256, signed with
// one of the keys of the app its iss names, iat not in the future (60 s of
// drift allowed), exp in the future and at most ten minutes after iat.
func (s *Server) appFromJWT(w http.ResponseWriter, r *http.Request) (int64, bool) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.Count(raw, ".") != 2 {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return 0, false
	}
	var claims jwt.RegisteredClaims
	var appID int64
	_, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		iss, err := t.Claims.GetIssuer()
		if err != nil {
			return nil, err
		}
		if appID, err = strconv.ParseInt(iss, 10, 64); err != nil {
			return nil, errors.New("'Issuer' claim ('iss') must be an Integer")
		}
		s.appState.mu.Lock()
		defer s.appState.mu.Unlock()
		a := s.appState.apps[appID]
		if a == nil {
			return nil, errors.New("integration not found")
		}
		keys := make([]any, len(a.keys))
		for i, k := range a.keys {
			keys[i] = k
		}
		return jwt.VerificationKeySet{Keys: toVerificationKeys(keys)}, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return s.Now().Add(time.Minute) }),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired(), jwt.WithLeeway(0))
	if err == nil && claims.ExpiresAt.Sub(s.Now()) > 10*time.Minute {
		err = errors.New("'Expiration time' claim ('exp') is too far in the future")
	}
	if err == nil && !claims.ExpiresAt.After(s.Now()) {
		err = errors.New("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires")
	}
	if err != nil {
		writeError(w, http.StatusUnauthorized, "A JSON web token could not be decoded")
		return 0, false
	}
	return appID, true
}

func toVerificationKeys(keys []any) []jwt.VerificationKey {
	out := make([]jwt.VerificationKey, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}

// installationFor resolves {id} for the app, as GitHub does: 404 for an
// installation of another app.
func (s *Server) installationFor(w http.ResponseWriter, r *http.Request, appID int64) (*installation, bool) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	s.appState.mu.Lock()
	in := s.appState.installations[id]
	s.appState.mu.Unlock()
	if in == nil || in.appID != appID {
		writeError(w, http.StatusNotFound, "Not Found")
		return nil, false
	}
	return in, true
}

func (s *Server) installationJSON(in *installation) map[string]any {
	selection := "all"
	if len(in.inst.Repositories) > 0 {
		selection = "selected"
	}
	var suspended any
	if in.suspended {
		suspended = s.Now().UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"id": in.id, "app_id": in.appID, "account": s.userJSON(in.inst.Account), "target_type": "Organization",
		"permissions": in.inst.Permissions, "repository_selection": selection, "suspended_at": suspended,
		"html_url": s.web.String() + "organizations/" + in.inst.Account + "/settings/installations/" + strconv.FormatInt(in.id, 10),
	}
}

// handleGetInstallation answers GET /app/installations/{id} (JWT).
func (s *Server) handleGetInstallation(w http.ResponseWriter, r *http.Request) {
	appID, ok := s.appFromJWT(w, r)
	if !ok {
		return
	}
	in, ok := s.installationFor(w, r, appID)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.installationJSON(in))
}

// handleAccessToken answers POST /app/installations/{id}/access_tokens
// (JWT): a ghs_ token with the installation's permissions and
// repositories, expiring in one hour; 403 for a suspended installation.
func (s *Server) handleAccessToken(w http.ResponseWriter, r *http.Request) {
	appID, ok := s.appFromJWT(w, r)
	if !ok {
		return
	}
	in, ok := s.installationFor(w, r, appID)
	if !ok {
		return
	}
	if in.suspended {
		writeError(w, http.StatusForbidden, "This installation has been suspended")
		return
	}
	s.appState.mu.Lock()
	s.appState.exchanges++
	slug := s.appState.apps[appID].slug
	s.appState.mu.Unlock()
	expires := s.Now().Add(time.Hour).UTC().Truncate(time.Second)
	perms := map[string]string{}
	for k, v := range in.inst.Permissions {
		perms[k] = v
	}
	tok := s.AddToken(Token{User: slug + "[bot]", Installation: true, Permissions: perms, Repositories: in.inst.Repositories, ExpiresAt: expires})
	out := s.installationJSON(in)
	fakehttp.WriteJSON(w, http.StatusCreated, map[string]any{
		"token": tok, "expires_at": expires.Format(time.RFC3339), "permissions": perms, "repository_selection": out["repository_selection"],
	})
}
