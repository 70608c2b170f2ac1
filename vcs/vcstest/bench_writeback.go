package vcstest

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// BenchmarkCommitFiles measures one CommitFiles of three files (a create,
// an update, a delete) against h's fake and reports "round-trips": the
// requests the provider sent for it, counted at the transport (GitHub's
// Git Data API takes four, GitLab two, Bitbucket and Azure DevOps one).
func BenchmarkCommitFiles(b *testing.B, h Harness) {
	fx := DefaultFixture()
	fx.ExtraRepos = 0
	f := h.New(b, fx)
	cfg := f.Config(f.Token(TokenWriteBack))
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	cnt := &counting{next: base}
	hc := &http.Client{Transport: cnt}
	if cfg.HTTPClient != nil {
		hc.CheckRedirect = cfg.HTTPClient.CheckRedirect
	}
	cfg.HTTPClient = hc
	p, err := vcs.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	head, err := p.GetBranch(ctx, f.Repo(), fx.DefaultBranch)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.CreateBranch(ctx, f.Repo(), "bench/commit", head.SHA); err != nil {
		b.Fatal(err)
	}
	sha, sent, i := head.SHA, int64(0), 0
	for b.Loop() {
		i++
		before := cnt.n.Load()
		c, err := p.CommitFiles(ctx, f.Repo(), vcs.CommitOptions{Branch: "bench/commit", BaseSHA: sha, Message: "bench", Files: []vcs.FileChange{
			{Action: vcs.FileCreate, Path: fmt.Sprintf("migrations/bench/%06d.sql", i), Content: []byte("SELECT 1;\n")},
			{Action: vcs.FileUpdate, Path: "README.md", Content: fmt.Appendf(nil, "# run %d\n", i)},
			{Action: vcs.FileDelete, Path: fmt.Sprintf("migrations/bench/%06d.sql", i-1), Content: nil},
		}[:3-boolInt(i == 1)]})
		if err != nil {
			b.Fatal(err)
		}
		sent += cnt.n.Load() - before
		sha = c.SHA
	}
	b.ReportMetric(float64(sent)/float64(i), "round-trips")
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}
