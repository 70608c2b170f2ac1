package gitlabtest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Harness returns the conformance harness of a fake built with opts, so
// that the suite runs in one line from any module:
//
//	func TestConformance(t *testing.T) { vcstest.Run(t, gitlabtest.Harness()) }
//
// Each fake it starts holds the fixture in the project
// "acme/platform/db-migrations" (in a subgroup, as many GitLab projects
// are), where the user "bytebase-bot" is Maintainer through the group
// "acme".
func Harness(opts ...Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindGitLab, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return seed(t, New(opts...), f)
	}}
}

const (
	harnessRepo = "acme/platform/db-migrations"
	harnessBot  = "bytebase-bot"
)

// harnessFake is a Server seeded with a vcstest.Fixture.
type harnessFake struct {
	*Server
	tokens   map[vcstest.TokenProfile]string
	pr, shut int
}

func seed(t testing.TB, srv *Server, fx vcstest.Fixture) *harnessFake {
	t.Helper()
	srv.SetPageSize(fx.PageSize)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	project := func(path string, o RepoOptions) {
		t.Helper()
		_, err := srv.CreateProject(path, o)
		must(err)
	}
	for _, u := range []string{harnessBot, "alice", "guest-user"} {
		must(srv.AddUser(u))
	}
	project(harnessRepo, RepoOptions{DefaultBranch: fx.DefaultBranch, Files: fx.BaseFiles})
	for i := 0; i < fx.ExtraRepos; i++ {
		project(fmt.Sprintf("acme/svc-%02d", i), RepoOptions{Files: map[string]string{"README.md": "x\n"}})
	}
	// Projects the service user must not list: Developer only, or public
	// without membership.
	project("other/team/app", RepoOptions{Files: map[string]string{"a": "b"}})
	project("public/site", RepoOptions{Visibility: Public, Files: map[string]string{"a": "b"}})
	must(srv.AddMember("acme", harnessBot, Maintainer))
	must(srv.AddMember("other/team/app", harnessBot, Developer))
	must(srv.AddMember(harnessRepo, "guest-user", Guest))

	f := &harnessFake{Server: srv, tokens: map[vcstest.TokenProfile]string{}}
	var err error
	_, _, err = srv.Push(harnessRepo, fx.SourceBranch, fx.Changes)
	must(err)
	f.pr, _, err = srv.OpenPullRequest(harnessRepo, vcstest.PullRequestOptions{Source: fx.SourceBranch, Title: fx.PullRequestTitle, Description: "adds users", Author: "alice"})
	must(err)
	_, _, err = srv.Push(harnessRepo, fx.CloseBranch, fx.CloseChanges)
	must(err)
	f.shut, _, err = srv.OpenPullRequest(harnessRepo, vcstest.PullRequestOptions{Source: fx.CloseBranch, Title: "Abandoned", Author: "alice"})
	must(err)

	token := func(tok string, err error) string {
		t.Helper()
		must(err)
		return tok
	}
	f.tokens[vcstest.TokenFull] = token(srv.IssueToken(harnessBot, vcstest.TokenOptions{}))
	f.tokens[vcstest.TokenFullAlt] = token(srv.IssueToken(harnessBot, vcstest.TokenOptions{}))
	// A user added to the project as Guest: it sees the project but may
	// not read its code.
	f.tokens[vcstest.TokenNoRead] = token(srv.IssueToken("guest-user", vcstest.TokenOptions{}))
	// A project access token with the Developer role: GitLab wants
	// Maintainer for webhooks.
	f.tokens[vcstest.TokenNoWebhook] = token(srv.CreateProjectAccessToken(harnessRepo, TokenOptions{Scopes: []string{"api"}, Role: Developer}))
	// GitLab ties both webhooks and comments to the api scope, so no token
	// may manage webhooks yet not comment; the closest real case is a
	// read-only token (read_api, read_repository) of a Maintainer.
	f.tokens[vcstest.TokenNoComment] = token(srv.IssueToken(harnessBot, vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermWriteComment}}))
	// Writing back needs api and at least Developer: a project access
	// token with the Maintainer role (webhooks too).
	f.tokens[vcstest.TokenWriteBack] = token(srv.CreateProjectAccessToken(harnessRepo, TokenOptions{Scopes: []string{"api"}, Role: Maintainer}))
	f.tokens[vcstest.TokenExpired] = token(srv.IssueToken(harnessBot, vcstest.TokenOptions{ExpiresAt: srv.Now().AddDate(0, 0, -1)}))
	return f
}

func (f *harnessFake) Token(p vcstest.TokenProfile) string {
	if p == vcstest.TokenExpiring {
		if tok, ok := f.tokens[p]; ok {
			return tok
		}
		// GitLab tokens expire at 00:00 UTC on their expiry date: move the
		// clock to 23:00 UTC so that a token expiring tomorrow expires
		// within the hour.
		now := f.Now().UTC()
		if now.Hour() < 23 {
			f.Advance(time.Date(now.Year(), now.Month(), now.Day(), 23, 0, 0, 0, time.UTC).Sub(now))
		}
		tok, err := f.IssueToken(harnessBot, vcstest.TokenOptions{ExpiresAt: f.Now().Add(time.Hour)})
		if err != nil {
			panic(err)
		}
		f.tokens[p] = tok
	}
	return f.tokens[p]
}

func (f *harnessFake) Repo() string             { return harnessRepo }
func (f *harnessFake) PullRequest() int         { return f.pr }
func (f *harnessFake) ClosablePullRequest() int { return f.shut }
func (f *harnessFake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) { return f.Redeliver(repo, n, vcs.ActionOpened) }
	return vcstest.Triggers{Opened: opened, Closed: f.ClosePullRequest, Merged: f.MergePullRequest}.Trigger(t, harnessRepo, n, a)
}
