package vcstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/vcs"
)

// HookURL is the webhook URL the suite registers.
const HookURL = "https://bytebase.example.test/hook/gitprovider"

// Run runs every conformance scenario against fresh fakes from h.
func Run(t *testing.T, h Harness) {
	s := &suite{h: h}
	// The fault matrix (faults.go) runs once per provider, not again for
	// each configuration variant.
	if _, done := faultsRun.LoadOrStore(h.Kind, true); !done {
		t.Run("Faults", s.testFaults)
	}
	t.Run("HostileArguments", s.testHostileArguments)
	t.Run("EchoedSecrets", s.testEchoedSecrets)
	t.Run("Open", s.testOpen)
	t.Run("CheckAccess", s.testCheckAccess)
	t.Run("MissingPermissions", s.testMissingPermissions)
	t.Run("ExpiredToken", s.testExpiredToken)
	t.Run("TokenRotation", s.testTokenRotation)
	t.Run("Repositories", s.testRepositories)
	t.Run("Files", s.testFiles)
	t.Run("RepeatReadAtCommit", s.testRepeatReadAtCommit)
	t.Run("RevalidateAtBranch", s.testRevalidateAtBranch)
	t.Run("RateLimitReported", s.testRateLimitReported)
	t.Run("Directories", s.testDirectories)
	t.Run("PullRequests", s.testPullRequests)
	t.Run("ListPullRequests", s.testListPullRequests)
	t.Run("Reconcile", s.testReconcile)
	t.Run("Comments", s.testComments)
	t.Run("Webhooks", s.testWebhooks)
	t.Run("EnsureWebhookConcurrent", s.testEnsureWebhookConcurrent)
	t.Run("Deliveries", s.testDeliveries)
	t.Run("NoSecretsInErrors", s.testNoSecretsInErrors)
	t.Run("Branches", s.testBranches)
	t.Run("WriteBackBadInput", s.testWriteBackBadInput)
	t.Run("WriteBack", s.testWriteBack)
	t.Run("WriteBackAccess", s.testWriteBackAccess)
	t.Run("Refs", s.testRefs)
	t.Run("MergeOnce", s.testMergeOnce)
	t.Run("Replicas", s.testReplicas)
}

type suite struct {
	h Harness
}

func (s *suite) fake(t *testing.T) (Fake, Fixture) {
	t.Helper()
	f := DefaultFixture()
	return s.h.New(t, f), f
}

func open(t *testing.T, cfg vcs.Config) vcs.Provider {
	t.Helper()
	p, err := vcs.Open(cfg)
	if err != nil {
		t.Fatalf("vcs.Open: %v", err)
	}
	if p.Kind() != cfg.Kind {
		t.Fatalf("Kind() = %q, want %q", p.Kind(), cfg.Kind)
	}
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func wantErr(t *testing.T, err error, what string, kinds ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: got no error, want one matching %v", what, kinds)
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			var ve *vcs.Error
			if !errors.As(err, &ve) {
				t.Errorf("%s: error %T is not a *vcs.Error: %v", what, err, err)
			}
			return
		}
	}
	t.Fatalf("%s: error %v does not match any of %v", what, err, kinds)
}

func (s *suite) testOpen(t *testing.T) {
	f, _ := s.fake(t)
	cfg := f.Config(f.Token(TokenFull))
	open(t, cfg)

	bad := cfg
	bad.Token, bad.TokenSource = "", nil
	_, err := vcs.Open(bad)
	wantErr(t, err, "Open with empty token", vcs.ErrInvalidConfig)

	bad = cfg
	bad.URL = "ftp://example.com"
	_, err = vcs.Open(bad)
	wantErr(t, err, "Open with ftp URL", vcs.ErrInvalidConfig)

	bad = cfg
	bad.Kind = "nosuchhost"
	_, err = vcs.Open(bad)
	wantErr(t, err, "Open with unknown kind", vcs.ErrInvalidConfig)
	if !strings.Contains(err.Error(), string(s.h.Kind)) {
		t.Errorf("unknown-kind error %q does not list the known kind %q", err, s.h.Kind)
	}

	if _, err := vcs.NewWebhookParser(s.h.Kind); err != nil {
		t.Errorf("NewWebhookParser(%q): %v", s.h.Kind, err)
	}
}

