package gitlab_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// listFixture is a fake GitLab where bot is a direct Maintainer of n
// projects solo/p-00…, listed two to a page.
func listFixture(t *testing.T, n int) (*gitlabtest.Server, string, []string) {
	t.Helper()
	srv := gitlabtest.New()
	srv.CreateUser("bot", "Bot")
	var paths []string
	for i := range n {
		path := fmt.Sprintf("solo/p-%02d", i)
		if _, err := srv.CreateProject(path, gitlabtest.RepoOptions{Files: map[string]string{"x": "y"}}); err != nil {
			t.Fatal(err)
		}
		if err := srv.AddMember(path, "bot", gitlabtest.Maintainer); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	tok, err := srv.IssueToken("bot", vcstest.TokenOptions{Scopes: []string{"api"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.SetPageSize(2)
	return srv, tok, paths
}

// checkListed fails unless repos are want, each once, in ascending ID
// order when ordered.
func checkListed(t *testing.T, repos []*vcs.Repository, want []string, ordered bool) {
	t.Helper()
	seen := map[string]bool{}
	last := 0
	for _, r := range repos {
		if seen[r.ID] {
			t.Errorf("%s listed twice", r.ID)
		}
		seen[r.ID] = true
		id, _ := strconv.Atoi(r.HostID)
		if ordered && id <= last {
			t.Errorf("%s (ID %d) after ID %d", r.ID, id, last)
		}
		last = id
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("%s missing", w)
		}
	}
	if len(repos) != len(want) {
		t.Errorf("listed %d projects, want %d", len(repos), len(want))
	}
}

func projectRequests(srv *gitlabtest.Server) []string {
	var out []string
	for _, line := range srv.RequestLog() {
		if strings.HasPrefix(line, "GET /api/v4/projects?") {
			out = append(out, line)
		}
	}
	return out
}

// TestListRepositoriesCountedPagesConcurrently: with GitLab's totals on
// the first page, the other offset pages are fetched at once and yielded
// in order.
func TestListRepositoriesCountedPagesConcurrently(t *testing.T) {
	srv, tok, want := listFixture(t, 10)
	srv.SetLatency(20 * time.Millisecond) // so that concurrent requests overlap
	p, err := gitlab.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	repos, err := vcs.Collect(p.ListRepositories(testCtx(t)))
	if err != nil {
		t.Fatal(err)
	}
	checkListed(t, repos, want, true)
	reqs := projectRequests(srv)
	if len(reqs) != 5 {
		t.Errorf("%d project requests, want 5 (pages of 2): %q", len(reqs), reqs)
	}
	for _, line := range reqs {
		if !strings.Contains(line, "membership=true") || !strings.Contains(line, "min_access_level=40") || !strings.Contains(line, "order_by=id") ||
			!strings.Contains(line, "sort=asc") || !strings.Contains(line, "page=") || strings.Contains(line, "pagination=") || strings.Contains(line, "id_after") {
			t.Errorf("projects listed with %s", line)
		}
	}
	if n := srv.MaxInFlight(); n < 2 {
		t.Errorf("at most %d request in flight: pages 2..5 were not fetched concurrently", n)
	}
}

// TestListRepositoriesPastTheCountLimit: above the count limit (GitLab's
// 10,000, lowered to 5 here) the first pages tell no totals; the list goes
// on from the last ID seen and turns concurrent again once the rest is
// counted, missing and repeating nothing.
func TestListRepositoriesPastTheCountLimit(t *testing.T) {
	srv, tok, want := listFixture(t, 13)
	srv.SetCountLimit(5)
	p, err := gitlab.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	repos, err := vcs.Collect(p.ListRepositories(testCtx(t)))
	if err != nil {
		t.Fatal(err)
	}
	checkListed(t, repos, want, true)
	reqs := projectRequests(srv)
	// 13, 11, 9 and 7 left: one uncounted page each; 5 left: 3 counted pages.
	if len(reqs) != 7 {
		t.Fatalf("%d project requests, want 7: %q", len(reqs), reqs)
	}
	if strings.Contains(reqs[0], "id_after") {
		t.Errorf("first request %s", reqs[0])
	}
	for i, line := range reqs[1:] {
		if !strings.Contains(line, "id_after=") || strings.Contains(line, "pagination=") {
			t.Errorf("request %d: %s", i+2, line)
		}
	}
}

// hookTransport runs once after the first response of the project list.
type hookTransport struct {
	base http.RoundTripper
	once sync.Once
	fn   func()
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := h.base.RoundTrip(r)
	if err == nil && r.URL.Path == "/api/v4/projects" && r.URL.Query().Get("page") == "1" {
		h.once.Do(h.fn)
	}
	return resp, err
}

// TestListRepositoriesShiftedPages: a project lost or gained after the
// first page shifts the offset pages (one project would be skipped or
// repeated); the list notices the change and reads again with id_after.
func TestListRepositoriesShiftedPages(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, srv *gitlabtest.Server, paths []string) []string
	}{
		{"lost", func(t *testing.T, srv *gitlabtest.Server, paths []string) []string {
			// p-00 is on page 1, already read: p-02 moves onto page 1.
			if err := srv.AddMember(paths[0], "bot", gitlabtest.Reporter); err != nil {
				t.Error(err)
			}
			return paths
		}},
		{"gained", func(t *testing.T, srv *gitlabtest.Server, paths []string) []string {
			// p-00 (Reporter at first) comes back: p-02 moves onto page 2.
			if err := srv.AddMember(paths[0], "bot", gitlabtest.Maintainer); err != nil {
				t.Error(err)
			}
			return paths
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, tok, paths := listFixture(t, 9)
			want := paths
			if tc.name == "gained" {
				if err := srv.AddMember(paths[0], "bot", gitlabtest.Reporter); err != nil {
					t.Fatal(err)
				}
			}
			cfg := srv.Config(tok)
			client := *cfg.HTTPClient
			hook := &hookTransport{base: client.Transport}
			hook.fn = func() { want = tc.change(t, srv, paths) }
			client.Transport = hook
			cfg.HTTPClient = &client
			p, err := gitlab.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			repos, err := vcs.Collect(p.ListRepositories(testCtx(t)))
			if err != nil {
				t.Fatal(err)
			}
			checkListed(t, repos, want, false)
			var reswept bool
			for _, line := range projectRequests(srv) {
				reswept = reswept || strings.Contains(line, "id_after=")
			}
			if !reswept {
				t.Error("the shift went unnoticed: no id_after request")
			}
		})
	}
}
