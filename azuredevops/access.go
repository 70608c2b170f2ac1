package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gitprovider/gitprovider/vcs"
)

// Security namespaces and permission bits the access check evaluates.
const (
	// NamespaceGitRepositories is the "Git Repositories" security
	// namespace; its tokens are "repoV2/{projectId}/{repositoryId}".
	NamespaceGitRepositories = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87"
	// NamespaceServiceHooks is the "ServiceHooks" security namespace; its
	// tokens are "PublisherSecurity/{projectId}".
	NamespaceServiceHooks = "cb594ebe-87dd-4fc9-ac2c-6a10a4c92046"

	PermGitGenericRead           = 2
	PermGitGenericContribute     = 4
	PermGitPullRequestContribute = 16384
	PermHooksViewSubscriptions   = 1
	PermHooksEditSubscriptions   = 2
)

// AllOrganizationsRemediation is the setup guide's instruction for a PAT
// that was created for one organization only.
const AllOrganizationsRemediation = "create the personal access token again with the Organization field set to All accessible organizations: the Organization field has to be All accessible organizations, not a specific organization"

// Scope names as the PAT form shows them.
const (
	scopeCodeRead   = "Code (Read)"
	scopeCodeWrite  = "Code (Read & write)"
	scopeHooksRead  = "Service Hooks (Read & query)"
	scopeHooksWrite = "Service Hooks (Read, query, & manage)"
	scopeProject    = "Project and Team (Read)"
)

type permissionEvaluation struct {
	SecurityNamespaceID string `json:"securityNamespaceId"`
	Token               string `json:"token"`
	Permissions         int    `json:"permissions"`
	Value               bool   `json:"value"`
}

type permissionEvaluationBatch struct {
	AlwaysAllowAdministrators bool                   `json:"alwaysAllowAdministrators"`
	Evaluations               []permissionEvaluation `json:"evaluations"`
}

// CheckAccess reports on the token and the three permissions on repo. A PAT
// cannot read its own scopes or expiry: Scopes and ExpiresAt stay nil.
//
// Azure DevOps API docs:
//   - GET {org}/_apis/connectionData (the user)
//   - GET https://app.vssps.visualstudio.com/_apis/profile/profiles/me (Services, PATs only)
//   - GET https://app.vssps.visualstudio.com/_apis/accounts?memberId={id} (Services, PATs only)
//   - GET {org}/{project}/_apis/git/repositories/{repo} (read repository)
//   - POST {org}/_apis/security/permissionevaluationbatch (code and service-hook permissions)
//
// The two account-wide calls tell whether a PAT was created for All
// accessible organizations, which the setup guide requires: a PAT bound to
// one organization is unknown there, and create_webhook is reported
// missing with that remediation. They need the User Profile (Read) scope;
// a PAT without it is still recognized by name and passes. Where Azure's
// refusal names nobody, the two cases cannot be told apart and
// create_webhook is Unknown with a note saying so. The permission batch
// evaluates the service user's permissions; the POST only reads and is
// never retried.
func (p *Provider) CheckAccess(ctx context.Context, repo string) (*vcs.AccessReport, error) {
	return p.CheckAccessFor(ctx, repo)
}