func (s *suite) testCheckAccess(t *testing.T) {
	f, _ := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	rep, err := p.CheckAccess(ctx(t), f.Repo())
	if err != nil {
		t.Fatalf("CheckAccess: %v", err)
	}
	if rep.User == "" {
		t.Error("report has no user")
	}
	if rep.Provider != s.h.Kind || rep.Repository != f.Repo() {
		t.Errorf("report provider/repository = %q/%q, want %q/%q", rep.Provider, rep.Repository, s.h.Kind, f.Repo())
	}
	if len(rep.Checks) != 3 {
		t.Fatalf("report has %d checks, want 3: %+v", len(rep.Checks), rep.Checks)
	}
	for i, c := range rep.Checks {
		if c.Permission != vcs.Permissions[i] {
			t.Errorf("check %d is %q, want %q", i, c.Permission, vcs.Permissions[i])
		}
		if c.Grant != vcs.Granted {
			t.Errorf("full token: %s is %s (%s), want granted", c.Permission, c.Grant, c.Remediation)
		}
	}
	if !rep.OK() || rep.String() == "" {
		t.Errorf("OK() = false for a full token:\n%s", rep)
	}

	_, err = p.CheckAccess(ctx(t), missingRepo(f.Repo()))
	wantErr(t, err, "CheckAccess on a missing repository", vcs.ErrNotFound)
}

// missingRepo returns a path of the same shape as repo that does not exist.
func missingRepo(repo string) string {
	i := strings.LastIndex(repo, "/")
	return repo[:i+1] + "does-not-exist"
}

func (s *suite) testMissingPermissions(t *testing.T) {
	f, fx := s.fake(t)
	repo, pr := f.Repo(), f.PullRequest()
	cases := []struct {
		profile TokenProfile
		perm    vcs.Permission
		attempt func(p vcs.Provider) error
		kinds   []error
	}{
		{TokenNoRead, vcs.PermReadRepository, func(p vcs.Provider) error {
			_, err := p.ReadFile(ctx(t), repo, "README.md", "")
			return err
		}, []error{vcs.ErrPermissionDenied, vcs.ErrNotFound}},
		{TokenNoWebhook, vcs.PermCreateWebhook, func(p vcs.Provider) error {
			_, err := p.CreateWebhook(ctx(t), repo, vcs.WebhookOptions{URL: HookURL, Secret: "s3cret-value"})
			return err
		}, []error{vcs.ErrPermissionDenied}},
		{TokenNoComment, vcs.PermWriteComment, func(p vcs.Provider) error {
			_, err := p.CreateComment(ctx(t), repo, pr, "hello")
			return err
		}, []error{vcs.ErrPermissionDenied}},
	}
	for _, c := range cases {
		t.Run(string(c.profile), func(t *testing.T) {
			tok := f.Token(c.profile)
			p := open(t, f.Config(tok))
			rep, err := p.CheckAccess(ctx(t), repo)
			if err != nil {
				t.Fatalf("CheckAccess: a missing permission must be reported, not fail: %v", err)
			}
			chk := rep.Check(c.perm)
			if chk.Grant != vcs.Missing {
				t.Errorf("%s is %s, want missing\n%s", c.perm, chk.Grant, rep)
			}
			if chk.Remediation == "" {
				t.Errorf("%s is missing but has no remediation", c.perm)
			}
			if rep.OK() {
				t.Error("OK() = true with a permission missing")
			}
			err = c.attempt(p)
			wantErr(t, err, "using the missing permission", c.kinds...)
			if strings.Contains(err.Error(), tok) {
				t.Errorf("error contains the token: %v", err)
			}
		})
	}
	_ = fx
}

