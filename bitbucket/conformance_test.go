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

func TestConformance(t *testing.T) {
	for _, u := range instanceURLs {
		name := u
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			vcstest.Run(t, vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t *testing.T, f vcstest.Fixture) vcstest.Fake {
				return newFake(t, f, u)
			}})
		})
	}
}

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

func newFake(t *testing.T, f vcstest.Fixture, instanceURL string) *fake {
	s, pr, closable := seed(t, f)
	fk := &fake{s: s, url: instanceURL, pr: pr, closable: closable, tokens: map[vcstest.TokenProfile]string{}}
	full := bitbuckettest.FullScopes
	now := s.Now()
	for prof, spec := range map[vcstest.TokenProfile]struct {
		scopes  []string
		expires time.Time
	}{
		vcstest.TokenFull:      {full, time.Time{}},
		vcstest.TokenFullAlt:   {full, time.Time{}},
		vcstest.TokenNoRead:    {without(full, bitbuckettest.ScopeReadRepository, bitbuckettest.ScopeReadPullRequest), time.Time{}},
		vcstest.TokenNoWebhook: {without(full, bitbuckettest.ScopeReadWebhook, bitbuckettest.ScopeWriteWebhook), time.Time{}},
		vcstest.TokenNoComment: {without(full, bitbuckettest.ScopeWritePullRequest), time.Time{}},
		vcstest.TokenExpired:   {full, now.Add(-time.Hour)},
		vcstest.TokenExpiring:  {full, now.Add(time.Hour)},
	} {
		tok, err := s.CreateAPIToken(botEmail, spec.scopes, spec.expires)
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

func (f *fake) Trigger(t *testing.T, number int, action vcs.Action) []*http.Request {
	t.Helper()
	var (
		reqs []*http.Request
		err  error
	)
	switch action {
	case vcs.ActionOpened:
		reqs, err = f.s.SendPullRequestEvent(fixtureRepo, number, "pullrequest:created")
	case vcs.ActionClosed:
		reqs, err = f.s.DeclinePullRequest(fixtureRepo, number)
	case vcs.ActionMerged:
		reqs, err = f.s.MergePullRequest(fixtureRepo, number)
	default:
		t.Fatalf("Trigger: action %q is not modelled", action)
	}
	if err != nil {
		t.Fatalf("Trigger(%d, %s): %v", number, action, err)
	}
	return reqs
}
