// Package github is the gitprovider driver for GitHub.com, GitHub
// Enterprise Server and GHE.com, built on go-github.
//
// Importing the package registers the "github" kind with vcs.Open:
//
//	import _ "github.com/gitprovider/gitprovider/github"
//
//	p, err := vcs.Open(vcs.Config{Kind: vcs.KindGitHub, URL: "https://github.example.com", Token: token})
//
// The instance URL selects the host: empty or https://github.com for
// GitHub.com, https://HOST (with or without /api/v3) for GitHub Enterprise
// Server, https://TENANT.ghe.com for GHE.com.
//
// Tokens: a classic personal access token needs the repo and
// admin:repo_hook scopes, and its user must be an admin of the repository
// to manage webhooks. A fine-grained token needs Contents: Read-only, Pull
// requests: Read and write and Webhooks: Read and write on the repository.
// CheckAccess tells which is missing and where to add it.
//
// Webhook deliveries are verified with X-Hub-Signature-256 (Parser). The
// package githubtest is an in-memory fake of GitHub's REST API for tests.
package github
