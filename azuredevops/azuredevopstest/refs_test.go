package azuredevopstest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestCompletionOrder: a completion's three deliveries come in the order
// SetCompletionOrder asks for, and each reads the same merge.
func TestCompletionOrder(t *testing.T) {
	ctx := context.Background()
	for _, order := range [][]string{
		nil,
		{azuredevopstest.EventPush, azuredevopstest.EventPullRequestUpdated, azuredevopstest.EventPullRequestMerged},
		{azuredevopstest.EventPullRequestUpdated, azuredevopstest.EventPush},
	} {
		fake := azuredevopstest.New()
		const repo = "Fabrikam/db"
		if err := fake.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "x"}}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := fake.Push(repo, "feature", map[string]*string{"a.sql": new("SELECT 1;")}); err != nil {
			t.Fatal(err)
		}
		pr, _, err := fake.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature", Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		p, err := vcs.Open(fake.Config(fake.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.CreateWebhook(ctx, repo, vcs.WebhookOptions{URL: "https://hook.example.test/", Secret: "s",
			Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}); err != nil {
			t.Fatal(err)
		}
		fake.SetCompletionOrder(order...)
		reqs, err := fake.MergePullRequest(repo, pr)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range reqs {
			body, _ := io.ReadAll(r.Body)
			var m struct {
				EventType string `json:"eventType"`
			}
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatal(err)
			}
			got = append(got, m.EventType)
		}
		want := order
		switch len(order) {
		case 0:
			want = []string{azuredevopstest.EventPullRequestMerged, azuredevopstest.EventPullRequestUpdated, azuredevopstest.EventPush}
		case 2:
			want = append(slices.Clone(order), azuredevopstest.EventPullRequestMerged) // the rest follows
		}
		if !slices.Equal(got, want) {
			t.Errorf("order %v: deliveries %v, want %v", order, got, want)
		}
	}
}

// TestSpeculativeMerges: the git.pullrequest.merged Azure DevOps sends for
// the merge attempt of an active pull request is no merge; the completion
// (two events) is one, once, through a Deduplicator.
func TestSpeculativeMerges(t *testing.T) {
	ctx := context.Background()
	fake := azuredevopstest.New()
	fake.SetSpeculativeMerges(true)
	const repo = "Fabrikam/db"
	if err := fake.CreateRepository(repo, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "x"}}); err != nil {
		t.Fatal(err)
	}
	p, err := vcs.Open(fake.Config(fake.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	if err != nil {
		t.Fatal(err)
	}
	const secret = "s"
	if _, err := p.CreateWebhook(ctx, repo, vcs.WebhookOptions{URL: "https://hook.example.test/", Secret: secret}); err != nil {
		t.Fatal(err)
	}
	merges, attempts := 0, 0
	d := vcs.NewDeduplicator(0, 0)
	h := vcs.NewWebhookHandler(azuredevops.NewParser(), secret, d.Wrap(func(_ context.Context, ev *vcs.Event) error {
		if ev.Merged {
			merges++
		}
		if ev.HostEvent == azuredevopstest.EventPullRequestMerged && !ev.Merged {
			attempts++
			if ev.Action != vcs.ActionOther {
				t.Errorf("merge attempt = %s, want other", ev.Action)
			}
		}
		return nil
	}))
	serve := func(reqs []*http.Request, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range reqs {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				t.Fatalf("answered %d", rec.Code)
			}
		}
	}
	_, reqs, err := fake.Push(repo, "feature", map[string]*string{"a.sql": new("SELECT 1;")})
	serve(reqs, err)
	pr, reqs, err := fake.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: "feature", Title: "t"})
	serve(reqs, err)
	_, reqs, err = fake.Push(repo, "feature", map[string]*string{"b.sql": new("SELECT 2;")})
	serve(reqs, err)
	if attempts != 2 || merges != 0 {
		t.Fatalf("before completion: %d merge attempts, %d merges; want 2 and 0", attempts, merges)
	}
	reqs, err = fake.MergePullRequest(repo, pr)
	serve(reqs, err)
	if merges != 1 {
		t.Errorf("completion reached the callback %d times, want 1", merges)
	}
}
