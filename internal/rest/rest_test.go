package rest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// host is a tiny fake API: it answers by path and records what it got.
type host struct {
	last *http.Request
	body string
}

func (h *host) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.last, h.body = r, string(b)
	switch r.URL.Path {
	case "/api/2.0/items":
		fakehttp.WriteJSON(w, 200, map[string]any{"values": []string{"a", "b"}, "q": r.URL.RawQuery})
	case "/api/2.0/created":
		fakehttp.WriteJSON(w, 201, map[string]any{"id": 7})
	case "/api/2.0/missing":
		fakehttp.WriteJSON(w, 404, map[string]any{"error": map[string]any{"message": "Repository a/b not found"}})
	case "/api/2.0/signin":
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(203)
		_, _ = io.WriteString(w, "<html>sign in</html>")
	case "/api/2.0/page":
		// HTML without an HTML content type.
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "<html>sign in</html>")
	case "/api/2.0/big":
		_, _ = io.WriteString(w, `{"pad":"`+strings.Repeat("x", 100)+`"}`)
	case "/api/2.0/raw":
		_, _ = io.WriteString(w, "raw bytes")
	default:
		http.NotFound(w, r)
	}
}

func newClient(t *testing.T) (*Client, *host) {
	t.Helper()
	h := &host{}
	srv := fakehttp.NewServer(h, "api.example.test", "other.example.test")
	cfg := vcs.Config{Kind: "test", Token: "tok-secret-1", HTTPClient: srv.Client()}
	creds := httpx.NewCredentials(cfg)
	hc, err := httpx.NewClient(httpx.Options{Kind: "test", Config: cfg, AuthHosts: []string{"api.example.test"},
		Credentials: creds, Authorize: httpx.Bearer, Retry: httpx.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("https://api.example.test/api/2.0/")
	return &Client{HTTP: hc, BaseURL: base, Errors: httpx.Errors{Kind: "test", Creds: creds}}, h
}

func TestDoJSON(t *testing.T) {
	c, h := newClient(t)
	ctx := context.Background()
	var out struct {
		Values []string
		Q      string
	}
	resp, err := c.Do(ctx, Request{Op: "List", Method: "GET", Path: "items?sort=name", Query: url.Values{"page": {"2"}},
		Header: http.Header{"x-trace": {"t1"}}}, &out)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Do: %v", err)
	}
	if strings.Join(out.Values, ",") != "a,b" || out.Q != "page=2&sort=name" {
		t.Errorf("decoded %+v", out)
	}
	if h.last.Header.Get("Accept") != "application/json" || h.last.Header.Get("X-Trace") != "t1" ||
		h.last.Header.Get("Authorization") != "Bearer tok-secret-1" || h.last.Header.Get("Content-Type") != "" {
		t.Errorf("request headers %v", h.last.Header)
	}

	var created struct{ ID int }
	if _, err := c.Do(ctx, Request{Op: "Create", Method: "POST", Path: "created", Body: map[string]string{"name": "x"},
		Header: http.Header{"Accept": {"application/vnd.test+json"}}}, &created); err != nil || created.ID != 7 {
		t.Fatalf("POST: %+v, %v", created, err)
	}
	if h.body != `{"name":"x"}` || h.last.Header.Get("Content-Type") != "application/json" || h.last.Header.Get("Accept") != "application/vnd.test+json" {
		t.Errorf("POST sent %q with headers %v", h.body, h.last.Header)
	}

	// A host's absolute next link is followed; credentials stay on the
	// API host.
	if _, err := c.Do(ctx, Request{Op: "List", Method: "GET", Path: "https://other.example.test/api/2.0/items"}, nil); err != nil {
		t.Fatal(err)
	}
	if h.last.Host != "other.example.test" || h.last.Header.Get("Authorization") != "" {
		t.Errorf("absolute URL: host %q, Authorization %q", h.last.Host, h.last.Header.Get("Authorization"))
	}
}

func TestDoErrors(t *testing.T) {
	c, _ := newClient(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		req  Request
		out  any
		want error
		text string
	}{
		{"404", Request{Op: "Get", Method: "GET", Path: "missing"}, nil, vcs.ErrNotFound, "Repository a/b not found"},
		{"bad path", Request{Op: "Get", Method: "GET", Path: "%zz"}, nil, vcs.ErrInvalidArgument, "bad request path"},
		{"bad method", Request{Op: "Get", Method: "NOT A METHOD", Path: "items"}, nil, vcs.ErrInvalidArgument, "building the request"},
		{"body that is not JSON", Request{Op: "Create", Method: "POST", Path: "created", Body: make(chan int)}, nil, vcs.ErrInvalidArgument, "encoding"},
		{"JSON over the cap", Request{Op: "Get", Method: "GET", Path: "big"}, &map[string]any{}, vcs.ErrTooLarge, "exceeds 50 bytes"},
		{"raw over its limit", Request{Op: "Read", Method: "GET", Path: "big"}, &Raw{Limit: 10}, vcs.ErrTooLarge, "exceeds the 11 byte limit"},
		{"unknown host", Request{Op: "Get", Method: "GET", Path: "https://nowhere.example.test/"}, nil, vcs.ErrUnavailable, "no such host"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.MaxJSONBytes = 50
			_, err := c.Do(ctx, tc.req, tc.out)
			var ve *vcs.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &ve) || ve.Op != tc.req.Op || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %v; want %v from op %s mentioning %q", err, tc.want, tc.req.Op, tc.text)
			}
			if strings.Contains(err.Error(), "tok-secret-1") {
				t.Errorf("error carries the token: %v", err)
			}
		})
	}

	// A 203 or an HTML page is a sign-in page, refused by the transport
	// (httpx.IsSignInPage) before any decoding.
	c.MaxJSONBytes = 0
	var v map[string]any
	_, err := c.Do(ctx, Request{Op: "Get", Method: "GET", Path: "signin"}, &v)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrUnauthorized) || !errors.As(err, &ve) || ve.StatusCode != 203 || ve.Op != "Get" || strings.Contains(err.Error(), "api.example.test") {
		t.Errorf("sign-in page: %v", err)
	}
	// HTML under another content type is not JSON: the error says so and
	// keeps the prefix for the provider to recognise it.
	resp, err := c.Do(ctx, Request{Op: "Get", Method: "GET", Path: "page"}, &v)
	var nj *NotJSONError
	if !errors.Is(err, vcs.ErrUnavailable) || !errors.As(err, &nj) || !nj.IsHTML() || resp.StatusCode != 200 {
		t.Errorf("HTML page: %v", err)
	}
	if nj != nil && !strings.Contains(nj.Error(), "decoding") {
		t.Errorf("NotJSONError text %q", nj.Error())
	}

	// Check runs before the status check.
	c.Check = func(op string, resp *http.Response) error {
		if resp.StatusCode == 404 {
			return vcs.Errorf("test", op, vcs.ErrUnauthorized, "signed out")
		}
		return nil
	}
	if _, err := c.Do(ctx, Request{Op: "Get", Method: "GET", Path: "missing"}, &v); !errors.Is(err, vcs.ErrUnauthorized) {
		t.Errorf("Check: %v", err)
	}
}

