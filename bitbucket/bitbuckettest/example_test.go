package bitbuckettest_test

import (
	"context"
	"fmt"

	_ "github.com/gitprovider/gitprovider/bitbucket" // registers the provider with vcs.Open
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Example sets up a Bitbucket Cloud fake with the common test kit (an
// API token, sent as Basic email:token: Config sets the email), opens
// and declines a pull request, and reads its state back.
func Example() {
	fake := bitbuckettest.New()
	_ = fake.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# db\n"}})
	_ = fake.Grant("acme/db", "bot@acme.example", vcstest.RoleAdmin)
	token, _ := fake.IssueToken("bot@acme.example", vcstest.TokenOptions{})
	readme := "# db, edited\n"
	_, _, _ = fake.Push("acme/db", "edit", map[string]*string{"README.md": &readme})
	n, _, _ := fake.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "edit", Title: "Edit", Author: "alice@acme.example"})
	_, _ = fake.ClosePullRequest("acme/db", n) // Bitbucket declines it
	_, reopen := fake.ReopenPullRequest("acme/db", n)

	cfg := fake.Config(token)
	p, _ := vcs.Open(cfg)
	pr, err := p.GetPullRequest(context.Background(), "acme/db", n)
	if err != nil {
		panic(err)
	}
	fmt.Println(cfg.Username, pr.Number, pr.State, pr.Author)
	fmt.Println(reopen)
	// Output:
	// bot@acme.example 1 closed alice
	// bitbuckettest: pull request #1 is closed: Bitbucket Cloud cannot reopen a declined pull request; open a new one
}
