package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/vcs"
)

// Token kinds, as GitHub's token prefixes tell them.
const (
	TokenKindClassic      = "classic personal access token"
	TokenKindFineGrained  = "fine-grained personal access token"
	TokenKindOAuth        = "OAuth app token"
	TokenKindAppUser      = "GitHub App user token"
	TokenKindInstallation = "GitHub App installation token"
)

// tokenKind names the credential: by GitHub's token prefix, else as an
// OAuth token when it came from a TokenSource, else as a classic token
// when GitHub listed its scopes.
func tokenKind(token string, scopesHeader, oauth bool) string {
	switch {
	case strings.HasPrefix(token, "ghp_"):
		return TokenKindClassic
	case strings.HasPrefix(token, "github_pat_"):
		return TokenKindFineGrained
	case strings.HasPrefix(token, "gho_"):
		return TokenKindOAuth
	case strings.HasPrefix(token, "ghu_"):
		return TokenKindAppUser
	case strings.HasPrefix(token, "ghs_"):
		return TokenKindInstallation
	case oauth:
		return TokenKindOAuth
	case scopesHeader:
		// Only classic and OAuth tokens carry X-OAuth-Scopes.
		return TokenKindClassic
	}
	return ""
}

// CheckAccess reports on the token and its permissions on repo.
//
// GitHub API docs:
//   - GET /user (identity, X-OAuth-Scopes, GitHub-Authentication-Token-Expiration)
//   - GET /repos/{owner}/{repo} (the user's role: permissions.admin/push/pull)
//
// Classic and OAuth app tokens are judged by their scopes (X-OAuth-Scopes)
// and the user's role. Fine-grained tokens, GitHub App installation tokens
// and GitHub App user tokens list no scopes, so their permissions are probed
// without changing anything:
//   - GET /repos/{owner}/{repo}/commits?per_page=1 (Contents: read)
//   - PATCH /repos/{owner}/{repo}/hooks/0 (Webhooks: write)
//   - PATCH /repos/{owner}/{repo}/issues/comments/0 (Pull requests or Issues: write)
//
// The PATCH probes address objects that cannot exist: GitHub checks a
// token's permissions before it looks the object up, answering 403 when
// the permission is missing and 404 when it is granted. GitHub does not
// document that order, so each verdict's Detail says it was probed and
// what GitHub answered, and any other answer is reported as vcs.Unknown.
func (p *Provider) CheckAccess(ctx context.Context, repo string) (*vcs.AccessReport, error) {
	return p.CheckAccessFor(ctx, repo)
}

