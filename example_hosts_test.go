package gitprovider_test

import (
	"context"
	"fmt"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Testing your own server: one table over the four fake hosts, through
// the test-kit methods they share (vcstest.Host). Each fake gets a
// repository, a token, a pull request; the server under test ensures its
// webhook, receives the merge once, reads the changed files and comments.
func Example_testingYourServer() {
	ctx := context.Background()
	add := "ALTER TABLE t ADD name text;\n"
	for _, h := range []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()} {
		// The fake host: five lines, the same for every host.
		_ = h.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"migrations/001_init.sql": "CREATE TABLE t (id int);\n"}})
		_ = h.Grant("acme/db", "bot", vcstest.RoleAdmin)
		token, _ := h.IssueToken("bot", vcstest.TokenOptions{})
		_, _, _ = h.Push("acme/db", "add-name", map[string]*string{"migrations/002_name.sql": &add})
		number, _, _ := h.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "add-name", Title: "Add name"})

		// The server under test: a provider, a webhook handler that
		// counts merges once each, and the webhook.
		p, err := gitprovider.Open(h.Config(token))
		if err != nil {
			panic(err)
		}
		parser, _ := vcs.NewWebhookParser(h.Kind())
		merges := map[vcs.MergeKey]*vcs.Event{}
		handler := vcs.NewWebhookHandler(parser, "s3cret", func(_ context.Context, ev *vcs.Event) error {
			if key, ok := ev.MergeKey(); ok && merges[key] == nil {
				merges[key] = ev
			}
			return nil
		})
		h.SetWebhookClient(vcstest.HandlerClient(handler))
		if _, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"}); err != nil {
			panic(err)
		}

		// The merge, delivered; the server reads and comments.
		_, _ = h.MergePullRequest("acme/db", number)
		ev := merges[vcs.NewMergeKey(h.Kind(), "acme/db", number)]
		files, err := vcs.ReadChangedFiles(ctx, p, ev.Repository, ev.Number, vcs.ReadChangedFilesOptions{Ref: ev.HeadSHA})
		if err != nil {
			panic(err)
		}
		if _, err := vcs.UpsertComment(ctx, p, ev.Repository, ev.Number, "report", "Applied."); err != nil {
			panic(err)
		}
		comments, _ := h.Comments("acme/db", number)
		fmt.Printf("%s: %d merge, %s %s, %d comment, %d delivery errors\n",
			h.Kind(), len(merges), files[0].Status, files[0].Path, len(comments), len(h.DeliveryErrors()))
	}
	// Output:
	// github: 1 merge, added migrations/002_name.sql, 1 comment, 0 delivery errors
	// gitlab: 1 merge, added migrations/002_name.sql, 1 comment, 0 delivery errors
	// bitbucket: 1 merge, added migrations/002_name.sql, 1 comment, 0 delivery errors
	// azuredevops: 1 merge, added migrations/002_name.sql, 1 comment, 0 delivery errors
}
