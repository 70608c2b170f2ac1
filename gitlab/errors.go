package gitlab

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go"

	"github.com/gitprovider/gitprovider/vcs"
)

// Remediation texts shared by error hints and CheckAccess.
const (
	hintScope      = "create a token with the api scope (User settings > Access tokens, or for a project access token the project's Settings > Access tokens) and update the provider with it"
	hintMaintainer = "webhook creation needs at least the Maintainer role on the project (a project access token needs at least Maintainer role): raise the service user's role in the project's Manage > Members, or create a project access token with the Maintainer role"
	hintReporter   = "needs at least the Reporter role on the project: add the service user to the project (Manage > Members) as Reporter or higher"
)

// fail maps a failed GitLab client call to a *vcs.Error.
func (p *Provider) fail(op string, resp *gl.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp == nil || resp.Response == nil || resp.StatusCode < 400 {
		return p.errs.FromError(op, err)
	}
	body := failedBody(resp, err)
	ve := p.errs.FromResponse(op, resp.Response, body)
	if ve.Message == "" {
		ve.Message = p.errs.Creds.Redact(validationMessage(body))
	}
	p.refine(op, ve, body)
	return ve
}

// validationMessage renders GitLab's validation errors, a message object
// of attribute names and their problems ({"message": {"url": ["is
// blocked: …"]}}), as "url is blocked: …".
func validationMessage(body []byte) string {
	var b struct {
		Message map[string][]string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	var parts []string
	for attr, problems := range b.Message {
		for _, pr := range problems {
			parts = append(parts, attr+" "+pr)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// failedBody returns the body of a failed answer, kept by keepErrorBodies.
func failedBody(resp *gl.Response, err error) []byte {
	if resp != nil {
		if eb, ok := resp.Body.(errorBody); ok {
			return eb.data
		}
	}
	if er := (*gl.ErrorResponse)(nil); errors.As(err, &er) {
		return er.Body
	}
	return nil
}

// gitlabError is the OAuth-style error body GitLab answers a token
// problem with: {"error": "insufficient_scope", "scope": "api", …}.
type gitlabError struct {
	Error string `json:"error"`
	Scope string `json:"scope"`
}

func parseGitLabError(body []byte) gitlabError {
	var b gitlabError
	_ = json.Unmarshal(body, &b)
	return b
}

// refine adds GitLab's meaning to an error: expired and revoked tokens,
// missing scopes and roles.
func (p *Provider) refine(op string, ve *vcs.Error, body []byte) {
	b := parseGitLabError(body)
	msg := strings.ToLower(ve.Message)
	switch ve.StatusCode {
	case http.StatusUnauthorized:
		switch {
		case strings.Contains(msg, "expired"):
			ve.Kind = vcs.ErrTokenExpired
			ve.Hint = "the token has expired: create a new token and update the provider with it"
		case strings.Contains(msg, "revoked"):
			ve.Hint = "the token was revoked: create a new token and update the provider with it"
		}
	case http.StatusForbidden:
		if ve.Kind != vcs.ErrPermissionDenied {
			return // rate limited
		}
		if b.Error == "insufficient_scope" {
			want := "api"
			if b.Scope != "" {
				want = strings.Join(strings.Fields(b.Scope), " or ")
			}
			ve.Hint = "the token lacks the scope this call needs (" + want + "): " + hintScope
			return
		}
		switch op {
		case "ListWebhooks", "CreateWebhook", "UpdateWebhook", "DeleteWebhook":
			ve.Hint = hintMaintainer
		case "CreateComment":
			ve.Hint = "commenting on merge requests " + hintReporter
		case "UpdateComment":
			ve.Hint = "GitLab lets only a comment's author edit it: update comments with the token that posted them"
		default:
			ve.Hint = "reading the repository " + hintReporter
		}
	case http.StatusUnprocessableEntity:
		if strings.Contains(msg, "url is blocked") && strings.Contains(msg, "local network") {
			ve.Hint = "GitLab refuses webhook URLs in its local network by default: an administrator can allow them in Admin > Settings > Network > Outbound requests, or use a URL GitLab reaches from outside"
		}
	case http.StatusNotFound:
		if strings.Contains(msg, "project not found") {
			ve.Hint = "check the project's full path (group/subgroup/project) and that the token's user is a member of the project"
		}
	}
}
