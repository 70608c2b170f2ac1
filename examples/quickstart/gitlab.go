package main

import (
	"net/http"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"

	// Registers vcs.KindGitLab even before the root package imports it.
	_ "github.com/gitprovider/gitprovider/gitlab"
)

func init() { scenarios = append(scenarios, gitlabScenarios...) }

var gitlabScenarios = []func() (*scenario, error){
	func() (*scenario, error) { return gitlabScenario("GitLab.com", gitlabtest.New()) },
	func() (*scenario, error) {
		return gitlabScenario("GitLab self-managed (/gitlab)", gitlabtest.New(gitlabtest.WithURL("https://git.example.test/gitlab")))
	},
}

// gitlabScenario seeds a fake GitLab: a project in a subgroup, a service
// user with a personal access token (api scope) who is Maintainer of the
// top-level group, and a merge request a developer opened.
func gitlabScenario(name string, srv *gitlabtest.Server) (*scenario, error) {
	const repo = "acme/platform/db-migrations"
	srv.CreateUser("bytebase-bot", "Bytebase Bot")
	srv.CreateUser("alice", "Alice Developer")
	if _, err := srv.CreateProject(repo, gitlabtest.RepoOptions{DefaultBranch: "main", Files: baseMigrations}); err != nil {
		return nil, err
	}
	if err := srv.AddMember("acme", "bytebase-bot", gitlabtest.Maintainer); err != nil {
		return nil, err
	}
	if err := srv.AddMember("acme", "alice", gitlabtest.Developer); err != nil {
		return nil, err
	}
	if _, _, err := srv.Push(repo, "feature/add-users", migrationChanges()); err != nil {
		return nil, err
	}
	mr, _, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature/add-users", Target: "main", Title: "Add users table", Author: "alice"})
	if err != nil {
		return nil, err
	}
	tok, err := srv.IssueToken("bytebase-bot", vcstest.TokenOptions{
		Scopes: []string{"api"}, ExpiresAt: srv.Now().AddDate(0, 6, 0),
	})
	if err != nil {
		return nil, err
	}
	return &scenario{
		Name: name, Config: srv.Config(tok), Repo: repo, PullRequest: mr,
		Merge: func(hookClient *http.Client, n int) error {
			srv.SetWebhookClient(hookClient)
			_, err := srv.MergePullRequest(repo, n)
			return err
		},
	}, nil
}
