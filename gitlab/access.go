package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/vcs"
)

// GitLab's role values (permissions.*.access_level).
const (
	roleReporter   = 20
	roleDeveloper  = 30
	roleMaintainer = 40
	roleAdmin      = 60 // not a GitLab level: stands for an instance administrator
)

var roleNames = map[int]string{0: "none", 5: "Minimal Access", 10: "Guest", 15: "Planner", 20: "Reporter", 30: "Developer", 40: "Maintainer", 50: "Owner", 60: "instance administrator"}

func roleName(r int) string {
	if n, ok := roleNames[r]; ok {
		return n
	}
	return fmt.Sprintf("access level %d", r)
}

var (
	projectBot = regexp.MustCompile(`^project_\d+_bot`)
	groupBot   = regexp.MustCompile(`^group_\d+_bot`)
)

// tokenInfo is what GitLab tells about the token itself.
type tokenInfo struct {
	scopes  []string // nil: unknown
	expires *time.Time
	kind    string
	userID  int64
	note    string
}

func (t *tokenInfo) has(scopes ...string) bool {
	for _, s := range scopes {
		if slices.Contains(t.scopes, s) {
			return true
		}
	}
	return false
}

// CheckAccess reports who the token belongs to, its kind, scopes and
// expiry, and whether it may read the repository (scope read_repository,
// read_api or api, and at least the Reporter role on a private project),
// create the webhook (scope api and at least the Maintainer role) and
// comment on merge requests (scope api and at least the Reporter role on a
// private project). Instance administrators count as able to do anything.
//
// GitLab API docs:
//   - GET /user (identity; is_admin)
//   - GET /personal_access_tokens/self (scopes and expiry of personal,
//     project and group access tokens; GitLab 15.5+)
//   - GET /oauth/token/info (scopes and expiry of OAuth tokens from a
//     TokenSource; at the instance root, outside /api/v4)
//   - GET /projects/:id (visibility; the role from
//     permissions.project_access and permissions.group_access)
//
// Where GitLab lists no scopes (GitLab before 15.5 answers 404; an OAuth
// token gets 400, "This endpoint requires token type to be a personal
// access token", and older versions may fail otherwise), the api scope is probed without changing anything:
//   - PUT /projects/:id/merge_requests/0/notes/0
//
// GitLab checks a token's scope before it looks the merge request up, so a
// token without api gets 403 insufficient_scope and one with it 404 (see
// probeAPIScope). When even that tells nothing, webhook and comment
// permissions are vcs.Unknown with a remediation that names the api scope.
func (p *Provider) CheckAccess(ctx context.Context, repo string) (*vcs.AccessReport, error) {
	return p.CheckAccessFor(ctx, repo)
}

