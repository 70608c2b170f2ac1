// Package gitprovider connects a server to Git hosting providers (GitHub.com,
// GitHub Enterprise Server, GitLab.com, self-managed GitLab, Bitbucket Cloud
// and Azure DevOps) through one portable API, vcs.Provider.
//
// Importing this package registers every provider with vcs.Open, the way
// database/sql drivers register themselves; import a single provider
// package (github, gitlab, bitbucket, azuredevops) to link only that one.
//
// A Bytebase-like server uses it to:
//
//   - check a service user's token (vcs.Provider.CheckAccess): who it is,
//     when it expires, and whether it may read the repository, create a
//     webhook and write comments, with a remediation sentence for each
//     missing permission;
//   - list repositories, read files at a ref and list directories;
//   - ensure a webhook idempotently (vcs.EnsureWebhook) and receive it
//     (vcs.WebhookHandler verifies and parses deliveries into vcs.Event);
//   - read a merged pull request's changed files with their contents
//     concurrently (vcs.ReadChangedFiles);
//   - post or update one comment by a hidden marker (vcs.UpsertComment);
//   - keep working when the token is rotated (SetToken or a TokenSource).
//
// Every provider package has a …test package with an in-memory fake of the
// host (githubtest, gitlabtest, bitbuckettest, azuredevopstest) to test
// your own server against, and every provider passes the conformance suite
// in vcs/vcstest.
package gitprovider

import (
	"github.com/gitprovider/gitprovider/vcs"

	// The providers, registered with vcs.Open.
	_ "github.com/gitprovider/gitprovider/azuredevops"
	_ "github.com/gitprovider/gitprovider/bitbucket"
	_ "github.com/gitprovider/gitprovider/github"
	_ "github.com/gitprovider/gitprovider/gitlab"
)

// Open builds a provider from cfg; it is vcs.Open with every provider
// registered.
func Open(cfg vcs.Config) (vcs.Provider, error) { return vcs.Open(cfg) }
