package bitbuckettest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// GET /user/workspaces/{workspace}/permissions/repositories answers one
// repository_permission per repository of the workspace the caller holds a
// permission on, paged, narrowed by q; other workspaces, access tokens and
// OAuth tokens without the account scope are refused.
func TestUserRepositoryPermissions(t *testing.T) {
	s, tok := newServer(t) // pages of 2; the bot is admin of acme-team/app
	c := s.Client()
	for name, role := range map[string]vcstest.Role{"acme-team/api": vcstest.RoleWrite, "acme-team/web": vcstest.RoleRead, "acme-team/ops": vcstest.RoleAdmin} {
		if err := s.CreateRepository(name, vcstest.RepositoryOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := s.Grant(name, email, role); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateRepository("acme-team/secret", vcstest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateRepository("other-team/x", vcstest.RepositoryOptions{}); err != nil {
		t.Fatal(err)
	}
	base := bitbuckettest.APIRoot + "/user/workspaces/acme-team/permissions/repositories"

	type item struct {
		Type string `json:"type"`
		User struct {
			Nickname string `json:"nickname"`
		} `json:"user"`
		Repository struct {
			Type     string `json:"type"`
			FullName string `json:"full_name"`
		} `json:"repository"`
		Permission string `json:"permission"`
	}
	got := map[string]string{}
	pages := 0
	for u := base; u != ""; pages++ {
		a := get(t, c, u, email, tok)
		var pg struct {
			page
			Values []item `json:"values"`
		}
		if err := json.Unmarshal(a.body, &pg); err != nil || a.status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", u, a.status, a.body)
		}
		for _, it := range pg.Values {
			if it.Type != "repository_permission" || it.Repository.Type != "repository" || it.User.Nickname != "bot" {
				t.Errorf("item %+v", it)
			}
			got[it.Repository.FullName] = it.Permission
		}
		u = pg.Next
	}
	want := map[string]string{"acme-team/app": "admin", "acme-team/api": "write", "acme-team/web": "read", "acme-team/ops": "admin"}
	if pages != 2 || len(got) != len(want) {
		t.Errorf("%d pages, permissions %v; want 2 pages of %v", pages, got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}

	for q, n := range map[string]int{
		`repository.full_name="acme-team/api"`: 1, `repository.name="web"`: 1,
		`repository.full_name="acme-team/secret"`: 0,
	} {
		a := get(t, c, base+"?q="+url.QueryEscape(q), email, tok)
		var pg page
		if err := json.Unmarshal(a.body, &pg); err != nil || a.status != http.StatusOK || len(pg.Values) != n {
			t.Errorf("q=%s: %d %s, want %d values", q, a.status, a.body, n)
		}
	}
	if a := get(t, c, base+"?q="+url.QueryEscape(`permission>"read"`), email, tok); a.status != http.StatusBadRequest {
		t.Errorf("unsupported q: %d", a.status)
	}
	// A workspace the caller has no permission in: 403.
	if a := get(t, c, bitbuckettest.APIRoot+"/user/workspaces/other-team/permissions/repositories", email, tok); a.status != http.StatusForbidden {
		t.Errorf("other workspace: %d %s", a.status, a.body)
	}
	// Access tokens have no user.
	acc, _ := s.CreateAccessToken(bitbuckettest.WorkspaceAccessToken, "acme-team", "CI", bitbuckettest.FullAccessTokenScopes, time.Time{})
	if a := get(t, c, base, "", acc); a.status != http.StatusForbidden {
		t.Errorf("access token: %d", a.status)
	}
	// OAuth consumers need account beside repository.
	noAccount, _ := s.CreateOAuthToken(email, []string{"repository", "webhook"}, time.Time{})
	if a := get(t, c, base, "", noAccount); a.status != http.StatusForbidden || !strings.Contains(a.header.Get("X-Accepted-OAuth-Scopes"), "account") {
		t.Errorf("OAuth without account: %d %v %s", a.status, a.header, a.body)
	}
	withAccount, _ := s.CreateOAuthToken(email, []string{"repository", "account"}, time.Time{})
	if a := get(t, c, base, "", withAccount); a.status != http.StatusOK {
		t.Errorf("OAuth with account: %d %s", a.status, a.body)
	}
	// An API token without read:repository:bitbucket.
	weak, _ := s.IssueToken(email, vcstest.TokenOptions{Scopes: []string{bitbuckettest.ScopeReadUser}})
	if a := get(t, c, base, email, weak); a.status != http.StatusForbidden || !strings.Contains(a.header.Get("X-Accepted-OAuth-Scopes"), bitbuckettest.ScopeReadRepository) {
		t.Errorf("API token without read:repository: %d %s", a.status, a.body)
	}
}
