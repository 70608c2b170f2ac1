package azuredevopstest

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Role is a user's role in every project of the organization; it decides
// the user's permissions.
type Role int

// Roles.
const (
	// RoleReader may read code and pull requests.
	RoleReader Role = iota + 1
	// RoleContributor may also push and contribute to pull requests
	// (comment).
	RoleContributor
	// RoleProjectAdministrator may also view and edit service-hook
	// subscriptions.
	RoleProjectAdministrator
)

// User is a member of the organization.
type User struct {
	ID          string // The user's GUID.
	UniqueName  string // The sign-in name, e.g. an email.
	DisplayName string // The name shown in the UI.
	Role        Role   // The role in every project; 0: none.
}

// PAT scopes the fake knows, as Azure names them.
const (
	ScopeCode       = "vso.code"
	ScopeCodeWrite  = "vso.code_write"
	ScopeCodeManage = "vso.code_manage"
	ScopeCodeFull   = "vso.code_full"
	ScopeHooks      = "vso.hooks"
	ScopeHooksWrite = "vso.hooks_write"
	ScopeProject    = "vso.project"
	// ScopeProfile is User Profile (Read), which the account-wide profile
	// and accounts calls need.
	ScopeProfile = "vso.profile"
	// ScopeFullAccess is the scope of a "Full access" PAT: every scope.
	ScopeFullAccess = "app_token"
)

// FullScopes are the scopes the workflow needs: Code (Read & write),
// Service Hooks (Read, query, & manage) and Project and Team (Read).
var FullScopes = []string{ScopeCodeWrite, ScopeHooksWrite, ScopeProject}

// implied lists the scopes that include a scope.
var implied = map[string][]string{
	ScopeCode:      {ScopeCodeWrite, ScopeCodeManage, ScopeCodeFull},
	ScopeCodeWrite: {ScopeCodeManage, ScopeCodeFull},
	ScopeHooks:     {ScopeHooksWrite},
	ScopeProject:   {"vso.project_write", "vso.project_manage"},
}

// PATOptions describe a personal access token.
type PATOptions struct {
	Name string // The token's name, as listed in the user settings.
	// Scopes the token carries.
	Scopes []string
	// Organization limits the token to one organization; empty means All
	// accessible organizations.
	Organization string
	// ExpiresAt is the expiry; zero means 30 days from the fake's now.
	ExpiresAt time.Time
}

type pat struct {
	token   string
	user    *User
	opts    PATOptions
	revoked bool
}

func (p *pat) has(scope string) bool {
	for _, s := range p.opts.Scopes {
		if s == scope || s == ScopeFullAccess {
			return true
		}
		for _, sup := range implied[scope] {
			if s == sup {
				return true
			}
		}
	}
	return false
}

// AddMember adds a member with a display name and a role; the unique
// name is the sign-in name.
func (s *Server) AddMember(uniqueName, displayName string, role Role) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addMemberLocked(uniqueName, displayName, role)
}

func (s *Server) addMemberLocked(uniqueName, displayName string, role Role) *User {
	u := &User{ID: s.guid("user:" + uniqueName), UniqueName: uniqueName, DisplayName: displayName, Role: role}
	s.users[strings.ToLower(uniqueName)] = u
	cp := *u
	return &cp
}

func (s *Server) user(name string) *User {
	if name == "" {
		return s.defaultUser
	}
	u := s.users[strings.ToLower(name)]
	if u == nil {
		panic("azuredevopstest: unknown user " + name)
	}
	return u
}

// CreatePAT issues a personal access token for user (empty: DefaultUser).
func (s *Server) CreatePAT(user string, o PATOptions) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.ExpiresAt.IsZero() {
		o.ExpiresAt = s.Now().Add(30 * 24 * time.Hour)
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:52]
	s.pats[tok] = &pat{token: tok, user: s.user(user), opts: o}
	return tok
}

type rejection int

