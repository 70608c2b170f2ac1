package httpx

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/gitprovider/gitprovider/vcs"
)

// Version is sent in the User-Agent.
const Version = "0.1.0"

// DefaultMaxResponseBytes caps every response body, on all four hosts:
// an API answer (JSON) larger than 32 MB is vcs.ErrTooLarge, never decoded
// whole. Raw file reads ask for more with WithResponseLimit.
const DefaultMaxResponseBytes = 32 << 20

// MaxFileResponseBytes caps the body of a raw file read (see
// WithResponseLimit): a little over the 100 MB file limit of the largest
// host.
const MaxFileResponseBytes = 101 << 20

type limitKey struct{}

// WithResponseLimit returns a context whose requests may receive bodies of
// up to n bytes (at most MaxFileResponseBytes) instead of the client's
// cap: raw file reads use it; every other answer keeps the 32 MB cap.
func WithResponseLimit(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, limitKey{}, min(n, MaxFileResponseBytes))
}

// maxRedirects is how many redirects a read follows.
const maxRedirects = 10

// Authorizer sets the credentials header on a request bound for the API
// host. oauth is true for tokens from a TokenSource.
type Authorizer func(req *http.Request, c *Credentials, token string, oauth bool)

// Bearer sends "Authorization: Bearer TOKEN".
func Bearer(req *http.Request, _ *Credentials, token string, _ bool) {
	req.Header.Set("Authorization", "Bearer "+token)
}

// Options configure NewClient.
type Options struct {
	Kind vcs.Kind // The provider, for errors.
	// Config supplies the CA bundle, the base HTTP client, the user agent
	// and the clock.
	Config vcs.Config
	// AuthHosts are the hosts ("host" or "host:port") credentials are
	// sent to; anything else (redirect targets, absolute URLs in
	// responses) gets none.
	AuthHosts []string
	// Credentials and Authorize attach the token.
	Credentials *Credentials
	Authorize   Authorizer // Adds the credentials to each request.
	// NoRedirects makes the client return 3xx answers instead of
	// following them (Azure DevOps redirects bad tokens to a sign-in
	// page).
	NoRedirects bool
	// Header is added to every request.
	Header http.Header
	// MaxResponseBytes caps response bodies; 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// SignInHint is the hint of the ErrUnauthorized error a 2xx HTML
	// page (a sign-in page where the API should answer) turns into; empty
	// means a generic one.
	SignInHint string
	// Retry is the retry policy; the zero value means DefaultRetry.
	Retry RetryPolicy
	// Budget paces the requests within the host's limits (see
	// NewBudget); every attempt of a retried request passes it. Nil
	// paces nothing.
	Budget *Budget
}

var (
	pooledOnce sync.Once
	pooled     *http.Transport
)

// sharedTransport is the one pooled transport all providers without a
// custom CA share, so connections to a host are reused across providers.
func sharedTransport() *http.Transport {
	pooledOnce.Do(func() {
		pooled = cleanhttp.DefaultPooledTransport()
		// Fan-out reads (ReadChangedFiles) keep up to 64 requests in
		// flight; keep that many idle connections per host.
		pooled.MaxIdleConnsPerHost = 64
	})
	return pooled
}

// NewClient builds the HTTP client a provider uses.
func NewClient(o Options) (*http.Client, error) {
	base, err := baseTransport(o.Config)
	if err != nil {
		return nil, err
	}
	ua := "gitprovider/" + Version + " (+https://github.com/gitprovider/gitprovider)"
	if o.Config.UserAgent != "" {
		ua = o.Config.UserAgent + " " + ua
	}
	maxBytes := o.MaxResponseBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	hosts := map[string]bool{}
	for _, h := range o.AuthHosts {
		hosts[strings.ToLower(h)] = true
	}
	var rt http.RoundTripper = &authTransport{
		next:      base,
		hosts:     hosts,
		creds:     o.Credentials,
		authorize: o.Authorize,
		userAgent: ua,
		header:    o.Header,
		maxBytes:  maxBytes,
		kind:      o.Kind,
		signIn:    o.SignInHint,
	}
	if o.Budget != nil {
		rt = &budgetTransport{next: rt, budget: o.Budget}
	}
	policy := o.Retry
	if policy.MaxAttempts == 0 {
		policy = DefaultRetry
	}
	rt = &retryTransport{next: rt, policy: policy, now: o.Config.Now}
	c := &http.Client{Transport: rt}
	if o.Config.HTTPClient != nil {
		c.Timeout = o.Config.HTTPClient.Timeout
		c.Jar = o.Config.HTTPClient.Jar
	}
	if o.NoRedirects {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	} else {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error { return checkRedirect(o.Kind, req, via) }
	}
	return c, nil
}

