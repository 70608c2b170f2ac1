// Command quickstart walks through what a Bytebase-like server does with
// gitprovider, once per provider:
//
//  1. build the provider from a config and check the token's access;
//  2. list the repositories it may connect;
//  3. make sure the repository has our webhook;
//  4. merge a pull request (in the fake) and receive the signed webhook
//     through vcs.WebhookHandler;
//  5. read the migration files the pull request changed;
//  6. post (or update) a comment on the pull request;
//  7. write back: create a branch, commit three files in one commit, open
//     a pull request, set a commit status, and (in the fake) merge it and
//     receive its merged event.
//
// By default it runs offline against the built-in fake hosts:
//
//	go run ./examples/quickstart
//
// Point it at a real host instead with -kind, -url, -repo and a token in
// GITPROVIDER_TOKEN. That run only reads (access report, repositories,
// files, a pull request's changed files) unless -write is given, which
// also ensures a webhook (-hook-url, -hook-secret), upserts a comment and
// writes back (a new branch, one commit of three files under
// gitprovider-quickstart/, a pull request left open, a commit status):
//
//	GITPROVIDER_TOKEN=ghp_… go run ./examples/quickstart -kind github -repo owner/name -pr 12
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/vcs"

	// Register every provider with vcs.Open.
	_ "github.com/gitprovider/gitprovider"
)

func main() {
	kind := flag.String("kind", "", "provider kind for a real run (github, gitlab, bitbucket, azuredevops); empty runs offline against the fakes")
	instance := flag.String("url", "", "instance URL for a real run (empty for the cloud service)")
	username := flag.String("username", "", "username for hosts with Basic credentials (Bitbucket API tokens: your Atlassian email)")
	repo := flag.String("repo", "", "repository for a real run")
	pr := flag.Int("pr", 0, "pull request number for a real run (optional)")
	write := flag.Bool("write", false, "real run: also ensure a webhook and upsert a comment")
	hookURL := flag.String("hook-url", "", "real run with -write: the webhook URL")
	hookSecret := flag.String("hook-secret", "", "real run with -write: the webhook secret")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if *kind != "" {
		cfg := vcs.Config{Kind: vcs.Kind(*kind), URL: *instance, Username: *username, Token: os.Getenv("GITPROVIDER_TOKEN")}
		if err := realRun(ctx, cfg, *repo, *pr, *write, *hookURL, *hookSecret); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		return
	}
	var summary []string
	failed := false
	for _, build := range scenarios {
		line, err := runScenario(ctx, build)
		if err != nil {
			failed = true
			line = fmt.Sprintf("FAIL %v", err)
		}
		summary = append(summary, line)
	}
	fmt.Println("\n== summary ==")
	for _, line := range summary {
		fmt.Println(line)
	}
	if failed {
		os.Exit(1)
	}
}

const secret = "quickstart-webhook-secret"

func runScenario(ctx context.Context, build func() (*scenario, error)) (string, error) {
	sc, err := build()
	if err != nil {
		return "", err
	}
	fmt.Printf("\n== %s (%s) ==\n", sc.Name, sc.Config.Kind)
	fail := func(step string, err error) (string, error) { return "", fmt.Errorf("%s: %s: %w", sc.Name, step, err) }

	p, err := vcs.Open(sc.Config)
	if err != nil {
		return fail("open", err)
	}
	rep, err := p.CheckAccess(ctx, sc.Repo)
	if err != nil {
		return fail("check access", err)
	}
	fmt.Print(rep)

	repos, err := vcs.Collect(p.ListRepositories(ctx))
	if err != nil {
		return fail("list repositories", err)
	}
	fmt.Printf("repositories: %d\n", len(repos))

	// The server's webhook endpoint, on loopback.
	events := make(chan *vcs.Event, 8)
	parser, err := vcs.NewWebhookParser(sc.Config.Kind)
	if err != nil {
		return fail("webhook parser", err)
	}
	handler := vcs.NewWebhookHandler(parser, secret, func(_ context.Context, ev *vcs.Event) error {
		events <- ev
		return nil
	})
	hookServer := httptest.NewServer(handler)
	defer hookServer.Close()
	hookURL := hookServer.URL + "/hooks/" + strings.ToLower(strings.Fields(sc.Name)[0])

	ensured, err := vcs.EnsureWebhook(ctx, p, sc.Repo, vcs.WebhookOptions{URL: hookURL, Secret: secret})
	if err != nil {
		return fail("ensure webhook", err)
	}
	fmt.Printf("webhook %s (created: %t)\n", ensured.Webhook.ID, ensured.Created)

	if err := sc.Merge(hookServer.Client(), sc.PullRequest); err != nil {
		return fail("merge", err)
	}
	var merged *vcs.Event
	for merged == nil {
		select {
		case ev := <-events:
			fmt.Printf("webhook: %s %s #%d (delivery %s)\n", ev.Kind, ev.Action, ev.Number, ev.DeliveryID)
			if ev.Kind == vcs.EventPullRequest && ev.Merged {
				merged = ev
			}
		case <-time.After(10 * time.Second):
			return fail("webhook", errors.New("no merged event received"))
		}
	}

	files, err := vcs.ReadChangedFiles(ctx, p, merged.Repository, merged.Number, vcs.ReadChangedFilesOptions{
		Ref:    merged.HeadSHA,
		Filter: func(f *vcs.ChangedFile) bool { return strings.HasSuffix(f.Path, ".sql") },
	})
	if err != nil {
		return fail("read changed files", err)
	}
	var report strings.Builder
	fmt.Fprintf(&report, "Bytebase read %d migration file(s) from this pull request:\n", len(files))
	for _, f := range files {
		fmt.Printf("  %-8s %s (%d bytes)\n", f.Status, f.Path, len(f.Content))
		fmt.Fprintf(&report, "- `%s` (%s)\n", f.Path, f.Status)
	}
	comment, err := vcs.UpsertComment(ctx, p, merged.Repository, merged.Number, "quickstart-report", report.String())
	if err != nil {
		return fail("upsert comment", err)
	}
	fmt.Printf("comment %s\n", comment.ID)

	// Write back: a branch, one commit of three files, a pull request and
	// a status; merging it in the fake brings its merged event.
	wb, err := writeBack(ctx, p, sc.Repo, "bytebase/quickstart", []vcs.FileChange{
		{Action: vcs.FileCreate, Path: "migrations/005_audit.sql", Content: []byte("CREATE TABLE audit (id bigint);\n")},
		{Action: vcs.FileUpdate, Path: "migrations/002_index.sql", Content: []byte("CREATE INDEX accounts_id ON accounts (id) INCLUDE (name);\n")},
		{Action: vcs.FileDelete, Path: "README.md"},
	})
	if err != nil {
		return fail("write back", err)
	}
	if err := sc.Merge(hookServer.Client(), wb.PullRequest.Number); err != nil {
		return fail("merge the written-back pull request", err)
	}
	if err := waitMerged(events, wb.PullRequest.Number); err != nil {
		return fail("webhook", err)
	}

	return fmt.Sprintf("%-34s ok  user=%s access=%t repos=%d webhook=%s event=%s files=%d comment=%s writeback=#%d",
		sc.Name, rep.User, rep.OK(), len(repos), ensured.Webhook.ID, merged.Action, len(files), comment.ID, wb.PullRequest.Number), nil
}