func TestDoRaw(t *testing.T) {
	c, _ := newClient(t)
	raw := &Raw{}
	if _, err := c.Do(context.Background(), Request{Op: "Read", Method: "GET", Path: "raw"}, raw); err != nil || string(raw.Bytes) != "raw bytes" {
		t.Errorf("Raw: %q, %v", raw.Bytes, err)
	}
	raw = &Raw{Limit: 9}
	if _, err := c.Do(context.Background(), Request{Op: "Read", Method: "GET", Path: "raw"}, raw); err != nil || string(raw.Bytes) != "raw bytes" {
		t.Errorf("Raw at exactly its limit: %q, %v", raw.Bytes, err)
	}

	// A body of unknown length is cut at the limit too.
	chunked := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, ContentLength: -1, Header: http.Header{}, Request: r,
			Body: io.NopCloser(strings.NewReader(strings.Repeat("y", 20)))}, nil
	})}
	c.HTTP = chunked
	if _, err := c.Do(context.Background(), Request{Op: "Read", Method: "GET", Path: "raw"}, &Raw{Limit: 10}); !errors.Is(err, vcs.ErrTooLarge) {
		t.Errorf("chunked body over the limit: %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"a/b c/d#e":   "a/b%20c/d%23e",
		"":            "",
		"dir/?x.sql":  "dir/%3Fx.sql",
		"über/ü.sql":  "%C3%BCber/%C3%BC.sql",
		"a/../b/%2F/": "a/../b/%252F/",
	} {
		if got := PathEscape(in); got != want {
			t.Errorf("PathEscape(%q) = %q, want %q", in, got, want)
		}
	}
	err := error(&vcs.Error{StatusCode: 404, Kind: vcs.ErrNotFound})
	if !IsStatus(err, 404) || IsStatus(err, 403) || IsStatus(errors.New("404"), 404) {
		t.Error("IsStatus")
	}
	if s := snippet([]byte(strings.Repeat("z", 200))); len(s) > 130 || !strings.HasSuffix(s, `…"`) {
		t.Errorf("snippet = %s", s)
	}
}
