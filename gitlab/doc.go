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
// for GitLab.com, https://HOST or https://HOST/PATH for self-managed
// instances, each with or without a trailing /api/v4. A self-signed
// instance works with vcs.Config.CABundle set to its CA certificate (PEM).
//
// # Tokens
//
// Personal, project and group access tokens go in vcs.Config.Token and are
// sent in the PRIVATE-TOKEN header; OAuth tokens come from
// vcs.Config.TokenSource and are sent as Bearer tokens. The workflow needs:
//
//   - read repository: scope read_repository (or read_api, api) and at
//     least the Reporter role on a private project;
//   - create webhook: scope api and at least the Maintainer role (a project
//     access token needs the Maintainer role);
//   - write comment: scope api and at least the Reporter role on a
//     private project.
//
// CheckAccess reads the scopes and expiry from
// GET /personal_access_tokens/self and the role from the project's
// permissions, and says what to change when something is missing. An
// expired token is vcs.ErrTokenExpired.
//
// # Projects
//
// Repositories are addressed by full path including subgroups
// ("group/subgroup/project") or numeric project ID; pull request numbers
// are merge request IIDs (!N in the web UI).
//
// # Webhooks
//
// CreateWebhook subscribes to merge request events with the secret as the
// hook's secret token (X-Gitlab-Token) and, for GitLab 19+, a signing token
// derived from the same secret (see SigningToken), so deliveries carry a
// Standard Webhooks signature over the body. Parser verifies either form:
// the signature when present (with a replay tolerance), else the token in
// constant time.
//
// # Retries
//
// The GitLab client's own retries (which repeat POSTs, and could create a
// note or a hook twice) and its client-side rate limiter are turned off;
// the library's transport retries idempotent requests only and honours
// Retry-After and RateLimit-Reset.
package gitlab
