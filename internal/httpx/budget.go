package httpx

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gitprovider/gitprovider/vcs"
)

// BudgetOptions describe a host's documented limits, which a Budget keeps
// a provider's requests within.
type BudgetOptions struct {
	// PerMinute is how many requests a minute to allow on average; 0
	// means no pacing. Burst is how many may go at once before pacing
	// starts. Pick them so that Burst + PerMinute stays within the
	// host's limit for any one minute.
	PerMinute, Burst int
	// MaxInFlight caps the requests in flight at once; 0 means no cap.
	MaxInFlight int
	// MaxHold is the longest a request is held when the host said its
	// window is spent (remaining 0) until the window resets; a longer
	// wait is not made and the request goes out (the host's answer then
	// maps to vcs.ErrRateLimited). 0 means a minute.
	MaxHold time.Duration
}

// Budget paces the requests of one provider, shared by all its calls:
// a token bucket (golang.org/x/time/rate) for a per-minute limit, a cap on
// requests in flight, and, whatever the host, a hold until the window
// resets when the host's rate-limit headers say nothing is left. It keeps
// the last figures the host reported (RateLimit). A nil *Budget paces
// nothing.
type Budget struct {
	limiter *rate.Limiter
	slots   chan struct{}
	maxHold time.Duration
	now     func() time.Time

	mu    sync.Mutex
	last  vcs.RateLimit
	paced time.Duration
}

// NewBudget returns a budget for o, reading the time from now (nil:
// time.Now), the clock rate-limit resets are compared with.
func NewBudget(o BudgetOptions, now func() time.Time) *Budget {
	if now == nil {
		now = time.Now
	}
	b := &Budget{maxHold: o.MaxHold, now: now, last: vcs.RateLimit{Limit: -1, Remaining: -1}}
	if b.maxHold <= 0 {
		b.maxHold = time.Minute
	}
	if o.PerMinute > 0 {
		b.limiter = rate.NewLimiter(rate.Limit(float64(o.PerMinute)/60), max(o.Burst, 1))
	}
	if o.MaxInFlight > 0 {
		b.slots = make(chan struct{}, o.MaxInFlight)
	}
	return b
}

// RateLimit returns what the host last reported, with the time requests
// spent waiting for the budget.
func (b *Budget) RateLimit() vcs.RateLimit {
	if b == nil {
		return vcs.RateLimit{Limit: -1, Remaining: -1}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	rl := b.last
	rl.Paced = b.paced
	return rl
}

// acquire waits for the budget to allow one more request and returns the
// function that gives its slot back.
func (b *Budget) acquire(ctx context.Context) (release func(), err error) {
	start := time.Now()
	if b.slots != nil {
		select {
		case b.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	release = func() {
		if b.slots != nil {
			<-b.slots
		}
	}
	if b.limiter != nil {
		if err := b.limiter.Wait(ctx); err != nil {
			release()
			return nil, err
		}
	}
	if wait := b.hold(); wait > 0 && !tooLong(ctx, wait) {
		if err := Sleep(ctx, wait); err != nil {
			release()
			return nil, err
		}
	}
	if d := time.Since(start); d > time.Millisecond {
		b.mu.Lock()
		b.paced += d
		b.mu.Unlock()
	}
	return release, nil
}

// tooLong reports whether ctx ends before wait is over: then the request
// goes out at once and the caller sees the host's answer
// (vcs.ErrRateLimited with its RetryAfter) rather than a timeout.
func tooLong(ctx context.Context, wait time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < wait
}

// hold is how long to wait because the host said its window is spent.
func (b *Budget) hold() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.Remaining != 0 || b.last.Reset.IsZero() {
		return 0
	}
	wait := b.last.Reset.Sub(b.now())
	if wait <= 0 || wait > b.maxHold {
		return 0
	}
	return wait
}

// observe keeps the rate-limit figures of an answer, if it has any.
func (b *Budget) observe(h http.Header) {
	rl, ok := ParseRateLimit(h, b.now())
	if !ok {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	// Answers arrive out of order when requests overlap: within one
	// window keep the lowest remaining count.
	if rl.Reset.Equal(b.last.Reset) && rl.Resource == b.last.Resource && b.last.Remaining >= 0 && rl.Remaining > b.last.Remaining {
		return
	}
	b.last = rl
}

// ParseRateLimit reads the rate-limit headers of an answer: GitHub's and
// Azure DevOps' X-RateLimit-Limit, -Remaining, -Reset (epoch seconds) and
// -Resource, GitLab's RateLimit-Limit, -Remaining, -Reset and -Name
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api,
// https://docs.gitlab.com/administration/settings/user_and_ip_rate_limits/,
// https://learn.microsoft.com/en-us/azure/devops/integrate/concepts/rate-limits).
// Bitbucket Cloud documents its limits but not their headers; where it
// sends X-RateLimit-* they are read the same way (unconfirmed).
func ParseRateLimit(h http.Header, now time.Time) (vcs.RateLimit, bool) {
	rl := vcs.RateLimit{Limit: -1, Remaining: -1, Observed: now}
	found := false
	num := func(names ...string) int {
		v := strings.TrimSpace(firstHeader(h, names...))
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		found = true
		return n
	}
	rl.Limit = num("X-RateLimit-Limit", "RateLimit-Limit")
	rl.Remaining = num("X-RateLimit-Remaining", "RateLimit-Remaining")
	if secs := num("X-RateLimit-Reset", "RateLimit-Reset"); secs > 0 {
		rl.Reset = time.Unix(int64(secs), 0)
	}
	rl.Resource = firstHeader(h, "X-RateLimit-Resource", "RateLimit-Name")
	return rl, found
}

type budgetTransport struct {
	next   http.RoundTripper
	budget *Budget
}

func (t *budgetTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	release, err := t.budget.acquire(req.Context())
	if err != nil {
		if req.Body != nil {
			req.Body.Close() // a RoundTripper closes the body, whatever happens
		}
		return nil, err
	}
	defer release()
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		t.budget.observe(resp.Header)
	}
	return resp, err
}
