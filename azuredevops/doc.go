// Package azuredevops is the Azure DevOps provider of gitprovider: Azure
// DevOps Services (https://dev.azure.com/{organization} and the legacy
// https://{organization}.visualstudio.com) and Azure DevOps Server
// (https://HOST/{collection}, https://HOST/tfs/{collection}).
//
// It is a thin REST client on the module's shared HTTP plumbing rather than
// the official SDK, which makes extra location-discovery round trips,
// caches them in package globals and cannot take an injected HTTP client.
// Every call sends api-version 7.1 to Azure DevOps Services and 7.0 to
// Azure DevOps Server (2022 and later), with a "-preview.N" suffix for the
// few endpoints still in preview.
//
// # Credentials
//
// A personal access token (vcs.Config.Token) is sent as Basic credentials
// with an empty user name; a vcs.Config.TokenSource supplies Microsoft
// Entra access tokens, sent as Bearer. Every request carries
// "X-TFS-FedAuthRedirect: Suppress" and redirects are never followed:
// Azure DevOps answers a bad or expired PAT with a 401, a redirect to its
// sign-in page or a 203 with an HTML sign-in page, and all three are
// ErrUnauthorized with a hint. A PAT that lacks a scope gets the same 401
// as a bad one; the provider then asks connectionData whether the token
// itself is good and, if it is, reports ErrPermissionDenied naming the
// scope to add.
//
// The token needs, on the PAT form: Code (Read & write) to read files and
// comment on pull requests, Service Hooks (Read, query, & manage) to manage
// webhooks (ListRepositories lists every project's repositories in one
// call with Code (Read); Project and Team (Read) only where a host refuses
// that call with 404 and the provider walks the projects instead), and the
// Organization field set to "All accessible organizations" (the setup
// guide's requirement, which CheckAccess verifies through the account-wide
// profile call). User Profile (Read) is optional: with it CheckAccess also
// lists the user's organizations; without it Azure still tells the two
// Organization settings apart by naming the caller in its refusal.
//
// # Limits
//
// ReadFile returns files up to MaxFileSize (the library's cap; Azure
// documents none) and never a truncated one. ReadFiles (vcs.BatchReader)
// reads a batch with POST itemsbatch and one blobs zip of at most
// MaxBatchZipSize (halved when larger, never cut); on Azure DevOps Server
// 2022 the zip needs Code (Read, write, & manage), and without it files
// are read one by one. Comments longer than
// MaxCommentLength are refused before any request. Pull request changes
// and project lists are followed to their last page. The service user needs
// Contribute to pull requests on the repository and View subscriptions /
// Edit subscription on the project (Project Administrators have them).
//
// # IDs
//
// Repositories are "project/repo" by name (spaces allowed). Pull request
// numbers are pull request IDs. A comment is a thread: its ID is the
// thread ID, and UpdateComment also accepts "threadID/commentID". A
// webhook is a group of service-hook subscriptions, one per event type,
// named by its first subscription's ID (see CreateWebhook).
//
// # Webhooks
//
// Azure DevOps does not sign deliveries: the secret is the Basic password
// of the subscription, and Parser.Verify compares it in constant time. Use
// Parser with vcs.WebhookHandler. Merged means git.pullrequest.merged with
// resource.status "completed"; git.pullrequest.updated of an abandoned
// pull request is ActionClosed.
//
// The azuredevopstest package is an in-memory fake of the REST API for
// tests.
package azuredevops
