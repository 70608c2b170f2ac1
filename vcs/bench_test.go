package vcs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	_ "github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
)

// benchLatency is the injected delay of every fake request: one round
// trip.
const benchLatency = 20 * time.Millisecond

func benchPullRequest(b *testing.B, files int) (*githubtest.Server, vcs.Provider, int) {
	b.Helper()
	srv := githubtest.New()
	if err := srv.CreateRepo("acme/db", true, map[string]string{"README.md": "x"}); err != nil {
		b.Fatal(err)
	}
	srv.SetRole("acme/db", "bot", githubtest.RoleAdmin)
	changes := map[string]*string{}
	for i := range files {
		sql := fmt.Sprintf("CREATE TABLE t%03d (id bigint);\n", i)
		changes[fmt.Sprintf("migrations/%03d.sql", i)] = &sql
	}
	if _, err := srv.CommitFiles("acme/db", "feature", changes); err != nil {
		b.Fatal(err)
	}
	n, err := srv.OpenPullRequest("acme/db", "feature", "main", "bench", "alice")
	if err != nil {
		b.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "bot", Scopes: []string{"repo"}})
	p, err := vcs.Open(srv.Config(tok))
	if err != nil {
		b.Fatal(err)
	}
	srv.SetLatency(benchLatency)
	return srv, p, n
}

// BenchmarkReadChangedFiles reads a 50-file pull request against the
// GitHub fake with a 20 ms delay per request. "round-trips" is the wall
// time divided by that delay: the usual list-then-read-each-in-turn does
// 52 requests (Sequential), ReadChangedFiles about 3.
func BenchmarkReadChangedFiles(b *testing.B) {
	for _, bc := range []struct {
		name        string
		concurrency int
	}{
		{"Concurrent", 0},
		{"Sequential", 1},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv, p, n := benchPullRequest(b, 50)
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			reqs := srv.Requests()
			for b.Loop() {
				files, err := vcs.ReadChangedFiles(ctx, p, "acme/db", n, vcs.ReadChangedFilesOptions{Concurrency: bc.concurrency})
				if err != nil {
					b.Fatal(err)
				}
				if len(files) != 50 {
					b.Fatalf("%d files, want 50", len(files))
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(benchLatency), "round-trips")
			b.ReportMetric(float64(srv.Requests()-reqs)/float64(b.N), "requests/op")
			b.ReportMetric(float64(srv.MaxInFlight()), "max-in-flight")
		})
	}
}
