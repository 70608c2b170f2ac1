package vcstest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/vcs"
)

// ScaleFileSize is the size of every file the scale benchmarks change, so
// that the peak heap says something about content held.
const ScaleFileSize = 4 << 10

// BenchmarkScale measures a provider at the sizes of big pull requests and
// big accounts, against h's fake with BenchLatency per request:
//
//   - ChangedFiles/N: vcs.ReadChangedFiles on a pull request of N files
//     (50, 300, 3,000) of ScaleFileSize bytes;
//   - StreamChangedFiles/N: the same through vcs.StreamChangedFiles,
//     which holds only the files being read;
//   - ListRepositories/10000: ranging over 10,000 repositories;
//   - RepeatRead/50: reading the same 50 files at one commit SHA a second
//     time;
//   - RepeatReadAtBranch/50: the same at the pull request's source branch,
//     which a provider revalidates where the host gives ETags (304s).
//
// Every sub-benchmark reports "round-trips" (wall time of one operation
// divided by BenchLatency, which includes CPU time on a loaded machine),
// "waves" (rounds of requests on the critical path, see Meter.Waves),
// "requests" (HTTP requests sent), "points"
// (what GitHub's secondary rate limit would charge for them: 1 a GET or
// GraphQL query, 5 a write; a 304 answer costs nothing against the primary
// limit), "points-busiest-minute" (the most points in any 60 seconds;
// GitHub allows 900) and "peak-heap-MB" (the most live heap seen while the
// operation ran, above the heap before it, read after forced collections;
// the fake's own allocations are included).
// Run the big sizes once: go test -run NONE -bench Scale -benchtime 1x.
func BenchmarkScale(b *testing.B, h Harness) {
	for _, n := range []int{50, 300, 3000} {
		b.Run(fmt.Sprintf("ChangedFiles/%d", n), func(b *testing.B) {
			benchChangedFiles(b, h, n, false)
		})
		b.Run(fmt.Sprintf("StreamChangedFiles/%d", n), func(b *testing.B) {
			benchChangedFiles(b, h, n, true)
		})
	}
	b.Run("ListRepositories/10000", func(b *testing.B) {
		benchListRepositories(b, h, 10000)
	})
	b.Run("RepeatRead/50", func(b *testing.B) {
		benchRepeatRead(b, h, 50, false)
	})
	b.Run("RepeatReadAtBranch/50", func(b *testing.B) {
		benchRepeatRead(b, h, 50, true)
	})
}

// ScaleFixture returns a fixture whose pull request changes n files of
// ScaleFileSize bytes each, with no extra repositories and the hosts' own
// page sizes.
func ScaleFixture(n int) Fixture {
	fx := DefaultFixture()
	fx.Changes = map[string]*string{}
	for i := range n {
		head := fmt.Sprintf("-- migration %05d\n", i)
		fx.Changes[fmt.Sprintf("migrations/%05d_scale.sql", i)] = str(head + strings.Repeat("x", ScaleFileSize-len(head)-1) + "\n")
	}
	fx.ExpectedChanges = expectedChanges(fx)
	fx.ExtraRepos = 0
	fx.PageSize = 0
	return fx
}

// scaleRun is one measured provider: the fake, a provider opened on a
// metered client, and the meter.
type scaleRun struct {
	fake  Fake
	p     vcs.Provider
	meter *Meter
}

func newScaleRun(b *testing.B, h Harness, fx Fixture) *scaleRun {
	b.Helper()
	f := h.New(b, fx)
	cfg := f.Config(f.Token(TokenFull))
	m := &Meter{}
	cfg.HTTPClient = m.Wrap(cfg.HTTPClient)
	p, err := vcs.Open(cfg)
	if err != nil {
		b.Fatal(err)
	}
	f.SetLatency(BenchLatency)
	return &scaleRun{fake: f, p: p, meter: m}
}