// checkRedirect lets reads follow up to maxRedirects redirects (GitHub
// redirects renamed repositories, for one) and never lets a write follow
// one: a 302/303 would turn a POST into a GET of the collection, whose
// answer decodes as a created object, and a 307/308 would send the body
// (a webhook secret) to wherever the host points. Either way the answer
// is a typed error, ErrInvalidConfig: an API that redirects writes is
// almost always a wrong instance URL (http:// for https://, a moved or
// proxied host).
func checkRedirect(k vcs.Kind, req *http.Request, via []*http.Request) error {
	first := via[0]
	if first.Method != http.MethodGet && first.Method != http.MethodHead {
		to := req.URL.Host
		if req.URL.Host == first.URL.Host {
			to = req.URL.Path
		}
		return &vcs.Error{Provider: k, Kind: vcs.ErrInvalidConfig, StatusCode: req.Response.StatusCode,
			Message: fmt.Sprintf("the host redirected a %s to %s; writes are never redirected, so nothing was sent there", first.Method, to),
			Hint:    "the instance URL is probably wrong (http:// instead of https://, or a moved or proxied host): set it to the address the API answers at"}
	}
	if len(via) >= maxRedirects {
		return &vcs.Error{Provider: k, Kind: vcs.ErrUnavailable, StatusCode: req.Response.StatusCode,
			Message: fmt.Sprintf("the host redirected the request %d times", len(via)),
			Hint:    "the host or a proxy in front of it redirects in a loop: check the instance URL"}
	}
	return nil
}

