// Package bitbucket is the gitprovider driver for Bitbucket Cloud
// (bitbucket.org), on a thin REST client of its own over
// https://api.bitbucket.org/2.0.
//
// Import it for its side effect to make vcs.KindBitbucket available to
// vcs.Open, or call New directly:
//
//	p, err := vcs.Open(vcs.Config{
//		Kind:     vcs.KindBitbucket,
//		Username: "bot@example.com", // the Atlassian account email
//		Token:    apiToken,          // an Atlassian API token with scopes
//	})
//
// # Credentials
//
//   - Atlassian API tokens (create them at
//     https://id.atlassian.com/manage-profile/security/api-tokens with
//     "Create API token with scopes", app Bitbucket) are sent as Basic
//     credentials with the account's email address as the username.
//   - Repository, project and workspace access tokens are sent as Bearer
//     tokens: leave Username empty.
//   - OAuth access tokens come from Config.TokenSource (Bearer).
//
// App passwords were removed by Atlassian on 2026-07-28; a 401 for a
// username that is not an email address says so and explains how to
// create an API token.
//
// # Permissions
//
// The workflow needs, on the repository:
//
//   - read repository: scopes read:repository:bitbucket and
//     read:pullrequest:bitbucket (and at least Read permission);
//   - create webhook: read:webhook:bitbucket, write:webhook:bitbucket and
//     delete:webhook:bitbucket (DELETE …/hooks/{uid} takes it, and write
//     does not imply it), and Admin permission on the repository (access
//     tokens: the scopes);
//   - write comment: read:pullrequest:bitbucket (the published
//     description's scope for creating and editing comments; Atlassian's
//     scope reference: "viewing of pull requests, plus the ability to
//     comment").
//
// Two more scopes help an API token: read:user:bitbucket lets CheckAccess
// name the account (GET /user), and ListRepositories needs the user's
// workspaces (GET /user/workspaces; read:workspace:bitbucket, unconfirmed:
// Bitbucket's reference does not name that endpoint's scope, and a
// refusal names the scope Bitbucket wanted).
//
// The older scope names (repository, pullrequest, pullrequest:write,
// webhook, account) that OAuth consumers and some access tokens carry are
// accepted too. CheckAccess reads the scopes from the x-oauth-scopes
// header and the repository permission from the user's permission list of
// the workspace (GET /user/workspaces/{workspace}/permissions/repositories,
// read:repository:bitbucket), or from the role filters of the workspace's
// repository list where the token may not read that list. Bitbucket does not report a token's expiry; an expired token is
// vcs.ErrUnauthorized.
//
// # Repositories
//
// Atlassian removed the cross-workspace endpoints GET /2.0/repositories
// and GET /2.0/user/permissions/repositories in 2026 (CHANGE-2770; they
// answer 410 Gone). ListRepositories lists the user's workspaces and then
// each workspace's repositories. Access tokens have no user and so no
// workspace list: use Provider.ListWorkspaceRepositories with them.
//
// # Webhooks
//
// Webhooks subscribe to pullrequest:created, :updated, :fulfilled (merged)
// and :rejected (declined), plus repo:push when asked, with a secret;
// Parser verifies X-Hub-Signature (HMAC-SHA256) and maps X-Event-Key to a
// vcs.Event. Deduplicate deliveries by Event.DeliveryID (X-Request-UUID).
//
// # Limits
//
// MaxFileSize caps ReadFile and MaxCommentLength comment bodies (Bitbucket
// documents no comment limit). Lists ask for pagelen=100, Bitbucket's
// maximum, and follow every page's "next" URL; where the first page
// tells the list's size, the other pages are fetched 100 at once (10,000
// repositories: the workspace list, the first page, then one wave).
// Bitbucket documents no concurrency limit, so Provider has no MaxConcurrency; 429s are waited
// out by the shared retry policy for safe methods, never for POST.
//
// The bitbuckettest package is an in-memory fake of Bitbucket Cloud for
// tests.
package bitbucket