// CheckAccessFor is CheckAccess plus the write-back permissions asked for
// in extra (vcs.WriteBackPermissions). Classic and OAuth tokens are judged
// by scope (repo, public_repo for public repositories, repo:status for
// statuses) and the user's push access; other tokens are probed without
// changing anything, each probe sent so that GitHub refuses it: 403 when
// the permission is missing, a validation error (422) when it is granted:
//   - PATCH /repos/{owner}/{repo}/git/refs/heads/{absent branch} (Contents: write)
//   - POST /repos/{owner}/{repo}/pulls from and to an absent branch (Pull requests: write)
//   - POST /repos/{owner}/{repo}/statuses/{zero SHA} (Commit statuses: write)
func (p *Provider) CheckAccessFor(ctx context.Context, repo string, extra ...vcs.Permission) (*vcs.AccessReport, error) {
	const op = "CheckAccess"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	rep := &vcs.AccessReport{Provider: vcs.KindGitHub, APIURL: p.api.String(), Repository: repo}
	tok, oauth, err := p.creds.Token()
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}
	installation := strings.HasPrefix(tok, "ghs_")

	user, resp, err := p.client.Users.Get(ctx, "")
	var scopesHeader bool
	switch {
	case err == nil:
		rep.User = user.GetLogin()
		var raw []string
		raw, scopesHeader = resp.Header["X-Oauth-Scopes"]
		if scopesHeader {
			rep.Scopes = splitScopes(strings.Join(raw, ","))
			if rep.Scopes == nil {
				rep.Scopes = []string{}
			}
		}
		if t, ok := parseExpiry(resp.Header.Get(expiryHeader)); ok {
			rep.ExpiresAt = &t
		}
	case installation && p.app != nil && errors.Is(p.wrap(op, err), vcs.ErrPermissionDenied):
		rep.User = fmt.Sprintf("GitHub App %d, installation %d", p.app.appID, p.app.installationID)
		perms, selection := p.app.installation()
		rep.Notes = append(rep.Notes, "installation permissions: "+installationPermissions(perms)+"; repositories: "+selection,
			"installation tokens expire after one hour; the provider renews them from the app's key")
	case installation && errors.Is(p.wrap(op, err), vcs.ErrPermissionDenied):
		// Installation tokens act as the app, which has no /user.
		rep.User = "(GitHub App installation)"
		rep.Notes = append(rep.Notes, "GitHub App installation tokens expire after one hour: configure the app's ID, installation ID and private key (vcs.Config.GitHubApp) so the provider renews them")
	default:
		return nil, p.wrap(op, err)
	}
	rep.TokenKind = tokenKind(tok, scopesHeader, oauth)
	if rep.ExpiresAt == nil {
		if exp := p.creds.Expiry(); !exp.IsZero() {
			rep.ExpiresAt = &exp
		}
	}
	if rep.ExpiresAt != nil {
		if left := rep.ExpiresAt.Sub(p.cfg.Now()); left < 7*24*time.Hour {
			rep.Notes = append(rep.Notes, fmt.Sprintf("the token expires in %s; create a new one before then and update the provider", left.Round(time.Minute)))
		}
	}
	classic := scopesHeader
	has := func(scopes ...string) bool { return anyScope(rep.Scopes, scopes) }
	settings := p.tokenSettingsURL()

	r, _, err := p.client.Repositories.Get(ctx, owner, name)
	if err != nil {
		e := p.wrap(op, err)
		if installation && errors.Is(e, vcs.ErrNotFound) {
			// The installation does not cover the repository.
			fix := "add the repository to the installation: " + p.installationSettings(owner)
			rep.Checks = nil
			for _, perm := range append(append([]vcs.Permission{}, vcs.Permissions...), extra...) {
				rep.Checks = append(rep.Checks, vcs.PermissionCheck{Permission: perm, Grant: vcs.Missing, Detail: "the repository " + repo + " is not in the installation (or does not exist)", Remediation: fix})
			}
			return rep, nil
		}
		if classic && !has("repo") && (errors.Is(e, vcs.ErrNotFound) || errors.Is(e, vcs.ErrPermissionDenied)) {
			// Without the repo scope a private repository is invisible.
			fix := "add the repo scope at " + settings + " (or check that the repository " + repo + " exists)"
			rep.Checks = []vcs.PermissionCheck{
				{Permission: vcs.PermReadRepository, Grant: vcs.Missing, Detail: "repository not visible; the token has no repo scope", Remediation: fix},
				{Permission: vcs.PermCreateWebhook, Grant: vcs.Missing, Detail: "repository not visible", Remediation: fix + ", and the admin:repo_hook scope"},
				{Permission: vcs.PermWriteComment, Grant: vcs.Missing, Detail: "repository not visible", Remediation: fix},
			}
			for _, x := range extra {
				rep.Checks = append(rep.Checks, vcs.PermissionCheck{Permission: x, Grant: vcs.Missing, Detail: "repository not visible", Remediation: fix})
			}
			return rep, nil
		}
		return nil, e
	}
	perms := r.GetPermissions()
	private := r.GetPrivate() || r.GetVisibility() == "internal"

	read := vcs.PermissionCheck{Permission: vcs.PermReadRepository}
	hook := vcs.PermissionCheck{Permission: vcs.PermCreateWebhook}
	comment := vcs.PermissionCheck{Permission: vcs.PermWriteComment}

	if classic {
		switch {
		case !perms.GetPull():
			read.Grant, read.Remediation = vcs.Missing, "give the user "+rep.User+" read access to "+repo
		case private && !has("repo"):
			read.Grant, read.Remediation = vcs.Missing, "add the repo scope at "+settings
		default:
			read.Grant, read.Detail = vcs.Granted, scopeDetail(rep.Scopes, "repo")
		}
		hookScope := has("admin:repo_hook", "write:repo_hook", "repo")
		switch {
		case !hookScope:
			hook.Grant, hook.Remediation = vcs.Missing, "add the admin:repo_hook scope at "+settings
		case !perms.GetAdmin():
			hook.Grant, hook.Remediation = vcs.Missing, adminFix(rep.User, repo)
		default:
			hook.Grant, hook.Detail = vcs.Granted, scopeDetail(rep.Scopes, "admin:repo_hook", "write:repo_hook", "repo")+" and repository admin"
		}
		commentScope := has("repo") || (!private && has("public_repo"))
		switch {
		case !commentScope:
			comment.Grant, comment.Remediation = vcs.Missing, "add the repo scope at "+settings
		case !perms.GetPull():
			comment.Grant, comment.Remediation = vcs.Missing, "give the user "+rep.User+" access to "+repo
		default:
			comment.Grant, comment.Detail = vcs.Granted, scopeDetail(rep.Scopes, "repo", "public_repo")
		}
		rep.Checks = []vcs.PermissionCheck{read, hook, comment}
		rep.Checks = append(rep.Checks, p.classicWriteChecks(rep, extra, repo, private, perms.GetPush(), perms.GetPull())...)
		return rep, nil
	}

	grant := func(perm string) string {
		if installation {
			return "grant " + perm + " in the GitHub App's settings (Permissions & events → Repository permissions) and approve the change for the installation: " + p.installationSettings(owner)
		}
		return "edit the token at " + settings + " and grant " + perm + " on " + repo
	}
	base := "repos/" + owner + "/" + name + "/"
	read = p.probe(ctx, read, probeSpec{method: http.MethodGet, path: base + "commits?per_page=1",
		perm: "Contents: Read-only", fix: grant("Contents: Read-only (and Pull requests: Read-only)")})
	hook = p.probe(ctx, hook, probeSpec{method: http.MethodPatch, path: base + "hooks/0", absent: true,
		perm: "Webhooks: Read and write", fix: grant("Webhooks: Read and write")})
	if hook.Grant == vcs.Granted && !installation && !perms.GetAdmin() {
		// A personal token acts for its user, and GitHub lets only
		// repository admins manage webhooks; an app needs no role.
		hook.Grant, hook.Remediation = vcs.Missing, adminFix(rep.User, repo)
		hook.Detail += "; the user is not a repository admin"
	}
	// The body is required by the operation's description (a host that
	// validates the body before the permission would answer 422 to {});
	// the comment cannot exist, so nothing is written.
	comment = p.probe(ctx, comment, probeSpec{method: http.MethodPatch, path: base + "issues/comments/0", absent: true,
		body: map[string]string{"body": "gitprovider access check"},
		perm: "Pull requests: Read and write", fix: grant("Pull requests: Read and write (or Issues: Read and write)")})
	rep.Checks = []vcs.PermissionCheck{read, hook, comment}
	for _, x := range extra {
		c := vcs.PermissionCheck{Permission: x}
		switch x {
		case vcs.PermWriteContents:
			c = p.probe(ctx, c, probeSpec{method: http.MethodPatch, path: base + "git/refs/heads/" + probeBranch, body: map[string]any{"sha": zeroSHA, "force": false},
				invalid: true, perm: "Contents: Read and write", fix: grant("Contents: Read and write")})
		case vcs.PermOpenPullRequest:
			c = p.probe(ctx, c, probeSpec{method: http.MethodPost, path: base + "pulls", body: map[string]any{"title": "gitprovider access probe", "head": probeBranch, "base": probeBranch},
				invalid: true, perm: "Pull requests: Read and write", fix: grant("Pull requests: Read and write")})
		case vcs.PermWriteStatus:
			c = p.probe(ctx, c, probeSpec{method: http.MethodPost, path: base + "statuses/" + zeroSHA, body: map[string]any{"state": "pending", "context": "gitprovider/access-probe"},
				invalid: true, perm: "Commit statuses: Read and write", fix: grant("Commit statuses: Read and write")})
		default:
			c.Grant, c.Detail = vcs.Unknown, "not a permission this provider checks"
		}
		if c.Grant == vcs.Granted && !installation && x != vcs.PermOpenPullRequest && !perms.GetPush() {
			c.Grant, c.Remediation = vcs.Missing, "give the user "+rep.User+" write access to "+repo+" (Settings → Collaborators and teams)"
			c.Detail += "; the user has no push access"
		}
		rep.Checks = append(rep.Checks, c)
	}
	return rep, nil
}

