package gitprovider_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The whole workflow against the GitHub fake: check the token, ensure the
// webhook, receive the merge, read the changed migrations and comment.
func Example() {
	ctx := context.Background()

	// A fake GitHub with a repository and an open pull request.
	fake := githubtest.New()
	_ = fake.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"migrations/001_init.sql": "CREATE TABLE t (id int);\n"}})
	sql := "ALTER TABLE t ADD name text;\n"
	_, _, _ = fake.Push("acme/db", "add-name", map[string]*string{"migrations/002_name.sql": &sql})
	number, _, _ := fake.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "add-name", Target: "main", Title: "Add name", Author: "alice"})
	fake.Grant("acme/db", "bytebase-bot", vcstest.RoleAdmin)
	token := fake.AddToken(githubtest.Token{User: "bytebase-bot", Scopes: []string{"repo", "admin:repo_hook"}})

	// 1. The admin adds the provider; the server checks the token.
	p, err := gitprovider.Open(fake.Config(token))
	if err != nil {
		panic(err)
	}
	report, err := p.CheckAccess(ctx, "acme/db")
	if err != nil {
		panic(err)
	}
	fmt.Println("access ok:", report.OK())

	// 2. The server's webhook endpoint, and the webhook pointing at it.
	merged := make(chan *vcs.Event, 1)
	parser, _ := vcs.NewWebhookParser(vcs.KindGitHub)
	hook := httptest.NewServer(vcs.NewWebhookHandler(parser, "webhook-secret", func(_ context.Context, ev *vcs.Event) error {
		if ev.Merged {
			merged <- ev
		}
		return nil
	}))
	defer hook.Close()
	if _, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: hook.URL, Secret: "webhook-secret"}); err != nil {
		panic(err)
	}

	// 3. Someone merges the pull request; GitHub delivers the webhook.
	fake.SetWebhookClient(hook.Client())
	_, _ = fake.MergePullRequest("acme/db", number)
	ev := <-merged
	fmt.Printf("merged #%d into %s\n", ev.Number, ev.TargetBranch)

	// 4. Read the changed migration files and comment once.
	files, err := vcs.ReadChangedFiles(ctx, p, ev.Repository, ev.Number, vcs.ReadChangedFilesOptions{Ref: ev.HeadSHA})
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		fmt.Printf("%s %s: %s", f.Status, f.Path, f.Content)
	}
	c, err := vcs.UpsertComment(ctx, p, ev.Repository, ev.Number, "report", "Applied 1 migration.")
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.Contains(c.Body, "Applied 1 migration."))
	// Output:
	// access ok: true
	// merged #1 into main
	// added migrations/002_name.sql: ALTER TABLE t ADD name text;
	// true
}
