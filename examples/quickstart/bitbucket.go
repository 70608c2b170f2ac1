package main

import (
	"net/http"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"

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
	srv.AddUser("bytebase-bot", "Bytebase Bot", botEmail)
	srv.AddUser("alice", "Alice Developer", devEmail)
	if err := srv.CreateRepo(repo, "main", baseMigrations); err != nil {
		return nil, err
	}
	if err := srv.Grant(repo, botEmail, bitbuckettest.PermissionAdmin); err != nil {
		return nil, err
	}
	if err := srv.Grant(repo, devEmail, bitbuckettest.PermissionWrite); err != nil {
		return nil, err
	}
	// A branch name with a slash, which src/{commit}/ cannot take directly.
	if _, err := srv.CommitFiles(repo, "feature/add-users", migrationChanges()); err != nil {
		return nil, err
	}
	pr, _, err := srv.OpenPullRequest(repo, "feature/add-users", "main", "Add users table", "", devEmail)
	if err != nil {
		return nil, err
	}
	tok, err := srv.CreateAPIToken(botEmail, bitbuckettest.FullScopes, srv.Now().AddDate(0, 6, 0))
	if err != nil {
		return nil, err
	}
	return &scenario{
		Name: name, Config: srv.Config(tok), Repo: repo, PullRequest: pr,
		Merge: func(hookClient *http.Client) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, pr)
			return err
		},
	}, nil
}