// zeroSHA and probeBranch address a commit and a branch that cannot
// exist, in probes.
const (
	zeroSHA     = "0000000000000000000000000000000000000000"
	probeBranch = "gitprovider-probe/absent"
)

// classicWriteChecks judges the write-back permissions of a classic or
// OAuth token by its scopes and the user's access.
func (p *Provider) classicWriteChecks(rep *vcs.AccessReport, extra []vcs.Permission, repo string, private, push, pull bool) []vcs.PermissionCheck {
	has := func(scopes ...string) bool { return anyScope(rep.Scopes, scopes) }
	settings := p.tokenSettingsURL()
	repoScope := has("repo") || (!private && has("public_repo"))
	var out []vcs.PermissionCheck
	for _, x := range extra {
		c := vcs.PermissionCheck{Permission: x}
		scopeOK, needPush, scopes := repoScope, true, []string{"repo", "public_repo"}
		switch x {
		case vcs.PermOpenPullRequest:
			needPush = false
		case vcs.PermWriteStatus:
			scopeOK, scopes = has("repo", "repo:status"), []string{"repo", "repo:status"}
		case vcs.PermWriteContents:
		default:
			c.Grant, c.Detail = vcs.Unknown, "not a permission this provider checks"
			out = append(out, c)
			continue
		}
		switch {
		case !scopeOK:
			c.Grant, c.Remediation = vcs.Missing, "add the "+scopes[0]+" scope at "+settings
		case needPush && !push:
			c.Grant, c.Remediation = vcs.Missing, "give the user "+rep.User+" write access to "+repo+" (Settings → Collaborators and teams)"
		case !pull:
			c.Grant, c.Remediation = vcs.Missing, "give the user "+rep.User+" access to "+repo
		default:
			c.Grant, c.Detail = vcs.Granted, scopeDetail(rep.Scopes, scopes...)
			if needPush {
				c.Detail += " and push access"
			}
		}
		out = append(out, c)
	}
	return out
}