func (s *suite) testExpiredToken(t *testing.T) {
	f, _ := s.fake(t)
	repo := f.Repo()
	t.Run("already", func(t *testing.T) {
		p := open(t, f.Config(f.Token(TokenExpired)))
		_, err := p.CheckAccess(ctx(t), repo)
		wantErr(t, err, "CheckAccess with an expired token", vcs.ErrUnauthorized)
		_, err = p.GetRepository(ctx(t), repo)
		wantErr(t, err, "GetRepository with an expired token", vcs.ErrUnauthorized)
	})
	t.Run("expires", func(t *testing.T) {
		cfg := f.Config(f.Token(TokenExpiring))
		p := open(t, cfg)
		rep, err := p.CheckAccess(ctx(t), repo)
		if err != nil {
			t.Fatalf("CheckAccess before expiry: %v", err)
		}
		if rep.ExpiresAt != nil {
			// By the fake's clock, which may be stopped or moved.
			if now := cfg.Now(); rep.ExpiresAt.Before(now) {
				t.Errorf("ExpiresAt %v is already past (now %v)", rep.ExpiresAt, now)
			}
		}
		f.Advance(2 * time.Hour)
		_, err = p.GetRepository(ctx(t), repo)
		if rep.ExpiresAt != nil {
			// The provider knows the expiry, so a 401 after it must say so.
			wantErr(t, err, "GetRepository after expiry", vcs.ErrTokenExpired)
		} else {
			wantErr(t, err, "GetRepository after expiry", vcs.ErrUnauthorized)
		}
		if !errors.Is(err, vcs.ErrUnauthorized) {
			t.Errorf("ErrTokenExpired must match ErrUnauthorized too: %v", err)
		}
	})
}

type swapSource struct {
	mu  sync.Mutex
	tok string
}

func (s *swapSource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &oauth2.Token{AccessToken: s.tok, TokenType: "Bearer"}, nil
}

func (s *swapSource) set(tok string) {
	s.mu.Lock()
	s.tok = tok
	s.mu.Unlock()
}

func (s *suite) testTokenRotation(t *testing.T) {
	f, _ := s.fake(t)
	repo := f.Repo()
	t.Run("SetToken", func(t *testing.T) {
		p := open(t, f.Config(f.Token(TokenExpired)))
		_, err := p.GetRepository(ctx(t), repo)
		wantErr(t, err, "before rotation", vcs.ErrUnauthorized)
		if err := p.SetToken(""); err == nil {
			t.Error("SetToken(\"\") succeeded")
		}
		if err := p.SetToken(f.Token(TokenFull)); err != nil {
			t.Fatalf("SetToken: %v", err)
		}
		if _, err := p.GetRepository(ctx(t), repo); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	})
	t.Run("TokenSource", func(t *testing.T) {
		src := &swapSource{tok: f.Token(TokenExpired)}
		cfg := f.Config("")
		cfg.Token, cfg.Username, cfg.TokenSource = "", "", src
		p := open(t, cfg)
		_, err := p.GetRepository(ctx(t), repo)
		wantErr(t, err, "before rotation", vcs.ErrUnauthorized)
		src.set(f.Token(TokenFull))
		if _, err := p.GetRepository(ctx(t), repo); err != nil {
			t.Fatalf("after the source rotated: %v", err)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		p := open(t, f.Config(f.Token(TokenFull)))
		toks := []string{f.Token(TokenFull), f.Token(TokenFullAlt)}
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 5; j++ {
					if _, err := p.GetRepository(ctx(t), repo); err != nil {
						errs <- err
					}
				}
			}()
		}
		for i := 0; i < 20; i++ {
			if err := p.SetToken(toks[i%2]); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("call during rotation: %v", err)
		}
	})
}

func (s *suite) testRepositories(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repos, err := vcs.Collect(p.ListRepositories(ctx(t)))
	if err != nil {
		t.Fatalf("ListRepositories: %v", err)
	}
	if want := 1 + fx.ExtraRepos; len(repos) != want {
		t.Errorf("ListRepositories returned %d repositories, want %d (every page)", len(repos), want)
	}
	seen := map[string]bool{}
	for _, r := range repos {
		if seen[r.ID] {
			t.Errorf("repository %q listed twice", r.ID)
		}
		seen[r.ID] = true
	}
	if !seen[f.Repo()] {
		t.Errorf("seeded repository %q not listed", f.Repo())
	}
	// Stopping early must work.
	n := 0
	for _, err := range p.ListRepositories(ctx(t)) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}

	r, err := p.GetRepository(ctx(t), f.Repo())
	if err != nil {
		t.Fatalf("GetRepository: %v", err)
	}
	if r.ID != f.Repo() || r.DefaultBranch != fx.DefaultBranch || r.Name == "" {
		t.Errorf("GetRepository = %+v, want ID %q and default branch %q", r, f.Repo(), fx.DefaultBranch)
	}
	_, err = p.GetRepository(ctx(t), missingRepo(f.Repo()))
	wantErr(t, err, "GetRepository of a missing repository", vcs.ErrNotFound)
	_, err = p.GetRepository(ctx(t), "")
	wantErr(t, err, "GetRepository with an empty path", vcs.ErrInvalidArgument, vcs.ErrNotFound)
}

