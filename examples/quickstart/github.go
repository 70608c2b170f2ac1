package main

import (
	"net/http"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
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
	if err := srv.CreateRepository(repo, vcstest.RepositoryOptions{Files: baseMigrations}); err != nil {
		return nil, err
	}
	srv.Grant(repo, "bytebase-bot", vcstest.RoleAdmin)
	if _, _, err := srv.Push(repo, "add-users", migrationChanges()); err != nil {
		return nil, err
	}
	pr, _, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "add-users", Target: "main", Title: "Add users table", Author: "alice"})
	if err != nil {
		return nil, err
	}
	tok := srv.AddToken(githubtest.Token{User: "bytebase-bot", Scopes: []string{"repo", "admin:repo_hook"}})
	return &scenario{
		Name: name, Config: srv.Config(tok), Repo: repo, PullRequest: pr,
		Merge: func(hookClient *http.Client, n int) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, n)
			return err
		},
	}, nil
}
