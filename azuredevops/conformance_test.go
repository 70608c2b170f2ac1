package azuredevops_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// fixtureRepo has a space in the project name, so every path is escaped.
const fixtureRepo = "Fabrikam Platform/db-migrations"

// fake adapts azuredevopstest.Server to vcstest.Fake.
type fake struct {
	*azuredevopstest.Server
	tokens    map[vcstest.TokenProfile]string
	pr, close int
}

func (f *fake) Token(p vcstest.TokenProfile) string {
	tok, ok := f.tokens[p]
	if !ok {
		panic("no token for profile " + string(p))
	}
	return tok
}

func (f *fake) Repo() string             { return fixtureRepo }
func (f *fake) PullRequest() int         { return f.pr }
func (f *fake) ClosablePullRequest() int { return f.close }

func (f *fake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) {
		return f.Notify(repo, n, azuredevopstest.EventPullRequestCreated)
	}
	return vcstest.Triggers{Opened: opened, Closed: f.ClosePullRequest, Merged: f.MergePullRequest}.Trigger(t, fixtureRepo, n, a)
}

// seed fills a fake with the conformance fixture.
func seed(t testing.TB, s *azuredevopstest.Server, fx vcstest.Fixture) *fake {
	t.Helper()
	s.SetPageSize(fx.PageSize)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := s.CreateRepo(fixtureRepo, fx.DefaultBranch, fx.BaseFiles)
	must(err)
	_, err = s.CommitFiles(fixtureRepo, fx.SourceBranch, fx.Changes)
	must(err)
	pr, err := s.OpenPullRequest(fixtureRepo, fx.SourceBranch, "", fx.PullRequestTitle, "Adds the users table.", "")
	must(err)
	_, err = s.CommitFiles(fixtureRepo, fx.CloseBranch, fx.CloseChanges)
	must(err)
	closable, err := s.OpenPullRequest(fixtureRepo, fx.CloseBranch, "", "To be abandoned", "", "")
	must(err)
	// Extra repositories, two per project, so projects take several pages.
	for i := 0; i < fx.ExtraRepos; i++ {
		_, err := s.CreateRepo(fmt.Sprintf("Project %02d/repo-%02d", i/2, i), "main", map[string]string{"README.md": "extra\n"})
		must(err)
	}
	now := s.Now()
	f := &fake{Server: s, pr: pr, close: closable, tokens: map[vcstest.TokenProfile]string{
		vcstest.TokenFull:      s.CreatePAT("", azuredevopstest.PATOptions{Name: "full", Scopes: azuredevopstest.FullScopes}),
		vcstest.TokenFullAlt:   s.CreatePAT("", azuredevopstest.PATOptions{Name: "full-alt", Scopes: azuredevopstest.FullScopes}),
		vcstest.TokenNoRead:    s.CreatePAT("", azuredevopstest.PATOptions{Name: "no-read", Scopes: []string{azuredevopstest.ScopeHooksWrite, azuredevopstest.ScopeProject}}),
		vcstest.TokenNoWebhook: s.CreatePAT("", azuredevopstest.PATOptions{Name: "no-webhook", Scopes: []string{azuredevopstest.ScopeCodeWrite, azuredevopstest.ScopeProject}}),
		vcstest.TokenNoComment: s.CreatePAT("", azuredevopstest.PATOptions{Name: "no-comment", Scopes: []string{azuredevopstest.ScopeCode, azuredevopstest.ScopeHooksWrite, azuredevopstest.ScopeProject}}),
		vcstest.TokenExpired:   s.CreatePAT("", azuredevopstest.PATOptions{Name: "expired", Scopes: azuredevopstest.FullScopes, ExpiresAt: now.Add(-time.Hour)}),
		vcstest.TokenExpiring:  s.CreatePAT("", azuredevopstest.PATOptions{Name: "expiring", Scopes: azuredevopstest.FullScopes, ExpiresAt: now.Add(time.Hour)}),
	}}
	return f
}

func harness(opts ...azuredevopstest.Option) vcstest.Harness {
	return vcstest.Harness{Kind: vcs.KindAzureDevOps, New: func(t testing.TB, fx vcstest.Fixture) vcstest.Fake {
		return seed(t, azuredevopstest.New(opts...), fx)
	}}
}

func TestConformance(t *testing.T) {
	t.Run("dev.azure.com", func(t *testing.T) { vcstest.Run(t, harness()) })
	t.Run("visualstudio.com", func(t *testing.T) { vcstest.Run(t, harness(azuredevopstest.WithLegacyURL())) })
	t.Run("Server", func(t *testing.T) {
		vcstest.Run(t, harness(azuredevopstest.WithServer("https://tfs.fabrikam.example/tfs/DefaultCollection")))
	})
	t.Run("ServerNoTFS", func(t *testing.T) {
		vcstest.Run(t, harness(azuredevopstest.WithServer("https://devops.fabrikam.example/Fabrikam%20Collection")))
	})
}

func BenchmarkReadChangedFiles(b *testing.B) { vcstest.BenchmarkReadChangedFiles(b, harness()) }
