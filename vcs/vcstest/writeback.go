package vcstest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// TokenWriteBack is a full token that may also create branches, commit,
// open pull requests and set commit statuses (GitHub: contents, pull
// requests and statuses write; GitLab: api, Developer; Bitbucket:
// write:repository, write:pullrequest; Azure DevOps: Code (Read & write)
// and Code (Status)).
const TokenWriteBack TokenProfile = "write-back"

// counting counts the requests a provider sends.
type counting struct {
	next http.RoundTripper
	n    atomic.Int64
}

func (c *counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// openCounting opens a provider whose requests are counted.
func openCounting(t *testing.T, f Fake, tok string) (vcs.Provider, *counting) {
	t.Helper()
	cfg := f.Config(tok)
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	cnt := &counting{next: base}
	hc := &http.Client{Transport: cnt}
	if cfg.HTTPClient != nil {
		hc.Timeout, hc.Jar, hc.CheckRedirect = cfg.HTTPClient.Timeout, cfg.HTTPClient.Jar, cfg.HTTPClient.CheckRedirect
	}
	cfg.HTTPClient = hc
	return open(t, cfg), cnt
}

// sameCommit compares commit IDs where one may be abbreviated (Bitbucket
// gives 12-character hashes in pull requests).
func sameCommit(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	n := min(len(a), len(b))
	return strings.EqualFold(a[:n], b[:n])
}

// testBranches: get, list every page, create at a commit, refuse an
// existing branch.
func (s *suite) testBranches(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenWriteBack)))
	c, repo := ctx(t), f.Repo()
	main, err := p.GetBranch(c, repo, fx.DefaultBranch)
	if err != nil {
		t.Fatalf("GetBranch(%s): %v", fx.DefaultBranch, err)
	}
	if main.Name != fx.DefaultBranch || !vcs.IsCommitSHA(main.SHA) {
		t.Fatalf("GetBranch = %+v, want name %q and a full commit ID", main, fx.DefaultBranch)
	}
	_, err = p.GetBranch(c, repo, "no/such-branch")
	wantErr(t, err, "GetBranch of a missing branch", vcs.ErrNotFound)

	// More branches than fit a page of the fixture's page size.
	want := map[string]bool{fx.DefaultBranch: true, fx.SourceBranch: true, fx.CloseBranch: true}
	for i := range fx.PageSize + 2 {
		name := fmt.Sprintf("release/%02d", i)
		b, err := p.CreateBranch(c, repo, name, main.SHA)
		if err != nil {
			t.Fatalf("CreateBranch(%s): %v", name, err)
		}
		if b.Name != name || b.SHA != main.SHA {
			t.Fatalf("CreateBranch = %+v, want %s at %s", b, name, main.SHA)
		}
		want[name] = true
	}
	got := map[string]string{}
	for b, err := range p.ListBranches(c, repo) {
		if err != nil {
			t.Fatalf("ListBranches: %v", err)
		}
		if _, dup := got[b.Name]; dup {
			t.Errorf("ListBranches lists %q twice", b.Name)
		}
		got[b.Name] = b.SHA
	}
	for name := range want {
		if got[name] == "" {
			t.Errorf("ListBranches lacks %q (got %d branches)", name, len(got))
		}
	}
	if got[fx.DefaultBranch] != main.SHA {
		t.Errorf("ListBranches: %s at %s, GetBranch said %s", fx.DefaultBranch, got[fx.DefaultBranch], main.SHA)
	}
	again, err := p.GetBranch(c, repo, "release/01")
	if err != nil || again.SHA != main.SHA {
		t.Errorf("GetBranch(release/01) = %+v, %v; want it at %s", again, err, main.SHA)
	}
	_, err = p.CreateBranch(c, repo, "release/01", main.SHA)
	wantErr(t, err, "CreateBranch of an existing branch", vcs.ErrConflict)
}

