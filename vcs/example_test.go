package vcs_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	_ "github.com/gitprovider/gitprovider/github" // registers the GitHub provider with vcs.Open
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// fakeGitHub returns a fake GitHub holding "acme/db" with pull request
// #1 (adding migrations/002_name.sql), and a provider for it with an
// admin's token.
func fakeGitHub() (*githubtest.Server, vcs.Provider) {
	fake := githubtest.New()
	_ = fake.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{
		"README.md": "# db\n", "migrations/001_init.sql": "CREATE TABLE t (id int);\n",
	}})
	_ = fake.Grant("acme/db", "bot", vcstest.RoleAdmin)
	token, _ := fake.IssueToken("bot", vcstest.TokenOptions{})
	add, readme := "ALTER TABLE t ADD name text;\n", "# db, with names\n"
	_, _, _ = fake.Push("acme/db", "add-name", map[string]*string{"migrations/002_name.sql": &add, "README.md": &readme})
	_, _, _ = fake.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "add-name", Title: "Add name"})
	p, err := vcs.Open(fake.Config(token))
	if err != nil {
		panic(err)
	}
	return fake, p
}

// EnsureWebhook called twice (or by two replicas at once) leaves one
// webhook.
func ExampleEnsureWebhook() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	opts := vcs.WebhookOptions{URL: "https://bytebase.example/hook/github", Secret: "s3cret"}
	first, err := vcs.EnsureWebhook(ctx, p, "acme/db", opts)
	if err != nil {
		panic(err)
	}
	second, err := vcs.EnsureWebhook(ctx, p, "acme/db", opts)
	if err != nil {
		panic(err)
	}
	hooks, _ := fake.Webhooks("acme/db")
	fmt.Println("created:", first.Created, second.Created)
	fmt.Println("webhooks:", len(hooks), hooks[0].URL, hooks[0].Events)
	// Output:
	// created: true false
	// webhooks: 1 https://bytebase.example/hook/github [pull_request]
}

// UpsertComment writes one comment per key and updates it afterwards.
func ExampleUpsertComment() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	for _, body := range []string{"Applying 1 migration…", "Applied 1 migration."} {
		if _, err := vcs.UpsertComment(ctx, p, "acme/db", 1, "bytebase-report", body); err != nil {
			panic(err)
		}
	}
	comments, _ := fake.Comments("acme/db", 1)
	fmt.Println(len(comments), strings.Contains(comments[0].Body, "Applied 1 migration."))
	// Output:
	// 1 true
}

// ReadChangedFiles reads the files a pull request changed, here only the
// migrations.
func ExampleReadChangedFiles() {
	ctx := context.Background()
	_, p := fakeGitHub()
	files, err := vcs.ReadChangedFiles(ctx, p, "acme/db", 1, vcs.ReadChangedFilesOptions{
		Filter: func(f *vcs.ChangedFile) bool { return strings.HasPrefix(f.Path, "migrations/") },
	})
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		fmt.Printf("%s %s: %s", f.Status, f.Path, f.Content)
	}
	// Output:
	// added migrations/002_name.sql: ALTER TABLE t ADD name text;
}

// WebhookHandler verifies and parses the host's deliveries; here the fake
// GitHub delivers the merge straight to it.
func ExampleWebhookHandler() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	parser, _ := vcs.NewWebhookParser(vcs.KindGitHub)
	handler := vcs.NewWebhookHandler(parser, "s3cret", func(_ context.Context, ev *vcs.Event) error {
		if key, ok := ev.MergeKey(); ok {
			fmt.Println("merged:", key, "head", len(ev.HeadSHA) == 40)
		}
		return nil
	})
	if _, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"}); err != nil {
		panic(err)
	}
	fake.SetWebhookClient(vcstest.HandlerClient(handler))
	_, _ = fake.MergePullRequest("acme/db", 1)

	// A delivery signed with another secret is refused.
	forged := fake.Deliveries()[0]
	forged.Header.Set("X-Hub-Signature-256", "sha256=00")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, forged)
	fmt.Println("forged:", rec.Code)
	// Output:
	// merged: github:acme/db#1 head true
	// forged: 401
}

// A Deduplicator makes a redelivered event reach the server once.
func ExampleDeduplicator() {
	ctx := context.Background()
	fake, p := fakeGitHub()
	handled := 0
	dedupe := vcs.NewDeduplicator(0, time.Hour)
	parser, _ := vcs.NewWebhookParser(vcs.KindGitHub)
	handler := vcs.NewWebhookHandler(parser, "s3cret", dedupe.Wrap(func(_ context.Context, ev *vcs.Event) error {
		if ev.Merged {
			handled++
		}
		return nil
	}))
	if _, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"}); err != nil {
		panic(err)
	}
	_, _ = fake.MergePullRequest("acme/db", 1)
	// The host sends the merge, then sends it again (a timeout, or an
	// admin's "Redeliver"): Deliveries returns fresh copies each time.
	for range 2 {
		for _, d := range fake.Deliveries() {
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, d)
			if rec.Code != http.StatusOK {
				panic(rec.Code)
			}
		}
	}
	fmt.Println("merges handled:", handled)
	// Output:
	// merges handled: 1
}