// realRun talks to a real host: read-only unless write is set.
func realRun(ctx context.Context, cfg vcs.Config, repo string, pr int, write bool, hookURL, hookSecret string) error {
	p, err := vcs.Open(cfg)
	if err != nil {
		return err
	}
	n := 0
	var listErr error
	for r, err := range p.ListRepositories(ctx) {
		if err != nil {
			listErr = err
			break
		}
		if n < 20 {
			fmt.Printf("repository %s (default branch %s)\n", r.ID, r.DefaultBranch)
		}
		n++
	}
	switch {
	case listErr == nil:
		fmt.Printf("%d repositories\n", n)
	case errors.Is(listErr, vcs.ErrUnavailable), errors.Is(listErr, vcs.ErrUnauthorized), errors.Is(listErr, vcs.ErrInvalidConfig):
		// The host cannot be reached or refuses the token: nothing below
		// would work either.
		return listErr
	default:
		// Some credentials cannot list (a Bitbucket access token without
		// a workspace URL); the repository checks below still tell.
		fmt.Printf("listing repositories: %v\n", listErr)
	}
	if repo == "" {
		return nil
	}
	rep, err := p.CheckAccess(ctx, repo)
	if err != nil {
		return err
	}
	fmt.Print(rep)
	entries, err := p.ListDirectory(ctx, repo, "", "", false)
	if err != nil {
		return err
	}
	for _, e := range entries {
		fmt.Printf("  %-4s %s\n", e.Type, e.Path)
	}
	if write {
		if hookURL == "" || hookSecret == "" {
			return errors.New("-write needs -hook-url and -hook-secret")
		}
		res, err := vcs.EnsureWebhook(ctx, p, repo, vcs.WebhookOptions{URL: hookURL, Secret: hookSecret})
		if err != nil {
			return err
		}
		fmt.Printf("webhook %s (created: %t)\n", res.Webhook.ID, res.Created)
		// Write back on a new branch; the pull request stays open for a
		// human to close.
		branch := fmt.Sprintf("gitprovider-quickstart-%d", time.Now().Unix())
		var files []vcs.FileChange
		for i := 1; i <= 3; i++ {
			files = append(files, vcs.FileChange{Action: vcs.FileCreate, Path: fmt.Sprintf("gitprovider-quickstart/%s/%03d.sql", branch, i), Content: []byte("SELECT 1;\n")})
		}
		if _, err := writeBack(ctx, p, repo, branch, files); err != nil {
			return err
		}
	}
	if pr > 0 {
		files, err := vcs.ReadChangedFiles(ctx, p, repo, pr, vcs.ReadChangedFilesOptions{})
		if err != nil {
			return err
		}
		for _, f := range files {
			fmt.Printf("  %-8s %s (%d bytes)\n", f.Status, f.Path, len(f.Content))
		}
		if write {
			c, err := vcs.UpsertComment(ctx, p, repo, pr, "quickstart-report", fmt.Sprintf("gitprovider quickstart read %d changed file(s).", len(files)))
			if err != nil {
				return err
			}
			fmt.Printf("comment %s\n", c.ID)
		}
	}
	return nil
}

var _ http.Handler = (*vcs.WebhookHandler)(nil)