// testWriteBackBadInput: every malformed argument is ErrInvalidArgument
// and sends no request.
func (s *suite) testWriteBackBadInput(t *testing.T) {
	f, fx := s.fake(t)
	p, cnt := openCounting(t, f, f.Token(TokenWriteBack))
	c, repo := ctx(t), f.Repo()
	const sha = "0123456789abcdef0123456789abcdef01234567"
	file := func(path string) []vcs.FileChange {
		return []vcs.FileChange{{Action: vcs.FileCreate, Path: path, Content: []byte("x")}}
	}
	calls := map[string]func() error{
		"CreateBranch bad name":  func() error { _, err := p.CreateBranch(c, repo, "a..b", sha); return err },
		"CreateBranch short SHA": func() error { _, err := p.CreateBranch(c, repo, "ok", "abc1234"); return err },
		"GetBranch refs/heads/":  func() error { _, err := p.GetBranch(c, repo, "refs/heads/main"); return err },
		"CommitFiles dot-dot": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m", Files: file("../escape.sql")})
			return err
		},
		"CommitFiles inner ..": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m", Files: file("a/../../b.sql")})
			return err
		},
		"CommitFiles absolute": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m", Files: file("/etc/passwd")})
			return err
		},
		"CommitFiles empty": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m"})
			return err
		},
		"CommitFiles no base": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", Message: "m", Files: file("a.sql")})
			return err
		},
		"CommitFiles no message": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Files: file("a.sql")})
			return err
		},
		"CommitFiles bad action": func() error {
			_, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m", Files: []vcs.FileChange{{Action: "move", Path: "a"}}})
			return err
		},
		"CreatePullRequest same": func() error {
			_, err := p.CreatePullRequest(c, repo, vcs.PullRequestOptions{Title: "t", SourceBranch: "a", TargetBranch: "a"})
			return err
		},
		"CreatePullRequest title": func() error {
			_, err := p.CreatePullRequest(c, repo, vcs.PullRequestOptions{SourceBranch: "a", TargetBranch: fx.DefaultBranch})
			return err
		},
		"SetCommitStatus state": func() error {
			_, err := p.SetCommitStatus(c, repo, sha, vcs.StatusOptions{Key: "k", State: "running"})
			return err
		},
		"SetCommitStatus ftp": func() error {
			_, err := p.SetCommitStatus(c, repo, sha, vcs.StatusOptions{Key: "k", State: vcs.StatusSuccess, TargetURL: "ftp://x/y"})
			return err
		},
		"SetCommitStatus no key": func() error {
			_, err := p.SetCommitStatus(c, repo, sha, vcs.StatusOptions{State: vcs.StatusSuccess})
			return err
		},
		"SetCommitStatus ref": func() error {
			_, err := p.SetCommitStatus(c, repo, "main", vcs.StatusOptions{Key: "k", State: vcs.StatusSuccess})
			return err
		},
		"ListCommitStatuses ref": func() error { _, err := p.ListCommitStatuses(c, repo, "main"); return err },
		"ListBranches bad repo": func() error {
			for _, err := range p.ListBranches(c, "no slash") {
				return err
			}
			return nil
		},
	}
	for name, call := range calls {
		before := cnt.n.Load()
		wantErr(t, call(), name, vcs.ErrInvalidArgument)
		if n := cnt.n.Load() - before; n != 0 {
			t.Errorf("%s sent %d requests before refusing", name, n)
		}
	}
}