// CheckAccessFor is CheckAccess plus the write-back permissions asked for
// in extra (vcs.WriteBackPermissions), evaluated in the same permission
// batch: Contribute and Create branch (write_contents), Contribute to pull
// requests (open_pull_request), Contribute (write_status). A PAT's scopes
// stay undisclosed: the verdicts say which scope it also needs (Code (Read
// & write); Code (Status) for statuses).
func (p *Provider) CheckAccessFor(ctx context.Context, repo string, extra ...vcs.Permission) (*vcs.AccessReport, error) {
	const op = "CheckAccess"
	ref, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	rep := &vcs.AccessReport{
		Provider:   vcs.KindAzureDevOps,
		APIURL:     p.APIURL(),
		Repository: repo,
		TokenKind:  "personal access token",
	}
	if p.creds.FromSource() {
		rep.TokenKind = "Microsoft Entra access token"
	}
	cd, err := p.connectionData(ctx, op)
	if err != nil {
		return nil, err
	}
	rep.User = cd.AuthenticatedUser.Properties.Account.Value
	if rep.User == "" {
		rep.User = cd.AuthenticatedUser.ProviderDisplayName
	}
	if !p.creds.FromSource() {
		rep.Notes = append(rep.Notes, "Azure DevOps does not let a personal access token read its own scopes or expiry date; check the expiry under User settings > Personal access tokens")
	}

	// Microsoft Entra tokens are not bound to an organization, and Azure
	// DevOps Server has no account-wide service.
	reach := reachAll
	if p.inst.Services() && !p.creds.FromSource() {
		reach, err = p.checkAllOrganizations(ctx, rep, cd.AuthenticatedUser.ID)
		if err != nil {
			return nil, err
		}
	}

	var r gitRepository
	_, err = p.do(ctx, call{Op: op, URL: ref.gitPath(), Scope: scopeCodeRead}, &r)
	switch {
	case errors.Is(err, vcs.ErrPermissionDenied):
		rep.Checks = []vcs.PermissionCheck{
			{Permission: vcs.PermReadRepository, Grant: vcs.Missing, Detail: "reading the repository was refused",
				Remediation: fmt.Sprintf("give the PAT the %s scope and the service user Read permission on %s (Project settings > Repositories > %s > Security)", scopeCodeRead, repo, ref.Repo)},
			{Permission: vcs.PermCreateWebhook, Grant: vcs.Unknown, Remediation: "fix read access first: the repository must be readable to check service-hook permissions"},
			{Permission: vcs.PermWriteComment, Grant: vcs.Unknown, Remediation: "fix read access first: the repository must be readable to check pull request permissions"},
		}
		rep.Checks[1] = reachCheck(reach, rep.Checks[1])
		rep.Checks = append(rep.Checks, writeChecks(extra, repo, nil)...)
		return rep, nil
	case err != nil:
		return nil, err
	}

	read := vcs.PermissionCheck{Permission: vcs.PermReadRepository, Grant: vcs.Granted, Detail: "the repository can be read (" + scopeCodeRead + ")"}
	hook := vcs.PermissionCheck{Permission: vcs.PermCreateWebhook}
	comment := vcs.PermissionCheck{Permission: vcs.PermWriteComment}

	repoToken := "repoV2/" + r.Project.ID + "/" + r.ID
	hooksToken := "PublisherSecurity/" + r.Project.ID
	batch := permissionEvaluationBatch{Evaluations: []permissionEvaluation{
		{SecurityNamespaceID: NamespaceGitRepositories, Token: repoToken, Permissions: PermGitPullRequestContribute},
		{SecurityNamespaceID: NamespaceServiceHooks, Token: hooksToken, Permissions: PermHooksViewSubscriptions},
		{SecurityNamespaceID: NamespaceServiceHooks, Token: hooksToken, Permissions: PermHooksEditSubscriptions},
	}}
	if len(extra) > 0 {
		batch.Evaluations = append(batch.Evaluations,
			permissionEvaluation{SecurityNamespaceID: NamespaceGitRepositories, Token: repoToken, Permissions: PermGitGenericContribute},
			permissionEvaluation{SecurityNamespaceID: NamespaceGitRepositories, Token: repoToken, Permissions: PermGitCreateBranch})
	}
	var res permissionEvaluationBatch
	_, err = p.do(ctx, call{Op: op, Method: "POST", URL: "_apis/security/permissionevaluationbatch", Body: batch}, &res)
	switch {
	case errors.Is(err, vcs.ErrUnauthorized):
		return nil, err
	case err != nil || len(res.Evaluations) != len(batch.Evaluations):
		why := "the permission evaluation failed"
		if err != nil {
			why += ": " + err.Error()
		}
		hook.Grant, hook.Detail = vcs.Unknown, why
		hook.Remediation = fmt.Sprintf("make sure the service user has View subscriptions and Edit subscription on project %s (Project Administrators have them) and the PAT has the %s scope", ref.Project, scopeHooksWrite)
		comment.Grant, comment.Detail = vcs.Unknown, why
		comment.Remediation = fmt.Sprintf("make sure the service user has Contribute to pull requests on %s and the PAT has the %s scope", repo, scopeCodeWrite)
	default:
		if res.Evaluations[0].Value {
			comment.Grant = vcs.Granted
			comment.Detail = "the service user may contribute to pull requests on the repository (the PAT also needs the " + scopeCodeWrite + " scope, which Azure DevOps does not disclose)"
		} else {
			comment.Grant = vcs.Missing
			comment.Detail = "no Contribute to pull requests permission on the repository"
			comment.Remediation = fmt.Sprintf("give the PAT the %s scope, and the service user the Contribute to pull requests permission on %s (Project settings > Repositories > %s > Security; Contributors have it)", scopeCodeWrite, repo, ref.Repo)
		}
		if res.Evaluations[1].Value && res.Evaluations[2].Value {
			hook.Grant = vcs.Granted
			hook.Detail = "the service user may view and edit service hook subscriptions of the project (the PAT also needs the " + scopeHooksWrite + " scope, which Azure DevOps does not disclose)"
		} else {
			hook.Grant = vcs.Missing
			hook.Detail = "no View subscriptions / Edit subscription permission on project " + ref.Project
			hook.Remediation = fmt.Sprintf("give the PAT the %s scope, and make the service user a Project Administrator of %s or grant it View subscriptions and Edit subscription (az devops security permission update --namespace-id %s --token PublisherSecurity/%s)", scopeHooksWrite, ref.Project, NamespaceServiceHooks, r.Project.ID)
		}
	}
	hook = reachCheck(reach, hook)
	rep.Checks = []vcs.PermissionCheck{read, hook, comment}
	var evaluated []bool
	if err == nil && len(res.Evaluations) == len(batch.Evaluations) {
		for _, e := range res.Evaluations {
			evaluated = append(evaluated, e.Value)
		}
	}
	rep.Checks = append(rep.Checks, writeChecks(extra, repo, evaluated)...)
	return rep, nil
}

