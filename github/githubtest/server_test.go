package githubtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestServedWithHTTPTest(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "x"}}); err != nil {
		t.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	// The test server stands in for a GitHub Enterprise Server.
	p, err := github.New(vcs.Config{URL: ts.URL, Token: tok, HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	f, err := p.ReadFile(context.Background(), "octo/app", "a.sql", "")
	if err != nil || string(f.Content) != "x" {
		t.Fatalf("ReadFile through httptest = %v, %v", f, err)
	}
}

func get(t *testing.T, srv *githubtest.Server, token, path string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.APIURL()+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestGitHubAnswers(t *testing.T) {
	srv := githubtest.New()
	for _, r := range []string{"octo/a", "octo/b", "octo/c"} {
		if err := srv.CreateRepository(r, vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	srv.SetPageSize(2)
	classic := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
	noScope := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"read:user"}})

	if resp := get(t, srv, "", "user"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	resp := get(t, srv, classic, "user/repos?per_page=100")
	if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) || resp.Header.Get("X-OAuth-Scopes") != "repo" || resp.Header.Get("X-RateLimit-Remaining") == "" {
		t.Errorf("headers: Link %q, scopes %q", resp.Header.Get("Link"), resp.Header.Get("X-OAuth-Scopes"))
	}
	var page []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&page)
	if len(page) != 2 {
		t.Errorf("page has %d repositories, want the cap of 2", len(page))
	}
	// A private repository without the repo scope is a 404, as on GitHub.
	resp = get(t, srv, noScope, "repos/octo/a")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("X-Accepted-OAuth-Scopes") != "repo" || !strings.Contains(string(body), "Not Found") {
		t.Errorf("missing scope: %d %q %s", resp.StatusCode, resp.Header.Get("X-Accepted-OAuth-Scopes"), body)
	}
	srv.RevokeToken(classic)
	if resp := get(t, srv, classic, "user"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("revoked token: %d, want 401", resp.StatusCode)
	}
}

func TestMergeDeliversSignedWebhook(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "1"}}); err != nil {
		t.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo", "admin:repo_hook"}})
	p, _ := github.New(srv.Config(tok))
	var got []*vcs.Event
	h := vcs.NewWebhookHandler(github.NewParser(), "hook-secret", func(_ context.Context, ev *vcs.Event) error {
		got = append(got, ev)
		return nil
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	if _, err := p.CreateWebhook(context.Background(), "octo/app", vcs.WebhookOptions{URL: ts.URL + "/hook", Secret: "hook-secret", Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}); err != nil {
		t.Fatal(err)
	}
	srv.SetWebhookClient(ts.Client())
	two := "2"
	if _, _, err := srv.Push("octo/app", "f", map[string]*string{"b.sql": &two}); err != nil {
		t.Fatal(err)
	}
	n, _, err := srv.OpenPullRequest("octo/app", vcstest.PullRequestOptions{Source: "f", Title: "Add b", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	reqs, err := srv.MergePullRequest("octo/app", n)
	if err != nil || len(reqs) != 2 {
		t.Fatalf("merge made %d deliveries, %v; want pull_request and push", len(reqs), err)
	}
	if errs := srv.DeliveryErrors(); len(errs) != 0 {
		t.Fatalf("delivery errors: %v", errs)
	}
	// The push to f, the opening, the merge and the push to main.
	if len(got) != 4 || got[0].Kind != vcs.EventPush || got[1].Action != vcs.ActionOpened || !got[2].Merged || got[3].Kind != vcs.EventPush || got[3].TargetBranch != "main" {
		t.Fatalf("events = %+v", got)
	}
	if got[2].MergeCommitSHA == "" || got[2].HeadSHA == "" || got[2].DeliveryID == "" {
		t.Errorf("merged event lacks SHAs or delivery ID: %+v", got[2])
	}
}

// On GHES the Link header's pages stay under /api/v3, and deliveries name
// the instance (X-GitHub-Enterprise-Host and -Version).
func TestEnterpriseLinksAndDeliveryHeaders(t *testing.T) {
	s := githubtest.New(githubtest.Enterprise("ghe.example.test"))
	for _, name := range []string{"octo/a", "octo/b"} {
		if err := s.CreateRepository(name, vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(name, "bot", vcstest.RoleAdmin); err != nil {
			t.Fatal(err)
		}
	}
	tok := s.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo", "admin:repo_hook"}})
	req, _ := http.NewRequest(http.MethodGet, "https://ghe.example.test/api/v3/user/repos?per_page=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if link := resp.Header.Get("Link"); !strings.Contains(link, "https://ghe.example.test/api/v3/user/repos?") {
		t.Errorf("Link = %q, want the next page under /api/v3", link)
	}
	p, err := vcs.Open(s.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateWebhook(context.Background(), "octo/a", vcs.WebhookOptions{URL: "https://ci.example.test/h", Secret: "s"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Push("octo/a", "feature", map[string]*string{"x.sql": new("SELECT 1;")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.OpenPullRequest("octo/a", vcstest.PullRequestOptions{Source: "feature", Title: "x"}); err != nil {
		t.Fatal(err)
	}
	d := s.Deliveries()
	if len(d) == 0 {
		t.Fatal("no delivery")
	}
	last := d[len(d)-1]
	if last.Header.Get("X-GitHub-Enterprise-Host") != "ghe.example.test" || last.Header.Get("X-GitHub-Enterprise-Version") != githubtest.EnterpriseVersion {
		t.Errorf("delivery headers %v, want the Enterprise host and version", last.Header)
	}
}

// A pull request's statistics and mergeability are computed from its
// commits, files and statuses, not fixed values.
func TestPullRequestStatisticsAndMergeability(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "1\n2\n3\n"}}); err != nil {
		t.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
	changed, added := "1\n2\n4\n", "x\ny\n"
	if _, _, err := srv.Push("octo/app", "f", map[string]*string{"a.sql": &changed}); err != nil {
		t.Fatal(err)
	}
	head, _, err := srv.Push("octo/app", "f", map[string]*string{"b.sql": &added})
	if err != nil {
		t.Fatal(err)
	}
	n, _, err := srv.OpenPullRequest("octo/app", vcstest.PullRequestOptions{Source: "f", Title: "Two commits", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	pull := func() map[string]any {
		t.Helper()
		var pr map[string]any
		if err := json.NewDecoder(get(t, srv, tok, "repos/octo/app/pulls/"+strconv.Itoa(n)).Body).Decode(&pr); err != nil {
			t.Fatal(err)
		}
		return pr
	}
	pr := pull()
	// a.sql: 3 -> 4 (one line in, one out); b.sql: two lines in.
	if pr["commits"] != 2.0 || pr["additions"] != 3.0 || pr["deletions"] != 1.0 || pr["changed_files"] != 2.0 {
		t.Errorf("statistics: commits %v, additions %v, deletions %v, changed_files %v; want 2, 3, 1, 2", pr["commits"], pr["additions"], pr["deletions"], pr["changed_files"])
	}
	if pr["mergeable"] != true || pr["rebaseable"] != true || pr["mergeable_state"] != "clean" {
		t.Errorf("open: mergeable %v, rebaseable %v, state %v; want true, true, clean", pr["mergeable"], pr["rebaseable"], pr["mergeable_state"])
	}
	var files []map[string]any
	_ = json.NewDecoder(get(t, srv, tok, "repos/octo/app/pulls/"+strconv.Itoa(n)+"/files").Body).Decode(&files)
	for _, f := range files {
		want := map[string][2]float64{"a.sql": {1, 1}, "b.sql": {2, 0}}[f["filename"].(string)]
		if f["additions"] != want[0] || f["deletions"] != want[1] || f["changes"] != want[0]+want[1] {
			t.Errorf("%v: +%v -%v (%v), want +%v -%v", f["filename"], f["additions"], f["deletions"], f["changes"], want[0], want[1])
		}
	}

	p, _ := github.New(srv.Config(tok))
	if _, err := p.SetCommitStatus(context.Background(), "octo/app", head, vcs.StatusOptions{Key: "ci", State: vcs.StatusFailure}); err != nil {
		t.Fatal(err)
	}
	if got := pull()["mergeable_state"]; got != "unstable" {
		t.Errorf("with a failing status: %v, want unstable", got)
	}
	if _, err := srv.SetDraft("octo/app", n, true); err != nil {
		t.Fatal(err)
	}
	if got := pull()["mergeable_state"]; got != "draft" {
		t.Errorf("draft: %v, want draft", got)
	}
	if _, err := srv.MergePullRequest("octo/app", n); err != nil {
		t.Fatal(err)
	}
	if pr := pull(); pr["mergeable"] != nil || pr["rebaseable"] != nil || pr["mergeable_state"] != "unknown" {
		t.Errorf("merged: mergeable %v, rebaseable %v, state %v; want null, null, unknown", pr["mergeable"], pr["rebaseable"], pr["mergeable_state"])
	}
}
