package httpx

import (
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// RetryPolicy says when a request is sent again.
type RetryPolicy struct {
	// MaxAttempts counts the first try; 1 disables retries.
	MaxAttempts int
	// BaseDelay is the first backoff after a transport or server error;
	// it doubles per attempt, with jitter.
	BaseDelay time.Duration
	// MaxDelay caps one backoff.
	MaxDelay time.Duration
	// MaxWait caps a wait the host asked for (Retry-After, rate-limit
	// reset). A longer wait is not made: the answer is returned and maps
	// to ErrRateLimited with its RetryAfter. The context's deadline caps
	// every wait too.
	MaxWait time.Duration
}

// DefaultRetry is the policy providers use.
var DefaultRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: 250 * time.Millisecond, MaxDelay: 5 * time.Second, MaxWait: time.Minute}

type retryTransport struct {
	next   http.RoundTripper
	policy RetryPolicy
	now    func() time.Time
}

// safe reports whether sending req twice has the effect of sending it
// once, and whether its body can be sent again. POST and PATCH are never
// safe: a comment or webhook could be created twice, and none of the hosts
// honours an Idempotency-Key header on its REST API.
func safe(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	}
	return false
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !safe(req) || t.policy.MaxAttempts <= 1 {
		return t.next.RoundTrip(req)
	}
	for attempt := 1; ; attempt++ {
		r := req
		if attempt > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			r = req.Clone(req.Context())
			r.Body = body
		}
		resp, err := t.next.RoundTrip(r)
		if attempt >= t.policy.MaxAttempts || req.Context().Err() != nil {
			return resp, err
		}
		wait, retry := t.decide(resp, err, attempt)
		if !retry {
			return resp, err
		}
		if deadline, ok := req.Context().Deadline(); ok && time.Until(deadline) < wait {
			return resp, err // the caller cannot wait that long: let it see the answer
		}
		if resp != nil {
			_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
			resp.Body.Close()
		}
		if err := Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
	}
}

// decide returns how long to wait before the next attempt, and whether
// there should be one.
func (t *retryTransport) decide(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := t.policy.BaseDelay << (attempt - 1)
	if backoff > t.policy.MaxDelay || backoff <= 0 {
		backoff = t.policy.MaxDelay
	}
	backoff = backoff/2 + rand.N(backoff/2+1)
	if err != nil {
		var ve *vcs.Error
		if IsTLSError(err) || errors.As(err, &ve) {
			// A certificate does not fix itself, nor does an answer this
			// library refused (too large, a sign-in page, a redirect).
			return 0, false
		}
		return backoff, true
	}
	if wait, ok := RetryAfter(resp, t.now()); ok {
		if wait > t.policy.MaxWait {
			return 0, false
		}
		return wait, true
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return backoff, true
	}
	return 0, false
}

// RetryAfter returns the wait a host asked for: the Retry-After header
// (seconds or an HTTP date), or, on a 403/429 with no requests remaining,
// the time until the rate-limit window resets.
func RetryAfter(resp *http.Response, now time.Time) (time.Duration, bool) {
	if resp == nil {
		return 0, false
	}
	if v := strings.TrimSpace(resp.Header.Get("Retry-After")); v != "" && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusServiceUnavailable) {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil && secs >= 0 {
			// A huge value must not overflow into a negative (no) wait.
			return time.Duration(min(secs, maxRetryAfterSeconds)) * time.Second, true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(at.Sub(now), 0), true
		}
	}
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	remaining := firstHeader(resp.Header, "X-RateLimit-Remaining", "RateLimit-Remaining")
	if remaining != "0" {
		return 0, false
	}
	reset := firstHeader(resp.Header, "X-RateLimit-Reset", "RateLimit-Reset")
	if secs, err := strconv.ParseInt(strings.TrimSpace(reset), 10, 64); err == nil {
		// Epoch seconds on GitHub and GitLab.
		// A second more, as the window resets during that second; Sub
		// saturates for absurd values, so do not overflow adding it.
		wait := max(time.Unix(secs, 0).Sub(now), 0)
		if wait < math.MaxInt64-time.Second {
			wait += time.Second
		}
		return wait, true
	}
	return 0, false
}

// maxRetryAfterSeconds bounds a Retry-After so that it fits a
// time.Duration (about 292 years); any wait that long is refused anyway.
const maxRetryAfterSeconds = int64(math.MaxInt64 / time.Second)

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}
