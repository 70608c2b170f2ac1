package gitlab_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Example connects to a self-managed GitLab under a relative URL root (the
// fake here), checks the token and reads a migration file from a project
// in a subgroup.
func Example() {
	ctx := context.Background()
	srv := gitlabtest.New(gitlabtest.WithURL("https://git.example.test/gitlab"))
	srv.CreateUser("bytebase-bot", "Bytebase Bot")
	_, _ = srv.CreateProject("acme/platform/db", gitlabtest.RepoOptions{Files: map[string]string{
		"migrations/001_init.sql": "CREATE TABLE t (id int);\n",
	}})
	_ = srv.AddMember("acme", "bytebase-bot", gitlabtest.Maintainer)
	token, _ := srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"api"}})

	// srv.Config fills in Kind, URL, the fake's HTTP client and its clock;
	// a real server sets Kind, URL and Token.
	p, err := vcs.Open(srv.Config(token))
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := p.CheckAccess(ctx, "acme/platform/db")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.APIURL, rep.User, rep.OK())
	f, err := p.ReadFile(ctx, "acme/platform/db", "migrations/001_init.sql", "main")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(string(f.Content))
	// Output:
	// https://git.example.test/gitlab/api/v4/ bytebase-bot true
	// CREATE TABLE t (id int);
}

// ExampleParser receives the Merge Request Hook GitLab sends when a merge
// request is merged, through vcs.WebhookHandler.
func ExampleParser() {
	ctx := context.Background()
	srv := gitlabtest.New()
	srv.CreateUser("bytebase-bot", "")
	_, _ = srv.CreateProject("acme/db", gitlabtest.RepoOptions{Files: map[string]string{"a.sql": "SELECT 1;\n"}})
	_ = srv.AddMember("acme", "bytebase-bot", gitlabtest.Maintainer)
	token, _ := srv.IssueToken("bytebase-bot", vcstest.TokenOptions{})
	change := "SELECT 2;\n"
	_, _, _ = srv.Push("acme/db", "feature", map[string]*string{"b.sql": &change})
	iid, _, _ := srv.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "feature", Target: "main", Title: "Add b", Author: "alice"})

	p, _ := vcs.Open(srv.Config(token))
	const secret = "webhook-secret"
	_, _ = vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example.test/hook", Secret: secret})

	handler := vcs.NewWebhookHandler(gitlab.NewParser(), secret, func(_ context.Context, ev *vcs.Event) error {
		fmt.Println(ev.HostEvent, ev.Repository, ev.Number, ev.Action, ev.Merged, ev.SourceBranch, "->", ev.TargetBranch)
		return nil
	})
	deliveries, _ := srv.MergePullRequest("acme/db", iid)
	for _, r := range deliveries {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, r)
		fmt.Println(rec.Code == http.StatusOK)
	}
	// Output:
	// Merge Request Hook acme/db 1 merged true feature -> main
	// true
}
