package httpx

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// A write is never redirected: not a 302/303 (the POST would become a
// GET of the collection) and not a 307/308 (the body would be sent again,
// to wherever the host says).
func TestWritesNeverFollowRedirects(t *testing.T) {
	for _, status := range []int{http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		s := &script{answer: func(r *http.Request, n int) (*http.Response, error) {
			return answer(status, http.Header{"Location": {"https://evil.example.test/collect"}}, ""), nil
		}}
		c := newTestClient(t, s, "tok-1234")
		req, _ := http.NewRequest(http.MethodPost, "https://api.example.test/repos/a/b/hooks", strings.NewReader(`{"secret":"hook-secret"}`))
		_, err := c.Do(req)
		var ve *vcs.Error
		if !errors.Is(err, vcs.ErrInvalidConfig) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "instance URL") {
			t.Errorf("%d: POST error %v, want ErrInvalidConfig naming the instance URL", status, err)
		}
		if s.count() != 1 {
			t.Errorf("%d: %d requests sent, want 1 (bodies %q)", status, s.count(), s.bodies)
		}
	}
	// Reads follow redirects, and a loop ends in a typed error.
	s := &script{answer: func(r *http.Request, n int) (*http.Response, error) {
		return answer(http.StatusFound, http.Header{"Location": {"https://api.example.test/loop"}}, ""), nil
	}}
	_, err := newTestClient(t, s, "tok-1234").Get("https://api.example.test/loop")
	if !errors.Is(err, vcs.ErrUnavailable) {
		t.Errorf("redirect loop: %v, want ErrUnavailable", err)
	}
}

func TestResponseLimits(t *testing.T) {
	huge := func(r *http.Request, n int) (*http.Response, error) {
		resp := answer(200, http.Header{"Content-Type": {"application/json"}}, "")
		resp.Body = io.NopCloser(io.MultiReader(strings.NewReader("["), strings.NewReader(strings.Repeat("1,", DefaultMaxResponseBytes/2+10)), strings.NewReader("1]")))
		resp.ContentLength = -1
		return resp, nil
	}
	c := newTestClient(t, &script{answer: huge}, "tok-1234")
	resp, err := c.Get("https://api.example.test/list")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	if !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("unannounced 32 MB+ answer: %v, want ErrTooLarge", err)
	}
	// Announced too large: refused before reading, whatever the cap asked.
	announced := func(r *http.Request, n int) (*http.Response, error) {
		resp := answer(200, nil, "")
		resp.ContentLength = MaxFileResponseBytes + 1
		return resp, nil
	}
	c = newTestClient(t, &script{answer: announced}, "tok-1234")
	req, _ := http.NewRequestWithContext(WithResponseLimit(context.Background(), 1<<40), http.MethodGet, "https://api.example.test/raw", nil)
	if _, err := c.Do(req); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("announced over the file cap: %v, want ErrTooLarge", err)
	}
	// A raw read may be larger than an API answer.
	big := func(r *http.Request, n int) (*http.Response, error) {
		resp := answer(200, nil, strings.Repeat("x", DefaultMaxResponseBytes+1))
		resp.ContentLength = DefaultMaxResponseBytes + 1
		return resp, nil
	}
	c = newTestClient(t, &script{answer: big}, "tok-1234")
	req, _ = http.NewRequestWithContext(WithResponseLimit(context.Background(), MaxFileResponseBytes), http.MethodGet, "https://api.example.test/raw", nil)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err != nil || len(b) != DefaultMaxResponseBytes+1 {
		t.Errorf("raw read of 32 MB + 1: %d bytes, %v", len(b), err)
	}
}

func TestSignInPages(t *testing.T) {
	for _, tc := range []struct {
		status int
		ct     string
		want   bool
	}{
		{200, "text/html; charset=utf-8", true},
		{203, "text/html", true},
		{203, "application/json", true},
		{200, "application/json", false},
		{200, "text/plain", false},
		{404, "text/html", false},
	} {
		s := &script{answer: func(r *http.Request, n int) (*http.Response, error) {
			return answer(tc.status, http.Header{"Content-Type": {tc.ct}}, "<html>sign in</html>"), nil
		}}
		_, err := newTestClient(t, s, "tok-1234").Get("https://api.example.test/x")
		if got := errors.Is(err, vcs.ErrUnauthorized); got != tc.want {
			t.Errorf("%d %s: error %v, want sign-in refusal %v", tc.status, tc.ct, err, tc.want)
		}
		if tc.want && s.count() != 1 {
			t.Errorf("%d %s: retried %d times", tc.status, tc.ct, s.count())
		}
	}
}

func TestRedactDerivedForms(t *testing.T) {
	cfg := vcs.Config{Kind: "test", Token: "ATATT3x/tok+en=", Username: "bot@example.com"}
	c := NewCredentials(cfg)
	c.RedactAlso(`hook<secret>"&`)
	c.RedactAlso("abc") // too short to redact
	basic := base64.StdEncoding.EncodeToString([]byte("bot@example.com:ATATT3x/tok+en="))
	pat := base64.StdEncoding.EncodeToString([]byte(":ATATT3x/tok+en="))
	msg := "echo: Authorization: Basic " + basic + " / Basic " + pat + ` / {"secret":"hook\u003csecret\u003e\"\u0026"} / secret=hook%3Csecret%3E%22%26 / hook<secret>"&`
	out := c.Redact(msg)
	for _, leak := range []string{"ATATT3x", basic, pat, "hook", "secret\\u003e"} {
		if strings.Contains(out, leak) {
			t.Errorf("Redact left %q in %q", leak, out)
		}
	}
	if !strings.Contains(out, "abc") && strings.Contains(msg, "abc") {
		t.Errorf("a 3-character secret was redacted")
	}
}
