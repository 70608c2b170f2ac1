package bitbucket

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// Scopes of Atlassian API tokens and access tokens that the workflow needs.
const (
	scopeReadRepository   = "read:repository:bitbucket"
	scopeReadPullRequest  = "read:pullrequest:bitbucket"
	scopeWritePullRequest = "write:pullrequest:bitbucket"
	scopeReadWebhook      = "read:webhook:bitbucket"
	scopeWriteWebhook     = "write:webhook:bitbucket"
	// scopeDeleteWebhook is what DELETE …/hooks/{uid} requires (the
	// published description's x-atlassian-oauth2-scopes); write does not
	// imply it.
	scopeDeleteWebhook = "delete:webhook:bitbucket"
	// scopeAdminRepository is what access tokens need, beside the webhook
	// scope, to manage webhooks: their "Repositories: Admin" permission
	// covers "list and edit the repository webhooks" (Atlassian's access
	// token permission pages). API tokens and OAuth tokens take the
	// user's Admin role instead.
	scopeAdminRepository = "admin:repository:bitbucket"
)

// scopeLabels name each scope the way the access token and OAuth consumer
// forms show it, with the scope name those credentials report.
var scopeLabels = map[string]string{
	scopeReadRepository:   "Repositories: Read (repository)",
	scopeReadPullRequest:  "Pull requests: Read (pullrequest)",
	scopeWritePullRequest: "Pull requests: Write (pullrequest:write)",
	scopeReadWebhook:      "Webhooks: Read and write (webhook)",
	scopeWriteWebhook:     "Webhooks: Read and write (webhook)",
	scopeDeleteWebhook:    "Webhooks: Read and write (webhook)",
	scopeAdminRepository:  "Repositories: Admin (repository:admin)",
}

// satisfiedBy lists the scopes that grant each needed scope: the granular
// scope itself, or one of the older OAuth / access token scope names with
// their documented implications (pullrequest:write implies pullrequest
// and repository:write, pullrequest implies repository, repository:write
// implies repository).
var satisfiedBy = map[string][]string{
	scopeReadRepository:   {scopeReadRepository, "repository", "repository:write", "pullrequest", "pullrequest:write"},
	scopeReadPullRequest:  {scopeReadPullRequest, "pullrequest", "pullrequest:write"},
	scopeWritePullRequest: {scopeWritePullRequest, "pullrequest:write"},
	scopeReadWebhook:      {scopeReadWebhook, "webhook"},
	scopeWriteWebhook:     {scopeWriteWebhook, "webhook"},
	scopeDeleteWebhook:    {scopeDeleteWebhook, "webhook"},
	scopeAdminRepository:  {scopeAdminRepository, "repository:admin"},
}

// Credential types Bitbucket reports in x-credential-type.
var credentialKinds = map[string]string{
	"api_token":              "Atlassian API token",
	"repo_access_token":      "repository access token",
	"project_access_token":   "project access token",
	"workspace_access_token": "workspace access token",
	"oauth2":                 "OAuth access token",
	"app_password":           "app password",
}

func isAccessToken(credType string) bool {
	return credType == "repo_access_token" || credType == "project_access_token" || credType == "workspace_access_token"
}

// missingScopes returns the needed scopes that scopes does not grant.
func missingScopes(scopes []string, needed ...string) []string {
	var out []string
	for _, n := range needed {
		ok := false
		for _, s := range satisfiedBy[n] {
			if slices.Contains(scopes, s) {
				ok = true
				break
			}
		}
		if !ok {
			out = append(out, n)
		}
	}
	return out
}

func parseScopes(h string) []string {
	out := strings.FieldsFunc(h, func(r rune) bool { return r == ',' || r == ' ' })
	if out == nil {
		out = []string{} // reported, and empty: not "unknown"
	}
	return out
}

// CheckAccess reports who the token is and whether it may read the
// repository, manage its webhooks and comment on its pull requests.
//
// The scopes come from the x-oauth-scopes header and the kind of credential
// from x-credential-type. For API tokens and OAuth tokens the user's
// permission on the repository (read / write / admin; webhooks need admin)
// comes from the user's repository permission list of the workspace, or,
// where the token may not read it, from the role filters of the
// workspace's repository list (see repoPermission). Access
// tokens have no user: their scopes alone decide, and the report names
// the token kind and what it is for (e.g. "repository access token of
// acme/db") as the user. Bitbucket does not tell a token's expiry, so
// ExpiresAt stays nil.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}, GET /user,
// GET /user/workspaces/{workspace}/permissions/repositories?q=repository.full_name="{workspace}/{repo_slug}",
// and as fallback GET /repositories/{workspace}?role=admin|contributor|member&q=full_name="{workspace}/{repo_slug}"
func (p *Provider) CheckAccess(ctx context.Context, repo string) (*vcs.AccessReport, error) {
	return p.CheckAccessFor(ctx, repo)
}

