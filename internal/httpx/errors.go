package httpx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gitprovider/gitprovider/vcs"
)

// requestIDHeaders are where hosts put the ID support asks for.
var requestIDHeaders = []string{"X-GitHub-Request-Id", "X-Request-Id", "X-Request-UUID", "X-VSS-ActivityId", "ActivityId", "X-MSEdge-Ref"}

// Errors maps answers and failures to *vcs.Error for one provider.
type Errors struct {
	Kind  vcs.Kind         // The provider the errors name.
	Creds *Credentials     // The credentials to redact from messages.
	Now   func() time.Time // The clock expiry is judged by.
}

// FromResponse maps a non-2xx answer to a *vcs.Error. body is the (possibly
// partial) response body; the host's message is extracted from its JSON.
func (e Errors) FromResponse(op string, resp *http.Response, body []byte) *vcs.Error {
	return e.FromStatus(op, resp, hostMessage(body))
}

// ReadError reads the body of a failed response (a bounded prefix) and
// maps it.
func (e Errors) ReadError(op string, resp *http.Response) *vcs.Error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return e.FromResponse(op, resp, body)
}

// FromStatus maps a non-2xx answer with an already-extracted message.
func (e Errors) FromStatus(op string, resp *http.Response, message string) *vcs.Error {
	ve := &vcs.Error{Provider: e.Kind, Op: op, StatusCode: resp.StatusCode, Message: e.clean(message)}
	ve.RequestID = firstHeader(resp.Header, requestIDHeaders...)
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	if wait, ok := RetryAfter(resp, now); ok {
		ve.RetryAfter = wait
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		ve.Kind = vcs.ErrUnauthorized
		ve.Hint = "the host rejected the token: check that it was copied whole, is not revoked and has not expired, or update the provider with a new token"
		if exp := e.Creds.knownExpiry(); !exp.IsZero() && !now.Before(exp) {
			ve.Kind = vcs.ErrTokenExpired
			ve.Hint = "the token expired at " + exp.UTC().Format(time.RFC3339) + "; create a new one and update the provider with it"
		}
	case http.StatusForbidden:
		if ve.RetryAfter > 0 || strings.Contains(strings.ToLower(message), "rate limit") {
			ve.Kind = vcs.ErrRateLimited
		} else {
			ve.Kind = vcs.ErrPermissionDenied
		}
	case http.StatusNotFound:
		ve.Kind = vcs.ErrNotFound
	case http.StatusGone:
		// Hosts answer 410 for endpoints they retired (Bitbucket's
		// cross-workspace APIs) as well as for deleted objects.
		ve.Kind = vcs.ErrNotFound
		ve.Hint = "the host answered 410 Gone: the object was deleted, or the host retired this API (update gitprovider)"
	case http.StatusConflict, http.StatusUnprocessableEntity, http.StatusPreconditionFailed:
		ve.Kind = vcs.ErrConflict
	case http.StatusRequestEntityTooLarge:
		ve.Kind = vcs.ErrTooLarge
	case http.StatusTooManyRequests:
		ve.Kind = vcs.ErrRateLimited
	case http.StatusBadRequest:
		ve.Kind = vcs.ErrInvalidArgument
	default:
		ve.Kind = vcs.ErrUnavailable
		if ve.Message == "" {
			ve.Message = "unexpected answer " + resp.Status
		}
	}
	if ve.Kind == vcs.ErrRateLimited && ve.Hint == "" {
		ve.Hint = "the host's rate limit was reached; wait and try again"
	}
	return ve
}

// FromError maps a transport failure (no HTTP answer) to a *vcs.Error.
// Context cancellation keeps its own error so errors.Is(err,
// context.Canceled) works.
func (e Errors) FromError(op string, err error) error {
	var ve *vcs.Error
	if errors.As(err, &ve) {
		// An error of this library's own (a refused redirect, a size
		// limit, a sign-in page), perhaps inside a *url.Error: the copy
		// names the operation and its text carries no URL.
		if ve.Provider == "" || ve.Op == "" || ve != err {
			cp := *ve
			if cp.Provider == "" {
				cp.Provider = e.Kind
			}
			if cp.Op == "" {
				cp.Op = op
			}
			return &cp
		}
		return err
	}
	out := &vcs.Error{Provider: e.Kind, Op: op, Kind: vcs.ErrUnavailable, Err: redactedError{err, e.clean(err.Error())}}
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		out.Kind = nil
	default:
		out.Hint = transportHint(err)
	}
	return out
}

func (e Errors) clean(s string) string {
	s = e.Creds.Redact(s)
	if len(s) > 500 {
		// Cut at a character boundary: the message is shown to people.
		cut := 500
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func (c *Credentials) knownExpiry() time.Time {
	if c == nil {
		return time.Time{}
	}
	return c.Expiry()
}

// redactedError keeps the wrapped error for errors.Is / errors.As but
// prints the redacted text.
type redactedError struct {
	err  error
	text string
}

func (r redactedError) Error() string { return r.text }
func (r redactedError) Unwrap() error { return r.err }

// hostMessage pulls a human message out of a host's JSON error body.
func hostMessage(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s := strings.TrimSpace(string(body))
		if strings.HasPrefix(s, "<") {
			return "" // an HTML page says nothing useful
		}
		return s
	}
	return messageFrom(m)
}

func messageFrom(m map[string]any) string {
	if s := knownMessage(m); s != "" {
		return s
	}
	return fieldMessages(m)
}

// fieldMessages renders validation objects that map field names to
// messages, such as GitLab's {"url": ["is blocked: …"]}, as
// "url is blocked: …".
func fieldMessages(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		switch v := m[k].(type) {
		case string:
			parts = append(parts, k+" "+v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					parts = append(parts, k+" "+s)
				}
			}
		}
	}
	return strings.Join(parts, "; ")
}

func knownMessage(m map[string]any) string {
	for _, k := range []string{"message", "error_description", "error", "errors", "value"} {
		switch v := m[k].(type) {
		case string:
			if v != "" {
				return v
			}
		case map[string]any:
			if s := messageFrom(v); s != "" {
				return s
			}
		case []any:
			var parts []string
			for _, x := range v {
				switch x := x.(type) {
				case string:
					parts = append(parts, x)
				case map[string]any:
					if s := messageFrom(x); s != "" {
						parts = append(parts, s)
					}
				}
			}
			if len(parts) > 0 {
				return strings.Join(parts, "; ")
			}
		}
	}
	return ""
}

// AsError returns err's *vcs.Error, or nil: providers look at the host's
// status code to tell a conflict from other refusals.
func AsError(err error) *vcs.Error {
	var ve *vcs.Error
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}