// PermGitCreateBranch is the Git repositories namespace's Create branch
// bit.
const PermGitCreateBranch = 16

// writeChecks turns the evaluated permission batch (nil: not evaluated)
// into the write-back verdicts asked for in extra. The batch's order:
// Contribute to pull requests, two service hook bits, Contribute, Create
// branch.
func writeChecks(extra []vcs.Permission, repo string, evaluated []bool) []vcs.PermissionCheck {
	security := "Project settings > Repositories > Security; Contributors have it"
	var out []vcs.PermissionCheck
	for _, x := range extra {
		c := vcs.PermissionCheck{Permission: x}
		var ok bool
		var what, scope string
		switch x {
		case vcs.PermWriteContents:
			what, scope = "Contribute and Create branch", scopeCodeWrite
			ok = len(evaluated) == 5 && evaluated[3] && evaluated[4]
		case vcs.PermOpenPullRequest:
			what, scope = "Contribute to pull requests", scopeCodeWrite
			ok = len(evaluated) == 5 && evaluated[0]
		case vcs.PermWriteStatus:
			what, scope = "Contribute", scopeCodeStatus
			ok = len(evaluated) == 5 && evaluated[3]
		default:
			c.Grant, c.Detail = vcs.Unknown, "not a permission this provider checks"
			out = append(out, c)
			continue
		}
		fix := fmt.Sprintf("give the PAT the %s scope and the service user %s on %s (%s)", scope, what, repo, security)
		switch {
		case evaluated == nil:
			c.Grant, c.Detail, c.Remediation = vcs.Unknown, "the permission evaluation did not answer", fix
		case ok:
			c.Grant, c.Detail = vcs.Granted, "the service user has "+what+" on the repository (the PAT also needs the "+scope+" scope, which Azure DevOps does not disclose)"
		default:
			c.Grant, c.Detail, c.Remediation = vcs.Missing, "no "+what+" permission on the repository", fix
		}
		out = append(out, c)
	}
	return out
}

// reachCheck folds what the account-wide calls told about the PAT's
// Organization setting into the create_webhook verdict.
func reachCheck(reach orgReach, hook vcs.PermissionCheck) vcs.PermissionCheck {
	switch reach {
	case reachSingle:
		return vcs.PermissionCheck{
			Permission:  vcs.PermCreateWebhook,
			Grant:       vcs.Missing,
			Detail:      "the personal access token is limited to a single organization; service hooks need a token for All accessible organizations",
			Remediation: AllOrganizationsRemediation,
		}
	case reachUnknown:
		const also = "; also make sure the PAT's Organization is All accessible organizations"
		switch hook.Grant {
		case vcs.Granted:
			return vcs.PermissionCheck{
				Permission: vcs.PermCreateWebhook,
				Grant:      vcs.Unknown,
				Detail:     "the service user may view and edit service hook subscriptions, but " + noteReachUnknown,
				Remediation: "check the PAT under User settings > Personal access tokens: its Organization must be All accessible organizations, not a specific organization" +
					" (adding the User Profile (Read) scope lets this check confirm it)",
			}
		default:
			hook.Detail += "; " + noteReachUnknown
			hook.Remediation += also
		}
	}
	return hook
}

type profile struct {
	ID           string `json:"id"`
	DisplayName  string `json:"displayName"`
	EmailAddress string `json:"emailAddress"`
}

