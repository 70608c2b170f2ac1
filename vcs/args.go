package vcs

import (
	"strings"
	"unicode/utf8"
)

// For returns c as a driver for kind k uses it: an empty Kind becomes k,
// another kind is an ErrInvalidConfig error, and the result is validated.
// Drivers call it first in their New.
func (c Config) For(k Kind) (Config, error) {
	if c.Kind == "" {
		c.Kind = k
	}
	if c.Kind != k {
		return c, Errorf(k, "Config", ErrInvalidConfig, "config is for kind %q, not %q", c.Kind, k)
	}
	return c, c.Validate()
}

// CheckPullRequestNumber returns an ErrInvalidArgument error for a pull
// request number that is not positive; drivers call it before any request.
func CheckPullRequestNumber(k Kind, op string, number int) error {
	if number <= 0 {
		return Errorf(k, op, ErrInvalidArgument, "pull request number %d must be positive", number)
	}
	return nil
}

// CheckCommentBody returns an ErrInvalidArgument error for a blank comment
// and an ErrTooLarge error for one longer than max characters (the host's
// limit); drivers call it before any request.
func CheckCommentBody(k Kind, op, body string, max int) error {
	if strings.TrimSpace(body) == "" {
		return Errorf(k, op, ErrInvalidArgument, "comment body is empty")
	}
	if n := utf8.RuneCountInString(body); max > 0 && n > max {
		return Errorf(k, op, ErrTooLarge, "comment has %d characters; %s accepts at most %d", n, k, max)
	}
	return nil
}
