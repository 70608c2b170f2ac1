package httpx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/vcs"
)

// script answers the n-th request (1-based) with a response or an error
// and records the bodies it was sent.
type script struct {
	mu     sync.Mutex
	n      int
	bodies []string
	answer func(r *http.Request, n int) (*http.Response, error)
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	var body string
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		body = string(b)
	}
	s.mu.Lock()
	s.n++
	n := s.n
	s.bodies = append(s.bodies, body)
	s.mu.Unlock()
	resp, err := s.answer(r, n)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

func (s *script) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// onlyReader hides bytes.Reader & co. from http.NewRequest, so that the
// request has no GetBody and its body cannot be sent twice.
type onlyReader struct{ io.Reader }

func TestRetryMatrix(t *testing.T) {
	status := func(code int, h http.Header) func(*http.Request, int) (*http.Response, error) {
		return func(*http.Request, int) (*http.Response, error) { return answer(code, h, "busy"), nil }
	}
	transportErr := func(*http.Request, int) (*http.Response, error) {
		return nil, errors.New("connection reset by peer")
	}
	tlsErr := func(*http.Request, int) (*http.Response, error) {
		return nil, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	}
	for _, tc := range []struct {
		name     string
		method   string
		body     io.Reader
		header   http.Header
		answer   func(*http.Request, int) (*http.Response, error)
		attempts int
	}{
		{"GET 502", "GET", nil, nil, status(502, nil), 3},
		{"GET 503", "GET", nil, nil, status(503, nil), 3},
		{"GET 504", "GET", nil, nil, status(504, nil), 3},
		{"GET 429", "GET", nil, nil, status(429, nil), 3},
		{"GET 500 is not retried", "GET", nil, nil, status(500, nil), 1},
		{"GET 404", "GET", nil, nil, status(404, nil), 1},
		{"GET 403 without rate-limit headers", "GET", nil, nil, status(403, nil), 1},
		{"GET 403 secondary rate limit", "GET", nil, nil, status(403, http.Header{"Retry-After": {"0"}}), 3},
		{"GET transport error", "GET", nil, nil, transportErr, 3},
		{"GET TLS error is not retried", "GET", nil, nil, tlsErr, 1},
		{"GET 429 asking for more than MaxWait", "GET", nil, nil, status(429, http.Header{"Retry-After": {"3600"}}), 1},
		{"HEAD 503", "HEAD", nil, nil, status(503, nil), 3},
		{"DELETE transport error", "DELETE", nil, nil, transportErr, 3},
		{"PUT 503 replays its body", "PUT", strings.NewReader(`{"a":1}`), nil, status(503, nil), 3},
		{"PUT body that cannot be replayed", "PUT", onlyReader{strings.NewReader(`{"a":1}`)}, nil, status(503, nil), 1},
		{"POST 502", "POST", strings.NewReader("{}"), nil, status(502, nil), 1},
		{"POST transport error", "POST", strings.NewReader("{}"), nil, transportErr, 1},
		{"POST 429 Retry-After 0", "POST", strings.NewReader("{}"), nil, status(429, http.Header{"Retry-After": {"0"}}), 1},
		{"POST with an Idempotency-Key", "POST", strings.NewReader("{}"), http.Header{"Idempotency-Key": {"k1"}}, status(502, nil), 1},
		{"PATCH 503", "PATCH", strings.NewReader("{}"), nil, status(503, nil), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{answer: tc.answer}
			c := newTestClient(t, s, "tok-1234")
			req, _ := http.NewRequest(tc.method, "https://api.example.test/x", tc.body)
			for k, v := range tc.header {
				req.Header[k] = v
			}
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if got := s.count(); got != tc.attempts {
				t.Errorf("sent %d times, want %d", got, tc.attempts)
			}
			if tc.body != nil {
				for i, b := range s.bodies {
					if b != s.bodies[0] || b == "" {
						t.Errorf("attempt %d sent body %q, first sent %q", i+1, b, s.bodies[0])
					}
				}
			}
		})
	}
}

func TestRetryRespectsContext(t *testing.T) {
	// The host asks for 30 s; the caller has 10 s left: the answer comes
	// back at once instead of a retry that cannot happen in time.
	s := &script{answer: func(*http.Request, int) (*http.Response, error) {
		return answer(429, http.Header{"Retry-After": {"30"}}, "slow down"), nil
	}}
	c := newTestClient(t, s, "tok-1234")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.test/x", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || string(body) != "slow down" || s.count() != 1 {
		t.Errorf("got %d %q after %d attempts; want the 429 with its body, sent once", resp.StatusCode, body, s.count())
	}

	// The caller cancels while the transport waits to retry (the
	// transport closes the answer it drops just before it waits).
	ctx, cancel = context.WithCancel(context.Background())
	s = &script{answer: func(*http.Request, int) (*http.Response, error) {
		resp := answer(503, http.Header{"Retry-After": {"1"}}, "") // within MaxWait
		resp.Body = closeFunc{resp.Body, cancel}
		return resp, nil
	}}
	c = newTestClient(t, s, "tok-1234")
	req, _ = http.NewRequestWithContext(ctx, "GET", "https://api.example.test/x", nil)
	if _, err := c.Do(req); !errors.Is(err, context.Canceled) || s.count() != 1 {
		t.Errorf("cancelled during the wait: %v after %d attempts; want context.Canceled, sent once", err, s.count())
	}
}