const (
	rejectBad rejection = iota
	rejectExpired
)

// authenticate finds the caller, or answers the way Azure answers bad
// credentials.
func (s *Server) authenticate(q *request, vssps bool) bool {
	auth := q.r.Header.Get("Authorization")
	tok, bearer := "", false
	if scheme, rest, ok := strings.Cut(auth, " "); ok {
		switch strings.ToLower(scheme) {
		case "basic":
			if raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest)); err == nil {
				_, tok, _ = strings.Cut(string(raw), ":") // the user name is ignored
			}
		case "bearer":
			tok, bearer = strings.TrimSpace(rest), true
		}
	}
	s.mu.Lock()
	p := s.pats[tok]
	now := s.Now()
	s.mu.Unlock()
	switch {
	case tok == "" || p == nil || p.revoked:
		s.reject(q, rejectBad)
		return false
	case !now.Before(p.opts.ExpiresAt):
		s.reject(q, rejectExpired)
		return false
	case p.opts.Organization != "" && !strings.EqualFold(p.opts.Organization, s.org):
		s.reject(q, rejectBad)
		return false
	case vssps && p.opts.Organization != "" && !bearer:
		// The account-wide service does not know a PAT bound to one
		// organization: the caller stays anonymous.
		q.fail(http.StatusUnauthorized, "UnauthorizedRequestException", "TF400813: The user '%s' is not authorized to access this resource.", AnonymousID)
		return false
	}
	q.user, q.pat = p.user, p
	// Azure names the authenticated identity on every answer, a refusal
	// for a missing scope included.
	q.w.Header().Set("X-VSS-UserData", p.user.ID+":"+p.user.UniqueName)
	return true
}

// AnonymousID is the identity Azure DevOps names when it does not know the
// caller.
const AnonymousID = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"

const signInPage = `<!DOCTYPE html>
<html lang="en-US"><head><title>Azure DevOps Services | Sign In</title>
<meta http-equiv="X-UA-Compatible" content="IE=11;&#32;IE=10;&#32;IE=9;&#32;IE=8" /></head>
<body><div class="signin-container"><h1>Sign in to Azure DevOps</h1>
<p>Your session has expired or your credentials are not valid. Please sign in.</p></div></body></html>
`

func (s *Server) signInURL(q *request) string {
	if s.form == formServer {
		return s.serverURL.Scheme + "://" + s.serverURL.Host + "/_signin?ReturnUrl=" + url.QueryEscape(q.r.URL.Path)
	}
	return "https://" + VSSPSHost + "/_signin?realm=dev.azure.com&reply_to=" + url.QueryEscape("https://dev.azure.com"+q.r.URL.Path)
}

func (s *Server) reject(q *request, why rejection) {
	s.mu.Lock()
	mode := s.badCreds
	s.mu.Unlock()
	signIn := func() {
		q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
		q.w.WriteHeader(http.StatusNonAuthoritativeInfo)
		_, _ = q.w.Write([]byte(signInPage))
	}
	redirect := func() {
		q.w.Header().Set("Location", s.signInURL(q))
		q.w.WriteHeader(http.StatusFound)
	}
	switch {
	case mode == AnswerSignInPage || (mode == AnswerDefault && why == rejectExpired):
		signIn()
	case mode == AnswerRedirect:
		redirect()
	case !strings.EqualFold(q.r.Header.Get("X-TFS-FedAuthRedirect"), "Suppress"):
		redirect()
	default:
		q.w.Header().Set("WWW-Authenticate", `Bearer authorization_uri=https://login.microsoftonline.com/common, Basic realm="https://dev.azure.com/"`)
		q.fail(http.StatusUnauthorized, "UnauthorizedRequestException", "TF400813: The user '%s' is not authorized to access this resource.", AnonymousID)
	}
}

