package vcstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// BenchLatency is the delay the benchmark injects into every fake request:
// one round trip to the host.
const BenchLatency = 20 * time.Millisecond

// BenchmarkReadChangedFiles measures vcs.ReadChangedFiles on a pull
// request that changes 50 files, against h's fake with BenchLatency per
// request. It reports "round-trips": the wall time of one call divided by
// BenchLatency. Reading the files one after another would take 52 (list,
// then 51 requests); the "Sequential" sub-benchmark shows it.
func BenchmarkReadChangedFiles(b *testing.B, h Harness) {
	const files = 50
	fx := DefaultFixture()
	fx.Changes = map[string]*string{}
	for i := range files {
		fx.Changes[fmt.Sprintf("migrations/%03d_bench.sql", i)] = str(fmt.Sprintf("CREATE TABLE t%03d (id bigint);\n", i))
	}
	fx.ExpectedChanges = expectedChanges(fx)
	fx.ExtraRepos = 0
	fx.PageSize = 100
	for _, bc := range []struct {
		name        string
		concurrency int
	}{{"Concurrent", 0}, {"Sequential", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			f := h.New(b, fx)
			p, err := vcs.Open(f.Config(f.Token(TokenFull)))
			if err != nil {
				b.Fatal(err)
			}
			f.SetLatency(BenchLatency)
			ctx := context.Background()
			start := time.Now()
			for b.Loop() {
				got, err := vcs.ReadChangedFiles(ctx, p, f.Repo(), f.PullRequest(), vcs.ReadChangedFilesOptions{Concurrency: bc.concurrency})
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != files {
					b.Fatalf("%d files, want %d", len(got), files)
				}
			}
			per := time.Since(start) / time.Duration(b.N)
			b.ReportMetric(float64(per)/float64(BenchLatency), "round-trips")
		})
	}
}