// CheckAccessFor is CheckAccess plus the write-back permissions asked for
// in extra (vcs.WriteBackPermissions), judged from what CheckAccess already
// learned, without more requests: every one needs the api scope, and
// creating branches, committing, opening merge requests and setting commit
// statuses need at least the Developer role (a protected branch asks for
// more, which this check does not see).
func (p *Provider) CheckAccessFor(ctx context.Context, repo string, extra ...vcs.Permission) (*vcs.AccessReport, error) {
	const op = "CheckAccess"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	rep := &vcs.AccessReport{Provider: kind, APIURL: p.api.String(), Repository: repo}
	// The token the answers below speak of, should SetToken replace it
	// meanwhile.
	checked, _, err := p.creds.Token()
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}

	user, resp, err := p.client.Users.CurrentUser(reqCtx(ctx))
	userErr := p.fail(op, resp, err)
	if userErr != nil && !errors.Is(userErr, vcs.ErrPermissionDenied) {
		return nil, userErr // a 403 is a token without read_user/api: carry on
	}
	info, err := p.tokenInfo(ctx, op)
	if err != nil {
		return nil, err
	}
	if user != nil {
		rep.User = user.Username
		switch {
		case projectBot.MatchString(user.Username):
			info.kind = "project access token"
		case groupBot.MatchString(user.Username):
			info.kind = "group access token"
		}
	} else {
		if info.userID != 0 {
			rep.User = fmt.Sprintf("user %d", info.userID)
		}
		rep.Notes = append(rep.Notes, "GET /user was refused: the token has none of the read_user, read_api and api scopes")
	}
	rep.TokenKind, rep.Scopes, rep.ExpiresAt = info.kind, info.scopes, info.expires
	if info.note != "" {
		rep.Notes = append(rep.Notes, info.note)
	}
	if info.expires != nil {
		if !p.creds.FromSource() {
			p.creds.RecordExpiryFor(checked, *info.expires)
		}
		if left := info.expires.Sub(p.errs.Now()); left < 7*24*time.Hour {
			rep.Notes = append(rep.Notes, fmt.Sprintf("the token expires on %s (in %s): create a new one and update the provider before then",
				info.expires.UTC().Format(time.RFC3339), left.Round(time.Minute)))
		}
	}

	// The role, and whether the token may use the projects API at all.
	role, private, scopeDenied := 0, true, false
	proj, resp, err := p.client.Projects.GetProject(id, nil, reqCtx(ctx))
	if err != nil {
		perr := p.fail(op, resp, err)
		var ve *vcs.Error
		if !errors.As(perr, &ve) || ve.StatusCode != http.StatusForbidden {
			return nil, perr
		}
		scopeDenied = true
	} else {
		private = proj.Visibility == gl.PrivateVisibility
		if proj.Permissions != nil {
			if pa := proj.Permissions.ProjectAccess; pa != nil {
				role = max(role, int(pa.AccessLevel))
			}
			if ga := proj.Permissions.GroupAccess; ga != nil {
				role = max(role, int(ga.AccessLevel))
			}
		}
	}
	if user != nil && user.IsAdmin {
		// Administrators may do anything on any project; GitLab reports no
		// membership for them.
		role = max(role, roleAdmin)
	}
	known := info.scopes != nil
	scopeDetail := "scopes unknown"
	if known {
		scopeDetail = "scopes " + strings.Join(info.scopes, ", ")
	} else if !scopeDenied {
		// The projects API answered, so the token has read_api or api;
		// a harmless write tells which.
		if api, ok := p.probeAPIScope(ctx, id); ok {
			known = true
			info.scopes = []string{"read_api"}
			scopeDetail = "no api scope (a write was refused with insufficient_scope)"
			if api {
				info.scopes = []string{"api"}
				scopeDetail = "api scope (a write passed the scope check)"
			}
		}
	}
	detail := scopeDetail + "; role " + roleName(role)
	if !private {
		detail += "; " + string(proj.Visibility) + " project"
	}
	if scopeDenied {
		detail = scopeDetail + "; the projects API answered 403"
	}
	check := func(perm vcs.Permission, grant vcs.Grant, remediation string) vcs.PermissionCheck {
		if grant == vcs.Granted {
			remediation = ""
		}
		return vcs.PermissionCheck{Permission: perm, Grant: grant, Detail: detail, Remediation: remediation}
	}
	apiMissing := "the token needs the api scope: " + hintScope

	// Read repository.
	switch {
	case known && !info.has("api", "read_api", "read_repository"):
		rep.Checks = append(rep.Checks, check(vcs.PermReadRepository, vcs.Missing, "the token needs the read_repository or api scope: "+hintScope))
	case scopeDenied:
		rep.Checks = append(rep.Checks, check(vcs.PermReadRepository, vcs.Missing, "the token cannot use the projects API; it needs the api (or read_api) scope: "+hintScope))
	case private && role < roleReporter:
		rep.Checks = append(rep.Checks, check(vcs.PermReadRepository, vcs.Missing, "reading the repository "+hintReporter))
	default:
		rep.Checks = append(rep.Checks, check(vcs.PermReadRepository, vcs.Granted, ""))
		if known && !info.has("api", "read_api") {
			rep.Notes = append(rep.Notes, "read_repository lets the token read files, but listing projects and merge request changes goes through the API and needs read_api or api")
		}
	}
	// Create webhook.
	switch {
	case (known && !info.has("api")) || scopeDenied:
		rep.Checks = append(rep.Checks, check(vcs.PermCreateWebhook, vcs.Missing, "creating a webhook: "+apiMissing))
	case role < roleMaintainer:
		rep.Checks = append(rep.Checks, check(vcs.PermCreateWebhook, vcs.Missing, hintMaintainer))
	case !known:
		rep.Checks = append(rep.Checks, check(vcs.PermCreateWebhook, vcs.Unknown, "GitLab did not tell the token's scopes: make sure it has the api scope"))
	default:
		rep.Checks = append(rep.Checks, check(vcs.PermCreateWebhook, vcs.Granted, ""))
	}
	// Write comment.
	switch {
	case (known && !info.has("api")) || scopeDenied:
		rep.Checks = append(rep.Checks, check(vcs.PermWriteComment, vcs.Missing, "commenting on merge requests: "+apiMissing))
	case private && role < roleReporter:
		rep.Checks = append(rep.Checks, check(vcs.PermWriteComment, vcs.Missing, "commenting on merge requests "+hintReporter))
	case !known:
		rep.Checks = append(rep.Checks, check(vcs.PermWriteComment, vcs.Unknown, "GitLab did not tell the token's scopes: make sure it has the api scope"))
	default:
		rep.Checks = append(rep.Checks, check(vcs.PermWriteComment, vcs.Granted, ""))
	}
	// Write-back permissions.
	for _, x := range extra {
		what := map[vcs.Permission]string{vcs.PermWriteContents: "creating branches and committing", vcs.PermOpenPullRequest: "opening merge requests", vcs.PermWriteStatus: "setting commit statuses"}[x]
		switch {
		case what == "":
			rep.Checks = append(rep.Checks, vcs.PermissionCheck{Permission: x, Grant: vcs.Unknown, Detail: "not a permission this provider checks"})
		case (known && !info.has("api")) || scopeDenied:
			rep.Checks = append(rep.Checks, check(x, vcs.Missing, what+": "+apiMissing))
		case role < roleDeveloper:
			rep.Checks = append(rep.Checks, check(x, vcs.Missing, what+" needs at least the Developer role on the project: raise the service user's role in the project's Manage > Members, or use a project access token with the Developer (or Maintainer) role"))
		case !known:
			rep.Checks = append(rep.Checks, check(x, vcs.Unknown, "GitLab did not tell the token's scopes: make sure it has the api scope"))
		default:
			rep.Checks = append(rep.Checks, check(x, vcs.Granted, ""))
		}
	}
	return rep, nil
}

