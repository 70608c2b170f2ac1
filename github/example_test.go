package github_test

import (
	"context"
	"fmt"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The provider against the in-memory fake: check the token, then read a
// migration file.
func Example() {
	srv := githubtest.New(githubtest.Enterprise("github.example.com"))
	_ = srv.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"migrations/001.sql": "CREATE TABLE t (id int);"}})
	srv.Grant("acme/db", "bytebase-bot", vcstest.RoleAdmin)
	token := srv.AddToken(githubtest.Token{User: "bytebase-bot", Scopes: []string{"repo"}})

	p, err := github.New(srv.Config(token))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	report, err := p.CheckAccess(ctx, "acme/db")
	if err != nil {
		panic(err)
	}
	for _, c := range report.Checks {
		fmt.Println(c.Permission, c.Grant)
	}
	file, err := p.ReadFile(ctx, "acme/db", "migrations/001.sql", "main")
	if err != nil {
		panic(err)
	}
	fmt.Println(string(file.Content))
	// Output:
	// read_repository granted
	// create_webhook granted
	// write_comment granted
	// CREATE TABLE t (id int);
}

// A missing scope is reported with what to do about it.
func ExampleProvider_CheckAccess() {
	srv := githubtest.New()
	_ = srv.CreateRepository("acme/db", vcstest.RepositoryOptions{})
	srv.Grant("acme/db", "bytebase-bot", vcstest.RoleWrite)
	token := srv.AddToken(githubtest.Token{User: "bytebase-bot", Scopes: []string{"repo"}})
	p, _ := vcs.Open(srv.Config(token))

	report, _ := p.CheckAccess(context.Background(), "acme/db")
	for _, c := range report.Missing() {
		fmt.Println(c.Permission+":", c.Remediation)
	}
	// Output:
	// create_webhook: GitHub lets only repository admins manage webhooks: make bytebase-bot an admin of acme/db (Settings → Collaborators and teams)
}