type closeFunc struct {
	io.Reader
	onClose func()
}

func (c closeFunc) Close() error { c.onClose(); return nil }

func TestRetryAfterEdgeCases(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, tc := range []struct {
		name   string
		status int
		header http.Header
		want   time.Duration
		ok     bool
	}{
		{"spaces", 429, http.Header{"Retry-After": {" 7 "}}, 7 * time.Second, true},
		{"503", 503, http.Header{"Retry-After": {"2"}}, 2 * time.Second, true},
		{"date in the past", 429, http.Header{"Retry-After": {now.Add(-time.Hour).UTC().Format(http.TimeFormat)}}, 0, true},
		{"huge seconds do not overflow", 429, http.Header{"Retry-After": {"99999999999999999"}}, time.Duration(maxRetryAfterSeconds) * time.Second, true},
		{"negative seconds", 429, http.Header{"Retry-After": {"-5"}}, 0, false},
		{"garbage", 429, http.Header{"Retry-After": {"soon"}}, 0, false},
		{"reset in the past", 429, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1"}}, time.Second, true},
		{"huge reset does not overflow", 403, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"99999999999"}}, 1<<63 - 1, true},
		{"remaining but no reset", 403, http.Header{"X-Ratelimit-Remaining": {"0"}}, 0, false},
		{"nil response", 0, nil, 0, false},
	} {
		var resp *http.Response
		if tc.status != 0 {
			resp = &http.Response{StatusCode: tc.status, Header: tc.header}
		}
		got, ok := RetryAfter(resp, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: RetryAfter = %v, %t; want %v, %t", tc.name, got, ok, tc.want, tc.ok)
		}
		if got < 0 {
			t.Errorf("%s: negative wait %v", tc.name, got)
		}
	}
}

