package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/vcs"
)

// recorder answers from a function and records what each request carried.
type recorder struct {
	mu     sync.Mutex
	seen   []*http.Request
	answer func(r *http.Request, n int) *http.Response
}

func (rt *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	rt.mu.Lock()
	rt.seen = append(rt.seen, r)
	n := len(rt.seen)
	rt.mu.Unlock()
	resp := rt.answer(r, n)
	resp.Request = r
	return resp, nil
}

func answer(status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: header, Body: io.NopCloser(strings.NewReader(body))}
}

func newTestClient(t *testing.T, rt http.RoundTripper, token string) *http.Client {
	t.Helper()
	cfg := vcs.Config{Kind: "test", Token: token, HTTPClient: &http.Client{Transport: rt}}
	c, err := NewClient(Options{
		Kind: "test", Config: cfg, AuthHosts: []string{"api.example.test"},
		Credentials: NewCredentials(cfg), Authorize: Bearer,
		Retry: RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxWait: time.Second},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestCredentialsOnlyToAPIHost(t *testing.T) {
	rt := &recorder{answer: func(r *http.Request, n int) *http.Response {
		if r.URL.Host == "api.example.test" && r.URL.Path == "/file" {
			return answer(http.StatusFound, http.Header{"Location": {"https://cdn.example.test/blob"}}, "")
		}
		return answer(http.StatusOK, nil, "ok")
	}}
	c := newTestClient(t, rt, "secret-token")
	req, _ := http.NewRequest(http.MethodGet, "https://api.example.test/file", nil)
	req.Header.Set("Authorization", "Bearer smuggled")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(rt.seen) != 2 {
		t.Fatalf("%d requests, want 2 (the redirect followed)", len(rt.seen))
	}
	if got := rt.seen[0].Header.Get("Authorization"); got != "Bearer secret-token" {
		t.Errorf("API host got Authorization %q", got)
	}
	if got := rt.seen[1].Header.Get("Authorization"); got != "" {
		t.Errorf("redirect target got Authorization %q", got)
	}
	// An absolute URL to another host gets no credentials either.
	req, _ = http.NewRequest(http.MethodGet, "http://api.example.test.evil.test/", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := rt.seen[2].Header.Get("Authorization"); got != "" {
		t.Errorf("other host got Authorization %q", got)
	}
	if ua := rt.seen[0].Header.Get("User-Agent"); !strings.HasPrefix(ua, "gitprovider/") {
		t.Errorf("User-Agent %q", ua)
	}
}

func TestRetryPolicy(t *testing.T) {
	rt := &recorder{answer: func(r *http.Request, n int) *http.Response {
		if n == 1 {
			return answer(http.StatusTooManyRequests, http.Header{"Retry-After": {"0"}}, "")
		}
		return answer(http.StatusOK, nil, "ok")
	}}
	c := newTestClient(t, rt, "tok-1234")
	req, _ := http.NewRequest(http.MethodPut, "https://api.example.test/x", strings.NewReader("body"))
	resp, err := c.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT after 429: %v %v", resp, err)
	}
	resp.Body.Close()
	if len(rt.seen) != 2 {
		t.Errorf("PUT sent %d times, want 2", len(rt.seen))
	}
	body, _ := io.ReadAll(rt.seen[1].Body)
	if string(body) != "body" {
		t.Errorf("retried PUT body = %q", body)
	}

	rt = &recorder{answer: func(*http.Request, int) *http.Response { return answer(http.StatusBadGateway, nil, "") }}
	c = newTestClient(t, rt, "tok-1234")
	req, _ = http.NewRequest(http.MethodPost, "https://api.example.test/comments", strings.NewReader("{}"))
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(rt.seen) != 1 {
		t.Errorf("POST sent %d times, want 1: never repeat a create", len(rt.seen))
	}
	req, _ = http.NewRequest(http.MethodGet, "https://api.example.test/x", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(rt.seen) != 1+3 {
		t.Errorf("GET on 502 sent %d times, want 3 (MaxAttempts)", len(rt.seen)-1)
	}
}

func TestRetryAfterParsing(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		status int
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{429, http.Header{"Retry-After": {"7"}}, 7 * time.Second, true},
		{429, http.Header{"Retry-After": {now.Add(3 * time.Second).UTC().Format(http.TimeFormat)}}, 3 * time.Second, true},
		{403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1700000010"}}, 11 * time.Second, true},
		{429, http.Header{"Ratelimit-Remaining": {"0"}, "Ratelimit-Reset": {"1700000005"}}, 6 * time.Second, true},
		{403, http.Header{"X-Ratelimit-Remaining": {"12"}}, 0, false},
		{200, http.Header{"Retry-After": {"5"}}, 0, false},
	} {
		got, ok := RetryAfter(&http.Response{StatusCode: tc.status, Header: tc.header}, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("RetryAfter(%d, %v) = %v, %t; want %v, %t", tc.status, tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestResponseCap(t *testing.T) {
	rt := &recorder{answer: func(*http.Request, int) *http.Response { return answer(200, nil, strings.Repeat("x", 100)) }}
	cfg := vcs.Config{Kind: "test", Token: "t", HTTPClient: &http.Client{Transport: rt}}
	c, err := NewClient(Options{Kind: "test", Config: cfg, MaxResponseBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Get("https://api.example.test/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("reading past the cap: %v, want ErrTooLarge", err)
	}
}

func TestErrorsMapping(t *testing.T) {
	creds := NewCredentials(vcs.Config{Token: "tok-abcdef"})
	now := time.Now()
	e := Errors{Kind: "test", Creds: creds, Now: func() time.Time { return now }}
	for status, want := range map[int]error{
		401: vcs.ErrUnauthorized, 403: vcs.ErrPermissionDenied, 404: vcs.ErrNotFound, 409: vcs.ErrConflict,
		422: vcs.ErrConflict, 429: vcs.ErrRateLimited, 500: vcs.ErrUnavailable, 400: vcs.ErrInvalidArgument,
	} {
		got := e.FromResponse("Op", answer(status, nil, ""), []byte(`{"message":"bad tok-abcdef here"}`))
		if !errors.Is(got, want) {
			t.Errorf("%d mapped to %v, want %v", status, got.Kind, want)
		}
		if strings.Contains(got.Error(), "tok-abcdef") || !strings.Contains(got.Error(), "[REDACTED]") {
			t.Errorf("%d: token not redacted: %v", status, got)
		}
	}
	creds.RecordExpiry(now.Add(-time.Minute))
	if got := e.FromResponse("Op", answer(401, nil, ""), nil); !errors.Is(got, vcs.ErrTokenExpired) {
		t.Errorf("401 after the known expiry = %v, want ErrTokenExpired", got)
	}
	limited := e.FromResponse("Op", answer(403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"9999999999"}}, ""), nil)
	if !errors.Is(limited, vcs.ErrRateLimited) || limited.RetryAfter <= 0 {
		t.Errorf("403 with no requests remaining = %v, want ErrRateLimited with RetryAfter", limited)
	}
	ctxErr := e.FromError("Op", context.Canceled)
	if !errors.Is(ctxErr, context.Canceled) {
		t.Errorf("context error lost: %v", ctxErr)
	}
	if hostMessage([]byte(`{"type":"error","error":{"message":"Bitbucket says no"}}`)) != "Bitbucket says no" {
		t.Error("nested error message not extracted")
	}
	if got := hostMessage([]byte(`{"message":{"url":["is blocked: Requests to the local network are not allowed"]}}`)); got != "url is blocked: Requests to the local network are not allowed" {
		t.Errorf("field validation message = %q", got)
	}
	if hostMessage([]byte("<html>sign in</html>")) != "" {
		t.Error("HTML pages must not become messages")
	}
}

func TestSetTokenConcurrent(t *testing.T) {
	c := NewCredentials(vcs.Config{Token: "first-token"})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if tok, _, _ := c.Token(); tok == "" {
					t.Error("empty token during rotation")
				}
			}
		}()
	}
	for j := 0; j < 200; j++ {
		if err := c.SetToken([]string{"second-token", "third-token"}[j%2]); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
	if err := c.SetToken("has space"); err == nil {
		t.Error("SetToken accepted white space")
	}
	if got := c.Redact("first-token second-token third-token"); strings.Contains(got, "token") && !strings.Contains(got, "[REDACTED]") {
		t.Errorf("Redact = %q", got)
	}
}

type stepSource struct{ tok *oauth2.Token }

func (s *stepSource) Token() (*oauth2.Token, error) { return s.tok, nil }

func TestTokenSourceRotationForgetsExpiry(t *testing.T) {
	src := &stepSource{tok: &oauth2.Token{AccessToken: "first-token"}}
	c := NewCredentials(vcs.Config{TokenSource: src})
	if _, _, err := c.Token(); err != nil {
		t.Fatal(err)
	}
	c.RecordExpiry(time.Unix(1, 0)) // as a host reported it for first-token
	src.tok = &oauth2.Token{AccessToken: "second-token"}
	if _, _, err := c.Token(); err != nil {
		t.Fatal(err)
	}
	if !c.Expiry().IsZero() {
		t.Errorf("the first token's expiry survived the rotation: %v", c.Expiry())
	}
}

func TestRecordExpiryForTheSendingToken(t *testing.T) {
	c := NewCredentials(vcs.Config{Token: "old-token"})
	if err := c.SetToken("new-token"); err != nil {
		t.Fatal(err)
	}
	c.RecordExpiryFor("old-token", time.Unix(1, 0)) // a late answer for the old token
	if !c.Expiry().IsZero() {
		t.Errorf("the old token's expiry was recorded for the new one: %v", c.Expiry())
	}
	c.RecordExpiryFor("new-token", time.Unix(2, 0))
	if !c.Expiry().Equal(time.Unix(2, 0)) {
		t.Errorf("the new token's expiry was not recorded: %v", c.Expiry())
	}
}

func TestSetTokenRefusedWithTokenSource(t *testing.T) {
	c := NewCredentials(vcs.Config{TokenSource: &stepSource{tok: &oauth2.Token{AccessToken: "from-source"}}})
	if err := c.SetToken("static-token"); err == nil {
		t.Error("SetToken on a TokenSource provider succeeded and would have done nothing")
	}
}
