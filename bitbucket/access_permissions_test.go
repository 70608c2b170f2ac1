package bitbucket_test

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const permissionsPath = "/2.0/user/workspaces/acme-team/permissions/repositories"

// requestsTo counts the recorded requests whose path is path (with their
// q parameters) and the repository list requests with a role filter.
func requestsTo(rec *recorder, path string) (n, roles int, queries []string) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, raw := range rec.urls {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if u.Path == path {
			n++
			queries = append(queries, u.Query().Get("q"))
		}
		if u.Query().Get("role") != "" {
			roles++
		}
	}
	return n, roles, queries
}

// CheckAccess reads the user's permission on the repository from GET
// /user/workspaces/{workspace}/permissions/repositories, narrowed to the
// repository: one request, no role-filtered listings. A writer is told
// webhooks need Admin, an admin is granted them.
func TestCheckAccessUserPermissionList(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	for _, tc := range []struct {
		perm    bitbuckettest.Permission
		webhook vcs.Grant
	}{
		{bitbuckettest.PermissionWrite, vcs.Missing},
		{bitbuckettest.PermissionAdmin, vcs.Granted},
		{bitbuckettest.PermissionRead, vcs.Missing},
	} {
		if err := srv.SetPermission(testRepo, devEmail, tc.perm); err != nil {
			t.Fatal(err)
		}
		tok, _ := srv.IssueToken(devEmail, vcstest.TokenOptions{Scopes: append(slices.Clone(bitbuckettest.FullScopes), bitbuckettest.ScopeWriteRepository)})
		cfg, rec := recorded(srv, srv.Config(tok))
		rep, err := open(t, cfg).CheckAccess(ctx, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		n, roles, qs := requestsTo(rec, permissionsPath)
		if n != 1 || roles != 0 || qs[0] != `repository.full_name="`+testRepo+`"` {
			t.Errorf("%s: %d permission list requests (q %q) and %d role-filtered listings; want 1 narrowed to the repository and none", tc.perm, n, qs, roles)
		}
		hook := rep.Check(vcs.PermCreateWebhook)
		if hook.Grant != tc.webhook || !strings.HasPrefix(hook.Detail, "repository permission: "+string(tc.perm)) {
			t.Errorf("%s: webhook check = %+v", tc.perm, hook)
		}
		switch tc.webhook {
		case vcs.Missing:
			for _, want := range []string{"Admin permission on " + testRepo, "Alice Developer (alice)", "Repository settings → Repository permissions"} {
				if !strings.Contains(hook.Remediation, want) {
					t.Errorf("%s: remediation %q does not say %q", tc.perm, hook.Remediation, want)
				}
			}
		case vcs.Granted:
			if hook.Remediation != "" {
				t.Errorf("admin: remediation %q", hook.Remediation)
			}
		}
		if len(rep.Notes) != 0 {
			t.Errorf("%s: notes %q", tc.perm, rep.Notes)
		}
		// Write-back checks follow the same permission.
		rep, err = vcs.CheckAccessFor(ctx, open(t, cfg), testRepo, vcs.PermWriteContents)
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Check(vcs.PermWriteContents); (c.Grant == vcs.Granted) != (tc.perm != bitbuckettest.PermissionRead) {
			t.Errorf("%s: write contents = %+v", tc.perm, c)
		}
	}
}

// A credential that may not read the permission list (an OAuth consumer
// without the account scope: 403) falls back to the role filters of the
// workspace's repository list, and the report says so.
func TestCheckAccessPermissionListFallback(t *testing.T) {
	srv, _ := newTestProvider(t)
	ctx := context.Background()
	for _, tc := range []struct {
		user    string
		webhook vcs.Grant
		detail  string
	}{
		{devEmail, vcs.Missing, "repository permission: write"},
		{botEmail, vcs.Granted, "repository permission: admin"},
	} {
		tok, _ := srv.CreateOAuthToken(tc.user, []string{"repository", "pullrequest:write", "webhook"}, time.Time{})
		cfg, rec := recorded(srv, srv.Config(tok))
		rep, err := open(t, cfg).CheckAccess(ctx, testRepo)
		if err != nil {
			t.Fatal(err)
		}
		n, roles, _ := requestsTo(rec, permissionsPath)
		if n != 1 || roles == 0 {
			t.Errorf("%s: %d permission list requests, %d role-filtered listings; want 1 refused, then the role filters", tc.user, n, roles)
		}
		hook := rep.Check(vcs.PermCreateWebhook)
		if hook.Grant != tc.webhook || !strings.HasPrefix(hook.Detail, tc.detail) {
			t.Errorf("%s: webhook check = %+v", tc.user, hook)
		}
		if tc.webhook == vcs.Missing && !strings.Contains(hook.Remediation, "Admin permission on "+testRepo) {
			t.Errorf("%s: remediation %q", tc.user, hook.Remediation)
		}
		found := false
		for _, note := range rep.Notes {
			if strings.Contains(note, "answered 403") && strings.Contains(note, "read:repository:bitbucket") && strings.Contains(note, "account") {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: notes %q do not tell the fallback", tc.user, rep.Notes)
		}
	}

	// Access tokens have no user: neither list is asked, their scopes decide.
	acc, _ := srv.CreateAccessToken(bitbuckettest.RepositoryAccessToken, testRepo, "Hooks", bitbuckettest.FullAccessTokenScopes, time.Time{})
	cfg, rec := recorded(srv, srv.Config(acc))
	rep, err := open(t, cfg).CheckAccess(ctx, testRepo)
	if err != nil {
		t.Fatal(err)
	}
	if n, roles, _ := requestsTo(rec, permissionsPath); n != 0 || roles != 0 {
		t.Errorf("access token: %d permission list requests, %d role listings; want none", n, roles)
	}
	if hook := rep.Check(vcs.PermCreateWebhook); hook.Grant != vcs.Granted {
		t.Errorf("access token webhook check = %+v", hook)
	}
}