// CheckAccessFor is CheckAccess plus the write-back permissions asked for
// in extra (vcs.WriteBackPermissions), judged by scope and repository
// permission without more requests (see writeChecks).
func (p *Provider) CheckAccessFor(ctx context.Context, repo string, extra ...vcs.Permission) (*vcs.AccessReport, error) {
	const op = "CheckAccess"
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return nil, err
	}
	rep := &vcs.AccessReport{Provider: vcs.KindBitbucket, APIURL: p.APIURL(), Repository: repo}

	// The repository answer carries the credential headers; a 403 (scope
	// missing) still does, and means the repository exists.
	var r repository
	resp, err := p.client.get(ctx, op, repoAPI, nil, &r)
	readDenied := false
	if err != nil {
		if resp == nil || resp.StatusCode != http.StatusForbidden {
			return nil, err
		}
		readDenied = true
	}
	credType := resp.Header.Get("X-Credential-Type")
	if h, ok := resp.Header["X-Oauth-Scopes"]; ok {
		rep.Scopes = parseScopes(strings.Join(h, ","))
	}
	rep.TokenKind = credentialKinds[credType]
	if rep.TokenKind == "" {
		rep.TokenKind = credType
	}
	if credType == "app_password" {
		rep.Notes = append(rep.Notes, "app passwords were removed by Atlassian on 2026-07-28: replace this one with an Atlassian API token")
	}

	// The user and their permission on the repository.
	role, roleKnown := "", false
	accessToken := isAccessToken(credType)
	if accessToken {
		rep.User = accessTokenUser(rep.TokenKind, &r, repo)
	} else {
		rep.User, err = p.whoami(ctx, rep)
		if err != nil {
			return nil, err
		}
		name := r.FullName
		if name == "" {
			name = repo
		}
		role, roleKnown, err = p.repoPermission(ctx, name, rep)
		if err != nil {
			return nil, err
		}
	}
	rep.Checks = []vcs.PermissionCheck{
		p.checkRead(rep, readDenied, resp.Header.Get("X-Accepted-OAuth-Scopes")),
		p.checkWebhook(rep, accessToken, role, roleKnown),
		p.checkComment(rep, accessToken, role, roleKnown, readDenied),
	}
	rep.Checks = append(rep.Checks, p.writeChecks(rep, extra, accessToken, role, roleKnown)...)
	return rep, nil
}

// whoami names the token's user. A token without the account scope
// cannot read /user; the configured email stands in.
func (p *Provider) whoami(ctx context.Context, rep *vcs.AccessReport) (string, error) {
	var u account
	_, err := p.client.get(ctx, "CheckAccess", "user", nil, &u)
	switch {
	case err == nil:
		if u.Nickname != "" && u.DisplayName != "" && u.Nickname != u.DisplayName {
			return u.DisplayName + " (" + u.Nickname + ")", nil
		}
		return u.name(), nil
	case errors.Is(err, vcs.ErrPermissionDenied):
		rep.Notes = append(rep.Notes, "the token may not read the account (GET /user); add read:user:bitbucket to see the account name here")
		if name := p.creds.Username(); name != "" {
			return name, nil
		}
		return "unknown user", nil
	default:
		return "", err
	}
}

// repositoryPermission is one item of GET
// /user/workspaces/{workspace}/permissions/repositories (the description's
// repository_permission).
type repositoryPermission struct {
	Permission string `json:"permission"` // read, write, admin or none
	Repository struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
}

