package bitbuckettest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Harness returns the conformance harness of a fake built with opts,
// issuing Atlassian API tokens, so that the suite runs in one line from
// any module:
//
//	func TestConformance(t *testing.T) { vcstest.Run(t, bitbuckettest.Harness()) }
//
// The suite's TokenSource rotation sends those tokens as Bearer tokens,
// which the fake accepts unless WithStrictBearer, as Bitbucket does not:
// OAuthHarness runs the suite with OAuth access tokens.
func Harness(opts ...Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newHarnessFake(t, f, false, opts)
	}}
}

// OAuthHarness is Harness with OAuth 2.0 access tokens (Bearer, the OAuth
// consumer scope names).
func OAuthHarness(opts ...Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newHarnessFake(t, f, true, opts)
	}}
}

// The conformance fixture's repository and people.
const (
	// FixtureRepo is the repository Seed and Harness fill.
	FixtureRepo = "acme-team/db-migrations"
	// FixtureBot is the service account's email: admin of FixtureRepo.
	FixtureBot = "bytebase-bot@acme.example"
	// FixtureDeveloper is the email of the developer who opened the
	// fixture's pull requests; write permission on FixtureRepo.
	FixtureDeveloper = "alice@acme.example"
)

// Seed returns a fake built with opts holding fixture f, as Harness's
// fakes do, and the numbers of its two open pull requests.
func Seed(t testing.TB, f vcstest.Fixture, opts ...Option) (s *Server, pr, closable int) {
	t.Helper()
	s = New(append([]Option{WithPageSize(f.PageSize)}, opts...)...)
	s.AddAccount("bytebase-bot", "Bytebase Bot", FixtureBot)
	s.AddAccount("alice", "Alice Developer", FixtureDeveloper)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateRepository(FixtureRepo, vcstest.RepositoryOptions{DefaultBranch: f.DefaultBranch, Files: f.BaseFiles}))
	must(s.Grant(FixtureRepo, FixtureBot, vcstest.RoleAdmin))
	must(s.Grant(FixtureRepo, FixtureDeveloper, vcstest.RoleWrite))
	for i := 1; i <= f.ExtraRepos; i++ {
		name := fmt.Sprintf("acme-team/service-%02d", i)
		must(s.CreateRepository(name, vcstest.RepositoryOptions{Files: map[string]string{"README.md": "service\n"}}))
		must(s.Grant(name, FixtureBot, vcstest.RoleRead))
	}
	// A repository the service user may not see.
	must(s.CreateRepository("other-team/private", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "secret\n"}}))
	_, _, err := s.Push(FixtureRepo, f.SourceBranch, f.Changes)
	must(err)
	pr, _, err = s.OpenPullRequest(FixtureRepo, vcstest.PullRequestOptions{Source: f.SourceBranch, Title: f.PullRequestTitle, Description: "Adds the users table.", Author: FixtureDeveloper})
	must(err)
	_, _, err = s.Push(FixtureRepo, f.CloseBranch, f.CloseChanges)
	must(err)
	closable, _, err = s.OpenPullRequest(FixtureRepo, vcstest.PullRequestOptions{Source: f.CloseBranch, Title: "Abandoned change", Author: FixtureDeveloper})
	must(err)
	return s, pr, closable
}

// harnessFake is a Server seeded with a vcstest.Fixture.
type harnessFake struct {
	*Server
	pr, closable int
	tokens       map[vcstest.TokenProfile]string
}

func without(scopes []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return slices.Contains(drop, s) })
}

func newHarnessFake(t testing.TB, f vcstest.Fixture, oauth bool, opts []Option) *harnessFake {
	s, pr, closable := Seed(t, f, opts...)
	fk := &harnessFake{Server: s, pr: pr, closable: closable, tokens: map[vcstest.TokenProfile]string{}}
	full, noRead, noWebhook, noComment := FullScopes,
		without(FullScopes, ScopeReadRepository, ScopeReadPullRequest),
		without(FullScopes, ScopeReadWebhook, ScopeWriteWebhook, ScopeDeleteWebhook),
		// Commenting takes read:pullrequest, so a token that cannot
		// comment cannot read pull requests either.
		without(FullScopes, ScopeReadPullRequest, ScopeWritePullRequest)
	create := func(user string, scopes []string, expires time.Time) (string, error) {
		return s.IssueToken(user, vcstest.TokenOptions{Scopes: scopes, ExpiresAt: expires})
	}
	writeBack := append(slices.Clone(full), ScopeWriteRepository)
	if oauth {
		// OAuth consumers use the older scope names: pullrequest:write
		// implies pullrequest and repository (read and write).
		full, noRead, noWebhook, noComment = FullOAuthScopes,
			[]string{"webhook", "account"},
			[]string{"pullrequest:write", "account"},
			[]string{"repository", "webhook", "account"} // "pullrequest" lets its holder comment
		create = s.CreateOAuthToken
		writeBack = full // pullrequest:write implies repository:write
	}
	now := s.Now()
	for prof, spec := range map[vcstest.TokenProfile]struct {
		scopes  []string
		expires time.Time
	}{
		vcstest.TokenFull:      {full, time.Time{}},
		vcstest.TokenFullAlt:   {full, time.Time{}},
		vcstest.TokenNoRead:    {noRead, time.Time{}},
		vcstest.TokenNoWebhook: {noWebhook, time.Time{}},
		vcstest.TokenNoComment: {noComment, time.Time{}},
		vcstest.TokenExpired:   {full, now.Add(-time.Hour)},
		vcstest.TokenExpiring:  {full, now.Add(time.Hour)},
		vcstest.TokenWriteBack: {writeBack, time.Time{}},
	} {
		tok, err := create(FixtureBot, spec.scopes, spec.expires)
		if err != nil {
			t.Fatal(err)
		}
		fk.tokens[prof] = tok
	}
	return fk
}

func (f *harnessFake) Token(p vcstest.TokenProfile) string { return f.tokens[p] }
func (f *harnessFake) Repo() string                        { return FixtureRepo }
func (f *harnessFake) PullRequest() int                    { return f.pr }
func (f *harnessFake) ClosablePullRequest() int            { return f.closable }
func (f *harnessFake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) { return f.Redeliver(repo, n, vcs.ActionOpened) }
	return vcstest.Triggers{Opened: opened, Closed: f.ClosePullRequest, Merged: f.MergePullRequest}.Trigger(t, FixtureRepo, n, a)
}
