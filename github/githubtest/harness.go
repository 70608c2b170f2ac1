package githubtest

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
//	func TestConformance(t *testing.T) { vcstest.Run(t, githubtest.Harness()) }
//
// Each fake it starts holds the fixture in "octo-org/db-migrations",
// where the user "bytebase-bot" is admin, and issues classic and
// fine-grained tokens for the suite's profiles.
func Harness(opts ...Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindGitHub, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return seed(t, New(opts...), f)
	}}
}

const (
	harnessRepo = "octo-org/db-migrations"
	harnessBot  = "bytebase-bot"
)

// harnessFake is a Server seeded with a vcstest.Fixture.
type harnessFake struct {
	*Server
	tokens  map[vcstest.TokenProfile]string
	pr, pr2 int
}

func seed(t testing.TB, srv *Server, f vcstest.Fixture) *harnessFake {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(srv.CreateRepository(harnessRepo, vcstest.RepositoryOptions{DefaultBranch: f.DefaultBranch, Files: f.BaseFiles}))
	must(srv.Grant(harnessRepo, harnessBot, vcstest.RoleAdmin))
	for i := 0; i < f.ExtraRepos; i++ {
		name := fmt.Sprintf("octo-org/service-%02d", i)
		must(srv.CreateRepository(name, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "x"}, Public: i%2 != 0}))
		must(srv.Grant(name, harnessBot, vcstest.RoleRead))
	}
	srv.SetPageSize(f.PageSize)
	_, _, err := srv.Push(harnessRepo, f.SourceBranch, f.Changes)
	must(err)
	pr, _, err := srv.OpenPullRequest(harnessRepo, vcstest.PullRequestOptions{Source: f.SourceBranch, Title: f.PullRequestTitle, Author: "alice"})
	must(err)
	_, _, err = srv.Push(harnessRepo, f.CloseBranch, f.CloseChanges)
	must(err)
	pr2, _, err := srv.OpenPullRequest(harnessRepo, vcstest.PullRequestOptions{Source: f.CloseBranch, Title: "Abandoned change", Author: "alice"})
	must(err)
	now := srv.Now()
	issue := func(o vcstest.TokenOptions) string {
		tok, err := srv.IssueToken(harnessBot, o)
		must(err)
		return tok
	}
	tokens := map[vcstest.TokenProfile]string{
		vcstest.TokenFull:      issue(vcstest.TokenOptions{}),
		vcstest.TokenFullAlt:   issue(vcstest.TokenOptions{}),
		vcstest.TokenNoRead:    issue(vcstest.TokenOptions{Scopes: []string{"read:user"}}),
		vcstest.TokenNoWebhook: issue(vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermCreateWebhook}}),
		vcstest.TokenNoComment: issue(vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermWriteComment}}),
		vcstest.TokenExpired:   issue(vcstest.TokenOptions{ExpiresAt: now.Add(-time.Hour)}),
		vcstest.TokenExpiring:  issue(vcstest.TokenOptions{ExpiresAt: now.Add(time.Hour)}),
		// Writing back with a fine-grained token: contents, pull requests
		// and commit statuses write.
		vcstest.TokenWriteBack: srv.AddToken(Token{User: harnessBot, FineGrained: true, Permissions: map[string]string{
			"contents": "write", "pull_requests": "write", "statuses": "write", "webhooks": "write"}}),
	}
	return &harnessFake{Server: srv, tokens: tokens, pr: pr, pr2: pr2}
}

func (f *harnessFake) Token(p vcstest.TokenProfile) string { return f.tokens[p] }
func (f *harnessFake) Repo() string                        { return harnessRepo }
func (f *harnessFake) PullRequest() int                    { return f.pr }
func (f *harnessFake) ClosablePullRequest() int            { return f.pr2 }
func (f *harnessFake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) { return f.Redeliver(repo, n, vcs.ActionOpened) }
	return vcstest.Triggers{Opened: opened, Closed: f.ClosePullRequest, Merged: f.MergePullRequest}.Trigger(t, harnessRepo, n, a)
}