// repoPermission returns the user's permission on the repository
// ("admin", "write", "read" or "" for none beyond public access) and
// whether it is known.
//
// It asks GET /user/workspaces/{workspace}/permissions/repositories,
// filtered to the repository (q=repository.full_name="ws/slug"): the
// published description's user-scoped, not deprecated replacement of GET
// /user/permissions/repositories (CHANGE-2770), which answers the caller's
// effective permission ("the highest level of permission the caller has")
// on each repository of the workspace they were granted one on, in one
// request. Its scope is read:repository:bitbucket (x-atlassian-oauth2-scopes);
// OAuth consumers need account and repository (its security section).
// A repository it does not list is one the user has no permission on
// beyond public access ("does not return public repositories that the
// user was not granted any specific permission in"). The full_name filter
// is unconfirmed for this endpoint (the description's example filters by
// repository.name; drone/go-scm has filtered the older list by
// repository.full_name for years): answers are matched by full name, so
// a host that ignored the filter costs pages, not a wrong answer.
//
// Where the credential may not call it (403: an OAuth consumer without
// the account scope, a user who is no member of the workspace; 400 or 404
// from a host that refuses the filter or the route, unconfirmed), the
// permission comes from the role filters of the workspace's repository
// list instead (repoPermissionByRole). Access tokens have no user and do
// not get here (CheckAccessFor decides by their scopes).
func (p *Provider) repoPermission(ctx context.Context, fullName string, rep *vcs.AccessReport) (string, bool, error) {
	ws, _, _ := strings.Cut(fullName, "/")
	q := url.Values{"q": {fmt.Sprintf("repository.full_name=%q", fullName)}}
	for rp, err := range list[repositoryPermission](ctx, p.client, "CheckAccess", "user/workspaces/"+ws+"/permissions/repositories", q) {
		if err != nil {
			if ve := httpx.AsError(err); ve != nil && (ve.StatusCode == http.StatusForbidden || ve.StatusCode == http.StatusNotFound || ve.StatusCode == http.StatusBadRequest) {
				rep.Notes = append(rep.Notes, fmt.Sprintf("the token may not read the user's repository permissions (GET /user/workspaces/{workspace}/permissions/repositories answered %d; it needs %s, and an OAuth consumer also account): the permission was read from the workspace's repository list instead", ve.StatusCode, scopeReadRepository))
				return p.repoPermissionByRole(ctx, fullName, rep)
			}
			return "", false, err
		}
		if strings.EqualFold(rp.Repository.FullName, fullName) {
			if rp.Permission == "none" {
				return "", true, nil
			}
			return rp.Permission, true, nil
		}
	}
	return "", true, nil
}

// repoRoles are the role filters of GET /repositories/{workspace}, most
// privileged first, with the permission each one stands for.
var repoRoles = []struct{ role, permission string }{
	{"admin", "admin"},
	{"contributor", "write"},
	{"member", "read"},
}

// repoPermissionByRole is repoPermission's fallback: the role filter of
// the workspace's repository list, narrowed to the one repository; the
// first role whose list holds it is the permission (up to three requests).
func (p *Provider) repoPermissionByRole(ctx context.Context, fullName string, rep *vcs.AccessReport) (string, bool, error) {
	ws, _, _ := strings.Cut(fullName, "/")
	for _, rr := range repoRoles {
		q := url.Values{"role": {rr.role}, "q": {fmt.Sprintf("full_name=%q", fullName)}}
		for r, err := range list[repository](ctx, p.client, "CheckAccess", "repositories/"+ws, q) {
			if errors.Is(err, vcs.ErrPermissionDenied) {
				rep.Notes = append(rep.Notes, "the token may not list the workspace's repositories (GET /repositories/{workspace}?role=…), so the permission on the repository is unknown")
				return "", false, nil
			}
			if err != nil {
				return "", false, err
			}
			if strings.EqualFold(r.FullName, fullName) {
				return rr.permission, true, nil
			}
		}
	}
	return "", true, nil
}

// accessTokenUser names an access token's bot user in a report: Bitbucket
// has no endpoint that tells an access token's name (GET /user refuses
// access tokens), but the repository it was checked on tells what the
// token is for.
func accessTokenUser(kind string, r *repository, repo string) string {
	ws, _, _ := strings.Cut(repo, "/")
	switch {
	case kind == "workspace access token":
		return kind + " of workspace " + ws
	case kind == "project access token" && r.Project != nil && r.Project.Key != "":
		return kind + " of project " + ws + "/" + r.Project.Key
	case kind == "project access token":
		return kind + " of the project of " + repo
	default:
		return kind + " of " + repo
	}
}

