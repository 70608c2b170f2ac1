package bitbucket_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestAccessTokensListThroughWorkspaceURL: repository, project and
// workspace access tokens have no user, so ListRepositories cannot find
// their workspaces; with the workspace's URL as the instance URL they
// list the repositories they reach through the portable ListRepositories.
func TestAccessTokensListThroughWorkspaceURL(t *testing.T) {
	fx := vcstest.DefaultFixture()
	fx.ExtraRepos = 3
	srv, _, _ := bitbuckettest.Seed(t, fx)
	names := func(p vcs.Provider) ([]string, error) {
		repos, err := vcs.Collect(p.ListRepositories(context.Background()))
		var out []string
		for _, r := range repos {
			out = append(out, r.Name)
		}
		slices.Sort(out)
		return out, err
	}
	scopes := []string{bitbuckettest.ScopeReadRepository, bitbuckettest.ScopeReadPullRequest}
	repoTok, err := srv.CreateAccessToken(bitbuckettest.RepositoryAccessToken, fixtureRepo, "repo bot", scopes, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	wsTok, err := srv.CreateAccessToken(bitbuckettest.WorkspaceAccessToken, "acme-team", "ws bot", scopes, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	// Without a workspace in the URL: refused, with a hint naming the fix.
	cfg := srv.Config(repoTok)
	cfg.URL = "https://bitbucket.org"
	_, err = names(open(t, cfg))
	var ve *vcs.Error
	if !errors.As(err, &ve) || !strings.Contains(ve.Hint, "https://bitbucket.org/WORKSPACE") {
		t.Fatalf("ListRepositories with an access token and no workspace URL: %v", err)
	}

	for _, c := range []struct {
		name, token, url string
		want             int
	}{
		{"repository token, workspace URL", repoTok, "https://bitbucket.org/acme-team", 1},
		{"repository token, repository URL", repoTok, "https://bitbucket.org/acme-team/db-migrations", 1},
		{"workspace token", wsTok, "https://bitbucket.org/acme-team/", 1 + fx.ExtraRepos},
	} {
		cfg := srv.Config(c.token)
		cfg.URL = c.url
		got, err := names(open(t, cfg))
		if err != nil || len(got) != c.want || !slices.Contains(got, "db-migrations") {
			t.Errorf("%s: %v, %v; want %d repositories with db-migrations", c.name, got, err, c.want)
		}
	}

	// An API token with a workspace URL lists that workspace alone.
	apiTok, _ := srv.IssueToken(botEmail, vcstest.TokenOptions{})
	cfg = srv.Config(apiTok)
	cfg.URL = "https://bitbucket.org/other-team"
	if got, err := names(open(t, cfg)); err != nil || len(got) != 0 {
		t.Errorf("API token, a workspace it is no member of: %v, %v", got, err)
	}
}
