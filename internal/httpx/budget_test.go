package httpx

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

func budgetClient(t *testing.T, rt http.RoundTripper, b *Budget) *http.Client {
	t.Helper()
	cfg := vcs.Config{Kind: "test", Token: "tok", HTTPClient: &http.Client{Transport: rt}}
	c, err := NewClient(Options{
		Kind: "test", Config: cfg, AuthHosts: []string{"api.example.test"},
		Credentials: NewCredentials(cfg), Authorize: Bearer, Budget: b,
		Retry: RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get(t *testing.T, c *http.Client, ctx context.Context) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://api.example.test/x", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func TestBudgetCapsRequestsInFlight(t *testing.T) {
	var in, most atomic.Int64
	release := make(chan struct{})
	rt := &recorder{answer: func(*http.Request, int) *http.Response {
		n := in.Add(1)
		defer in.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		<-release
		return answer(http.StatusOK, nil, "")
	}}
	c := budgetClient(t, rt, NewBudget(BudgetOptions{MaxInFlight: 3}, nil))
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { get(t, c, context.Background()) })
	}
	for most.Load() < 3 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if m := most.Load(); m != 3 {
		t.Errorf("%d requests in flight at once, want 3", m)
	}
}

func TestBudgetPacesPastTheBurst(t *testing.T) {
	rt := &recorder{answer: func(*http.Request, int) *http.Response { return answer(http.StatusOK, nil, "") }}
	b := NewBudget(BudgetOptions{PerMinute: 60 * 200, Burst: 2}, nil) // 200 a second
	c := budgetClient(t, rt, b)
	for range 2 {
		get(t, c, context.Background())
	}
	if b.RateLimit().Paced != 0 {
		t.Fatal("requests within the burst waited")
	}
	for range 3 {
		get(t, c, context.Background())
	}
	if b.RateLimit().Paced == 0 {
		t.Error("requests past the burst did not wait for the budget")
	}
}

func TestBudgetKeepsTheHostsFigures(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	reset := now.Add(time.Hour).Unix()
	for _, tc := range []struct {
		name   string
		header http.Header
		want   vcs.RateLimit
	}{
		{"GitHub", http.Header{"X-Ratelimit-Limit": {"5000"}, "X-Ratelimit-Remaining": {"4990"}, "X-Ratelimit-Reset": {strconv.FormatInt(reset, 10)}, "X-Ratelimit-Resource": {"core"}},
			vcs.RateLimit{Resource: "core", Limit: 5000, Remaining: 4990, Reset: time.Unix(reset, 0), Observed: now}},
		{"GitLab", http.Header{"Ratelimit-Limit": {"2000"}, "Ratelimit-Remaining": {"1999"}, "Ratelimit-Reset": {strconv.FormatInt(reset, 10)}, "Ratelimit-Name": {"throttle_authenticated_api"}},
			vcs.RateLimit{Resource: "throttle_authenticated_api", Limit: 2000, Remaining: 1999, Reset: time.Unix(reset, 0), Observed: now}},
		{"none", http.Header{}, vcs.RateLimit{Limit: -1, Remaining: -1}},
	} {
		rt := &recorder{answer: func(*http.Request, int) *http.Response { return answer(http.StatusOK, tc.header.Clone(), "") }}
		b := NewBudget(BudgetOptions{}, func() time.Time { return now })
		get(t, budgetClient(t, rt, b), context.Background())
		if got := b.RateLimit(); got != tc.want {
			t.Errorf("%s: RateLimit() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// Answers that overlap arrive out of order: the lower count stands.
	b := NewBudget(BudgetOptions{}, func() time.Time { return now })
	for _, left := range []string{"10", "12"} {
		b.observe(http.Header{"X-Ratelimit-Remaining": {left}, "X-Ratelimit-Reset": {strconv.FormatInt(reset, 10)}})
	}
	if got := b.RateLimit().Remaining; got != 10 {
		t.Errorf("Remaining = %d after answers saying 10 then 12 in one window, want 10", got)
	}
	var nilBudget *Budget
	if got := nilBudget.RateLimit(); got.Limit != -1 || got.Remaining != -1 {
		t.Errorf("nil budget: %+v", got)
	}
}

func TestBudgetHoldsUntilTheWindowResets(t *testing.T) {
	// The fake clock stands 50 ms before the window's reset.
	reset := time.Unix(time.Now().Unix()+1, 0)
	clock := func() time.Time { return reset.Add(-50 * time.Millisecond) }
	spent := http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(reset.Unix(), 10)}}
	rt := &recorder{answer: func(*http.Request, int) *http.Response { return answer(http.StatusOK, spent.Clone(), "") }}
	b := NewBudget(BudgetOptions{}, clock)
	c := budgetClient(t, rt, b)
	get(t, c, context.Background()) // learns that the window is spent
	// A caller that cannot wait for the reset is not held: it gets the
	// host's answer.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	get(t, c, ctx)
	if b.RateLimit().Paced != 0 {
		t.Fatal("a request whose context ends before the reset was held")
	}
	// One that can is held until the reset.
	get(t, c, context.Background())
	if p := b.RateLimit().Paced; p < 40*time.Millisecond {
		t.Errorf("held %v, want until the window's reset", p)
	}
	if len(rt.seen) != 3 {
		t.Errorf("%d requests sent, want 3", len(rt.seen))
	}
}