func adminFix(user, repo string) string {
	return "GitHub lets only repository admins manage webhooks: make " + user + " an admin of " + repo + " (Settings → Collaborators and teams)"
}

func scopeDetail(have []string, want ...string) string {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return "scope " + w
			}
		}
	}
	return "public repository"
}

// probeSpec is a request that changes nothing, sent to learn whether the
// token holds perm.
type probeSpec struct {
	method, path string
	// absent: the request addresses an object that cannot exist, so 404
	// means the permission check passed.
	absent bool
	// invalid: the request is one GitHub refuses as invalid (422) once
	// the permission check passed.
	invalid   bool
	perm, fix string
	// body is sent as JSON; a PATCH probe's body when {} would not be a valid one.
	body any
}

// probe sends s and judges the permission by GitHub's answer: 2xx (and
// 409, an empty repository) and, for an absent object, 404 mean granted;
// a 403 that is not a rate limit means missing; anything else is unknown.
func (p *Provider) probe(ctx context.Context, c vcs.PermissionCheck, s probeSpec) vcs.PermissionCheck {
	body := s.body
	if body == nil && s.method == http.MethodPatch {
		body = struct{}{}
	}
	probed := "probed " + s.method + " /" + strings.SplitN(s.path, "?", 2)[0]
	req, err := p.client.NewRequest(ctx, s.method, s.path, body)
	if err != nil {
		c.Grant, c.Detail, c.Remediation = vcs.Unknown, probed+": "+err.Error(), s.fix
		return c
	}
	_, err = p.client.Do(req, nil)
	var (
		er     *gh.ErrorResponse
		status int
	)
	if errors.As(err, &er) && er.Response != nil {
		status = er.Response.StatusCode
	}
	werr := p.wrap("CheckAccess", err)
	switch {
	case err == nil:
		c.Grant, c.Detail = vcs.Granted, s.perm+" ("+probed+": allowed)"
	case status == http.StatusConflict:
		c.Grant, c.Detail = vcs.Granted, s.perm+" ("+probed+": answered 409, an empty repository)"
	case status == http.StatusUnprocessableEntity && s.invalid:
		c.Grant, c.Detail = vcs.Granted, s.perm+" ("+probed+": GitHub refused the invalid request with 422, not 403)"
	case status == http.StatusNotFound && s.absent:
		c.Grant, c.Detail = vcs.Granted, s.perm+" ("+probed+": GitHub answered 404 for an object that cannot exist, not 403)"
	case status == http.StatusForbidden && errors.Is(werr, vcs.ErrPermissionDenied):
		c.Grant, c.Detail, c.Remediation = vcs.Missing, "the token lacks "+s.perm+" ("+probed+": GitHub answered 403)", s.fix
	default:
		c.Grant, c.Detail, c.Remediation = vcs.Unknown, probed+": the answer does not tell ("+werr.Error()+")", s.fix
	}
	return c
}

// installationSettings is where an owner adds repositories to the app's
// installation or approves its permissions.
func (p *Provider) installationSettings(owner string) string {
	id := "INSTALLATION_ID"
	if p.app != nil {
		id = fmt.Sprint(p.app.installationID)
	}
	return p.web.String() + "organizations/" + owner + "/settings/installations/" + id +
		" (for a personal account: " + p.web.String() + "settings/installations/" + id + ")"
}

// installationPermissions renders the permissions the workflow uses, as
// the installation was granted them ("none" when not granted).
func installationPermissions(perms map[string]string) string {
	var parts []string
	for _, k := range []string{"contents", "pull_requests", "repository_hooks", "statuses", "issues", "metadata"} {
		v := perms[k]
		if v == "" {
			v = "none"
		}
		parts = append(parts, k+"="+v)
	}
	return strings.Join(parts, ", ")
}
