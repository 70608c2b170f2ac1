package main

import (
	"net/http"

	"github.com/gitprovider/gitprovider/github/githubtest"
)

func init() {
	scenarios = append(scenarios,
		func() (*scenario, error) { return githubScenario("GitHub.com", githubtest.New()) },
		func() (*scenario, error) {
			return githubScenario("GitHub Enterprise Server", githubtest.New(githubtest.Enterprise("github.example.test")))
		},
		func() (*scenario, error) {
			return githubScenario("GHE.com (acme.ghe.com)", githubtest.New(githubtest.Tenant("acme")))
		},
	)
}

func githubScenario(name string, srv *githubtest.Server) (*scenario, error) {
	const repo = "acme/db-migrations"
	if err := srv.CreateRepo(repo, true, baseMigrations); err != nil {
		return nil, err
	}
	srv.SetRole(repo, "bytebase-bot", githubtest.RoleAdmin)
	if _, err := srv.CommitFiles(repo, "add-users", migrationChanges()); err != nil {
		return nil, err
	}
	pr, err := srv.OpenPullRequest(repo, "add-users", "main", "Add users table", "alice")
	if err != nil {
		return nil, err
	}
	tok := srv.AddToken(githubtest.Token{User: "bytebase-bot", Scopes: []string{"repo", "admin:repo_hook"}})
	return &scenario{
		Name: name, Config: srv.Config(tok), Repo: repo, PullRequest: pr,
		Merge: func(hookClient *http.Client) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, pr)
			return err
		},
	}, nil
}