// measure runs op b.N times and reports the metrics of BenchmarkScale.
// WatchHeap runs during the timed runs (its collections every 20 ms add
// a little CPU time to "round-trips", none to "waves").
func (s *scaleRun) measure(b *testing.B, op func() error) {
	b.Helper()
	// The API-description checks (internal/apispec) see every exchange
	// in test binaries; they check the fakes, not the provider's speed,
	// and cost more than the requests at these sizes.
	defer fakehttp.SetObserver(fakehttp.SetObserver(nil))
	var elapsed time.Duration
	var peak uint64
	runs := 0
	s.meter.Reset()
	for b.Loop() {
		// A fresh hour of the hosts' primary limits (GitHub: 5,000
		// requests an hour) for every run.
		s.fake.Advance(time.Hour)
		watch := WatchHeap()
		start := time.Now()
		err := op()
		elapsed += time.Since(start)
		peak = max(peak, watch())
		runs++
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(elapsed)/float64(runs)/float64(BenchLatency), "round-trips")
	b.ReportMetric(float64(s.meter.Waves(BenchLatency))/float64(runs), "waves")
	b.ReportMetric(float64(s.meter.Requests())/float64(runs), "requests")
	b.ReportMetric(float64(s.meter.Points())/float64(runs), "points")
	b.ReportMetric(float64(s.meter.BusiestMinute()), "points-busiest-minute")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

func benchChangedFiles(b *testing.B, h Harness, n int, stream bool) {
	s := newScaleRun(b, h, ScaleFixture(n))
	ctx := context.Background()
	s.measure(b, func() error {
		if stream {
			got := 0
			for fc, err := range vcs.StreamChangedFiles(ctx, s.p, s.fake.Repo(), s.fake.PullRequest(), vcs.ReadChangedFilesOptions{}) {
				if err != nil {
					return checkCount(b, got, n, err)
				}
				if len(fc.Content) != ScaleFileSize {
					return fmt.Errorf("%s: %d bytes, want %d", fc.Path, len(fc.Content), ScaleFileSize)
				}
				got++
			}
			return checkCount(b, got, n, nil)
		}
		got, err := vcs.ReadChangedFiles(ctx, s.p, s.fake.Repo(), s.fake.PullRequest(), vcs.ReadChangedFilesOptions{})
		return checkCount(b, len(got), n, err)
	})
}

// checkCount accepts n files, or fewer with an error matching
// vcs.ErrTruncated: a host that caps a pull request's diff (GitLab keeps
// 1,000 files by default) reads what it lists. The files read are reported
// as "files".
func checkCount(b *testing.B, got, n int, err error) error {
	switch {
	case errors.Is(err, vcs.ErrTruncated) && got > 0 && got < n:
		err = nil
	case err == nil && got != n:
		err = fmt.Errorf("%d files, want %d", got, n)
	}
	b.ReportMetric(float64(got), "files")
	return err
}

func benchListRepositories(b *testing.B, h Harness, n int) {
	fx := ScaleFixture(1)
	fx.ExtraRepos = n
	s := newScaleRun(b, h, fx)
	ctx := context.Background()
	s.measure(b, func() error {
		got := 0
		for _, err := range s.p.ListRepositories(ctx) {
			if err != nil {
				return err
			}
			got++
		}
		if got < n {
			return fmt.Errorf("listed %d repositories, want at least %d", got, n)
		}
		return nil
	})
}

func benchRepeatRead(b *testing.B, h Harness, n int, atBranch bool) {
	fx := ScaleFixture(n)
	s := newScaleRun(b, h, fx)
	ctx := context.Background()
	pr, err := s.p.GetPullRequest(ctx, s.fake.Repo(), s.fake.PullRequest())
	if err != nil {
		b.Fatal(err)
	}
	opts := vcs.ReadChangedFilesOptions{Ref: pr.HeadSHA}
	if atBranch {
		opts.Ref = fx.SourceBranch
	}
	files, err := s.p.ListPullRequestFiles(ctx, s.fake.Repo(), s.fake.PullRequest())
	if err != nil {
		b.Fatal(err)
	}
	read := func() error {
		var wg sync.WaitGroup
		errs := make(chan error, len(files))
		for _, f := range files {
			wg.Go(func() {
				if _, err := s.p.ReadFile(ctx, s.fake.Repo(), f.Path, opts.Ref); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		return <-errs
	}
	if err := read(); err != nil { // the first read, not measured
		b.Fatal(err)
	}
	s.measure(b, read)
}

// Meter counts the requests an HTTP client sends and the points GitHub's
// secondary rate limit would charge for them.
type Meter struct {
	requests, points atomic.Int64
	mu               sync.Mutex
	starts           []time.Time
	charged          []time.Time // when each charged point's request started, one entry a point
}

// Wrap returns a client that sends through c (nil: http.DefaultClient)
// and counts on m.
func (m *Meter) Wrap(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	w := *c
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	w.Transport = meterTransport{next: next, m: m}
	return &w
}

// Reset zeroes the counts.
func (m *Meter) Reset() {
	m.requests.Store(0)
	m.points.Store(0)
	m.mu.Lock()
	m.starts = m.starts[:0]
	m.charged = m.charged[:0]
	m.mu.Unlock()
}

// BusiestMinute returns the most points charged in any 60 seconds since
// Reset: GitHub allows 900 for REST endpoints.
func (m *Meter) BusiestMinute() int {
	m.mu.Lock()
	ts := slices.Clone(m.charged)
	m.mu.Unlock()
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	most, lo := 0, 0
	for hi := range ts {
		for ts[hi].Sub(ts[lo]) >= time.Minute {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

// Waves returns how many rounds of requests were sent since Reset: a
// round starts with a request and takes in every request started within
// latency of it. With latency set to the fake's delay it counts the round
// trips on the critical path whatever the machine's load (wall time
// divided by the latency also counts CPU time).
func (m *Meter) Waves(latency time.Duration) int {
	m.mu.Lock()
	starts := slices.Clone(m.starts)
	m.mu.Unlock()
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	waves := 0
	var open time.Time
	for _, t := range starts {
		if waves == 0 || !t.Before(open.Add(latency)) {
			waves++
			open = t
		}
	}
	return waves
}

// Requests returns how many requests were sent.
func (m *Meter) Requests() int64 { return m.requests.Load() }

// Points returns the secondary-limit points charged: GitHub counts 1 for a
// GET, HEAD or OPTIONS and for a GraphQL query, 5 for a write or a
// GraphQL mutation ("Calculating points for the secondary rate limit",
// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api).
// A 304 Not Modified is not counted: GitHub does not charge conditional
// requests answered 304 against the primary limit (same page, "Use
// conditional requests if appropriate").
func (m *Meter) Points() int64 { return m.points.Load() }

type meterTransport struct {
	next http.RoundTripper
	m    *Meter
}

func (t meterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	cost := int64(1)
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if !strings.HasSuffix(r.URL.Path, "/graphql") {
			cost = 5
		}
	}
	t.m.requests.Add(1)
	start := time.Now()
	t.m.mu.Lock()
	t.m.starts = append(t.m.starts, start)
	t.m.mu.Unlock()
	resp, err := t.next.RoundTrip(r)
	if err == nil && resp.StatusCode != http.StatusNotModified {
		t.m.points.Add(cost)
		t.m.mu.Lock()
		for range cost {
			t.m.charged = append(t.m.charged, start)
		}
		t.m.mu.Unlock()
	}
	return resp, err
}

// WatchHeap measures the live heap while an operation runs: every 20 ms
// it runs a collection and reads the heap it kept, until the returned
// function is called, which returns the highest reading above the live
// heap at the start. Forced collections make the reading what the program
// holds, not the garbage it has not yet collected.
func WatchHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	read := func() uint64 {
		runtime.GC()
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	base := read()
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		if p := peak.Load(); p > base {
			return p - base
		}
		return 0
	}
}