// tokenInfo asks GitLab about the token: /personal_access_tokens/self
// describes personal, project and group access tokens (GitLab 15.5+) and
// refuses other tokens with 400; /oauth/token/info describes OAuth tokens.
// Answers that mean "not available here" leave the scopes unknown, and the
// kind too where nothing tells it.
func (p *Provider) tokenInfo(ctx context.Context, op string) (*tokenInfo, error) {
	info := &tokenInfo{}
	pat, resp, err := p.client.PersonalAccessTokens.GetSinglePersonalAccessToken(reqCtx(ctx))
	if err == nil {
		info.kind = "personal access token"
		info.scopes = append([]string{}, pat.Scopes...)
		info.userID = pat.UserID
		if pat.ExpiresAt != nil {
			// GitLab stores a date; the token stops working at 00:00 UTC on it.
			d := time.Time(*pat.ExpiresAt)
			e := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
			info.expires = &e
		}
		return info, nil
	}
	ferr := p.fail(op, resp, err)
	if !unavailable(ferr) {
		return nil, ferr
	}
	if resp != nil && resp.StatusCode == http.StatusBadRequest {
		// "This endpoint requires token type to be a personal access
		// token": the API takes no other kind of token but OAuth.
		info.kind = "OAuth token"
	}
	if oauth, ok := p.oauthInfo(ctx); ok {
		info.kind = "OAuth token"
		info.scopes = oauth.Scope
		if info.scopes == nil {
			info.scopes = oauth.Scopes
		}
		if info.scopes == nil {
			info.scopes = []string{}
		}
		if oauth.ExpiresIn != nil {
			e := p.errs.Now().Add(time.Duration(*oauth.ExpiresIn) * time.Second).Truncate(time.Second)
			info.expires = &e
		}
		return info, nil
	}
	info.note = "GitLab did not list the token's scopes (GET /personal_access_tokens/self is unavailable for OAuth tokens and before GitLab 15.5)"
	return info, nil
}