func scopeRemedy(rep *vcs.AccessReport, missing []string) string {
	lacks := "the token lacks " + strings.Join(missing, " and ") + ": scopes cannot be added to an existing token, so "
	scopes := strings.Join(missing, ", ")
	if rep.TokenKind != credentialKinds["api_token"] && rep.TokenKind != "" {
		// Access tokens and OAuth consumers are set up by permission
		// names, and report the older scope names.
		var labels []string
		for _, m := range missing {
			if l := scopeLabels[m]; l != "" && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
		scopes = strings.Join(labels, ", ")
	}
	switch rep.TokenKind {
	case "repository access token":
		return lacks + "create a new repository access token (Repository settings → Access tokens) with " + scopes + " and update the provider with it"
	case "project access token":
		return lacks + "create a new project access token (Project settings → Access tokens) with " + scopes + " and update the provider with it"
	case "workspace access token":
		return lacks + "create a new workspace access token (Workspace settings → Access tokens) with " + scopes + " and update the provider with it"
	case "OAuth access token":
		return "the OAuth token lacks " + strings.Join(missing, " and ") + ": add them to the OAuth consumer's permissions and authorize it again"
	default:
		return lacks + "create a new Atlassian API token at " + apiTokenURL + " (\"Create API token with scopes\", app Bitbucket) with " + scopes + " and update the provider with it"
	}
}

func (p *Provider) checkRead(rep *vcs.AccessReport, denied bool, accepted string) vcs.PermissionCheck {
	c := vcs.PermissionCheck{Permission: vcs.PermReadRepository}
	var missing []string
	if rep.Scopes != nil {
		missing = missingScopes(rep.Scopes, scopeReadRepository, scopeReadPullRequest)
	}
	if denied && len(missing) == 0 {
		missing = parseScopes(accepted)
	}
	switch {
	case len(missing) > 0:
		c.Grant, c.Detail, c.Remediation = vcs.Missing, "scopes: "+strings.Join(rep.Scopes, ", "), scopeRemedy(rep, missing)
	case denied:
		c.Grant, c.Detail = vcs.Missing, "the repository answered 403"
		c.Remediation = "give the service user at least Read permission on " + rep.Repository + " (Repository settings → Repository permissions)"
	case rep.Scopes == nil:
		c.Grant, c.Detail = vcs.Granted, "the repository is readable (the host reported no scopes)"
	default:
		c.Grant, c.Detail = vcs.Granted, "scopes "+scopeReadRepository+", "+scopeReadPullRequest
	}
	return c
}

func (p *Provider) checkWebhook(rep *vcs.AccessReport, accessToken bool, role string, roleKnown bool) vcs.PermissionCheck {
	c := vcs.PermissionCheck{Permission: vcs.PermCreateWebhook}
	if rep.Scopes != nil {
		if missing := missingScopes(rep.Scopes, scopeReadWebhook, scopeWriteWebhook, scopeDeleteWebhook); len(missing) > 0 {
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "scopes: "+strings.Join(rep.Scopes, ", "), scopeRemedy(rep, missing)
			return c
		}
	}
	adminHint := "a workspace or repository admin must give " + rep.User + " Admin permission on " + rep.Repository + " (Repository settings → Repository permissions): Bitbucket lets only admins manage webhooks"
	switch {
	case accessToken && rep.Scopes == nil:
		c.Grant, c.Detail, c.Remediation = vcs.Unknown, "the host reported no scopes", "make sure the access token has "+scopeLabels[scopeWriteWebhook]+" and "+scopeLabels[scopeAdminRepository]
	case accessToken:
		if missing := missingScopes(rep.Scopes, scopeAdminRepository); len(missing) > 0 {
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "scopes: "+strings.Join(rep.Scopes, ", "), scopeRemedy(rep, missing)
			return c
		}
		c.Grant, c.Detail = vcs.Granted, "access token with the webhook and repository admin scopes"
	case !roleKnown:
		c.Grant, c.Detail, c.Remediation = vcs.Unknown, "repository role unknown", adminHint
	case role != "admin":
		c.Grant, c.Detail, c.Remediation = vcs.Missing, "repository permission: "+roleOrNone(role), adminHint
	case rep.Scopes == nil:
		c.Grant, c.Detail = vcs.Granted, "repository permission: admin (the host reported no scopes)"
	default:
		c.Grant, c.Detail = vcs.Granted, "repository permission: admin; scopes "+scopeReadWebhook+", "+scopeWriteWebhook+", "+scopeDeleteWebhook
	}
	return c
}

// checkComment judges commenting. Creating, editing and deleting a pull
// request comment take read:pullrequest:bitbucket, not write (the published
// description's scopes for …/pullrequests/{id}/comments, and Atlassian's
// scope reference: "read:pullrequest:bitbucket: Allows viewing of pull
// requests, plus the ability to comment on pull requests"; the OAuth
// "pullrequest" scope likewise lets its holder "comment on pull requests").
func (p *Provider) checkComment(rep *vcs.AccessReport, accessToken bool, role string, roleKnown, readDenied bool) vcs.PermissionCheck {
	c := vcs.PermissionCheck{Permission: vcs.PermWriteComment}
	if rep.Scopes != nil {
		if missing := missingScopes(rep.Scopes, scopeReadPullRequest); len(missing) > 0 {
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "scopes: "+strings.Join(rep.Scopes, ", "), scopeRemedy(rep, missing)
			return c
		}
	}
	readHint := "give " + rep.User + " at least Read permission on " + rep.Repository + " (Repository settings → Repository permissions)"
	switch {
	case accessToken:
		c.Grant, c.Detail = vcs.Granted, "access token with "+scopeReadPullRequest
		if rep.Scopes == nil {
			c.Grant, c.Detail, c.Remediation = vcs.Unknown, "the host reported no scopes", "make sure the access token has "+scopeLabels[scopeReadPullRequest]
		}
	case roleKnown && role == "" && readDenied:
		c.Grant, c.Detail, c.Remediation = vcs.Missing, "no permission on the repository", readHint
	case !roleKnown:
		c.Grant, c.Detail = vcs.Granted, "scope "+scopeReadPullRequest+"; anyone who can read the repository may comment"
	default:
		c.Grant, c.Detail = vcs.Granted, "repository permission: "+roleOrNone(role)+"; scope "+scopeReadPullRequest
	}
	return c
}

func roleOrNone(role string) string {
	if role == "" {
		return "none (public access only)"
	}
	return role
}

// scopeWriteRepository lets a credential create branches, commit and set
// build statuses (Atlassian's scope pages; for statuses unconfirmed).
const scopeWriteRepository = "write:repository:bitbucket"

func init() {
	scopeLabels[scopeWriteRepository] = "Repositories: Write (repository:write)"
	satisfiedBy[scopeWriteRepository] = []string{scopeWriteRepository, "repository:write", "pullrequest:write", scopeAdminRepository, "repository:admin"}
}

// writeChecks judges the write-back permissions asked for in extra from
// what CheckAccess learned, without more requests: committing, branches
// and build statuses need write:repository:bitbucket and Write on the
// repository; opening a pull request needs write:pullrequest:bitbucket
// and Write (to have pushed its branch).
func (p *Provider) writeChecks(rep *vcs.AccessReport, extra []vcs.Permission, accessToken bool, role string, roleKnown bool) []vcs.PermissionCheck {
	var out []vcs.PermissionCheck
	writeHint := "give " + rep.User + " Write permission on " + rep.Repository + " (Repository settings → Repository permissions)"
	for _, x := range extra {
		c := vcs.PermissionCheck{Permission: x}
		scope := scopeWriteRepository
		switch x {
		case vcs.PermOpenPullRequest:
			scope = scopeWritePullRequest
		case vcs.PermWriteContents, vcs.PermWriteStatus:
		default:
			c.Grant, c.Detail = vcs.Unknown, "not a permission this provider checks"
			out = append(out, c)
			continue
		}
		switch {
		case rep.Scopes != nil && len(missingScopes(rep.Scopes, scope)) > 0:
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "scopes: "+strings.Join(rep.Scopes, ", "), scopeRemedy(rep, []string{scope})
		case rep.Scopes == nil:
			c.Grant, c.Detail, c.Remediation = vcs.Unknown, "the host reported no scopes", "make sure the token has "+scopeLabels[scope]
		case accessToken:
			c.Grant, c.Detail = vcs.Granted, "access token with "+scope
		case !roleKnown:
			c.Grant, c.Detail, c.Remediation = vcs.Unknown, "repository role unknown", writeHint
		case role != "admin" && role != "write":
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "repository permission: "+roleOrNone(role), writeHint
		default:
			c.Grant, c.Detail = vcs.Granted, "repository permission: "+role+"; scope "+scope
		}
		out = append(out, c)
	}
	return out
}
