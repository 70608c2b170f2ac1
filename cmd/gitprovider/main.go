// Command gitprovider is the admin's tool for a Git provider connection:
// it checks a token the way the server will use it, lists a repository's
// webhooks, and verifies a saved webhook delivery against a secret.
//
//	GITPROVIDER_TOKEN=… go run ./cmd/gitprovider check -kind github -url https://github.example.com -repo acme/db
//	GITPROVIDER_TOKEN=… go run ./cmd/gitprovider hooks -kind gitlab -repo acme/platform/db
//	GITPROVIDER_WEBHOOK_SECRET=… go run ./cmd/gitprovider verify -kind github -request delivery.http
//
// check prints who the token belongs to, its kind, scopes and expiry, and
// whether it may read the repository, manage its webhooks and comment on
// its pull requests, with what to do about each permission it lacks. It
// exits 0 when all three are granted, 1 when one is missing (or cannot be
// told), and 2 on an error (bad flags are refused before any request).
//
// hooks lists the repository's webhooks; verify reads a delivery saved as
// an HTTP request (the request line, headers, a blank line and the body,
// as a host's "recent deliveries" page or httputil.DumpRequest shows it)
// and checks its signature with the secret, printing the event it
// carries. Both exit 0 on success, 1 when the delivery does not verify,
// 2 on an error.
//
// The token is read from the environment variable -token-env
// (GITPROVIDER_TOKEN by default), never from a flag, so that it stays out
// of the shell history; -ca-file adds a PEM CA bundle for an instance
// with a private CA; -username is the Atlassian account email that goes
// with a Bitbucket API token.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}))
}