func TestNoCredentialsAfterDowngrade(t *testing.T) {
	s := &script{answer: func(r *http.Request, n int) (*http.Response, error) {
		if n == 1 {
			return answer(http.StatusMovedPermanently, http.Header{"Location": {"http://api.example.test/plain"}}, ""), nil
		}
		return answer(200, nil, "ok"), nil
	}}
	var seen []string
	c := newTestClient(t, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.String()+" "+r.Header.Get("Authorization"))
		return s.RoundTrip(r)
	}), "tok-1234")
	resp, err := c.Get("https://api.example.test/x")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	want := []string{"https://api.example.test/x Bearer tok-1234", "http://api.example.test/plain "}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("requests %q, want %q: no token in clear text after a redirect from https", seen, want)
	}

	// An instance configured on plain http (a lab GHES) still gets it.
	seen = nil
	resp, err = c.Get("http://api.example.test/y")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(seen) != 1 || !strings.HasSuffix(seen[0], "Bearer tok-1234") {
		t.Errorf("plain http API request: %q", seen)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRedactAfterManyRotations(t *testing.T) {
	c := NewCredentials(vcs.Config{Token: "first-token"})
	for i := 0; i < 50; i++ {
		if err := c.SetToken([]string{"second-token", "third-token"}[i%2]); err != nil {
			t.Fatal(err)
		}
	}
	if got := c.Redact("a first-token b second-token c third-token"); got != "a [REDACTED] b [REDACTED] c [REDACTED]" {
		t.Errorf("Redact = %q: a token used before the rotations leaked", got)
	}
	for i := 0; i < maxOld+1; i++ {
		_ = c.SetToken(fmt.Sprintf("token-%02d", i))
	}
	if got := c.Redact("token-00 token-08"); got != "[REDACTED] [REDACTED]" {
		t.Errorf("Redact = %q", got)
	}

	src := &stepSource{tok: &oauth2.Token{AccessToken: "oauth-one"}}
	c = NewCredentials(vcs.Config{TokenSource: src, Username: "bot@example.test"})
	if !c.FromSource() || c.Username() != "bot@example.test" {
		t.Errorf("FromSource %t, Username %q", c.FromSource(), c.Username())
	}
	for _, tok := range []string{"oauth-one", "oauth-two", "oauth-three"} {
		src.tok = &oauth2.Token{AccessToken: tok, Expiry: time.Unix(5, 0)}
		if got, oauth, err := c.Token(); got != tok || !oauth || err != nil {
			t.Fatalf("Token() = %q, %t, %v", got, oauth, err)
		}
	}
	if c.Expiry() != time.Unix(5, 0) {
		t.Errorf("expiry from the token source = %v", c.Expiry())
	}
	if got := c.Redact("oauth-one oauth-two oauth-three"); strings.Contains(got, "oauth") {
		t.Errorf("Redact = %q: earlier source tokens leaked", got)
	}
	var nilCreds *Credentials
	if nilCreds.Redact("x") != "x" {
		t.Error("nil Credentials must redact nothing")
	}
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) {
	return nil, errors.New("oauth2: refresh with refresh-secret-123 failed")
}

func TestTokenSourceFailure(t *testing.T) {
	s := &script{answer: func(*http.Request, int) (*http.Response, error) { return answer(200, nil, ""), nil }}
	cfg := vcs.Config{Kind: "test", TokenSource: failingSource{}, HTTPClient: &http.Client{Transport: s}}
	c, err := NewClient(Options{Kind: "test", Config: cfg, AuthHosts: []string{"api.example.test"},
		Credentials: NewCredentials(cfg), Authorize: Bearer, Retry: RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Get("https://api.example.test/x")
	if err == nil || !strings.Contains(err.Error(), "token source") || s.count() != 0 {
		t.Errorf("token source failure: %v (%d requests sent); want an error and nothing sent", err, s.count())
	}
}

func TestErrorsMappingMore(t *testing.T) {
	creds := NewCredentials(vcs.Config{Token: "tok-abcdef"})
	e := Errors{Kind: "test", Creds: creds}
	for _, tc := range []struct {
		status int
		header http.Header
		body   string
		want   error
		text   string
	}{
		{410, nil, "", vcs.ErrNotFound, "410 Gone"},
		{412, nil, "", vcs.ErrConflict, ""},
		{413, nil, "", vcs.ErrTooLarge, ""},
		{403, nil, `{"message":"API rate limit exceeded for user"}`, vcs.ErrRateLimited, "wait and try again"},
		{403, http.Header{"Retry-After": {"60"}}, "", vcs.ErrRateLimited, "retry after 1m0s"},
		{502, http.Header{"X-Request-Id": {"req-9"}}, "<html>bad gateway</html>", vcs.ErrUnavailable, "unexpected answer"},
		{400, nil, `{"error_description":"bad scope"}`, vcs.ErrInvalidArgument, "bad scope"},
		{422, nil, `{"message":"Validation Failed","errors":[{"message":"Hook already exists"}]}`, vcs.ErrConflict, "Validation Failed"},
		{422, nil, `{"errors":[{"resource":"Hook","message":"too many"},"plain"]}`, vcs.ErrConflict, "too many; plain"},
		{404, nil, `{"value":"gone"}`, vcs.ErrNotFound, "gone"},
		{404, nil, "plain text", vcs.ErrNotFound, "plain text"},
	} {
		resp := answer(tc.status, tc.header, tc.body)
		resp.Status = fmt.Sprintf("%d %s", tc.status, http.StatusText(tc.status))
		got := e.ReadError("Op", resp)
		if !errors.Is(got, tc.want) || !strings.Contains(got.Error(), tc.text) {
			t.Errorf("%d %s: %v; want %v mentioning %q", tc.status, tc.body, got, tc.want, tc.text)
		}
		if id := tc.header.Get("X-Request-Id"); id != "" && got.RequestID != id {
			t.Errorf("RequestID %q, want %q", got.RequestID, id)
		}
	}

	// Long host messages are cut at a character boundary.
	long := strings.Repeat("é", 400) // 800 bytes
	got := e.FromStatus("Op", answer(400, nil, ""), long)
	if !strings.HasSuffix(got.Message, "…") || len(got.Message) > 504 || !utf8Valid(got.Message) {
		t.Errorf("truncated message is %d bytes, valid UTF-8 %t", len(got.Message), utf8Valid(got.Message))
	}

	// Transport failures: the token is redacted, the cause still matches.
	cause := &url.Error{Op: "Get", URL: "https://api.example.test/?access_token=tok-abcdef", Err: errors.New("EOF")}
	fe := e.FromError("Op", cause)
	var ue *url.Error
	if !errors.Is(fe, vcs.ErrUnavailable) || !errors.As(fe, &ue) || strings.Contains(fe.Error(), "tok-abcdef") {
		t.Errorf("FromError(transport) = %v", fe)
	}
	tlsFail := e.FromError("Op", &url.Error{Op: "Get", URL: "https://x", Err: &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}})
	if !strings.Contains(tlsFail.Error(), "CA bundle") {
		t.Errorf("TLS failure has no CA hint: %v", tlsFail)
	}
	// A *vcs.Error from the transport (the size cap) gets the provider
	// and operation, without changing the shared value.
	capped := e.FromError("ReadFile", fmt.Errorf("reading: %w", ErrBodyTooLarge))
	var ve *vcs.Error
	if !errors.As(capped, &ve) || ve.Provider != "test" || ve.Op != "ReadFile" || !errors.Is(capped, vcs.ErrTooLarge) {
		t.Errorf("FromError(ErrBodyTooLarge) = %#v", capped)
	}
	if ErrBodyTooLarge.Provider != "" {
		t.Error("FromError changed the shared ErrBodyTooLarge")
	}
	dl := e.FromError("Op", context.DeadlineExceeded)
	if !errors.Is(dl, context.DeadlineExceeded) || errors.Is(dl, vcs.ErrUnavailable) {
		t.Errorf("deadline: %v", dl)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestIsTLSError(t *testing.T) {
	for _, err := range []error{
		x509.UnknownAuthorityError{},
		x509.HostnameError{Host: "x"},
		x509.CertificateInvalidError{Reason: x509.Expired},
		&url.Error{Err: &tls.CertificateVerificationError{Err: errors.New("x")}},
	} {
		if !IsTLSError(err) {
			t.Errorf("IsTLSError(%T) = false", err)
		}
	}
	if IsTLSError(errors.New("connection refused")) {
		t.Error("a plain error is not a TLS error")
	}
}

// testCA returns a self-signed CA certificate and its PEM.
func testCA(t *testing.T) (*x509.Certificate, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "gitprovider test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return cert, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestCABundle(t *testing.T) {
	cert, bundle := testCA(t)
	for name, base := range map[string]*http.Client{
		"shared transport":  nil,
		"default transport": {},
		"own transport":     {Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: "kept"}}},
	} {
		rt, err := baseTransport(vcs.Config{CABundle: bundle, HTTPClient: base})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tr, ok := rt.(*http.Transport)
		if !ok || tr.TLSClientConfig == nil || tr.TLSClientConfig.RootCAs == nil {
			t.Fatalf("%s: transport %T without RootCAs", name, rt)
		}
		if tr.TLSClientConfig.InsecureSkipVerify {
			t.Errorf("%s: verification switched off", name)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: tr.TLSClientConfig.RootCAs}); err != nil {
			t.Errorf("%s: the bundle's CA is not trusted: %v", name, err)
		}
		if name == "own transport" && tr.TLSClientConfig.ServerName != "kept" {
			t.Errorf("the caller's TLS settings were dropped")
		}
	}
	if sharedTransport().TLSClientConfig != nil && sharedTransport().TLSClientConfig.RootCAs != nil {
		t.Error("a CA bundle leaked into the shared transport")
	}
	if base := (*http.Transport)(nil); base == nil {
		// A custom RoundTripper (a fake) is used as it is.
		custom := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
		rt, err := baseTransport(vcs.Config{CABundle: bundle, HTTPClient: &http.Client{Transport: custom}})
		if err != nil || rt == nil {
			t.Errorf("custom round tripper: %v", err)
		}
	}
	if _, err := baseTransport(vcs.Config{CABundle: "junk"}); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("bad bundle: %v", err)
	}
	if _, err := NewClient(Options{Config: vcs.Config{CABundle: "junk"}}); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("NewClient with a bad bundle: %v", err)
	}
}

