package vcstest

import (
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// testRepeatReadAtCommit checks that a file read again at a full commit
// SHA is answered without a request, with its own copy of the content,
// and that a read at a branch still asks the host.
func (s *suite) testRepeatReadAtCommit(t *testing.T) {
	f, fx := s.fake(t)
	cfg := f.Config(f.Token(TokenFull))
	m := &Meter{}
	cfg.HTTPClient = m.Wrap(cfg.HTTPClient)
	p := open(t, cfg)
	repo := f.Repo()
	pr, err := p.GetPullRequest(ctx(t), repo, f.PullRequest())
	if err != nil {
		t.Fatal(err)
	}
	const path = "migrations/004_users.sql"
	want := *fx.Changes[path]
	first, err := p.ReadFile(ctx(t), repo, path, pr.HeadSHA)
	if err != nil || string(first.Content) != want {
		t.Fatalf("ReadFile at the head SHA = %v, %v", first, err)
	}
	first.Content[0] = '#' // the caller's copy is its own
	m.Reset()
	again, err := p.ReadFile(ctx(t), repo, path, pr.HeadSHA)
	if err != nil || string(again.Content) != want || again.Ref != pr.HeadSHA || again.Path != path {
		t.Fatalf("second ReadFile at the head SHA = %+v, %v; want %q at %s", again, err, want, pr.HeadSHA)
	}
	if n := m.Requests(); n != 0 {
		t.Errorf("a repeated read at a commit SHA sent %d requests, want 0", n)
	}
	if _, err := p.ReadFile(ctx(t), repo, path, fx.SourceBranch); err != nil {
		t.Fatal(err)
	}
	if m.Requests() == 0 {
		t.Error("a read at a branch was answered from memory; a branch moves")
	}
	// Through the workflow too: the second pass over the pull request
	// reads nothing again.
	opts := vcs.ReadChangedFilesOptions{Ref: pr.HeadSHA}
	if _, err := vcs.ReadChangedFiles(ctx(t), p, repo, f.PullRequest(), opts); err != nil {
		t.Fatal(err)
	}
	m.Reset()
	files, err := vcs.ReadChangedFiles(ctx(t), p, repo, f.PullRequest(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, fc := range files {
		if fc.Status != vcs.FileRemoved && fc.Content == nil {
			t.Errorf("%s has no content on the second pass", fc.Path)
		}
	}
	// Only the list is asked again (its pages; no file).
	if n, listed := m.Requests(), len(files); n == 0 || n >= int64(listed) {
		t.Errorf("second pass sent %d requests for %d files, want only the list's pages", n, listed)
	}
}

// testRateLimitReported checks that the provider reports the rate limit
// its requests count against (vcs.RateLimitReporter), with figures that
// hold together where the host sends them.
func (s *suite) testRateLimitReported(t *testing.T) {
	f, _ := s.fake(t)
	p := open(t, f.Config(f.Token(TokenFull)))
	rr, ok := p.(vcs.RateLimitReporter)
	if !ok {
		t.Fatalf("%T does not report its rate limit (vcs.RateLimitReporter)", p)
	}
	if rl := rr.RateLimit(); rl.Limit != -1 || rl.Remaining != -1 || !rl.Observed.IsZero() {
		t.Errorf("before any request RateLimit() = %+v, want nothing said", rl)
	}
	if _, err := p.GetRepository(ctx(t), f.Repo()); err != nil {
		t.Fatal(err)
	}
	rl := rr.RateLimit()
	if rl.Observed.IsZero() {
		return // this host sends no figures on an ordinary answer
	}
	if rl.Limit < 0 || rl.Remaining < 0 || rl.Remaining > rl.Limit || rl.Reset.IsZero() {
		t.Errorf("RateLimit() = %+v: want a limit, what remains of it and the reset", rl)
	}
}
