package main

import (
	"bytes"
	"context"
	"flag"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// epoch is the fakes' stopped clock, so that expiry times are stable.
var epoch = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// stopper is a fake whose clock can be stopped.
type stopper interface {
	vcstest.Host
	StopClock(time.Time)
}

func fakes() []stopper {
	return []stopper{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()}
}

// seed gives h the repository acme/db where "bot" is admin, and returns
// a token of bot expiring in 30 days, and one that cannot manage webhooks
// (GitLab: a Developer's, as GitLab ties webhooks to the role).
func seed(t *testing.T, h stopper) (full, noHook string) {
	t.Helper()
	h.StopClock(epoch)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "# db\n"}}))
	must(h.Grant("acme/db", "bot", vcstest.RoleAdmin))
	full, err := h.IssueToken("bot", vcstest.TokenOptions{ExpiresAt: epoch.AddDate(0, 0, 30)})
	must(err)
	if h.Kind() == vcs.KindGitLab {
		must(h.Grant("acme/db", "dev", vcstest.RoleWrite))
		noHook, err = h.IssueToken("dev", vcstest.TokenOptions{ExpiresAt: epoch.AddDate(0, 0, 30)})
	} else {
		noHook, err = h.IssueToken("bot", vcstest.TokenOptions{ExpiresAt: epoch.AddDate(0, 0, 30), Without: []vcs.Permission{vcs.PermCreateWebhook}})
	}
	must(err)
	return full, noHook
}

// cli runs the command against h with token in GITPROVIDER_TOKEN.
func cli(h vcstest.Host, token string, args ...string) (stdout, stderr string, code int) {
	var out, errw bytes.Buffer
	e := env{stdout: &out, stderr: &errw, client: h.Client(), clock: h.Now, getenv: func(k string) string {
		return map[string]string{"GITPROVIDER_TOKEN": token, "GITPROVIDER_WEBHOOK_SECRET": "s3cret"}[k]
	}}
	code = run(args, e)
	return out.String(), errw.String(), code
}

// connFlags are the flags naming h's instance and acme/db.
func connFlags(h vcstest.Host, token string) []string {
	args := []string{"-kind", string(h.Kind()), "-url", h.URL(), "-repo", "acme/db"}
	if u := h.Config(token).Username; u != "" {
		args = append(args, "-username", u)
	}
	return args
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/gitprovider -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCheck(t *testing.T) {
	for _, h := range fakes() {
		t.Run(string(h.Kind()), func(t *testing.T) {
			full, noHook := seed(t, h)
			out, errOut, code := cli(h, full, append([]string{"check"}, connFlags(h, full)...)...)
			if code != exitOK || errOut != "" {
				t.Errorf("check with a full token: exit %d, stderr %q", code, errOut)
			}
			golden(t, "check-"+string(h.Kind())+"-full", out)

			out, errOut, code = cli(h, noHook, append([]string{"check"}, connFlags(h, noHook)...)...)
			if code != exitMissing || errOut != "" {
				t.Errorf("check without webhooks: exit %d, stderr %q", code, errOut)
			}
			golden(t, "check-"+string(h.Kind())+"-no-webhook", out)

			_ = h.RevokeToken(full)
			_, errOut, code = cli(h, full, append([]string{"check"}, connFlags(h, full)...)...)
			if code != exitError || !strings.Contains(errOut, "what to do:") && !strings.Contains(errOut, "unauthorized") {
				t.Errorf("check with a revoked token: exit %d, stderr %q", code, errOut)
			}
		})
	}
}

func TestHooksAndVerify(t *testing.T) {
	for _, h := range fakes() {
		t.Run(string(h.Kind()), func(t *testing.T) {
			full, _ := seed(t, h)
			out, _, code := cli(h, full, append([]string{"hooks"}, connFlags(h, full)...)...)
			if code != exitOK || !strings.Contains(out, "no webhooks") {
				t.Errorf("hooks before any: exit %d, %q", code, out)
			}
			p, err := gitprovider.Open(h.Config(full))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := vcs.EnsureWebhook(context.Background(), p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"}); err != nil {
				t.Fatal(err)
			}
			out, _, code = cli(h, full, append([]string{"hooks"}, connFlags(h, full)...)...)
			if code != exitOK {
				t.Errorf("hooks: exit %d", code)
			}
			golden(t, "hooks-"+string(h.Kind()), out)

			two := "2"
			_, _, _ = h.Push("acme/db", "f", map[string]*string{"b.sql": &two})
			_, deliveries, err := h.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "f", Title: "B", Author: "bot"})
			if err != nil || len(deliveries) == 0 {
				t.Fatalf("no delivery to save: %v", err)
			}
			dump, err := httputil.DumpRequest(deliveries[0], true)
			if err != nil {
				t.Fatal(err)
			}
			saved := filepath.Join(t.TempDir(), "delivery.http")
			if err := os.WriteFile(saved, dump, 0o600); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := cli(h, "", "verify", "-kind", string(h.Kind()), "-request", saved)
			if code != exitOK || !strings.HasPrefix(out, "signature: valid\n") || !strings.Contains(out, "acme/db") {
				t.Errorf("verify: exit %d, %q %q", code, out, errOut)
			}
			tampered := bytes.Replace(dump, []byte(`"B"`), []byte(`"C"`), 1)
			if err := os.WriteFile(saved, tampered, 0o600); err != nil {
				t.Fatal(err)
			}
			out, _, code = cli(h, "", "verify", "-kind", string(h.Kind()), "-request", saved)
			if h.Kind() == vcs.KindGitLab || h.Kind() == vcs.KindAzureDevOps {
				// A shared token or Basic credentials do not cover the
				// body (GitLab signs it only with a signing token).
				return
			}
			if code != exitMissing || !strings.Contains(out, "does not verify") {
				t.Errorf("verify of a changed body: exit %d, %q", code, out)
			}
		})
	}
}

