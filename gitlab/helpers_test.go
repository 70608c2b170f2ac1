package gitlab_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// seeded is a small fake GitLab with one project in a subgroup, an open
// merge request and a Maintainer service user.
type seeded struct {
	srv  *gitlabtest.Server
	repo string
	mr   int
	tok  string // api scope, Maintainer through the group
}

func newSeeded(t *testing.T, opts ...gitlabtest.Option) *seeded {
	t.Helper()
	srv := gitlabtest.New(opts...)
	s := &seeded{srv: srv, repo: "acme/platform/db-migrations"}
	srv.CreateUser("bytebase-bot", "Bytebase Bot")
	if _, err := srv.CreateProject(s.repo, gitlabtest.RepoOptions{Files: map[string]string{
		"migrations/001_init.sql": "CREATE TABLE t (id int);\n",
		"README.md":               "# db\n",
	}}); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddMember("acme", "bytebase-bot", gitlabtest.Maintainer); err != nil {
		t.Fatal(err)
	}
	users := "CREATE TABLE users (id int);\n"
	if _, _, err := srv.Push(s.repo, "feature/users", map[string]*string{"migrations/002_users.sql": &users}); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.mr, _, err = srv.OpenPullRequest(s.repo, vcstest.PullRequestOptions{Source: "feature/users", Title: "Add users", Author: "alice"}); err != nil {
		t.Fatal(err)
	}
	if s.tok, err = srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"api"}}); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *seeded) provider(t *testing.T, token string) *gitlab.Provider {
	t.Helper()
	p, err := gitlab.New(s.srv.Config(token))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func checkOf(t *testing.T, rep *vcs.AccessReport, p vcs.Permission) vcs.PermissionCheck {
	t.Helper()
	c := rep.Check(p)
	if c.Permission != p {
		t.Fatalf("no %s check in %s", p, rep)
	}
	return c
}

func contextWithTimeout(t *testing.T, ms int) (context.Context, context.CancelFunc) {
	return context.WithTimeout(testCtx(t), time.Duration(ms)*time.Millisecond)
}

func isNotFound(err error) bool { return errors.Is(err, vcs.ErrNotFound) }
