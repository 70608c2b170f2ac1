package main

import (
	"net/http"
	"slices"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"

	// Registers vcs.KindBitbucket even before the root package imports it.
	_ "github.com/gitprovider/gitprovider/bitbucket"
)

func init() { scenarios = append(scenarios, bitbucketScenarios...) }

var bitbucketScenarios = []func() (*scenario, error){
	func() (*scenario, error) { return bitbucketScenario("Bitbucket Cloud") },
}

// bitbucketScenario seeds a fake Bitbucket Cloud: the service user is an
// Atlassian account with an API token (Basic email:token) and Admin
// permission on the repository; a developer opened the pull request.
func bitbucketScenario(name string) (*scenario, error) {
	const (
		repo     = "acme-team/db-migrations"
		botEmail = "bytebase-bot@acme.example"
		devEmail = "alice@acme.example"
	)
	srv := bitbuckettest.New()
	srv.AddAccount("bytebase-bot", "Bytebase Bot", botEmail)
	srv.AddAccount("alice", "Alice Developer", devEmail)
	if err := srv.CreateRepository(repo, vcstest.RepositoryOptions{Files: baseMigrations}); err != nil {
		return nil, err
	}
	if err := srv.Grant(repo, botEmail, vcstest.RoleAdmin); err != nil {
		return nil, err
	}
	if err := srv.Grant(repo, devEmail, vcstest.RoleWrite); err != nil {
		return nil, err
	}
	// A branch name with a slash, which src/{commit}/ cannot take directly.
	if _, _, err := srv.Push(repo, "feature/add-users", migrationChanges()); err != nil {
		return nil, err
	}
	pr, _, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature/add-users", Target: "main", Title: "Add users table", Author: devEmail})
	if err != nil {
		return nil, err
	}
	tok, err := srv.IssueToken(botEmail, vcstest.TokenOptions{Scopes: slices.Concat(bitbuckettest.FullScopes, []string{bitbuckettest.ScopeWriteRepository}), ExpiresAt: srv.Now().AddDate(0, 6, 0)})
	if err != nil {
		return nil, err
	}
	return &scenario{
		Name: name, Config: srv.Config(tok), Repo: repo, PullRequest: pr,
		Merge: func(hookClient *http.Client, n int) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, n)
			return err
		},
	}, nil
}
