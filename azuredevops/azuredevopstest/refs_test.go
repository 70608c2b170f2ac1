package azuredevopstest_test

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"testing"

	_ "github.com/gitprovider/gitprovider/azuredevops" // registers the driver
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