// testWriteBack is the flow a Bytebase-like server runs: branch → one
// commit of three files → pull request → status → merge → merged event.
func (s *suite) testWriteBack(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenWriteBack)))
	c, repo := ctx(t), f.Repo()
	const secret = "write-back-secret"
	if _, err := vcs.EnsureWebhook(c, p, repo, vcs.WebhookOptions{URL: HookURL, Secret: secret}); err != nil {
		t.Fatalf("EnsureWebhook: %v", err)
	}
	main, err := p.GetBranch(c, repo, fx.DefaultBranch)
	if err != nil {
		t.Fatal(err)
	}
	const branch = "bytebase/issue-42"
	if _, err := p.CreateBranch(c, repo, branch, main.SHA); err != nil {
		t.Fatalf("CreateBranch: %v", err)
	}

	// One commit of three files: a create, an update and a delete.
	newSQL := []byte("CREATE TABLE audit (id bigint);\n")
	readme := []byte("# demo, written back\n")
	commit, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: branch, BaseSHA: main.SHA, Message: "Add audit table\n\nBy Bytebase.", Files: []vcs.FileChange{
		{Action: vcs.FileCreate, Path: "migrations/100_audit.sql", Content: newSQL},
		{Action: vcs.FileUpdate, Path: "README.md", Content: readme},
		{Action: vcs.FileDelete, Path: "migrations/002_old.sql"},
	}})
	if err != nil {
		t.Fatalf("CommitFiles: %v", err)
	}
	if !vcs.IsCommitSHA(commit.SHA) || commit.Branch != branch || commit.ParentSHA != main.SHA {
		t.Fatalf("CommitFiles = %+v, want a full SHA on %s with parent %s", commit, branch, main.SHA)
	}
	head, err := p.GetBranch(c, repo, branch)
	if err != nil || head.SHA != commit.SHA {
		t.Fatalf("GetBranch after the commit = %+v, %v; want it at %s", head, err, commit.SHA)
	}
	for path, want := range map[string][]byte{"migrations/100_audit.sql": newSQL, "README.md": readme} {
		got, err := p.ReadFile(c, repo, path, commit.SHA)
		if err != nil || !bytes.Equal(got.Content, want) {
			t.Errorf("ReadFile(%s) after the commit = %v, %v; want %q", path, got, err, want)
		}
	}
	_, err = p.ReadFile(c, repo, "migrations/002_old.sql", commit.SHA)
	wantErr(t, err, "ReadFile of the deleted file", vcs.ErrNotFound)

	// A commit on a base the branch moved away from is refused, and
	// nothing of it reaches the branch.
	_, err = p.CommitFiles(c, repo, vcs.CommitOptions{Branch: branch, BaseSHA: main.SHA, Message: "stale", Files: []vcs.FileChange{
		{Action: vcs.FileCreate, Path: "migrations/101_stale.sql", Content: []byte("-- stale\n")},
	}})
	wantErr(t, err, "CommitFiles on a stale base", vcs.ErrConflict)
	if head, err := p.GetBranch(c, repo, branch); err != nil || head.SHA != commit.SHA {
		t.Fatalf("after a refused commit the branch is at %+v (%v), want %s", head, err, commit.SHA)
	}
	_, err = p.ReadFile(c, repo, "migrations/101_stale.sql", branch)
	wantErr(t, err, "ReadFile of the refused commit's file", vcs.ErrNotFound)

	// Bytes that are not UTF-8 survive.
	binary := []byte{0xff, 0xfe, 0x00, 0x01, 'S', 'Q', 'L', 0x80}
	second, err := p.CommitFiles(c, repo, vcs.CommitOptions{Branch: branch, BaseSHA: commit.SHA, Message: "Binary fixture", Files: []vcs.FileChange{
		{Action: vcs.FileCreate, Path: "testdata/seed.bin", Content: binary},
	}})
	if err != nil {
		t.Fatalf("CommitFiles of binary content: %v", err)
	}
	if got, err := p.ReadFile(c, repo, "testdata/seed.bin", second.SHA); err != nil || !bytes.Equal(got.Content, binary) {
		t.Errorf("ReadFile of binary content = %v, %v; want %x", got, err, binary)
	}

	// The pull request.
	pr, err := p.CreatePullRequest(c, repo, vcs.PullRequestOptions{Title: "Add audit table", Description: "Generated by Bytebase.", SourceBranch: branch, TargetBranch: fx.DefaultBranch})
	if err != nil {
		t.Fatalf("CreatePullRequest: %v", err)
	}
	if pr.Number <= 0 || pr.State != vcs.PullRequestOpen || pr.SourceBranch != branch || pr.TargetBranch != fx.DefaultBranch || pr.Title != "Add audit table" {
		t.Fatalf("CreatePullRequest = %+v", pr)
	}
	if got, err := p.GetPullRequest(c, repo, pr.Number); err != nil || !sameCommit(got.HeadSHA, second.SHA) || got.Description != "Generated by Bytebase." {
		t.Errorf("GetPullRequest(%d) = %+v, %v; want head %s and the description", pr.Number, got, err, second.SHA)
	}
	_, err = p.CreatePullRequest(c, repo, vcs.PullRequestOptions{Title: "again", SourceBranch: branch, TargetBranch: fx.DefaultBranch})
	wantErr(t, err, "CreatePullRequest for branches with an open pull request", vcs.ErrConflict)

	// Statuses: the same key again replaces; every state round-trips.
	const key = "bytebase/sql-review"
	set := func(k string, st vcs.StatusState, desc, url string) {
		t.Helper()
		got, err := p.SetCommitStatus(c, repo, second.SHA, vcs.StatusOptions{Key: k, State: st, Description: desc, TargetURL: url})
		if err != nil {
			t.Fatalf("SetCommitStatus(%s, %s): %v", k, st, err)
		}
		if got.Key != k || got.State != st {
			t.Fatalf("SetCommitStatus(%s, %s) = %+v", k, st, got)
		}
	}
	set(key, vcs.StatusPending, "Reviewing 1 file", "https://bytebase.example.test/review/42")
	set(key, vcs.StatusPending, "Reviewing 1 file", "https://bytebase.example.test/review/42") // again: no error
	set(key, vcs.StatusSuccess, "1 file, no finding", "https://bytebase.example.test/review/42?done")
	set("bytebase/lint", vcs.StatusFailure, "2 errors", "")
	set("bytebase/backup", vcs.StatusError, "could not reach the database", "https://bytebase.example.test/backup")
	list, err := p.ListCommitStatuses(c, repo, second.SHA)
	if err != nil {
		t.Fatalf("ListCommitStatuses: %v", err)
	}
	want := []vcs.CommitStatus{
		{Key: "bytebase/backup", State: vcs.StatusError, Description: "could not reach the database", TargetURL: "https://bytebase.example.test/backup"},
		{Key: "bytebase/lint", State: vcs.StatusFailure, Description: "2 errors"},
		{Key: key, State: vcs.StatusSuccess, Description: "1 file, no finding", TargetURL: "https://bytebase.example.test/review/42?done"},
	}
	if len(list) != len(want) {
		t.Fatalf("ListCommitStatuses = %d statuses %+v, want %d (one per key)", len(list), list, len(want))
	}
	for i, w := range want {
		g := list[i]
		if g.Key != w.Key || g.State != w.State || g.Description != w.Description || g.TargetURL != w.TargetURL {
			t.Errorf("status %d = %+v, want %+v", i, *g, w)
		}
	}
	if other, err := p.ListCommitStatuses(c, repo, main.SHA); err != nil || len(other) != 0 {
		t.Errorf("ListCommitStatuses of another commit = %+v, %v; want none", other, err)
	}

	// Merge, and the merged event reaches the server's handler.
	parser, err := vcs.NewWebhookParser(s.h.Kind)
	if err != nil {
		t.Fatal(err)
	}
	var merged *vcs.Event
	h := vcs.NewWebhookHandler(parser, secret, func(_ context.Context, ev *vcs.Event) error {
		if ev.Kind == vcs.EventPullRequest && ev.Merged && ev.Number == pr.Number {
			merged = ev
		}
		return nil
	})
	for _, r := range f.Trigger(t, pr.Number, vcs.ActionMerged) {
		if r.URL.String() != HookURL {
			continue
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Errorf("handler answered %d: %s", rec.Code, rec.Body)
		}
	}
	if merged == nil {
		t.Fatal("no merged event for the written-back pull request")
	}
	if merged.Repository != repo || merged.SourceBranch != branch {
		t.Errorf("merged event = repository %q, source %q; want %q, %q", merged.Repository, merged.SourceBranch, repo, branch)
	}
	if got, err := p.GetPullRequest(c, repo, pr.Number); err != nil || !got.Merged() {
		t.Errorf("GetPullRequest after the merge = %+v, %v; want merged", got, err)
	}
	if got, err := p.ReadFile(c, repo, "migrations/100_audit.sql", fx.DefaultBranch); err != nil || !bytes.Equal(got.Content, newSQL) {
		t.Errorf("the merged file on %s = %v, %v", fx.DefaultBranch, got, err)
	}
}

