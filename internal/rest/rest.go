// Package rest is the small JSON-over-HTTP client the hand-written
// providers (Bitbucket, Azure DevOps) are built on. It builds requests
// relative to an API root, sends JSON bodies, decodes JSON answers with a
// size cap and maps failures to *vcs.Error through httpx.Errors.
package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// DefaultMaxJSONBytes caps a JSON answer.
const DefaultMaxJSONBytes = 32 << 20

// Client sends requests to one API root.
type Client struct {
	HTTP *http.Client // Sends the requests (retries, limits, credentials).
	// BaseURL is the API root; relative paths are resolved against it
	// (it must end in "/").
	BaseURL *url.URL
	Errors  httpx.Errors // Maps failed answers to *vcs.Error.
	// Check, when set, inspects every answer before the status check and
	// may turn it into an error (Azure DevOps answers a bad token with a
	// 203 sign-in page).
	Check func(op string, resp *http.Response) error
	// MaxJSONBytes caps decoded answers; 0 means DefaultMaxJSONBytes.
	MaxJSONBytes int64
}

// Request describes one call.
type Request struct {
	Op     string // The operation, for errors (e.g. "GetRepository").
	Method string // The HTTP method; empty means GET.
	// Path is relative to BaseURL, or an absolute URL (a host's "next"
	// link). Path segments must already be escaped.
	Path   string
	Query  url.Values  // The query parameters.
	Header http.Header // Extra request headers.
	// Body is sent as JSON when non-nil.
	Body any
	// RawBody, when non-nil, is sent as it is with ContentType instead of
	// a JSON Body (Bitbucket's multipart commit upload).
	RawBody     []byte
	ContentType string // The body's type; empty means JSON.
}

// Raw is an out value for Do that receives the body bytes as they are.
type Raw struct {
	Bytes []byte // The answer's body.
	// Limit caps the body; 0 means the transport's cap.
	Limit int64
}

// Do sends the request and decodes a 2xx JSON answer into out (nil to
// discard it, *Raw for the bytes). Non-2xx answers are *vcs.Error. The
// response is returned, when there is one, for its status and headers
// (pagination, rate limits); its body is already read and closed.
func (c *Client) Do(ctx context.Context, r Request, out any) (*http.Response, error) {
	u, err := c.BaseURL.Parse(r.Path)
	if err != nil {
		return nil, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrInvalidArgument, "bad request path %q", r.Path)
	}
	if len(r.Query) > 0 {
		q := u.Query()
		for k, vs := range r.Query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
	}
	if raw, ok := out.(*Raw); ok && raw.Limit > 0 {
		// A raw read may be larger than an API answer (httpx caps those
		// at 32 MB).
		ctx = httpx.WithResponseLimit(ctx, raw.Limit+1)
	}
	var body io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return nil, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrInvalidArgument, "encoding the request: %v", err)
		}
		body = bytes.NewReader(b)
	}
	if r.RawBody != nil {
		body = bytes.NewReader(r.RawBody)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), body)
	if err != nil {
		return nil, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrInvalidArgument, "building the request: %v", err)
	}
	for k, vs := range r.Header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	switch {
	case r.RawBody != nil:
		req.Header.Set("Content-Type", r.ContentType)
	case r.Body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, c.Errors.FromError(r.Op, err)
	}
	defer resp.Body.Close()
	if c.Check != nil {
		if err := c.Check(r.Op, resp); err != nil {
			return resp, err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, c.Errors.ReadError(r.Op, resp)
	}
	switch o := out.(type) {
	case nil:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	case *Raw:
		if o.Limit > 0 && resp.ContentLength > o.Limit {
			return resp, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrTooLarge, "the answer of %d bytes exceeds %d bytes", resp.ContentLength, o.Limit)
		}
		rd := io.Reader(resp.Body)
		if o.Limit > 0 {
			rd = io.LimitReader(resp.Body, o.Limit+1)
		}
		o.Bytes, err = io.ReadAll(rd)
		if err != nil {
			return resp, c.Errors.FromError(r.Op, err)
		}
		if o.Limit > 0 && int64(len(o.Bytes)) > o.Limit {
			return resp, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrTooLarge, "the answer exceeds %d bytes", o.Limit)
		}
	default:
		limit := c.MaxJSONBytes
		if limit <= 0 {
			limit = DefaultMaxJSONBytes
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
		if err != nil {
			return resp, c.Errors.FromError(r.Op, err)
		}
		if int64(len(data)) > limit {
			return resp, vcs.Errorf(c.Errors.Kind, r.Op, vcs.ErrTooLarge, "the JSON answer exceeds %d bytes", limit)
		}
		if err := json.Unmarshal(data, out); err != nil {
			return resp, &vcs.Error{Provider: c.Errors.Kind, Op: r.Op, Kind: vcs.ErrUnavailable, StatusCode: resp.StatusCode,
				Message: "the host's answer is not the expected JSON: " + snippet(data), Err: &NotJSONError{Prefix: prefix(data), Err: err}}
		}
	}
	return resp, nil
}

// SameHost returns an error matching vcs.ErrUnavailable unless link (a
// host's "next" URL) is on the API root's host and scheme: a listing is
// never continued on another host, which could cut it short or add items.
func (c *Client) SameHost(op, link string) error {
	u, err := c.BaseURL.Parse(link)
	if err == nil && strings.EqualFold(u.Host, c.BaseURL.Host) && u.Scheme == c.BaseURL.Scheme && u.User == nil {
		return nil
	}
	host := "an unparsable URL"
	if err == nil {
		host = u.Scheme + "://" + u.Host
	}
	return &vcs.Error{Provider: c.Errors.Kind, Op: op, Kind: vcs.ErrUnavailable,
		Message: "the host's next page link points to " + host + ", not to the API",
		Hint:    "a proxy or a compromised answer rewrote the listing; the rest of it was not fetched"}
}

// NotJSONError is the underlying error of a 2xx answer that does not decode
// as the expected JSON. Prefix holds its first bytes, so that a provider can
// tell a sign-in page (it starts with "<") from malformed JSON.
type NotJSONError struct {
	Prefix []byte // The first bytes of the answer.
	Err    error  // The decoding error.
}

// Error says the answer was not JSON, with its first bytes.
func (e *NotJSONError) Error() string { return "decoding the answer: " + e.Err.Error() }

// Unwrap returns the decoding error.
func (e *NotJSONError) Unwrap() error { return e.Err }

// IsHTML reports whether the answer looks like an HTML page.
func (e *NotJSONError) IsHTML() bool { return bytes.HasPrefix(bytes.TrimSpace(e.Prefix), []byte("<")) }

func prefix(b []byte) []byte {
	return append([]byte(nil), b[:min(len(b), 64)]...)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// PathEscape escapes each "/"-separated segment of p, keeping the slashes.
func PathEscape(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// IsStatus reports whether err is a *vcs.Error with the given status.
func IsStatus(err error, status int) bool {
	var ve *vcs.Error
	return errors.As(err, &ve) && ve.StatusCode == status
}