func (s *suite) testFiles(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo := f.Repo()
	for _, tc := range []struct{ path, ref, want string }{
		{"migrations/001_init.sql", "", fx.BaseFiles["migrations/001_init.sql"]},
		{"migrations/001_init.sql", fx.DefaultBranch, fx.BaseFiles["migrations/001_init.sql"]},
		{"migrations/001_init.sql", fx.SourceBranch, *fx.Changes["migrations/001_init.sql"]},
		{"docs/ñandú notes.md", "", fx.BaseFiles["docs/ñandú notes.md"]},
		{"/README.md", "", fx.BaseFiles["README.md"]},
	} {
		file, err := p.ReadFile(ctx(t), repo, tc.path, tc.ref)
		if err != nil {
			t.Errorf("ReadFile(%q, %q): %v", tc.path, tc.ref, err)
			continue
		}
		if string(file.Content) != tc.want {
			t.Errorf("ReadFile(%q, %q) = %q, want %q", tc.path, tc.ref, file.Content, tc.want)
		}
	}
	pr, err := p.GetPullRequest(ctx(t), repo, f.PullRequest())
	if err != nil {
		t.Fatal(err)
	}
	file, err := p.ReadFile(ctx(t), repo, "migrations/004_users.sql", pr.HeadSHA)
	if err != nil || string(file.Content) != *fx.Changes["migrations/004_users.sql"] {
		t.Errorf("ReadFile at head SHA %s = %v, %v", pr.HeadSHA, file, err)
	}
	_, err = p.ReadFile(ctx(t), repo, "migrations/nope.sql", "")
	wantErr(t, err, "ReadFile of a missing file", vcs.ErrNotFound)
	_, err = p.ReadFile(ctx(t), repo, "README.md", "no-such-branch")
	wantErr(t, err, "ReadFile at a missing ref", vcs.ErrNotFound)
	_, err = p.ReadFile(ctx(t), repo, "", "")
	wantErr(t, err, "ReadFile with an empty path", vcs.ErrInvalidArgument)
}

func paths(entries []*vcs.TreeEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Path+":"+string(e.Type))
	}
	sort.Strings(out)
	return out
}

func (s *suite) testDirectories(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo := f.Repo()
	for _, tc := range []struct {
		dir       string
		recursive bool
		want      []string
	}{
		{"", false, []string{"README.md:file", "docs:dir", "migrations:dir", "schema:dir"}},
		{"docs", false, []string{"docs/guide:dir", "docs/ñandú notes.md:file"}},
		{"docs/", true, []string{"docs/guide/deep/nested.md:file", "docs/guide/deep:dir", "docs/guide/intro.md:file", "docs/guide:dir", "docs/ñandú notes.md:file"}},
		{"schema/v1", true, []string{"schema/v1/tables/accounts.sql:file", "schema/v1/tables/sessions.sql:file", "schema/v1/tables:dir", "schema/v1/views/active_users.sql:file", "schema/v1/views:dir"}},
	} {
		got, err := p.ListDirectory(ctx(t), repo, tc.dir, "", tc.recursive)
		if err != nil {
			t.Errorf("ListDirectory(%q, recursive=%t): %v", tc.dir, tc.recursive, err)
			continue
		}
		if g := paths(got); strings.Join(g, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("ListDirectory(%q, recursive=%t) =\n  %s\nwant\n  %s", tc.dir, tc.recursive, strings.Join(g, "\n  "), strings.Join(tc.want, "\n  "))
		}
		for _, e := range got {
			if e.Name == "" || strings.Contains(e.Name, "/") || !strings.HasSuffix(e.Path, e.Name) {
				t.Errorf("entry %+v: Name must be the last path element", e)
			}
		}
	}
	// On the pull request's branch (its name holds a slash) the listing
	// shows the branch's files.
	got, err := p.ListDirectory(ctx(t), repo, "migrations", fx.SourceBranch, false)
	if err != nil {
		t.Fatalf("ListDirectory on branch %q: %v", fx.SourceBranch, err)
	}
	onBranch := map[string]bool{}
	for _, e := range got {
		onBranch[e.Path] = true
	}
	if !onBranch["migrations/004_users.sql"] || onBranch["migrations/002_old.sql"] || !onBranch["migrations/bulk"] {
		t.Errorf("ListDirectory(migrations) on %q = %v", fx.SourceBranch, paths(got))
	}
	_, err = p.ListDirectory(ctx(t), repo, "no/such/dir", "", false)
	wantErr(t, err, "ListDirectory of a missing directory", vcs.ErrNotFound)
	_, err = p.ListDirectory(ctx(t), repo, "", "no-such-branch", false)
	wantErr(t, err, "ListDirectory at a missing ref", vcs.ErrNotFound)
}

