package github_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const (
	fixtureRepo = "octo-org/db-migrations"
	botUser     = "bytebase-bot"
)

// fake adapts a githubtest.Server seeded with a vcstest.Fixture.
type fake struct {
	srv     *githubtest.Server
	tokens  map[vcstest.TokenProfile]string
	pr, pr2 int
}

func newFake(t testing.TB, f vcstest.Fixture, opts ...githubtest.Option) *fake {
	t.Helper()
	srv := githubtest.New(opts...)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.CreateRepo(fixtureRepo, true, f.BaseFiles))
	srv.SetRole(fixtureRepo, botUser, githubtest.RoleAdmin)
	for i := 0; i < f.ExtraRepos; i++ {
		name := fmt.Sprintf("octo-org/service-%02d", i)
		must(srv.CreateRepo(name, i%2 == 0, map[string]string{"README.md": "x"}))
		srv.SetRole(name, botUser, githubtest.RoleRead)
	}
	srv.SetPageSize(f.PageSize)
	_, err := srv.CommitFiles(fixtureRepo, f.SourceBranch, f.Changes)
	must(err)
	pr, err := srv.OpenPullRequest(fixtureRepo, f.SourceBranch, "", f.PullRequestTitle, "alice")
	must(err)
	_, err = srv.CommitFiles(fixtureRepo, f.CloseBranch, f.CloseChanges)
	must(err)
	pr2, err := srv.OpenPullRequest(fixtureRepo, f.CloseBranch, "", "Abandoned change", "alice")
	must(err)
	full := []string{"repo", "admin:repo_hook", "read:org"}
	now := srv.Now()
	tokens := map[vcstest.TokenProfile]string{
		vcstest.TokenFull:      srv.AddToken(githubtest.Token{User: botUser, Scopes: full}),
		vcstest.TokenFullAlt:   srv.AddToken(githubtest.Token{User: botUser, Scopes: full}),
		vcstest.TokenNoRead:    srv.AddToken(githubtest.Token{User: botUser, Scopes: []string{"read:user"}}),
		vcstest.TokenNoWebhook: srv.AddToken(githubtest.Token{User: botUser, FineGrained: true, Permissions: map[string]string{"contents": "read", "pull_requests": "write"}}),
		vcstest.TokenNoComment: srv.AddToken(githubtest.Token{User: botUser, FineGrained: true, Permissions: map[string]string{"contents": "read", "pull_requests": "read", "webhooks": "write"}}),
		vcstest.TokenExpired:   srv.AddToken(githubtest.Token{User: botUser, Scopes: full, ExpiresAt: now.Add(-time.Hour)}),
		vcstest.TokenExpiring:  srv.AddToken(githubtest.Token{User: botUser, Scopes: full, ExpiresAt: now.Add(time.Hour)}),
	}
	return &fake{srv: srv, tokens: tokens, pr: pr, pr2: pr2}
}

func (f *fake) Config(token string) vcs.Config      { return f.srv.Config(token) }
func (f *fake) Token(p vcstest.TokenProfile) string { return f.tokens[p] }
func (f *fake) Repo() string                        { return fixtureRepo }
func (f *fake) PullRequest() int                    { return f.pr }
func (f *fake) ClosablePullRequest() int            { return f.pr2 }
func (f *fake) Advance(d time.Duration)             { f.srv.Advance(d) }
func (f *fake) SetLatency(d time.Duration)          { f.srv.SetLatency(d) }
func (f *fake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	return vcstest.Triggers{Opened: f.srv.RedeliverOpened, Closed: f.srv.ClosePullRequest, Merged: f.srv.MergePullRequest}.Trigger(t, fixtureRepo, n, a)
}

func TestConformance(t *testing.T) {
	for name, opts := range map[string][]githubtest.Option{
		"GitHub.com": nil,
		"GHES":       {githubtest.Enterprise("github.example.test")},
		"GHE.com":    {githubtest.Tenant("acme")},
	} {
		t.Run(name, func(t *testing.T) {
			vcstest.Run(t, vcstest.Harness{Kind: vcs.KindGitHub, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
				return newFake(t, f, opts...)
			}})
		})
	}
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, vcstest.Harness{Kind: vcs.KindGitHub, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newFake(t, f)
	}})
}