func TestVerifyGolden(t *testing.T) {
	h := githubtest.New()
	full, _ := seed(t, h)
	p, _ := gitprovider.Open(h.Config(full))
	if _, err := vcs.EnsureWebhook(context.Background(), p, "acme/db", vcs.WebhookOptions{URL: "https://bytebase.example/hook", Secret: "s3cret"}); err != nil {
		t.Fatal(err)
	}
	two := "2"
	_, _, _ = h.Push("acme/db", "f", map[string]*string{"b.sql": &two})
	n, _, _ := h.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "f", Title: "B", Author: "bot"})
	merged, _ := h.MergePullRequest("acme/db", n)
	dump, _ := httputil.DumpRequest(merged[0], true)
	saved := filepath.Join(t.TempDir(), "delivery.http")
	_ = os.WriteFile(saved, dump, 0o600)
	out, _, code := cli(h, "", "verify", "-kind", "github", "-request", saved)
	if code != exitOK {
		t.Errorf("exit %d", code)
	}
	// The head SHA changes with the commit time: keep the shape.
	golden(t, "verify-github-merged", maskSHA(out))

	var errw bytes.Buffer
	code = run([]string{"verify", "-kind", "github", "-request", saved}, env{stdout: &errw, stderr: &errw, getenv: func(string) string { return "wrong" }})
	if code != exitMissing {
		t.Errorf("verify with another secret: exit %d", code)
	}
	golden(t, "verify-github-wrong-secret", errw.String())
}

func maskSHA(s string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, "head:") {
			line = "head:         <sha>\n"
		}
		b.WriteString(line)
	}
	return b.String()
}

// TestFlagsBeforeRequests: bad flags are refused with exit 2 and no
// request reaches the host.
func TestFlagsBeforeRequests(t *testing.T) {
	h := githubtest.New()
	full, _ := seed(t, h)
	before := h.Requests()
	for name, c := range map[string]struct {
		token string
		args  []string
		want  string
	}{
		"no kind":         {full, []string{"check", "-repo", "acme/db"}, "-kind is required"},
		"no repo":         {full, []string{"check", "-kind", "github"}, "-repo is required"},
		"bad repo":        {full, []string{"check", "-kind", "github", "-repo", "acme/../db"}, "invalid argument"},
		"no token":        {"", []string{"check", "-kind", "github", "-repo", "acme/db"}, "GITPROVIDER_TOKEN is empty"},
		"wrong kind":      {full, []string{"check", "-kind", "gitlab", "-url", "https://github.com", "-repo", "acme/db"}, `kind "github"`},
		"unknown kind":    {full, []string{"check", "-kind", "gitea", "-repo", "acme/db"}, "gitea"},
		"http":            {full, []string{"check", "-kind", "gitlab", "-url", "http://gitlab.example.com", "-repo", "acme/db"}, "https://"},
		"missing CA file": {full, []string{"check", "-kind", "gitlab", "-ca-file", "/no/such.pem", "-repo", "acme/db"}, "-ca-file"},
		"extra argument":  {full, []string{"hooks", "-kind", "github", "-repo", "acme/db", "more"}, "unexpected argument"},
		"unknown command": {full, []string{"frobnicate"}, "unknown command"},
		"verify no file":  {full, []string{"verify", "-kind", "github"}, "-request are required"},
	} {
		_, errOut, code := cli(h, c.token, c.args...)
		if code != exitError || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", name, code, errOut, c.want)
		}
	}
	if n := h.Requests() - before; n != 0 {
		t.Errorf("bad flags made %d requests", n)
	}
}
