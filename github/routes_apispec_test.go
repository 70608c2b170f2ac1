package github_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestFakeRoutesTheProviderDoesNotCallYet asks the fake's routes the provider
// does not call yet (GET a webhook, PUT a merge), so that TestMain's
// checker validates their answers against GitHub's description too.
func TestFakeRoutesTheProviderDoesNotCallYet(t *testing.T) {
	srv := githubtest.New()
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
	hook, err := open(t, srv, tok).CreateWebhook(context.Background(), repo, vcs.WebhookOptions{URL: "https://hooks.example.test/gh", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	n := openPullRequest(t, srv, repo, "feature", map[string]*string{"a.sql": str("select 1;")})
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"GET", "repos/" + repo + "/hooks/" + hook.ID, "", http.StatusOK},
		{"PUT", "repos/" + repo + "/pulls/" + strconv.Itoa(n) + "/merge", `{"merge_method":"merge"}`, http.StatusOK},
	} {
		req, _ := http.NewRequest(tc.method, srv.APIURL()+tc.path, strings.NewReader(tc.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/vnd.github+json")
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.want)
		}
	}
}
