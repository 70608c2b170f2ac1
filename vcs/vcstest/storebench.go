package vcstest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// benchParser accepts every delivery; its body is the pull request
// number, its X-Delivery header the delivery ID. It keeps the benchmark
// about recording: verifying a signature and parsing a host's JSON cost
// the same with or without a store.
type benchParser struct{}

func (benchParser) Verify(http.Header, []byte, string) error { return nil }
func (benchParser) Parse(h http.Header, body []byte) (*vcs.Event, error) {
	n, err := strconv.Atoi(string(body))
	if err != nil {
		return nil, vcs.Errorf("", "Parse", vcs.ErrInvalidPayload, "not a number")
	}
	return MergedEvent(vcs.KindGitHub, "acme/bench", n, h.Get("X-Delivery")), nil
}

// BenchmarkRecord measures how fast WebhookHandler with a store answers
// the host: replicas handlers, each with its own store client (from
// clients), take deliveries of distinct merges from parallel senders
// (b.RunParallel: GOMAXPROCS × -cpu senders). One delivery in four is a
// duplicate of an earlier one (a redelivery), which must be answered 200
// as well. It reports "deliveries/s" and "p99-ms", the 99th percentile of
// the time to answer one delivery.
func BenchmarkRecord(b *testing.B, replicas int, clients func() vcs.Store) {
	hs := make([]*vcs.WebhookHandler, replicas)
	for i := range hs {
		s := clients()
		b.Cleanup(func() { _ = s.Close() })
		hs[i] = &vcs.WebhookHandler{Parser: benchParser{}, Secret: "s", Store: s}
	}
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := next.Add(1)
			n := i
			if i%4 == 0 {
				n = i / 2 // a merge delivered before
			}
			r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader([]byte(strconv.FormatInt(n, 10))))
			r.Header.Set("X-Delivery", fmt.Sprint("d-", i))
			w := httptest.NewRecorder()
			t0 := time.Now()
			hs[i%int64(replicas)].ServeHTTP(w, r)
			mine = append(mine, time.Since(t0))
			if w.Code != http.StatusOK {
				b.Errorf("delivery %d answered %d: %s", i, w.Code, w.Body)
				return
			}
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	p99 := lat[min(len(lat)-1, len(lat)*99/100)]
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "deliveries/s")
	b.ReportMetric(float64(p99)/float64(time.Millisecond), "p99-ms")
}
