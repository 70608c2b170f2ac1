package pager

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// numbered serves n items per per-item pages, telling the last page when
// tell is set, and counts calls and the most in flight.
type numbered struct {
	n, per      int
	tell        bool
	delay       time.Duration
	fail        int // page that fails
	calls       atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	mu          sync.Mutex
	pages       []int
}

func (s *numbered) fetch(ctx context.Context, page int) ([]int, int, int, error) {
	s.calls.Add(1)
	in := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if in <= m || s.maxInFlight.CompareAndSwap(m, in) {
			break
		}
	}
	s.mu.Lock()
	s.pages = append(s.pages, page)
	s.mu.Unlock()
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return nil, 0, 0, ctx.Err()
		}
	}
	if page == s.fail {
		return nil, 0, 0, errors.New("page failed")
	}
	last := max((s.n+s.per-1)/s.per, 1)
	var items []int
	for i := (page - 1) * s.per; i < min(page*s.per, s.n); i++ {
		items = append(items, i)
	}
	next := 0
	if page < last {
		next = page + 1
	}
	if !s.tell {
		last = 0
	}
	return items, next, last, nil
}

func collect(t *testing.T, seq func(func(int, error) bool)) ([]int, error) {
	t.Helper()
	var out []int
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func inOrder(got []int, n int) bool {
	if len(got) != n {
		return false
	}
	for i, v := range got {
		if v != i {
			return false
		}
	}
	return true
}

func TestPagesConcurrentInOrder(t *testing.T) {
	s := &numbered{n: 1000, per: 10, tell: true, delay: time.Millisecond}
	got, err := collect(t, Pages(context.Background(), 8, s.fetch))
	if err != nil || !inOrder(got, 1000) {
		t.Fatalf("got %d items, %v; want 0..999 in order", len(got), err)
	}
	if s.calls.Load() != 100 {
		t.Errorf("%d calls, want 100", s.calls.Load())
	}
	if m := s.maxInFlight.Load(); m > 8 || m < 2 {
		t.Errorf("at most %d pages in flight, want 2..8", m)
	}
}

func TestPagesSequentialWithoutLast(t *testing.T) {
	s := &numbered{n: 95, per: 10}
	got, err := collect(t, Pages(context.Background(), 8, s.fetch))
	if err != nil || !inOrder(got, 95) || s.maxInFlight.Load() != 1 || s.calls.Load() != 10 {
		t.Fatalf("got %d items, %v, %d in flight, %d calls", len(got), err, s.maxInFlight.Load(), s.calls.Load())
	}
}

func TestPagesStopsEarlyAndWaits(t *testing.T) {
	s := &numbered{n: 10000, per: 10, tell: true, delay: time.Millisecond}
	n := 0
	for _, err := range Pages(context.Background(), 4, s.fetch) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 25 {
			break
		}
	}
	if in := s.inFlight.Load(); in != 0 {
		t.Errorf("%d fetches still running after the range ended", in)
	}
	if c := s.calls.Load(); c > 3+4+1 {
		t.Errorf("%d pages fetched for 25 items, want no more than the window ahead", c)
	}
}

func TestPagesYieldsTheFirstError(t *testing.T) {
	s := &numbered{n: 500, per: 10, tell: true, fail: 7}
	got, err := collect(t, Pages(context.Background(), 4, s.fetch))
	if err == nil || err.Error() != "page failed" || !inOrder(got, 60) {
		t.Fatalf("got %d items, %v; want pages 1-6 then the failure", len(got), err)
	}
	if in := s.inFlight.Load(); in != 0 {
		t.Errorf("%d fetches still running", in)
	}
}

func TestPagesFollowsAGrownList(t *testing.T) {
	// The first page says 3 pages; by the time page 3 is read there are 5.
	fetch := func(_ context.Context, page int) ([]int, int, int, error) {
		next := page + 1
		if page == 5 {
			next = 0
		}
		last := 3
		return []int{page - 1}, next, last, nil
	}
	got, err := collect(t, Pages(context.Background(), 4, fetch))
	if err != nil || !inOrder(got, 5) {
		t.Fatalf("got %v, %v; want 0..4", got, err)
	}
}

func TestPagesRefusesABackwardNext(t *testing.T) {
	fetch := func(_ context.Context, page int) ([]int, int, int, error) {
		return []int{page}, 1, 0, nil
	}
	_, err := collect(t, Pages(context.Background(), 4, fetch))
	if !errors.Is(err, vcs.ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
}

func TestMapKeepsOrderAndBounds(t *testing.T) {
	var in, maxIn atomic.Int64
	src := func(yield func(int, error) bool) {
		for i := range 200 {
			if !yield(i, nil) {
				return
			}
		}
	}
	fn := func(ctx context.Context, v int) ([]int, error) {
		n := in.Add(1)
		defer in.Add(-1)
		for {
			m := maxIn.Load()
			if n <= m || maxIn.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(time.Duration(200-v) * 10 * time.Microsecond) // later items finish first
		return []int{2 * v, 2*v + 1}, nil
	}
	got, err := collect(t, Map(context.Background(), src, 8, fn))
	if err != nil || !inOrder(got, 400) {
		t.Fatalf("got %d items, %v; want 0..399 in order", len(got), err)
	}
	if m := maxIn.Load(); m > 8 || m < 2 {
		t.Errorf("%d calls at once, want 2..8", m)
	}
}

func TestMapStopsAtTheFirstError(t *testing.T) {
	src := func(yield func(int, error) bool) {
		for i := range 10 {
			if i == 5 {
				yield(0, errors.New("input failed"))
				return
			}
			if !yield(i, nil) {
				return
			}
		}
	}
	var running atomic.Int64
	fn := func(ctx context.Context, v int) ([]int, error) {
		running.Add(1)
		defer running.Add(-1)
		if v == 3 {
			return nil, errors.New("item failed")
		}
		return []int{v}, nil
	}
	got, err := collect(t, Map(context.Background(), src, 4, fn))
	if err == nil || err.Error() != "item failed" || !inOrder(got, 3) {
		t.Fatalf("got %v, %v; want 0..2 then the item's failure", got, err)
	}
	if running.Load() != 0 {
		t.Error("calls still running after the range ended")
	}
	got, err = collect(t, Map(context.Background(), src, 4, func(_ context.Context, v int) ([]int, error) { return []int{v}, nil }))
	if err == nil || err.Error() != "input failed" || !inOrder(got, 5) {
		t.Fatalf("got %v, %v; want 0..4 then the input's failure", got, err)
	}
}
