package github_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const appID = 123456

var allWrite = map[string]string{"contents": "write", "pull_requests": "write", "repository_hooks": "write", "statuses": "write", "metadata": "read"}

// appFake is a fake with two repositories and app appID installed on one.
func appFake(t *testing.T, opts ...githubtest.Option) (*githubtest.Server, string, int64) {
	t.Helper()
	srv := githubtest.New(opts...)
	for _, r := range []string{"acme/db", "acme/other"} {
		if err := srv.CreateRepository(r, vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "SELECT 1;"}}); err != nil {
			t.Fatal(err)
		}
	}
	key, err := srv.CreateApp(appID, "bytebase")
	if err != nil {
		t.Fatal(err)
	}
	inst, err := srv.InstallApp(appID, githubtest.AppInstallation{Account: "acme", Permissions: allWrite, Repositories: []string{"acme/db"}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, key, inst
}

func appConfig(srv *githubtest.Server, app, inst int64, key string) vcs.Config {
	cfg := srv.Config("")
	cfg.GitHubApp = &vcs.GitHubApp{AppID: app, InstallationID: inst, PrivateKeyPEM: key}
	return cfg
}

func TestGitHubApp(t *testing.T) {
	for name, opts := range map[string][]githubtest.Option{
		"GitHub.com": nil,
		"GHES":       {githubtest.Enterprise("ghe.example.test")},
		"GHE.com":    {githubtest.Tenant("acme")},
	} {
		t.Run(name, func(t *testing.T) {
			srv, key, inst := appFake(t, opts...)
			p, err := github.New(appConfig(srv, appID, inst, key))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := p.GetRepository(ctx, "acme/db"); err != nil {
				t.Fatalf("GetRepository as the app: %v", err)
			}
			// Concurrent callers share one installation token.
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					if _, err := p.ReadFile(ctx, "acme/db", "a.sql", ""); err != nil {
						t.Errorf("ReadFile: %v", err)
					}
				})
			}
			wg.Wait()
			if n := srv.AppTokenExchanges(); n != 1 {
				t.Errorf("%d token exchanges for concurrent calls, want 1", n)
			}
			// Renewed before it expires (one hour; renewal five minutes ahead).
			srv.Advance(56 * time.Minute)
			if _, err := p.GetRepository(ctx, "acme/db"); err != nil {
				t.Fatalf("GetRepository after 56 minutes: %v", err)
			}
			if n := srv.AppTokenExchanges(); n != 2 {
				t.Errorf("%d token exchanges after 56 minutes, want 2 (renewed before expiry)", n)
			}

			rep, err := p.CheckAccessFor(ctx, "acme/db", vcs.WriteBackPermissions...)
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() || !rep.OKFor(vcs.WriteBackPermissions...) || rep.TokenKind != github.TokenKindInstallation {
				t.Errorf("app report:\n%s", rep)
			}
			if !strings.Contains(strings.Join(rep.Notes, "\n"), "contents=write, pull_requests=write, repository_hooks=write, statuses=write") {
				t.Errorf("report does not list the installation's permissions: %q", rep.Notes)
			}
			// A repository the installation does not cover.
			rep, err = p.CheckAccess(ctx, "acme/other")
			if err != nil {
				t.Fatal(err)
			}
			if c := rep.Check(vcs.PermReadRepository); c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "add the repository to the installation") {
				t.Errorf("repository outside the installation: %+v", c)
			}
		})
	}
}

func TestGitHubAppPermissionsReported(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "x"}}); err != nil {
		t.Fatal(err)
	}
	key, _ := srv.CreateApp(appID, "bytebase")
	inst, _ := srv.InstallApp(appID, githubtest.AppInstallation{Account: "acme", Permissions: map[string]string{"contents": "read", "pull_requests": "write", "metadata": "read"}})
	p, err := github.New(appConfig(srv, appID, inst, key))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := p.CheckAccess(context.Background(), "acme/db")
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Check(vcs.PermCreateWebhook)
	if c.Grant != vcs.Missing || !strings.Contains(c.Remediation, "Webhooks: Read and write") || !strings.Contains(c.Remediation, "settings/installations/") {
		t.Errorf("webhook check for an app without repository_hooks: %+v", c)
	}
	if !strings.Contains(strings.Join(rep.Notes, "\n"), "repository_hooks=none") {
		t.Errorf("notes: %q", rep.Notes)
	}
}

func TestGitHubAppErrors(t *testing.T) {
	ctx := context.Background()
	srv, key, inst := appFake(t)
	otherKey, err := srv.CreateApp(654321, "other")
	if err != nil {
		t.Fatal(err)
	}
	strangerKey, _ := githubtest.New().CreateApp(appID, "stranger") // a key GitHub never saw

	cases := []struct {
		name string
		cfg  vcs.Config
		want error
		hint string
	}{
		{"wrong key", appConfig(srv, appID, inst, strangerKey), vcs.ErrUnauthorized, "private key"},
		{"mismatched app ID", appConfig(srv, 654321, inst, otherKey), vcs.ErrNotFound, "has no installation"},
		{"unknown app ID", appConfig(srv, 777, inst, key), vcs.ErrUnauthorized, "app ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := github.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.GetRepository(ctx, "acme/db")
			var ve *vcs.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, tc.hint) {
				t.Fatalf("got %v, want %v with a hint about %q", err, tc.want, tc.hint)
			}
			if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "eyJ") {
				t.Errorf("error text carries the key or the JWT: %v", err)
			}
		})
	}
	t.Run("suspended", func(t *testing.T) {
		srv.SuspendInstallation(inst)
		p, _ := github.New(appConfig(srv, appID, inst, key))
		_, err := p.GetRepository(ctx, "acme/db")
		var ve *vcs.Error
		if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "suspended") {
			t.Fatalf("suspended installation: %v", err)
		}
	})
	t.Run("config", func(t *testing.T) {
		bad := []vcs.Config{
			appConfig(srv, appID, inst, "not a key"),
			appConfig(srv, 0, inst, key),
			appConfig(srv, appID, 0, key),
			appConfig(srv, appID, inst, ""),
		}
		withToken := appConfig(srv, appID, inst, key)
		withToken.Token = "ghp_x"
		gitlab := appConfig(srv, appID, inst, key)
		gitlab.Kind = vcs.KindGitLab
		for i, cfg := range append(bad, withToken) {
			if _, err := github.New(cfg); !errors.Is(err, vcs.ErrInvalidConfig) {
				t.Errorf("config %d: %v, want ErrInvalidConfig", i, err)
			}
		}
		if err := gitlab.Validate(); !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("app credentials on gitlab: %v", err)
		}
		if s := withToken.String() + withToken.GitHubApp.String(); strings.Contains(s, "PRIVATE KEY") {
			t.Errorf("config text shows the key: %s", s)
		}
	})
}
