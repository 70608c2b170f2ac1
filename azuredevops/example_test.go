package azuredevops_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The provider against the fake: check the token, then read a migration.
func Example() {
	ctx := context.Background()
	fake := azuredevopstest.New()
	const repo = "Fabrikam Platform/db-migrations"
	if err := fake.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"migrations/001_init.sql": "CREATE TABLE t (id int);\n"}}); err != nil {
		log.Fatal(err)
	}
	pat := fake.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})

	p, err := vcs.Open(fake.Config(pat)) // Config.URL is https://dev.azure.com/fabrikam
	if err != nil {
		log.Fatal(err)
	}
	rep, err := p.CheckAccess(ctx, repo)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("user:", rep.User, "ok:", rep.OK())
	file, err := p.ReadFile(ctx, repo, "migrations/001_init.sql", "main")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(string(file.Content))
	// Output:
	// user: jamal@fabrikam.example ok: true
	// CREATE TABLE t (id int);
}

// A PAT created for one organization cannot manage service hooks the way
// the setup guide requires; CheckAccess says what to do.
func ExampleProvider_CheckAccess_singleOrganization() {
	ctx := context.Background()
	fake := azuredevopstest.New()
	const repo = "Fabrikam Platform/db-migrations"
	if err := fake.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# demo\n"}}); err != nil {
		log.Fatal(err)
	}
	pat := fake.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes, Organization: "fabrikam"})
	p, err := azuredevops.New(fake.Config(pat))
	if err != nil {
		log.Fatal(err)
	}
	rep, err := p.CheckAccess(ctx, repo)
	if err != nil {
		log.Fatal(err)
	}
	hook := rep.Check(vcs.PermCreateWebhook)
	fmt.Println(hook.Grant)
	fmt.Println(hook.Remediation)
	// Output:
	// missing
	// create the personal access token again with the Organization field set to All accessible organizations: the Organization field has to be All accessible organizations, not a specific organization
}

// Receive the service-hook deliveries of a completed pull request.
func ExampleParser() {
	ctx := context.Background()
	fake := azuredevopstest.New()
	const repo = "Fabrikam Platform/db-migrations"
	if err := fake.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# demo\n"}}); err != nil {
		log.Fatal(err)
	}
	if _, _, err := fake.Push(repo, "feature", map[string]*string{"migrations/002_users.sql": new(string)}); err != nil {
		log.Fatal(err)
	}
	pr, _, err := fake.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature", Target: "main", Title: "Add users"})
	if err != nil {
		log.Fatal(err)
	}

	const secret = "webhook-secret"
	// Azure DevOps sends two events when a pull request completes
	// (git.pullrequest.updated and git.pullrequest.merged); both are the
	// merge, and the Deduplicator lets the callback see it once.
	dedupe := vcs.NewDeduplicator(0, 0)
	handler := vcs.NewWebhookHandler(azuredevops.NewParser(), secret, dedupe.Wrap(func(_ context.Context, ev *vcs.Event) error {
		if ev.Merged {
			fmt.Printf("%s #%d merged into %s\n", ev.Repository, ev.Number, ev.TargetBranch)
		}
		return nil
	}))
	receiver := httptest.NewServer(handler)
	defer receiver.Close()

	p, err := vcs.Open(fake.Config(fake.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := vcs.EnsureWebhook(ctx, p, repo, vcs.WebhookOptions{URL: receiver.URL, Secret: secret}); err != nil {
		log.Fatal(err)
	}
	fake.SetWebhookClient(receiver.Client())
	if _, err := fake.MergePullRequest(repo, pr); err != nil {
		log.Fatal(err)
	}
	// Output:
	// Fabrikam Platform/db-migrations #1 merged into main
}

func ExampleParseInstanceURL() {
	for _, u := range []string{
		"https://dev.azure.com/fabrikam/",
		"https://fabrikam.visualstudio.com",
		"https://tfs.example.com/tfs/DefaultCollection",
	} {
		in, err := azuredevops.ParseInstanceURL(u)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(in.Flavor, in.Organization, in.BaseURL, in.APIVersion)
	}
	_, err := azuredevops.ParseInstanceURL("https://dev.azure.com/")
	fmt.Println(err)
	// Output:
	// services fabrikam https://dev.azure.com/fabrikam/ 7.1
	// services-legacy fabrikam https://fabrikam.visualstudio.com/ 7.1
	// server DefaultCollection https://tfs.example.com/tfs/DefaultCollection/ 7.0
	// azuredevops: Config: invalid config: URL "https://dev.azure.com/" names no organization; use https://dev.azure.com/{organization}
}
