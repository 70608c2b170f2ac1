package bitbucket_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/gitprovider/gitprovider/bitbucket"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The provider against the in-memory fake: an Atlassian API token (Basic
// email:token), the access check, then a migration file read on a branch
// whose name has a slash.
func Example() {
	srv := bitbuckettest.New()
	srv.AddAccount("bytebase-bot", "Bytebase Bot", "bot@acme.example")
	_ = srv.CreateRepository("acme-team/db", vcstest.RepositoryOptions{Files: map[string]string{"migrations/001.sql": "CREATE TABLE t (id int);"}})
	_ = srv.Grant("acme-team/db", "bot@acme.example", vcstest.RoleAdmin)
	users := "CREATE TABLE users (id int);"
	_, _, _ = srv.Push("acme-team/db", "feature/users", map[string]*string{"migrations/002.sql": &users})
	token, _ := srv.IssueToken("bot@acme.example", vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})

	// srv.Config sets Username to the account's email for an API token.
	p, err := bitbucket.New(srv.Config(token))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	report, err := p.CheckAccess(ctx, "acme-team/db")
	if err != nil {
		panic(err)
	}
	fmt.Println(report.TokenKind)
	for _, c := range report.Checks {
		fmt.Println(c.Permission, c.Grant)
	}
	file, err := p.ReadFile(ctx, "acme-team/db", "migrations/002.sql", "feature/users")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(file.Content))
	// Output:
	// Atlassian API token
	// read_repository granted
	// create_webhook granted
	// write_comment granted
	// CREATE TABLE users (id int);
}

// Webhook permission needs Admin on the repository; the report says who
// must do what.
func ExampleProvider_CheckAccess() {
	srv := bitbuckettest.New()
	srv.AddAccount("bytebase-bot", "Bytebase Bot", "bot@acme.example")
	_ = srv.CreateRepository("acme-team/db", vcstest.RepositoryOptions{})
	_ = srv.Grant("acme-team/db", "bot@acme.example", vcstest.RoleWrite)
	token, _ := srv.IssueToken("bot@acme.example", vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	p, _ := vcs.Open(srv.Config(token))

	report, _ := p.CheckAccess(context.Background(), "acme-team/db")
	for _, c := range report.Missing() {
		fmt.Println(c.Permission+":", c.Remediation)
	}
	// Output:
	// create_webhook: a workspace or repository admin must give Bytebase Bot (bytebase-bot) Admin permission on acme-team/db (Repository settings → Repository permissions): Bitbucket lets only admins manage webhooks
}

// Receiving Bitbucket webhooks: the fake merges a pull request and POSTs
// its signed pullrequest:fulfilled delivery to a vcs.WebhookHandler.
func ExampleParser() {
	srv := bitbuckettest.New()
	srv.AddAccount("bytebase-bot", "Bytebase Bot", "bot@acme.example")
	_ = srv.CreateRepository("acme-team/db", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "db"}})
	_ = srv.Grant("acme-team/db", "bot@acme.example", vcstest.RoleAdmin)
	change := "CREATE TABLE t (id int);"
	_, _, _ = srv.Push("acme-team/db", "add-t", map[string]*string{"migrations/001.sql": &change})
	pr, _, _ := srv.OpenPullRequest("acme-team/db", vcstest.PullRequestOptions{Source: "add-t", Title: "Add t", Author: "bot@acme.example"})
	token, _ := srv.IssueToken("bot@acme.example", vcstest.TokenOptions{Scopes: bitbuckettest.FullScopes})
	p, _ := bitbucket.New(srv.Config(token))

	events := make(chan *vcs.Event, 4)
	handler := vcs.NewWebhookHandler(bitbucket.NewParser(), "hook-secret", func(_ context.Context, ev *vcs.Event) error {
		events <- ev
		return nil
	})
	receiver := httptest.NewServer(handler)
	defer receiver.Close()
	if _, err := vcs.EnsureWebhook(context.Background(), p, "acme-team/db", vcs.WebhookOptions{URL: receiver.URL + "/bitbucket", Secret: "hook-secret"}); err != nil {
		panic(err)
	}
	srv.SetWebhookClient(receiver.Client())
	if _, err := srv.MergePullRequest("acme-team/db", pr); err != nil {
		panic(err)
	}
	ev := <-events
	fmt.Println(ev.HostEvent, ev.Kind, ev.Action, ev.Merged, ev.Repository, ev.Number, ev.SourceBranch, "->", ev.TargetBranch)
	// Output:
	// pullrequest:fulfilled pull_request merged true acme-team/db 1 add-t -> main
}
