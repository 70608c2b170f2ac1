package main

import (
	"net/http"
	"slices"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"

	// Registers vcs.KindAzureDevOps even before the root package imports it.
	_ "github.com/gitprovider/gitprovider/azuredevops"
)

func init() { scenarios = append(scenarios, azuredevopsScenarios...) }

var azuredevopsScenarios = []func() (*scenario, error){
	func() (*scenario, error) {
		return azuredevopsScenario("Azure DevOps Services", azuredevopstest.New())
	},
	func() (*scenario, error) {
		return azuredevopsScenario("Azure DevOps (visualstudio.com)", azuredevopstest.New(azuredevopstest.WithLegacyURL()))
	},
	func() (*scenario, error) {
		return azuredevopsScenario("Azure DevOps Server (/tfs)",
			azuredevopstest.New(azuredevopstest.WithServer("https://tfs.example.test/tfs/DefaultCollection")))
	},
}

// azuredevopsScenario seeds a fake organization: a repository in a project
// whose name has a space, a service user who is Project Administrator
// (service hooks need it) with a PAT for All accessible organizations
// carrying Code (Read & write), Service Hooks (Read, query, & manage) and
// Project and Team (Read), and a pull request a contributor opened.
func azuredevopsScenario(name string, srv *azuredevopstest.Server) (*scenario, error) {
	const (
		repo = "Fabrikam Platform/db-migrations"
		bot  = "bytebase-bot@fabrikam.example"
		dev  = "alice@fabrikam.example"
	)
	srv.AddMember(bot, "Bytebase Bot", azuredevopstest.RoleProjectAdministrator)
	srv.AddMember(dev, "Alice Developer", azuredevopstest.RoleContributor)
	if err := srv.CreateRepository(repo, vcstest.RepositoryOptions{Files: baseMigrations}); err != nil {
		return nil, err
	}
	if _, _, err := srv.Push(repo, "feature/add-users", migrationChanges()); err != nil {
		return nil, err
	}
	pr, _, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature/add-users", Target: "main", Title: "Add users table", Author: dev})
	if err != nil {
		return nil, err
	}
	pat := srv.CreatePAT(bot, azuredevopstest.PATOptions{
		Name: "bytebase", Scopes: slices.Concat(azuredevopstest.FullScopes, []string{azuredevopstest.ScopeCodeStatus}), ExpiresAt: srv.Now().AddDate(0, 6, 0),
	})
	return &scenario{
		Name: name, Config: srv.Config(pat), Repo: repo, PullRequest: pr,
		Merge: func(hookClient *http.Client, n int) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, n)
			return err
		},
	}, nil
}