func (s *suite) testPullRequests(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo, n := f.Repo(), f.PullRequest()
	pr, err := p.GetPullRequest(ctx(t), repo, n)
	if err != nil {
		t.Fatalf("GetPullRequest: %v", err)
	}
	if pr.Number != n || pr.Title != fx.PullRequestTitle || pr.SourceBranch != fx.SourceBranch ||
		pr.TargetBranch != fx.DefaultBranch || pr.HeadSHA == "" || pr.State != vcs.PullRequestOpen || pr.Author == "" {
		t.Errorf("GetPullRequest = %+v", pr)
	}
	_, err = p.GetPullRequest(ctx(t), repo, 9999)
	wantErr(t, err, "GetPullRequest of a missing number", vcs.ErrNotFound)
	_, err = p.GetPullRequest(ctx(t), repo, 0)
	wantErr(t, err, "GetPullRequest(0)", vcs.ErrInvalidArgument)

	files, err := p.ListPullRequestFiles(ctx(t), repo, n)
	if err != nil {
		t.Fatalf("ListPullRequestFiles: %v", err)
	}
	got := make([]vcs.ChangedFile, len(files))
	for i, cf := range files {
		got[i] = vcs.ChangedFile{Path: cf.Path, PreviousPath: cf.PreviousPath, Status: cf.Status}
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Path < got[j].Path })
	if len(got) != len(fx.ExpectedChanges) {
		t.Errorf("ListPullRequestFiles returned %d files, want %d (every page)", len(got), len(fx.ExpectedChanges))
	}
	for i := range min(len(got), len(fx.ExpectedChanges)) {
		if got[i] != fx.ExpectedChanges[i] {
			t.Errorf("changed file %d = %+v, want %+v", i, got[i], fx.ExpectedChanges[i])
		}
	}

	contents, err := vcs.ReadChangedFiles(ctx(t), p, repo, n, vcs.ReadChangedFilesOptions{
		Filter: func(cf *vcs.ChangedFile) bool { return strings.HasSuffix(cf.Path, ".sql") },
	})
	if err != nil {
		t.Fatalf("ReadChangedFiles: %v", err)
	}
	if len(contents) != len(fx.ExpectedChanges) {
		t.Errorf("ReadChangedFiles returned %d files, want %d", len(contents), len(fx.ExpectedChanges))
	}
	for _, c := range contents {
		want := fx.Changes[c.Path]
		switch {
		case c.Status == vcs.FileRemoved && c.Content != nil:
			t.Errorf("removed file %s has content", c.Path)
		case c.Status != vcs.FileRemoved && (want == nil || string(c.Content) != *want):
			t.Errorf("ReadChangedFiles %s = %q", c.Path, c.Content)
		}
	}
}