// testWriteBackAccess: CheckAccessFor reports the write-back permissions
// after the three default ones, granted for a write-back token and not
// granted for a token that cannot read; CheckAccess stays at three.
func (s *suite) testWriteBackAccess(t *testing.T) {
	f, _ := s.fake(t)
	p := open(t, f.Config(f.Token(TokenWriteBack)))
	if _, ok := p.(vcs.AccessCheckerFor); !ok {
		t.Fatalf("%T does not implement vcs.AccessCheckerFor", p)
	}
	rep, err := vcs.CheckAccessFor(ctx(t), p, f.Repo(), vcs.WriteBackPermissions...)
	if err != nil {
		t.Fatalf("CheckAccessFor: %v", err)
	}
	want := append(append([]vcs.Permission{}, vcs.Permissions...), vcs.WriteBackPermissions...)
	if len(rep.Checks) != len(want) {
		t.Fatalf("CheckAccessFor gave %d checks, want %d: %+v", len(rep.Checks), len(want), rep.Checks)
	}
	for i, c := range rep.Checks {
		if c.Permission != want[i] {
			t.Errorf("check %d is %s, want %s", i, c.Permission, want[i])
		}
	}
	if !rep.OKFor(vcs.WriteBackPermissions...) {
		t.Errorf("write-back token: write-back permissions not all granted:\n%s", rep)
	}
	if !strings.Contains(rep.String(), string(vcs.PermWriteStatus)) {
		t.Errorf("report text does not show the extra checks:\n%s", rep)
	}
	if rep, err := p.CheckAccess(ctx(t), f.Repo()); err != nil || len(rep.Checks) != 3 {
		t.Errorf("CheckAccess = %v, %v; want the three default checks", rep, err)
	}

	weak := open(t, f.Config(f.Token(TokenNoRead)))
	rep, err = vcs.CheckAccessFor(ctx(t), weak, f.Repo(), vcs.WriteBackPermissions...)
	if err != nil {
		t.Fatalf("CheckAccessFor with a token that cannot read: %v", err)
	}
	for _, perm := range vcs.WriteBackPermissions {
		c := rep.Check(perm)
		if c.Grant == vcs.Granted {
			t.Errorf("a token that cannot read: %s granted (%s)", perm, c.Detail)
		}
		if c.Grant == vcs.Missing && c.Remediation == "" {
			t.Errorf("%s missing without a remediation", perm)
		}
	}
}