type account struct {
	AccountID   string `json:"accountId"`
	AccountName string `json:"accountName"`
}

// orgReach is what the account-wide calls tell about a PAT's Organization
// setting.
type orgReach int

const (
	// reachAll: the PAT is for All accessible organizations.
	reachAll orgReach = iota
	// reachSingle: the PAT is bound to one organization.
	reachSingle
	// reachUnknown: the answers cannot tell.
	reachUnknown
)

// refusedAs matches the identity in Azure's TF400813 refusal.
var refusedAs = regexp.MustCompile(`TF400813: The user '([^']*)'`)

// refusedIdentity returns the identity a refusal names: the user ID in
// X-VSS-UserData ("{id}:{name}") or in the TF400813 message; "" when the
// answer names none.
func refusedIdentity(resp *http.Response, err error) string {
	if resp != nil {
		if id, _, _ := strings.Cut(resp.Header.Get("X-VSS-UserData"), ":"); id != "" {
			return id
		}
	}
	var ve *vcs.Error
	if errors.As(err, &ve) {
		if m := refusedAs.FindStringSubmatch(ve.Message); m != nil {
			return m[1]
		}
	}
	return ""
}

// Notes CheckAccess adds about the Organization setting of a PAT.
const (
	noteNoProfileScope = "the PAT lacks the User Profile (Read) scope, so the organizations of its user were not listed; the account-wide service still recognized it, so it is valid for All accessible organizations"
	noteReachUnknown   = "could not tell whether the PAT was created for All accessible organizations: Azure DevOps refused the account-wide profile call without naming the caller, which is how it answers both a PAT bound to one organization and one without the User Profile (Read) scope"
)

// checkAllOrganizations calls the account-wide profile and accounts APIs to
// learn whether the PAT was created for All accessible organizations.
//
// Both calls need the User Profile (Read) scope. A PAT for All accessible
// organizations without that scope is still known there: Azure refuses it
// naming its user. A PAT bound to one organization is not known at all:
// Azure refuses it as the anonymous identity (or with a sign-in page).
// When the refusal names nobody, the two cannot be told apart and the
// answer is reachUnknown.
func (p *Provider) checkAllOrganizations(ctx context.Context, rep *vcs.AccessReport, userID string) (orgReach, error) {
	const op = "CheckAccess"
	base := "https://" + VSSPSHost + "/_apis/"
	var prof profile
	resp, err := p.do(ctx, call{Op: op, URL: base + "profile/profiles/me"}, &prof)
	if err == nil {
		var accts collection[account]
		_, err = p.do(ctx, call{Op: op, URL: base + "accounts", Query: url.Values{"memberId": {prof.ID}}}, &accts)
		switch {
		case err != nil:
			rep.Notes = append(rep.Notes, "the organizations of the token's user could not be listed: "+err.Error())
		case !containsOrg(accts.Value, p.inst.Organization):
			rep.Notes = append(rep.Notes, fmt.Sprintf("organization %q is not among the %d organizations the token's user belongs to; check the organization URL", p.inst.Organization, len(accts.Value)))
		}
		return reachAll, nil
	}
	var ve *vcs.Error
	switch {
	case errors.Is(err, vcs.ErrUnauthorized) && errors.As(err, &ve):
		who := refusedIdentity(resp, err)
		switch {
		case who != "" && strings.EqualFold(who, userID):
			rep.Notes = append(rep.Notes, noteNoProfileScope)
			return reachAll, nil
		case who != "" || ve.StatusCode != http.StatusUnauthorized:
			// Another identity (Azure names the anonymous one,
			// aaaaaaaa-…, for a caller it does not know), or a sign-in
			// page instead of a 401: the account-wide service does not
			// know the token the organization accepted a moment ago.
			rep.Notes = append(rep.Notes, "the personal access token works for organization "+p.inst.Organization+" only: "+AllOrganizationsRemediation)
			return reachSingle, nil
		}
		rep.Notes = append(rep.Notes, noteReachUnknown)
		return reachUnknown, nil
	case errors.Is(err, vcs.ErrUnavailable), errors.Is(err, vcs.ErrRateLimited), errors.Is(err, vcs.ErrPermissionDenied):
		rep.Notes = append(rep.Notes, "could not tell whether the PAT was created for All accessible organizations: "+err.Error())
		return reachUnknown, nil
	}
	return reachUnknown, err
}

func containsOrg(accts []account, org string) bool {
	for _, a := range accts {
		if strings.EqualFold(a.AccountName, org) {
			return true
		}
	}
	return false
}