func baseTransport(cfg vcs.Config) (http.RoundTripper, error) {
	var base http.RoundTripper = sharedTransport()
	if cfg.HTTPClient != nil {
		base = cfg.HTTPClient.Transport
		if base == nil {
			base = http.DefaultTransport
		}
	}
	if cfg.CABundle == "" {
		return base, nil
	}
	t, ok := base.(*http.Transport)
	if !ok {
		// A custom RoundTripper (a fake, a proxy) decides TLS itself.
		return base, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM([]byte(cfg.CABundle)) {
		return nil, vcs.Errorf(cfg.Kind, "Config", vcs.ErrInvalidConfig, "CA bundle holds no PEM certificate")
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		t.TLSClientConfig = t.TLSClientConfig.Clone()
	}
	t.TLSClientConfig.RootCAs = pool
	return t, nil
}

type authTransport struct {
	next      http.RoundTripper
	hosts     map[string]bool
	creds     *Credentials
	authorize Authorizer
	userAgent string
	header    http.Header
	maxBytes  int64
	kind      vcs.Kind
	signIn    string
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	for k, vs := range t.header {
		if r.Header.Get(k) == "" {
			r.Header[http.CanonicalHeaderKey(k)] = vs
		}
	}
	r.Header.Set("User-Agent", t.userAgent)
	// Whatever the caller set, credentials go only to the API host: never
	// to a redirect target or another host, and never in clear text after
	// a redirect from https.
	r.Header.Del("Authorization")
	r.Header.Del("Private-Token")
	if t.creds != nil && t.authorize != nil && t.hosts[strings.ToLower(r.URL.Host)] && !downgraded(r) {
		tok, oauth, err := t.creds.Token()
		if err != nil {
			var ve *vcs.Error
			if errors.As(err, &ve) {
				return nil, ve // the library's own source (a GitHub App's), typed and free of secrets
			}
			return nil, fmt.Errorf("getting a token from the token source: %s", t.creds.Redact(err.Error()))
		}
		if tok != "" {
			t.authorize(r, t.creds, tok, oauth)
		}
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	if resp.Request == nil {
		resp.Request = r // redirects check where the chain started
	}
	limit := t.maxBytes
	if n, ok := req.Context().Value(limitKey{}).(int64); ok && n > 0 {
		limit = n
	}
	if resp.ContentLength > limit {
		// Announced too large: do not read a byte of it.
		resp.Body.Close()
		return nil, &vcs.Error{Provider: t.kind, Kind: vcs.ErrTooLarge, StatusCode: resp.StatusCode,
			Message: fmt.Sprintf("the answer of %d bytes exceeds the %d byte limit", resp.ContentLength, limit)}
	}
	if IsSignInPage(resp) {
		resp.Body.Close()
		return nil, t.signInError(resp)
	}
	if resp.Body != nil {
		resp.Body = &limitedBody{rc: resp.Body, left: limit, max: limit}
	}
	return resp, nil
}

// IsSignInPage reports whether a 2xx answer is not the API's: a 203
// Non-Authoritative Information (Azure DevOps' sign-in page, or a proxy's
// rewrite) or an HTML page. The API answers with JSON, and raw file reads
// come back as text/plain (GitLab), application/octet-stream (Azure
// DevOps) or the raw media type (GitHub), never as HTML; that Bitbucket's
// src endpoint never answers text/html for a repository's .html file is
// unconfirmed.
func IsSignInPage(resp *http.Response) bool {
	if resp.StatusCode == http.StatusNonAuthoritativeInfo {
		return true
	}
	return resp.StatusCode >= 200 && resp.StatusCode <= 299 && IsHTML(resp.Header.Get("Content-Type"))
}

// IsHTML reports whether a Content-Type is an HTML page.
func IsHTML(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "text/html" || mt == "application/xhtml+xml")
}

func (t *authTransport) signInError(resp *http.Response) error {
	hint := t.signIn
	if hint == "" {
		hint = "check that the instance URL is the Git host's own address (not a single sign-on portal or a proxy's page) and that the token is valid"
	}
	return &vcs.Error{Provider: t.kind, Kind: vcs.ErrUnauthorized, StatusCode: resp.StatusCode,
		Message: fmt.Sprintf("the host answered with a page (HTTP %d, %s) instead of the API: a sign-in page, or not the API", resp.StatusCode, contentTypeOf(resp)),
		Hint:    hint}
}

func contentTypeOf(resp *http.Response) string {
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		return ct
	}
	return "no content type"
}

// downgraded reports whether r follows a redirect chain that started on
// https and now asks for plain http: the token would cross the network in
// clear text.
func downgraded(r *http.Request) bool {
	if strings.EqualFold(r.URL.Scheme, "https") {
		return false
	}
	for resp := r.Response; resp != nil && resp.Request != nil; resp = resp.Request.Response {
		if strings.EqualFold(resp.Request.URL.Scheme, "https") {
			return true
		}
	}
	return false
}

// ErrBodyTooLarge is returned by a response body read past the cap.
var ErrBodyTooLarge = &vcs.Error{Kind: vcs.ErrTooLarge, Message: "response body exceeds the size limit"}

type limitedBody struct {
	rc   io.ReadCloser
	left int64
	max  int64
}

func (l *limitedBody) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Tell a body of exactly max bytes from a longer one.
		var one [1]byte
		n, err := l.rc.Read(one[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.rc.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limitedBody) Close() error { return l.rc.Close() }

// HostOf returns the host[:port] of a URL, lower-cased.
func HostOf(u *url.URL) string { return strings.ToLower(u.Host) }

// IsTLSError reports whether err is a certificate verification failure.
func IsTLSError(err error) bool {
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	var tv *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci) || errors.As(err, &tv)
}

// Sleep waits for d or until ctx ends, whichever comes first, and returns
// the context's error in the second case.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
