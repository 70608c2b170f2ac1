package vcs

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// sentinel is an error value that may imply a broader one: an expired token
// is also unauthorized.
type sentinel struct {
	msg    string
	parent error
}

func (s *sentinel) Error() string { return s.msg }
func (s *sentinel) Unwrap() error { return s.parent }

// Sentinel errors. Match them with errors.Is; every error a provider
// returns for a host answer is a *Error wrapping one of them.
var (
	// ErrNotFound: the repository, file, pull request, comment or webhook
	// does not exist, or the token may not see it (many hosts answer 404
	// for both).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized: the host did not accept the credentials.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrTokenExpired: the token has expired. It matches ErrUnauthorized
	// too. It is returned on the first call where the host's answer
	// says so (GitLab: "Token is expired"), and on every host once the
	// provider learned the token's expiry from an earlier answer
	// (CheckAccess, or any answer carrying it) and that time has passed.
	// GitHub ("Bad credentials"), Bitbucket ("Token is invalid, expired,
	// or not supported") and Azure DevOps (a 401 or a sign-in page)
	// answer an expired token exactly as a revoked or mistyped one, so
	// there a token first seen after its expiry is ErrUnauthorized; the
	// hint says to check its expiry.
	ErrTokenExpired error = &sentinel{"token expired", ErrUnauthorized}
	// ErrPermissionDenied: the credentials are valid but lack a scope,
	// permission or role.
	ErrPermissionDenied = errors.New("permission denied")
	// ErrRateLimited: the host's rate limit was hit and the wait did not
	// fit in the context. Error.RetryAfter says how long to wait.
	ErrRateLimited = errors.New("rate limited")
	// ErrConflict: the change conflicts with the host's state, or the
	// host rejected it as invalid (HTTP 409 / 422).
	ErrConflict = errors.New("conflict")
	// ErrInvalidConfig: the Config cannot be used.
	ErrInvalidConfig = errors.New("invalid config")
	// ErrInvalidArgument: an argument (repository path, number, URL, body)
	// is malformed.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrInvalidSignature: a webhook delivery is unsigned or its
	// signature or secret does not match.
	ErrInvalidSignature = errors.New("invalid webhook signature")
	// ErrInvalidPayload: a webhook delivery could not be parsed.
	ErrInvalidPayload = errors.New("invalid webhook payload")
	// ErrTooLarge: a file, response or delivery exceeds the size limit.
	ErrTooLarge = errors.New("too large")
	// ErrTruncated: the host returned only part of a list and there is
	// no way to fetch the rest.
	ErrTruncated = errors.New("list truncated by the host")
	// ErrUnavailable: the host could not be reached or answered with a
	// server error; trying again later may work.
	ErrUnavailable = errors.New("host unavailable")
)

// Error describes a failed call to a host. It wraps one of the sentinel
// errors (Kind) so that errors.Is works, and never contains a credential.
type Error struct {
	// Provider is the host kind.
	Provider Kind
	// Op names the operation, e.g. "CreateWebhook".
	Op string
	// Kind is the sentinel this error matches.
	Kind error
	// StatusCode is the HTTP status, 0 when no response was received.
	StatusCode int
	// RequestID is the host's request ID, for support tickets.
	RequestID string
	// RetryAfter is how long the host asked to wait, when it did.
	RetryAfter time.Duration
	// Message is the host's own error message (credentials removed).
	Message string
	// Hint says what to do about it, in a sentence for a human.
	Hint string
	// Err is an underlying transport or decoding error, if any.
	Err error
}

// Error returns the message: provider, operation, what failed and the
// hint, never a credential.
func (e *Error) Error() string {
	var b strings.Builder
	if e.Provider != "" {
		b.WriteString(string(e.Provider))
		b.WriteString(": ")
	}
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Kind != nil {
		b.WriteString(e.Kind.Error())
	} else {
		b.WriteString("error")
	}
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.StatusCode)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter.Round(time.Second))
	}
	if e.Hint != "" {
		b.WriteString("; ")
		b.WriteString(e.Hint)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// Unwrap returns the sentinel and the underlying error.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// Errorf returns a *Error of the given kind with a formatted message; for
// errors found before any request is sent (bad arguments, bad config).
func Errorf(provider Kind, op string, kind error, format string, args ...any) *Error {
	return &Error{Provider: provider, Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}
