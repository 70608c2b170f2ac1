package azuredevopstest

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// Harness returns the conformance harness of a fake built with opts, so
// that the suite runs in one line from any module:
//
//	func TestConformance(t *testing.T) { vcstest.Run(t, azuredevopstest.Harness()) }
//
// Each fake it starts holds the fixture in "Fabrikam Platform/db-migrations"
// (a project name with a space, so every path is escaped), and issues
// DefaultUser's personal access tokens.
func Harness(opts ...Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindAzureDevOps, New: func(t testing.TB, fx vcstest.Fixture) vcstest.Fake {
		return Seed(t, New(opts...), fx)
	}}
}

// FixtureRepo is the repository Seed fills with the fixture.
const FixtureRepo = "Fabrikam Platform/db-migrations"

// Seeded is a Server holding a vcstest.Fixture, as Harness's fakes do: it
// is a vcstest.Fake.
type Seeded struct {
	*Server
	tokens    map[vcstest.TokenProfile]string
	pr, close int
}

// Seed fills s with fixture fx: FixtureRepo with the fixture's two open
// pull requests, ExtraRepos more repositories, and DefaultUser's tokens
// of every vcstest.TokenProfile.
func Seed(t testing.TB, s *Server, fx vcstest.Fixture) *Seeded {
	t.Helper()
	s.SetPageSize(fx.PageSize)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateRepository(FixtureRepo, vcstest.RepositoryOptions{DefaultBranch: fx.DefaultBranch, Files: fx.BaseFiles}))
	_, _, err := s.Push(FixtureRepo, fx.SourceBranch, fx.Changes)
	must(err)
	pr, _, err := s.OpenPullRequest(FixtureRepo, vcstest.PullRequestOptions{Source: fx.SourceBranch, Title: fx.PullRequestTitle, Description: "Adds the users table."})
	must(err)
	_, _, err = s.Push(FixtureRepo, fx.CloseBranch, fx.CloseChanges)
	must(err)
	closable, _, err := s.OpenPullRequest(FixtureRepo, vcstest.PullRequestOptions{Source: fx.CloseBranch, Title: "To be abandoned"})
	must(err)
	// Extra repositories, two per project, so projects take several pages.
	for i := 0; i < fx.ExtraRepos; i++ {
		must(s.CreateRepository(fmt.Sprintf("Project %02d/repo-%02d", i/2, i), vcstest.RepositoryOptions{Files: map[string]string{"README.md": "extra\n"}}))
	}
	now := s.Now()
	issue := func(o vcstest.TokenOptions) string {
		tok, err := s.IssueToken("", o)
		must(err)
		return tok
	}
	return &Seeded{Server: s, pr: pr, close: closable, tokens: map[vcstest.TokenProfile]string{
		vcstest.TokenFull:      issue(vcstest.TokenOptions{}),
		vcstest.TokenFullAlt:   issue(vcstest.TokenOptions{}),
		vcstest.TokenNoRead:    issue(vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermReadRepository}}),
		vcstest.TokenNoWebhook: issue(vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermCreateWebhook}}),
		vcstest.TokenNoComment: issue(vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermWriteComment}}),
		vcstest.TokenExpired:   issue(vcstest.TokenOptions{ExpiresAt: now.Add(-time.Hour)}),
		vcstest.TokenExpiring:  issue(vcstest.TokenOptions{ExpiresAt: now.Add(time.Hour)}),
		vcstest.TokenWriteBack: issue(vcstest.TokenOptions{Scopes: append(slices.Clone(FullScopes), ScopeCodeStatus)}),
	}}
}

// Token returns the fixture's token of profile p.
func (f *Seeded) Token(p vcstest.TokenProfile) string {
	tok, ok := f.tokens[p]
	if !ok {
		panic("azuredevopstest: no token for profile " + string(p))
	}
	return tok
}

// Repo returns FixtureRepo.
func (f *Seeded) Repo() string { return FixtureRepo }

// PullRequest returns the fixture's pull request.
func (f *Seeded) PullRequest() int { return f.pr }

// ClosablePullRequest returns the fixture's second pull request.
func (f *Seeded) ClosablePullRequest() int { return f.close }

// Trigger makes pull request n take action a and returns the
// deliveries (see vcstest.Fake).
func (f *Seeded) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) { return f.Redeliver(repo, n, vcs.ActionOpened) }
	return vcstest.Triggers{Opened: opened, Closed: f.ClosePullRequest, Merged: f.MergePullRequest}.Trigger(t, FixtureRepo, n, a)
}
