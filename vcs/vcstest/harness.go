// Package vcstest is the conformance suite every provider runs against its
// fake host, in the manner of gocloud.dev's drivertest: one set of
// scenarios, so that every host behaves the same through vcs.Provider.
//
// Each fake host gives its Harness, so the suite runs in one line, from
// any module:
//
//	func TestConformance(t *testing.T) {
//		vcstest.Run(t, githubtest.Harness())
//	}
//
// The fakes share a test kit, Host, for a server's own tests: the same
// methods for the same actions on every host (see Host).
package vcstest

import (
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// TokenProfile names a token the fake must issue.
type TokenProfile string

// Token profiles.
const (
	// TokenFull grants read repository, create webhook and write comment.
	TokenFull TokenProfile = "full"
	// TokenFullAlt is a second full token of the same user, for rotation.
	TokenFullAlt TokenProfile = "full-alt"
	// TokenNoRead cannot read the repository.
	TokenNoRead TokenProfile = "no-read"
	// TokenNoWebhook can read and comment but not manage webhooks.
	TokenNoWebhook TokenProfile = "no-webhook"
	// TokenNoComment can read and manage webhooks but not comment.
	TokenNoComment TokenProfile = "no-comment"
	// TokenExpired expired before the test started.
	TokenExpired TokenProfile = "expired"
	// TokenExpiring is a full token that expires one hour after the
	// fake's current time (where the host has expiring tokens).
	TokenExpiring TokenProfile = "expiring"
)

// Fake is a fake host seeded with a Fixture, as the suite drives it.
type Fake interface {
	// Config returns a config for the fake with the given token: Kind,
	// URL, HTTPClient (the fake's transport) and Clock (the fake's clock)
	// set, plus Username where the host's credentials need one.
	Config(token string) vcs.Config
	// Token returns a token of the profile.
	Token(p TokenProfile) string
	// Repo is the seeded repository's full path.
	Repo() string
	// PullRequest is the number of the seeded pull request (source
	// branch Fixture.SourceBranch), open.
	PullRequest() int
	// ClosablePullRequest is a second open pull request the suite closes
	// without merging.
	ClosablePullRequest() int
	// Advance moves the fake's clock (and the configs' Clock) forward.
	Advance(d time.Duration)
	// SetLatency delays every answer of the fake by d (benchmarks).
	SetLatency(d time.Duration)
	// Trigger makes pull request number take action (ActionOpened: the
	// deliveries of its opening; ActionClosed: close without merging;
	// ActionMerged: merge) and returns the webhook deliveries the host
	// sends for it to the repository's webhooks, signed with their
	// secrets.
	Trigger(t *testing.T, number int, action vcs.Action) []*http.Request
}

// Harness adapts a provider and its fake to the suite.
type Harness struct {
	// Kind is the provider under test; its driver must be registered.
	Kind vcs.Kind
	// New starts a fresh fake seeded with f. It is called from tests and
	// benchmarks.
	New func(t testing.TB, f Fixture) Fake
}

// Fixture is what every fake is seeded with.
type Fixture struct {
	// DefaultBranch of the repository.
	DefaultBranch string
	// BaseFiles are committed to the default branch.
	BaseFiles map[string]string
	// SourceBranch holds the pull request's changes.
	SourceBranch string
	// Changes are committed to SourceBranch: nil content removes a file.
	// A removed file whose content reappears under a new path is a
	// rename.
	Changes map[string]*string
	// CloseBranch is the closable pull request's source branch, with
	// CloseChanges.
	CloseBranch  string
	CloseChanges map[string]*string // The changes on CloseBranch.
	// ExtraRepos more repositories the token can see, so that listing
	// takes several pages.
	ExtraRepos int
	// PageSize is the most items the fake puts in one page of any list,
	// whatever the client asks for, so that small fixtures page.
	PageSize int
	// PullRequestTitle of the seeded pull request.
	PullRequestTitle string
	// ExpectedChanges is the list of changed files the pull request must
	// report, sorted by path.
	ExpectedChanges []vcs.ChangedFile
}

func str(s string) *string { return &s }

// DefaultFixture returns the fixture Run seeds every fake with.
func DefaultFixture() Fixture {
	f := Fixture{
		DefaultBranch: "main",
		BaseFiles: map[string]string{
			"README.md":                        "# demo\n",
			"migrations/001_init.sql":          "CREATE TABLE t (id int);\n",
			"migrations/002_old.sql":           "-- to be removed\n",
			"migrations/003_rename_me.sql":     "ALTER TABLE t ADD c int;\n",
			"docs/guide/intro.md":              "intro\n",
			"docs/guide/deep/nested.md":        "nested\n",
			"docs/ñandú notes.md":              "unicode and a space\n",
			"schema/v1/tables/accounts.sql":    "CREATE TABLE accounts (id int);\n",
			"schema/v1/tables/sessions.sql":    "CREATE TABLE sessions (id int);\n",
			"schema/v1/views/active_users.sql": "CREATE VIEW v AS SELECT 1;\n",
		},
		SourceBranch: "feature/add-users",
		Changes: map[string]*string{
			"migrations/001_init.sql":      str("CREATE TABLE t (id bigint);\n"),
			"migrations/002_old.sql":       nil,
			"migrations/003_rename_me.sql": nil,
			"migrations/003_renamed.sql":   str("ALTER TABLE t ADD c int;\n"),
			"migrations/004_users.sql":     str("CREATE TABLE users (id int, name text);\n"),
		},
		CloseBranch:      "to-close",
		CloseChanges:     map[string]*string{"migrations/999_abandoned.sql": str("DROP TABLE t;\n")},
		ExtraRepos:       23,
		PageSize:         10,
		PullRequestTitle: "Add users table",
	}
	// Enough files that the changed-file list takes several pages.
	for i := 1; i <= 14; i++ {
		f.Changes[fmt.Sprintf("migrations/bulk/%03d_seed.sql", i)] = str(fmt.Sprintf("INSERT INTO t VALUES (%d);\n", i))
	}
	f.ExpectedChanges = expectedChanges(f)
	return f
}

func expectedChanges(f Fixture) []vcs.ChangedFile {
	var out []vcs.ChangedFile
	removed := map[string]string{}
	for p, c := range f.Changes {
		if c == nil {
			removed[p] = f.BaseFiles[p]
		}
	}
	for p, c := range f.Changes {
		if c == nil {
			continue
		}
		old, existed := f.BaseFiles[p]
		switch {
		case existed && old != *c:
			out = append(out, vcs.ChangedFile{Path: p, Status: vcs.FileModified})
		case !existed:
			cf := vcs.ChangedFile{Path: p, Status: vcs.FileAdded}
			for rp, content := range removed {
				if content == *c {
					cf = vcs.ChangedFile{Path: p, PreviousPath: rp, Status: vcs.FileRenamed}
					delete(removed, rp)
					break
				}
			}
			out = append(out, cf)
		}
	}
	for p := range removed {
		out = append(out, vcs.ChangedFile{Path: p, Status: vcs.FileRemoved})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// Triggers are a fake host's ways to make a pull request act, each
// returning the webhook deliveries it made. Fake adapters implement
// Trigger with them.
type Triggers struct {
	// Opened, Closed and Merged open (or redeliver the opening of),
	// close without merging, and merge a pull request.
	Opened, Closed, Merged func(repo string, number int) ([]*http.Request, error)
}

// Trigger runs the trigger for action on repo's pull request number and
// fails the test on an error or an action without a trigger.
func (tr Triggers) Trigger(t *testing.T, repo string, number int, action vcs.Action) []*http.Request {
	t.Helper()
	do := map[vcs.Action]func(string, int) ([]*http.Request, error){
		vcs.ActionOpened: tr.Opened, vcs.ActionClosed: tr.Closed, vcs.ActionMerged: tr.Merged,
	}[action]
	if do == nil {
		t.Fatalf("Trigger: action %q is not modelled", action)
	}
	reqs, err := do(repo, number)
	if err != nil {
		t.Fatalf("Trigger(%d, %s): %v", number, action, err)
	}
	return reqs
}