func TestClientOptions(t *testing.T) {
	var got *http.Request
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		got = r
		return answer(http.StatusFound, http.Header{"Location": {"https://elsewhere.test/"}}, ""), nil
	})
	cfg := vcs.Config{Kind: "test", Token: "t", UserAgent: "bytebase/3.0", HTTPClient: &http.Client{Transport: rt, Timeout: time.Minute}}
	c, err := NewClient(Options{Kind: "test", Config: cfg, NoRedirects: true, Header: http.Header{"X-Api-Version": {"1"}, "Accept": {"a/b"}}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Timeout != time.Minute {
		t.Errorf("Timeout %v not taken from Config.HTTPClient", c.Timeout)
	}
	req, _ := http.NewRequest("GET", "https://API.example.test/x", nil)
	req.Header.Set("Accept", "mine")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("NoRedirects followed the redirect: %d", resp.StatusCode)
	}
	if ua := got.Header.Get("User-Agent"); !strings.HasPrefix(ua, "bytebase/3.0 gitprovider/") {
		t.Errorf("User-Agent %q", ua)
	}
	if got.Header.Get("X-Api-Version") != "1" || got.Header.Get("Accept") != "mine" {
		t.Errorf("headers %v: the options' headers fill in, the request's win", got.Header)
	}
	if HostOf(req.URL) != "api.example.test" {
		t.Errorf("HostOf = %q", HostOf(req.URL))
	}
}
