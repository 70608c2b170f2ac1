package azuredevopstest_test

import (
	"context"
	"fmt"

	_ "github.com/gitprovider/gitprovider/azuredevops" // registers the provider with vcs.Open
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Example sets up an Azure DevOps Server fake with the common test kit:
// the repository "Fabrikam/db" (project Fabrikam), a member with the
// Contributor role and a token without webhooks, and checks it.
func Example() {
	fake := azuredevopstest.New(azuredevopstest.WithServer("https://tfs.fabrikam.example/tfs/DefaultCollection"))
	_ = fake.CreateRepository("Fabrikam/db", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# db\n"}})
	_ = fake.Grant("Fabrikam/db", "ana@fabrikam.example", vcstest.RoleWrite)
	token, _ := fake.IssueToken("ana@fabrikam.example", vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermCreateWebhook}})

	p, _ := vcs.Open(fake.Config(token))
	report, err := p.CheckAccess(context.Background(), "Fabrikam/db")
	if err != nil {
		panic(err)
	}
	fmt.Println(report.User, report.OK())
	for _, c := range report.Checks {
		fmt.Println(c.Permission, c.Grant)
	}
	// Output:
	// ana@fabrikam.example false
	// read_repository granted
	// create_webhook missing
	// write_comment granted
}
