package github_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestEveryDeliveryKind drives the fake through every webhook delivery it
// can make (push of a branch, a tag, a branch deletion; pull request
// opened, synchronize, converted_to_draft, ready_for_review, closed,
// reopened and merged) on GitHub.com, GHE.com and GHES, so that TestMain's
// checker validates each payload against its own description: the
// conformance suite reaches only some of them.
func TestEveryDeliveryKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []githubtest.Option
	}{
		{"github.com", nil},
		{"ghe.com", []githubtest.Option{githubtest.Tenant("acme")}},
		{"ghes", []githubtest.Option{githubtest.Enterprise("ghe.example")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(tc.opts...)
			const repo = "octo/app"
			if err := srv.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "x"}}); err != nil {
				t.Fatal(err)
			}
			if err := srv.Grant(repo, "bot", vcstest.RoleAdmin); err != nil {
				t.Fatal(err)
			}
			tok, err := srv.IssueToken("bot", vcstest.TokenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := open(t, srv, tok).CreateWebhook(context.Background(), repo, vcs.WebhookOptions{
				URL: "https://hooks.example.test/gh", Secret: "s",
				Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush},
			}); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			note := func(reqs []*http.Request, err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range reqs {
					var body struct {
						Action string `json:"action"`
					}
					if r.Body != nil {
						_ = json.NewDecoder(r.Body).Decode(&body)
					}
					seen[r.Header.Get("X-GitHub-Event")+"/"+body.Action] = true
				}
			}
			_, reqs, err := srv.Push(repo, "feature", map[string]*string{"a.sql": str("select 1;")})
			note(reqs, err)
			n, reqs, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature", Title: "change", Author: "bot"})
			note(reqs, err)
			_, reqs, err = srv.Push(repo, "feature", map[string]*string{"b.sql": str("select 2;")})
			note(reqs, err)
			note(srv.SetDraft(repo, n, true))
			note(srv.SetDraft(repo, n, false))
			note(srv.ClosePullRequest(repo, n))
			note(srv.ReopenPullRequest(repo, n))
			note(srv.MergePullRequest(repo, n))
			note(srv.PushTag(repo, "v1", "main"))
			note(srv.DeleteBranch(repo, "feature"))
			for _, want := range []string{"push/", "pull_request/opened", "pull_request/synchronize", "pull_request/converted_to_draft",
				"pull_request/ready_for_review", "pull_request/closed", "pull_request/reopened"} {
				if !seen[want] {
					t.Errorf("no %s delivery; got %v", want, seen)
				}
			}
		})
	}
}
