package gitlab_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// fixtureRepo lives in a subgroup, as many GitLab projects do.
const fixtureRepo = "acme/platform/db-migrations"

// TestConformance runs the suite against GitLab.com and against
// self-managed instances at a host root and under a relative URL root,
// with every accepted form of the instance URL.
func TestConformance(t *testing.T) {
	for _, tc := range []struct {
		name, instance, cfgURL string
	}{
		{"GitLab.com", "https://gitlab.com", ""},
		{"GitLab.com/api", "https://gitlab.com", "https://gitlab.com/api/v4/"},
		{"SelfManaged", "https://gitlab.example.test", "https://gitlab.example.test/"},
		{"SelfManagedSubpath", "https://git.example.test/gitlab", "https://git.example.test/gitlab"},
		{"SelfManagedSubpath/api", "https://git.example.test/gitlab", "https://git.example.test/gitlab/api/v4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vcstest.Run(t, vcstest.Harness{Kind: vcs.KindGitLab, New: func(t testing.TB, fx vcstest.Fixture) vcstest.Fake {
				return newFake(t, fx, tc.instance, tc.cfgURL)
			}})
		})
	}
}

// fake adapts gitlabtest.Server to vcstest.Fake.
type fake struct {
	srv      *gitlabtest.Server
	cfgURL   string
	tokens   map[vcstest.TokenProfile]string
	pr, shut int
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func newFake(t testing.TB, fx vcstest.Fixture, instance, cfgURL string) *fake {
	srv := gitlabtest.New(gitlabtest.WithURL(instance))
	srv.SetPageSize(fx.PageSize)
	f := &fake{srv: srv, cfgURL: cfgURL, tokens: map[vcstest.TokenProfile]string{}}
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"bytebase-bot", "alice", "guest-user"} {
		srv.CreateUser(u, "")
	}
	must[int](t)(srv.CreateRepo(fixtureRepo, gitlabtest.RepoOptions{DefaultBranch: fx.DefaultBranch, Files: fx.BaseFiles}))
	for i := 0; i < fx.ExtraRepos; i++ {
		must[int](t)(srv.CreateRepo(fmt.Sprintf("acme/svc-%02d", i), gitlabtest.RepoOptions{Files: map[string]string{"README.md": "x\n"}}))
	}
	// Projects the service user must not list: Developer only, or public
	// without membership.
	must[int](t)(srv.CreateRepo("other/team/app", gitlabtest.RepoOptions{Files: map[string]string{"a": "b"}}))
	must[int](t)(srv.CreateRepo("public/site", gitlabtest.RepoOptions{Visibility: gitlabtest.Public, Files: map[string]string{"a": "b"}}))
	check(srv.AddMember("acme", "bytebase-bot", gitlabtest.Maintainer))
	check(srv.AddMember("other/team/app", "bytebase-bot", gitlabtest.Developer))
	check(srv.AddMember(fixtureRepo, "guest-user", gitlabtest.Guest))

	must[string](t)(srv.CommitFiles(fixtureRepo, fx.SourceBranch, fx.Changes))
	f.pr = must[int](t)(srv.OpenPullRequest(fixtureRepo, fx.SourceBranch, "", fx.PullRequestTitle, "adds users", "alice"))
	must[string](t)(srv.CommitFiles(fixtureRepo, fx.CloseBranch, fx.CloseChanges))
	f.shut = must[int](t)(srv.OpenPullRequest(fixtureRepo, fx.CloseBranch, "", "Abandoned", "", "alice"))

	api := gitlabtest.TokenOptions{Scopes: []string{"api"}}
	f.tokens[vcstest.TokenFull] = must[string](t)(srv.CreatePersonalAccessToken("bytebase-bot", api))
	f.tokens[vcstest.TokenFullAlt] = must[string](t)(srv.CreatePersonalAccessToken("bytebase-bot", api))
	// A user added to the project as Guest: it sees the project but may
	// not read its code.
	f.tokens[vcstest.TokenNoRead] = must[string](t)(srv.CreatePersonalAccessToken("guest-user", api))
	// A project access token with the Developer role: GitLab wants
	// Maintainer for webhooks.
	f.tokens[vcstest.TokenNoWebhook] = must[string](t)(srv.CreateProjectAccessToken(fixtureRepo,
		gitlabtest.TokenOptions{Scopes: []string{"api"}, Role: gitlabtest.Developer}))
	// GitLab ties both webhooks and comments to the api scope, so no token
	// may manage webhooks yet not comment; the closest real case is a
	// read-only token (read_api, read_repository) of a Maintainer.
	f.tokens[vcstest.TokenNoComment] = must[string](t)(srv.CreatePersonalAccessToken("bytebase-bot",
		gitlabtest.TokenOptions{Scopes: []string{"read_api", "read_repository"}}))
	f.tokens[vcstest.TokenExpired] = must[string](t)(srv.CreatePersonalAccessToken("bytebase-bot",
		gitlabtest.TokenOptions{Scopes: []string{"api"}, ExpiresAt: srv.Now().AddDate(0, 0, -1)}))
	return f
}

func (f *fake) Config(token string) vcs.Config {
	cfg := f.srv.Config(token)
	cfg.URL = f.cfgURL
	return cfg
}

func (f *fake) Token(p vcstest.TokenProfile) string {
	if p == vcstest.TokenExpiring {
		if tok, ok := f.tokens[p]; ok {
			return tok
		}
		// GitLab tokens expire at 00:00 UTC on their expiry date: move the
		// clock to 23:00 UTC so that a token expiring tomorrow expires
		// within the hour.
		now := f.srv.Now().UTC()
		if now.Hour() < 23 {
			f.srv.Advance(time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, time.UTC).Sub(now))
		}
		tok, err := f.srv.CreatePersonalAccessToken("bytebase-bot",
			gitlabtest.TokenOptions{Scopes: []string{"api"}, ExpiresAt: f.srv.Now().Add(time.Hour)})
		if err != nil {
			panic(err)
		}
		f.tokens[p] = tok
	}
	return f.tokens[p]
}

func (f *fake) Repo() string               { return fixtureRepo }
func (f *fake) PullRequest() int           { return f.pr }
func (f *fake) ClosablePullRequest() int   { return f.shut }
func (f *fake) Advance(d time.Duration)    { f.srv.Advance(d) }
func (f *fake) SetLatency(d time.Duration) { f.srv.SetLatency(d) }

func (f *fake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) { return f.srv.NotifyPullRequest(repo, n, "open") }
	return vcstest.Triggers{Opened: opened, Closed: f.srv.ClosePullRequest, Merged: f.srv.MergePullRequest}.Trigger(t, fixtureRepo, n, a)
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, vcstest.Harness{Kind: vcs.KindGitLab, New: func(t testing.TB, fx vcstest.Fixture) vcstest.Fake {
		return newFake(t, fx, "https://gitlab.com", "")
	}})
}
