package github_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func open(t *testing.T, srv *githubtest.Server, tok string) *github.Provider {
	t.Helper()
	p, err := github.New(srv.Config(tok))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// wantKind fails unless err is a *vcs.Error matching kind.
func wantKind(t *testing.T, what string, err, kind error) *vcs.Error {
	t.Helper()
	var ve *vcs.Error
	if !errors.Is(err, kind) || !errors.As(err, &ve) {
		t.Fatalf("%s: error %v, want a *vcs.Error matching %v", what, err, kind)
	}
	return ve
}

// openPullRequest commits files to branch and opens a pull request from it.
func openPullRequest(t *testing.T, srv *githubtest.Server, repo, branch string, files map[string]*string) int {
	t.Helper()
	if _, _, err := srv.Push(repo, branch, files); err != nil {
		t.Fatal(err)
	}
	n, _, err := srv.OpenPullRequest(repo, vcstest.PullRequestOptions{Source: branch, Title: "change", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func str(s string) *string { return &s }

var ctx = context.Background()

func has(s, sub string) bool { return strings.Contains(s, sub) }
