// Package gitlab is the vcs.Provider for GitLab.com and self-managed GitLab
// (also under a relative URL root such as https://host/gitlab), built on
// GitLab's official Go client, gitlab.com/gitlab-org/api/client-go.
//
// Import it to register the "gitlab" kind with vcs.Open:
//
//	import _ "github.com/gitprovider/gitprovider/gitlab"
//
//	p, err := vcs.Open(vcs.Config{Kind: vcs.KindGitLab, URL: "https://git.example.com/gitlab", Token: token})
//
// # Instance URLs
//
// vcs.Config.URL is the instance's address: empty or https://gitlab.com
// for GitLab.com, https://HOST or https://HOST/PATH (GitLab under a
// relative URL root) for self-managed instances, each with or without a
// trailing /api/v4; ParseInstanceURL lists the accepted forms. A
// self-managed instance with a self-signed or private CA certificate works
// with vcs.Config.CABundle set to that CA (PEM); without it the error says
// to add it.
//
// # Tokens
//
// Personal, project and group access tokens and OAuth tokens go in
// vcs.Config.Token, or come from vcs.Config.TokenSource (OAuth tokens that
// refresh, rotated tokens); every kind is sent as "Authorization: Bearer",
// which GitLab accepts for all of them. The workflow needs:
//
//   - read repository: scope read_repository, read_api or api, and at least
//     the Reporter role on a private project (read_api or api for listing
//     projects and merge request changes);
//   - create webhook: scope api and at least the Maintainer role (a project
//     or group access token needs at least the Maintainer role);
//   - write comment: scope api and at least the Reporter role on a
//     private project.
//
// CheckAccess reads the scopes and expiry from GET
// /personal_access_tokens/self (GitLab 15.5+; personal, project and group
// access tokens) or, for OAuth tokens, GET /oauth/token/info, and the role
// from the project's permissions, and says what to change when something
// is missing. Where GitLab lists no scopes it learns whether the token has
// the api scope from a write that cannot change anything (see
// Provider.CheckAccess); when even that tells nothing, the verdict is
// vcs.Unknown, not a guess. Access tokens expire at 00:00 UTC on their
// expiry date; an expired token is vcs.ErrTokenExpired.
//
// # Projects
//
// Repositories are addressed by full path including subgroups
// ("group/subgroup/project", dots, dashes and unicode allowed) or by
// numeric project ID; pull request numbers are merge request IIDs (!N in
// the web UI).
//
// # Limits
//
// ReadFile reads files up to MaxFileSize and returns vcs.ErrTooLarge for
// larger ones; comments are limited to MaxCommentLength characters. A merge
// request over the instance's diff limits (Maximum diff files, 1,000 by
// default) has a cut file list in GitLab: ListPullRequestFiles returns
// what GitLab kept with an error matching vcs.ErrTruncated.
//
// # Webhooks
//
// CreateWebhook subscribes to merge request events (push events only when
// asked, since GitLab turns them on by default) with SSL verification on,
// and sets two secrets from vcs.WebhookOptions.Secret:
//
//   - the hook's secret token, which GitLab sends back in plain text in
//     X-Gitlab-Token;
//   - for GitLab 19+, a signing token derived from the same secret,
//     SigningToken(secret): "whsec_" followed by the base64 of
//     HMAC-SHA256(key = secret, message = "gitprovider gitlab webhook
//     signing token v1"), or the secret itself when it already is a whsec_
//     token (the base64 of 32 bytes). GitLab then signs each delivery
//     (webhook-id, webhook-timestamp, webhook-signature: Standard Webhooks).
//     GitLab before 19.0 ignores the signing token.
//
// GitLab never returns either secret, so the receiver derives the signing
// key from the one secret it stores. UpdateWebhook always sends both again:
// GitLab clears a hook's secret token when its URL changes.
//
// Parser verifies the signature when a delivery carries one (within
// Parser.Tolerance of the receiver's clock, against replays) and otherwise
// compares X-Gitlab-Token with the secret in constant time. A hook created
// by hand in GitLab's UI with only a secret token therefore verifies
// through X-Gitlab-Token; to have it signed too, paste SigningToken(secret)
// into its signing token field. Once every hook is signed, set
// Parser.RequireSignature to refuse deliveries that carry only the token.
//
// GitLab hooks have no on/off switch: an inactive vcs.Webhook subscribes to
// no event, and a hook GitLab disabled after failing deliveries
// (alert_status) is reported inactive.
//
// # Retries
//
// The GitLab client's own retries (which repeat POSTs, and could create a
// note or a hook twice) and its client-side rate limiter are turned off;
// the library's transport retries idempotent requests only and honours
// Retry-After and RateLimit-Reset.
package gitlab
