package githubtest_test

import (
	"context"
	"fmt"

	_ "github.com/gitprovider/gitprovider/github" // registers the provider with vcs.Open
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Example sets up a GitHub Enterprise Server fake with the common test
// kit and a fine-grained token from GitHub's own AddToken, and checks the
// token as a server would.
func Example() {
	fake := githubtest.New(githubtest.Enterprise("github.example.com"))
	_ = fake.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# db\n"}})
	_ = fake.Grant("acme/db", "bot", vcstest.RoleWrite)
	token := fake.AddToken(githubtest.Token{User: "bot", FineGrained: true,
		Permissions: map[string]string{"contents": "read", "pull_requests": "write"}})

	p, _ := vcs.Open(fake.Config(token))
	report, err := p.CheckAccess(context.Background(), "acme/db")
	if err != nil {
		panic(err)
	}
	fmt.Println(report.APIURL, report.User, report.TokenKind)
	for _, c := range report.Checks {
		fmt.Println(c.Permission, c.Grant)
	}
	// Output:
	// https://github.example.com/api/v3/ bot fine-grained personal access token
	// read_repository granted
	// create_webhook missing
	// write_comment granted
}
