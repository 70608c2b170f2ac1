// Package vcs is the portable API between a server and Git hosts: one
// Provider interface that the github, gitlab, bitbucket and azuredevops
// packages implement, the types it speaks (Repository, PullRequest,
// ChangedFile, Comment, Webhook, Event), the errors it returns (*Error,
// matching sentinels such as ErrUnauthorized, each with a hint saying
// what to do), and the workflows built on it.
//
// A server that applies the migrations of merged pull requests uses it in
// this order:
//
//  1. Add a provider. An admin enters the host's kind, its URL and a
//     token; Config.Validate checks them before any request, and Open
//     (or gitprovider.Open, which registers every provider) builds the
//     Provider:
//
//     p, err := gitprovider.Open(vcs.Config{Kind: vcs.KindGitLab, URL: "https://gitlab.example.com", Token: token})
//
//  2. Check the token. Provider.CheckAccess reports who the token
//     belongs to, its kind, scopes and expiry, and whether it may read the
//     repository, manage its webhooks and comment on its pull requests,
//     with a Remediation sentence for each permission it lacks
//     (AccessReport.OK tells whether all three are granted).
//
//  3. Ensure the webhook. EnsureWebhook makes sure exactly one webhook
//     posts pull request events to the server's URL, with the secret,
//     whether it is called once or by several replicas at once.
//
//  4. Receive. WebhookHandler (an http.Handler) limits, verifies and
//     parses deliveries into Events and calls OnEvent; a Deduplicator (or
//     a Store, for several replicas) makes a redelivered merge count
//     once: Event.MergeKey identifies a merge whichever delivery carried
//     it.
//
//  5. Read. ReadChangedFiles lists the merged pull request's changed
//     files and reads their contents at its head, concurrently.
//
//  6. Comment. UpsertComment writes one comment per key and updates it
//     on the next run, instead of adding another.
//
// A token can be changed while the provider is in use (Provider.SetToken,
// or Config.TokenSource). Every list follows every page; reads are
// retried on 429 and 5xx answers with the host's Retry-After; writes are
// not.
//
// The examples run against the in-memory fakes in githubtest,
// gitlabtest, bitbuckettest and azuredevopstest, which share the test kit
// of vcstest.Host: a server's own tests can use them the same way.
package vcs