// unavailable reports whether an answer of /personal_access_tokens/self
// means it cannot describe this token: 400 for OAuth tokens, 404 before
// GitLab 15.5, 401/403 where a token type is not accepted, and 500 from
// versions that fail on OAuth tokens instead of refusing them. The calls
// that follow still fail if the host itself is broken.
func unavailable(err error) bool {
	var ve *vcs.Error
	if !errors.As(err, &ve) {
		return false
	}
	switch ve.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusInternalServerError:
		return true
	}
	return false
}

type oauthTokenInfo struct {
	Scope     []string `json:"scope"`
	Scopes    []string `json:"scopes"`
	ExpiresIn *int64   `json:"expires_in"`
}

// oauthInfo reads GET /oauth/token/info, which lives at the instance root,
// outside /api/v4; it answers 401 for tokens that are not OAuth tokens.
func (p *Provider) oauthInfo(ctx context.Context) (*oauthTokenInfo, bool) {
	u := *p.web
	u.Path += "oauth/token/info"
	req, err := p.client.NewRequestToURL(http.MethodGet, &u, nil, []gl.RequestOptionFunc{reqCtx(ctx)})
	if err != nil {
		return nil, false
	}
	var out oauthTokenInfo
	if _, err := p.client.Do(req, &out); err != nil {
		return nil, false
	}
	return &out, true
}

// probeAPIScope tells whether the token has the api scope when GitLab
// will not list its scopes. It edits note 0 of merge request !0, which
// cannot exist: the Notes API authenticates in a before filter (lib/api/
// notes.rb: before { authenticate! }), and authentication checks the
// token's scopes against the endpoint (read_api passes only GET and HEAD),
// so a token without api is refused with 403 insufficient_scope before
// the merge request is looked up, and one with api gets 404. Nothing
// changes either way. ok is false when the answer tells neither.
func (p *Provider) probeAPIScope(ctx context.Context, id string) (api, ok bool) {
	req, err := p.client.NewRequest(http.MethodPut, "projects/"+gl.PathEscape(id)+"/merge_requests/0/notes/0",
		&gl.UpdateMergeRequestNoteOptions{Body: gl.Ptr("gitprovider scope probe")}, []gl.RequestOptionFunc{reqCtx(ctx)})
	if err != nil {
		return false, false
	}
	resp, err := p.client.Do(req, nil)
	switch {
	case err == nil:
		return true, true // cannot happen: there is no merge request !0
	case resp == nil || resp.Response == nil:
		return false, false
	case resp.StatusCode == http.StatusForbidden && parseGitLabError(failedBody(resp, err)).Error == "insufficient_scope":
		return false, true
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusBadRequest, resp.StatusCode == http.StatusForbidden:
		// Past the scope check: the merge request is missing, or the
		// role does not allow editing notes.
		return true, true
	}
	return false, false
}