// scope answers the 401 Azure gives a PAT without the scope, and reports
// whether the caller has it.
func (q *request) scope(scope string) bool {
	if q.pat.has(scope) {
		return true
	}
	q.fail(http.StatusUnauthorized, "UnauthorizedRequestException", "TF400813: The user '%s' is not authorized to access this resource.", q.user.ID)
	return false
}

func identityJSON(u *User) map[string]any {
	return map[string]any{
		"id": u.ID, "displayName": u.DisplayName, "uniqueName": u.UniqueName,
		"descriptor": "aad." + strings.ReplaceAll(u.ID, "-", ""),
		"imageUrl":   "https://dev.azure.com/_apis/GraphProfile/MemberAvatars/aad." + u.ID,
	}
}

func (s *Server) serveConnectionData(q *request) {
	u := q.user
	ident := map[string]any{
		"id":                  u.ID,
		"descriptor":          "Microsoft.IdentityModel.Claims.ClaimsIdentity;72f988bf-86f1-41af-91ab-2d7cd011db47\\" + u.UniqueName,
		"subjectDescriptor":   "aad." + strings.ReplaceAll(u.ID, "-", ""),
		"providerDisplayName": u.DisplayName,
		"isActive":            true,
		"properties":          map[string]any{"Account": map[string]any{"$type": "System.String", "$value": u.UniqueName}},
		"resourceVersion":     2,
		"metaTypeId":          0,
	}
	deployment := "hosted"
	if s.form == formServer {
		deployment = "onPremises"
	}
	q.json(http.StatusOK, map[string]any{
		"authenticatedUser": ident, "authorizedUser": ident,
		"instanceId": s.instanceID, "deploymentId": s.instanceID, "deploymentType": deployment,
		"locationServiceData": map[string]any{"serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7", "defaultAccessMappingMoniker": "PublicAccessMapping", "lastChangeId": 1},
	})
}

// serveProfile is GET _apis/profile/profiles/{id}, released at 7.1 (7.0
// on Server) per the published description; a -preview version is
// accepted too, as Azure accepts one for any released resource.
func (s *Server) serveProfile(q *request, id string) {
	if !q.scope(ScopeProfile) {
		return
	}
	if id != "me" && !strings.EqualFold(id, q.user.ID) {
		q.fail(http.StatusNotFound, "ProfileNotFoundException", "The profile %s could not be found.", id)
		return
	}
	q.json(http.StatusOK, map[string]any{
		"displayName": q.user.DisplayName, "publicAlias": q.user.ID, "emailAddress": q.user.UniqueName,
		"coreRevision": 1, "timeStamp": azTime(s.Now()), "id": q.user.ID, "revision": 1,
	})
}

