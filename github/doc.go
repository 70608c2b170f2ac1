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
// Tokens: a classic personal access token (or OAuth app token) needs the
// repo scope, which covers repository webhooks too (admin:repo_hook alone
// manages webhooks but cannot read a private repository), and its user
// must be an admin of the repository to manage webhooks.
// A fine-grained token needs Contents: Read-only, Pull requests: Read and
// write and Webhooks: Read and write on the repository, and its user too
// must be a repository admin for webhooks. A GitHub App installation token
// (ghs_…) needs the same three permissions granted to the app and no role;
// it expires after an hour, so give the provider a TokenSource that mints
// new ones. CheckAccess tells which permission is missing and where to add
// it; for tokens without a scope list it probes with requests that change
// nothing and says so in each verdict's Detail.
//
// Limits the provider surfaces instead of hiding: files up to 100 MB
// (MaxFileSize; larger is vcs.ErrTooLarge), comments up to 65,536
// characters (MaxCommentLength), at most 3,000 files listed per pull
// request (vcs.ErrTruncated past that), 20 webhooks per event on a
// repository (vcs.ErrConflict with a hint), and about 100 concurrent
// requests (MaxConcurrency). Requests send X-GitHub-Api-Version
// (APIVersion); safe requests are retried on 429/5xx and rate limits within
// the context, POST and PATCH never.
//
// Webhook deliveries are verified with X-Hub-Signature-256 (Parser). The
// package githubtest is an in-memory fake of GitHub's REST API for tests.
package github