func (s *suite) testComments(t *testing.T) {
	f, _ := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo, n := f.Repo(), f.PullRequest()
	c := ctx(t)
	list, err := p.ListComments(c, repo, n)
	if err != nil || len(list) != 0 {
		t.Fatalf("ListComments on a fresh pull request = %v, %v", list, err)
	}
	created, err := p.CreateComment(c, repo, n, "first **comment**")
	if err != nil {
		t.Fatalf("CreateComment: %v", err)
	}
	if created.ID == "" || created.Body != "first **comment**" {
		t.Errorf("CreateComment = %+v", created)
	}
	updated, err := p.UpdateComment(c, repo, n, created.ID, "edited")
	if err != nil || updated.ID != created.ID || updated.Body != "edited" {
		t.Fatalf("UpdateComment = %+v, %v", updated, err)
	}
	_, err = p.UpdateComment(c, repo, n, "999999999", "x")
	wantErr(t, err, "UpdateComment of a missing comment", vcs.ErrNotFound, vcs.ErrInvalidArgument)
	_, err = p.CreateComment(c, repo, n, "")
	wantErr(t, err, "CreateComment with an empty body", vcs.ErrInvalidArgument)

	// More comments than one page.
	for i := 0; i < 12; i++ {
		if _, err := p.CreateComment(c, repo, n, "filler"); err != nil {
			t.Fatal(err)
		}
	}
	for i, body := range []string{"report v1", "report v2", "report v2"} {
		got, err := vcs.UpsertComment(c, p, repo, n, "migration-report", body)
		if err != nil {
			t.Fatalf("UpsertComment %d: %v", i, err)
		}
		if !strings.Contains(got.Body, body) {
			t.Errorf("UpsertComment %d body = %q", i, got.Body)
		}
	}
	list, err = p.ListComments(c, repo, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 14 {
		t.Errorf("ListComments returned %d comments, want 14 (every page; upsert posts once)", len(list))
	}
	marked := 0
	for _, cm := range list {
		if strings.Contains(cm.Body, vcs.CommentMarker("migration-report")) {
			marked++
			if !strings.Contains(cm.Body, "report v2") {
				t.Errorf("upserted comment was not updated: %q", cm.Body)
			}
		}
	}
	if marked != 1 {
		t.Errorf("%d comments carry the marker, want 1", marked)
	}
	if list[0].Body != "edited" || list[0].Author == "" {
		t.Errorf("comments are not oldest first, or lack an author: %+v", list[0])
	}
}

func (s *suite) testWebhooks(t *testing.T) {
	f, _ := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo := f.Repo()
	c := ctx(t)
	hooks, err := p.ListWebhooks(c, repo)
	if err != nil || len(hooks) != 0 {
		t.Fatalf("ListWebhooks on a fresh repository = %v, %v", hooks, err)
	}
	_, err = p.CreateWebhook(c, repo, vcs.WebhookOptions{URL: "not a url", Secret: "x"})
	wantErr(t, err, "CreateWebhook with a bad URL", vcs.ErrInvalidArgument)
	_, err = p.CreateWebhook(c, repo, vcs.WebhookOptions{URL: HookURL})
	wantErr(t, err, "CreateWebhook without a secret", vcs.ErrInvalidArgument)

	h, err := p.CreateWebhook(c, repo, vcs.WebhookOptions{URL: HookURL, Secret: "first-secret"})
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	if h.ID == "" || h.URL != HookURL || !h.Active || !hasEvent(h.Events, vcs.WebhookEventPullRequest) {
		t.Errorf("CreateWebhook = %+v", h)
	}
	moved := HookURL + "/v2"
	h2, err := p.UpdateWebhook(c, repo, h.ID, vcs.WebhookOptions{URL: moved, Secret: "second-secret", Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}})
	if err != nil {
		t.Fatalf("UpdateWebhook: %v", err)
	}
	if h2.ID != h.ID || h2.URL != moved || !hasEvent(h2.Events, vcs.WebhookEventPush) {
		t.Errorf("UpdateWebhook = %+v", h2)
	}
	hooks, err = p.ListWebhooks(c, repo)
	if err != nil || len(hooks) != 1 || hooks[0].URL != moved || hooks[0].ID != h.ID {
		t.Fatalf("ListWebhooks after update = %+v, %v", hooks, err)
	}
	// The secret survives an update of the URL: a delivery verifies with it.
	if err := deliverAndCheck(t, f, f.ClosablePullRequest(), vcs.ActionOpened, "second-secret", moved); err != nil {
		t.Errorf("delivery after update: %v", err)
	}
	if err := p.DeleteWebhook(c, repo, h.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	err = p.DeleteWebhook(c, repo, h.ID)
	wantErr(t, err, "DeleteWebhook twice", vcs.ErrNotFound)
	if hooks, _ := p.ListWebhooks(c, repo); len(hooks) != 0 {
		t.Errorf("webhooks left after delete: %+v", hooks)
	}

	// EnsureWebhook is idempotent.
	for i, secret := range []string{"ensure-1", "ensure-1", "ensure-2"} {
		res, err := vcs.EnsureWebhook(c, p, repo, vcs.WebhookOptions{URL: HookURL, Secret: secret})
		if err != nil {
			t.Fatalf("EnsureWebhook %d: %v", i, err)
		}
		if res.Created != (i == 0) {
			t.Errorf("EnsureWebhook %d: Created = %t", i, res.Created)
		}
	}
	hooks, err = p.ListWebhooks(c, repo)
	if err != nil || len(hooks) != 1 {
		t.Fatalf("after EnsureWebhook x3: %d webhooks (%v), want 1", len(hooks), err)
	}
	if err := deliverAndCheck(t, f, f.ClosablePullRequest(), vcs.ActionClosed, "ensure-2", HookURL); err != nil {
		t.Errorf("delivery after EnsureWebhook changed the secret: %v", err)
	}
}

func hasEvent(evs []vcs.WebhookEvent, e vcs.WebhookEvent) bool {
	for _, x := range evs {
		if x == e {
			return true
		}
	}
	return false
}

// deliverAndCheck triggers action and checks one delivery reached url and
// verifies with secret.
func deliverAndCheck(t *testing.T, f Fake, number int, action vcs.Action, secret, url string) error {
	t.Helper()
	parser, err := vcs.NewWebhookParser(f.Config(f.Token(TokenFull)).Kind)
	if err != nil {
		return err
	}
	reqs := f.Trigger(t, number, action)
	var hit []*http.Request
	for _, r := range reqs {
		if r.URL.String() == url {
			hit = append(hit, r)
		}
	}
	if len(hit) == 0 {
		return errors.New("no delivery to " + url)
	}
	for _, r := range hit {
		var got *vcs.Event
		h := vcs.NewWebhookHandler(parser, secret, func(_ context.Context, ev *vcs.Event) error { got = ev; return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			return errors.New("handler answered " + rec.Result().Status + ": " + rec.Body.String())
		}
		if got == nil || got.Number != number {
			return errors.New("delivery did not parse to the pull request's event")
		}
	}
	return nil
}

func (s *suite) testDeliveries(t *testing.T) {
	f, fx := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	repo := f.Repo()
	const secret = "delivery-secret"
	if _, err := vcs.EnsureWebhook(ctx(t), p, repo, vcs.WebhookOptions{URL: HookURL, Secret: secret}); err != nil {
		t.Fatal(err)
	}
	parser, err := vcs.NewWebhookParser(s.h.Kind)
	if err != nil {
		t.Fatal(err)
	}
	serve := func(r *http.Request, secret string) (*vcs.Event, int) {
		var got *vcs.Event
		h := vcs.NewWebhookHandler(parser, secret, func(_ context.Context, ev *vcs.Event) error { got = ev; return nil })
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return got, rec.Code
	}
	// A webhook that also subscribes to pushes hears the merge's push to
	// the target branch.
	const pushURL = HookURL + "/push"
	if _, err := p.CreateWebhook(ctx(t), repo, vcs.WebhookOptions{URL: pushURL, Secret: secret, Events: []vcs.WebhookEvent{vcs.WebhookEventPush}}); err != nil {
		t.Fatalf("CreateWebhook for pushes: %v", err)
	}
	for _, tc := range []struct {
		number func() int
		action vcs.Action
		merged bool
		branch string
	}{
		{f.PullRequest, vcs.ActionOpened, false, fx.SourceBranch},
		{f.ClosablePullRequest, vcs.ActionClosed, false, fx.CloseBranch},
		{f.PullRequest, vcs.ActionMerged, true, fx.SourceBranch},
	} {
		t.Run(string(tc.action), func(t *testing.T) {
			n := tc.number()
			var reqs, pushes []*http.Request
			for _, r := range f.Trigger(t, n, tc.action) {
				if r.URL.String() == pushURL {
					pushes = append(pushes, r)
				} else {
					reqs = append(reqs, r)
				}
			}
			if len(reqs) == 0 {
				t.Fatal("no delivery")
			}
			if tc.merged {
				checkPush(t, serve, pushes, repo, fx.DefaultBranch)
			} else if len(pushes) != 0 {
				t.Errorf("%d push deliveries for a pull request that was %s", len(pushes), tc.action)
			}
			var matched *vcs.Event
			for _, r := range reqs {
				body, _ := io.ReadAll(r.Body)
				// A wrong secret and a tampered body are rejected.
				if _, code := serve(clone(r, body), "wrong-secret"); code != http.StatusUnauthorized {
					t.Errorf("wrong secret answered %d, want 401", code)
				}
				if _, code := serve(clone(r, append(append([]byte(nil), body...), ' ')), secret); code != http.StatusUnauthorized && tamperDetectable(r) {
					t.Errorf("tampered body answered %d, want 401", code)
				}
				ev, code := serve(clone(r, body), secret)
				if code != http.StatusOK || ev == nil {
					t.Fatalf("delivery answered %d", code)
				}
				if ev.Provider != s.h.Kind || ev.Repository != repo || ev.Number != n || ev.Kind != vcs.EventPullRequest {
					t.Errorf("event = %+v", ev)
				}
				if ev.Action == tc.action {
					matched = ev
				}
			}
			if matched == nil {
				t.Fatalf("no delivery with action %q", tc.action)
			}
			if matched.Merged != tc.merged || matched.SourceBranch != tc.branch || matched.TargetBranch != fx.DefaultBranch || matched.HeadSHA == "" {
				t.Errorf("event = %+v, want merged=%t source=%q target=%q", matched, tc.merged, tc.branch, fx.DefaultBranch)
			}
			if tc.merged {
				pr, err := p.GetPullRequest(ctx(t), repo, n)
				if err != nil || pr.State != vcs.PullRequestMerged || !pr.Merged() {
					t.Errorf("after merge, GetPullRequest = %+v, %v", pr, err)
				}
			}
			if tc.action == vcs.ActionClosed {
				pr, err := p.GetPullRequest(ctx(t), repo, n)
				if err != nil || pr.State != vcs.PullRequestClosed {
					t.Errorf("after close, GetPullRequest = %+v, %v", pr, err)
				}
			}
		})
	}
}

// checkPush checks that a merge delivered a push of the target branch.
func checkPush(t *testing.T, serve func(*http.Request, string) (*vcs.Event, int), pushes []*http.Request, repo, branch string) {
	t.Helper()
	if len(pushes) == 0 {
		t.Error("the merge delivered no push to the webhook that subscribes to pushes")
		return
	}
	for _, r := range pushes {
		ev, code := serve(r, "delivery-secret")
		if code != http.StatusOK || ev == nil {
			t.Errorf("push delivery answered %d", code)
			continue
		}
		if ev.Kind != vcs.EventPush || ev.Repository != repo || ev.TargetBranch != branch || ev.HeadSHA == "" {
			t.Errorf("push event = %+v, want a push of %s to %s", brief(ev), branch, repo)
		}
	}
}

// tamperDetectable reports whether the host signs the body (Azure DevOps
// authenticates deliveries with Basic credentials only, so a changed body
// cannot be detected).
func tamperDetectable(r *http.Request) bool {
	return r.Header.Get("Authorization") == ""
}

func clone(r *http.Request, body []byte) *http.Request {
	c := r.Clone(context.Background())
	c.Body = io.NopCloser(strings.NewReader(string(body)))
	c.ContentLength = int64(len(body))
	return c
}

func (s *suite) testNoSecretsInErrors(t *testing.T) {
	f, _ := s.fake(t)
	repo := f.Repo()
	for _, prof := range []TokenProfile{TokenExpired, TokenNoRead, TokenNoWebhook, TokenNoComment} {
		tok := f.Token(prof)
		p := open(t, f.Config(tok))
		var errs []error
		_, err := p.CheckAccess(ctx(t), repo)
		errs = append(errs, err)
		_, err = p.ReadFile(ctx(t), repo, "README.md", "")
		errs = append(errs, err)
		_, err = p.CreateWebhook(ctx(t), repo, vcs.WebhookOptions{URL: HookURL, Secret: "hook-secret-value"})
		errs = append(errs, err)
		_, err = p.CreateComment(ctx(t), repo, f.PullRequest(), "x")
		errs = append(errs, err)
		_, err = p.GetRepository(ctx(t), missingRepo(repo))
		errs = append(errs, err)
		for _, err := range errs {
			if err == nil {
				continue
			}
			if msg := err.Error(); strings.Contains(msg, tok) || strings.Contains(msg, "hook-secret-value") {
				t.Errorf("%s: error text contains a secret: %s", prof, msg)
			}
		}
	}
	cfg := f.Config(f.Token(TokenFull))
	if strings.Contains(cfg.String(), cfg.Token) || strings.Contains(strings.ReplaceAll(fmtV(cfg), "\n", ""), cfg.Token) {
		t.Error("Config prints the token in String or fmt verbs")
	}
}

func fmtV(cfg vcs.Config) string { return fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg) }