// serveAccounts is GET _apis/accounts, released like profiles.
func (s *Server) serveAccounts(q *request) {
	if !q.scope(ScopeProfile) {
		return
	}
	member, owner := q.query("memberId"), q.query("ownerId")
	if member == "" && owner == "" {
		q.fail(http.StatusBadRequest, "ArgumentException", "One of the following parameters is required: ownerId, memberId.")
		return
	}
	var list []any
	if strings.EqualFold(member, q.user.ID) || strings.EqualFold(owner, q.user.ID) {
		list = append(list, map[string]any{
			"accountId": s.accountID, "accountUri": "https://" + strings.ToLower(s.org) + ".vssps.visualstudio.com:443/",
			"accountName": s.org, "properties": map[string]any{},
		})
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

// Security namespaces and bits (see the azuredevops package).
const (
	nsGit   = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"
	nsHooks = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046"

	gitRead         = 2
	gitContribute   = 4
	gitCreateBranch = 16
	gitCreateTag    = 32
	gitManageNotes  = 64
	gitPRContribute = 16384
	gitAll          = 0x7FFFF
	hooksView       = 1
	hooksEdit       = 2
	hooksDelete     = 4
	hooksPublish    = 8
)

// roleBits are a role's permissions in a namespace.
func roleBits(r Role, ns string) int {
	switch ns {
	case nsGit:
		switch r {
		case RoleReader:
			return gitRead
		case RoleContributor:
			return gitRead | gitContribute | gitCreateBranch | gitCreateTag | gitManageNotes | gitPRContribute
		case RoleProjectAdministrator:
			return gitAll
		}
	case nsHooks:
		if r == RoleProjectAdministrator {
			return hooksView | hooksEdit | hooksDelete | hooksPublish
		}
	}
	return 0
}

// scopeBits are the permissions a PAT's scopes let through.
func scopeBits(p *pat, ns string) int {
	bits := 0
	switch ns {
	case nsGit:
		if p.has(ScopeCode) {
			bits |= gitRead
		}
		if p.has(ScopeCodeWrite) {
			bits |= gitContribute | gitCreateBranch | gitCreateTag | gitManageNotes | gitPRContribute
		}
		if p.has(ScopeCodeManage) || p.has(ScopeFullAccess) {
			bits = gitAll
		}
	case nsHooks:
		if p.has(ScopeHooks) {
			bits |= hooksView
		}
		if p.has(ScopeHooksWrite) {
			bits |= hooksView | hooksEdit | hooksDelete
		}
	}
	return bits
}

// permitted answers 403 unless the user's role has bits in ns.
func (q *request) permitted(ns string, bits int, what, token string) bool {
	if roleBits(q.user.Role, ns)&bits == bits {
		return true
	}
	if ns == nsGit {
		q.fail(http.StatusForbidden, "GitNeedsPermissionException", "TF401027: You need the Git '%s' permission to perform this action. Details: identity '%s', scope '%s'.", what, q.user.UniqueName, token)
	} else {
		q.fail(http.StatusForbidden, "UnauthorizedAccessException", "Access Denied: %s needs the following permission(s) on the resource %s to perform this action: %s", q.user.UniqueName, token, what)
	}
	return false
}

type evaluation struct {
	SecurityNamespaceID string `json:"securityNamespaceId"`
	Token               string `json:"token"`
	Permissions         int    `json:"permissions"`
	Value               bool   `json:"value"`
}

// servePermissionEvaluation is POST _apis/security/permissionevaluationbatch:
// each evaluation is true when the user's role (narrowed by the PAT's
// scopes, a simplification of the fake) has every bit on an existing
// token.
// It is released at 7.1 (7.0 on Server) per the published description.
func (s *Server) servePermissionEvaluation(q *request) {
	var body struct {
		AlwaysAllowAdministrators bool         `json:"alwaysAllowAdministrators"`
		Evaluations               []evaluation `json:"evaluations"`
	}
	if err := readJSON(q.r, &body); err != nil || len(body.Evaluations) == 0 {
		q.fail(http.StatusBadRequest, "ArgumentNullException", "Value cannot be null. Parameter name: evalBatch")
		return
	}
	s.mu.Lock()
	for i := range body.Evaluations {
		e := &body.Evaluations[i]
		ns := strings.ToLower(e.SecurityNamespaceID)
		eff := roleBits(q.user.Role, ns) & scopeBits(q.pat, ns)
		e.Value = e.Permissions != 0 && eff&e.Permissions == e.Permissions && s.tokenExists(ns, e.Token)
	}
	s.mu.Unlock()
	q.json(http.StatusOK, body)
}

// tokenExists reports whether a security token names existing objects.
func (s *Server) tokenExists(ns, token string) bool {
	parts := strings.Split(token, "/")
	switch {
	case ns == nsGit && parts[0] == "repoV2":
		if len(parts) >= 2 && s.projectByID(parts[1]) == nil {
			return false
		}
		if len(parts) >= 3 && s.repoByID(parts[2]) == nil {
			return false
		}
		return len(parts) <= 3
	case ns == nsHooks && parts[0] == "PublisherSecurity":
		return len(parts) == 1 || (len(parts) == 2 && s.projectByID(parts[1]) != nil)
	}
	return false
}
