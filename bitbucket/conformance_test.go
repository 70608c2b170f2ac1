package bitbucket_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// The conformance fixture's repository and people.
const (
	fixtureRepo = "acme-team/db-migrations"
	botEmail    = "bytebase-bot@acme.example"
	devEmail    = "alice@acme.example"
)

// Instance URL forms an admin may enter for Bitbucket Cloud.
var instanceURLs = []string{"", "https://bitbucket.org", "https://api.bitbucket.org/2.0"}

// TestConformance runs the suite with Atlassian API tokens (Basic
// email:token) for every instance URL form. The suite's TokenSource
// rotation sends those tokens as Bearer tokens, which the fake accepts by
// default although Bitbucket does not (see bitbuckettest.WithStrictBearer).
func TestConformance(t *testing.T) {
	for _, u := range instanceURLs {
		name := u
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			vcstest.Run(t, vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
				return newFake(t, f, u, apiTokens)
			}})
		})
	}
}

// TestConformanceOAuth runs the suite with OAuth access tokens (Bearer,
// the OAuth consumer scope names) against a fake that refuses API tokens
// sent as Bearer tokens, as Bitbucket does: the TokenSource path is
// exercised with real OAuth tokens.
func TestConformanceOAuth(t *testing.T) {
	vcstest.Run(t, vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newFake(t, f, "", oauthTokens, bitbuckettest.WithStrictBearer())
	}})
}

// tokenKind selects the credentials a conformance fake issues.
type tokenKind int

const (
	apiTokens tokenKind = iota
	oauthTokens
)

// fake adapts bitbuckettest.Server to vcstest.Fake.
type fake struct {
	s        *bitbuckettest.Server
	url      string
	pr       int
	closable int
	tokens   map[vcstest.TokenProfile]string
}

func without(scopes []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return slices.Contains(drop, s) })
}

// seed fills a fake with the fixture: the service user is Admin on the
// repository, a developer opened the pull requests.
func seed(t testing.TB, f vcstest.Fixture, opts ...bitbuckettest.Option) (*bitbuckettest.Server, int, int) {
	t.Helper()
	s := bitbuckettest.New(append([]bitbuckettest.Option{bitbuckettest.WithPageSize(f.PageSize)}, opts...)...)
	s.AddUser("bytebase-bot", "Bytebase Bot", botEmail)
	s.AddUser("alice", "Alice Developer", devEmail)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateRepo(fixtureRepo, f.DefaultBranch, f.BaseFiles))
	must(s.Grant(fixtureRepo, botEmail, bitbuckettest.PermissionAdmin))
	must(s.Grant(fixtureRepo, devEmail, bitbuckettest.PermissionWrite))
	for i := 1; i <= f.ExtraRepos; i++ {
		name := fmt.Sprintf("acme-team/service-%02d", i)
		must(s.CreateRepo(name, "main", map[string]string{"README.md": "service\n"}))
		must(s.Grant(name, botEmail, bitbuckettest.PermissionRead))
	}
	// A repository the service user may not see.
	must(s.CreateRepo("other-team/private", "main", map[string]string{"README.md": "secret\n"}))
	_, err := s.CommitFiles(fixtureRepo, f.SourceBranch, f.Changes)
	must(err)
	pr, _, err := s.OpenPullRequest(fixtureRepo, f.SourceBranch, "", f.PullRequestTitle, "Adds the users table.", devEmail)
	must(err)
	_, err = s.CommitFiles(fixtureRepo, f.CloseBranch, f.CloseChanges)
	must(err)
	closable, _, err := s.OpenPullRequest(fixtureRepo, f.CloseBranch, "", "Abandoned change", "", devEmail)
	must(err)
	return s, pr, closable
}

func newFake(t testing.TB, f vcstest.Fixture, instanceURL string, kind tokenKind, opts ...bitbuckettest.Option) *fake {
	s, pr, closable := seed(t, f, opts...)
	fk := &fake{s: s, url: instanceURL, pr: pr, closable: closable, tokens: map[vcstest.TokenProfile]string{}}
	full, noRead, noWebhook, noComment := bitbuckettest.FullScopes,
		without(bitbuckettest.FullScopes, bitbuckettest.ScopeReadRepository, bitbuckettest.ScopeReadPullRequest),
		without(bitbuckettest.FullScopes, bitbuckettest.ScopeReadWebhook, bitbuckettest.ScopeWriteWebhook),
		without(bitbuckettest.FullScopes, bitbuckettest.ScopeWritePullRequest)
	create := s.CreateAPIToken
	if kind == oauthTokens {
		// OAuth consumers use the older scope names: pullrequest:write
		// implies pullrequest and repository (read and write).
		full, noRead, noWebhook, noComment = bitbuckettest.FullOAuthScopes,
			[]string{"webhook", "account"},
			[]string{"pullrequest:write", "account"},
			[]string{"pullrequest", "webhook", "account"}
		create = s.CreateOAuthToken
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
	} {
		tok, err := create(botEmail, spec.scopes, spec.expires)
		if err != nil {
			t.Fatal(err)
		}
		fk.tokens[prof] = tok
	}
	return fk
}

func (f *fake) Config(token string) vcs.Config {
	cfg := f.s.Config(token)
	cfg.URL = f.url
	return cfg
}

func (f *fake) Token(p vcstest.TokenProfile) string { return f.tokens[p] }
func (f *fake) Repo() string                        { return fixtureRepo }
func (f *fake) PullRequest() int                    { return f.pr }
func (f *fake) ClosablePullRequest() int            { return f.closable }
func (f *fake) Advance(d time.Duration)             { f.s.Advance(d) }
func (f *fake) SetLatency(d time.Duration)          { f.s.SetLatency(d) }

func (f *fake) Trigger(t *testing.T, n int, a vcs.Action) []*http.Request {
	opened := func(repo string, n int) ([]*http.Request, error) {
		return f.s.SendPullRequestEvent(repo, n, "pullrequest:created")
	}
	return vcstest.Triggers{Opened: opened, Closed: f.s.DeclinePullRequest, Merged: f.s.MergePullRequest}.Trigger(t, fixtureRepo, n, a)
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newFake(t, f, "", apiTokens)
	}})
}
