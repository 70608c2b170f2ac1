// Package httpx is the HTTP plumbing every provider shares: one pooled
// transport, custom CA bundles, credentials attached only to the API host,
// retries for safe requests, response size caps and the mapping of HTTP
// answers to vcs errors.
package httpx

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/gitprovider/gitprovider/vcs"
)

// Credentials hold the token a provider authenticates with. SetToken may be
// called while requests are in flight: each request reads the token when
// it is sent.
type Credentials struct {
	source   oauth2.TokenSource
	username string

	mu      sync.RWMutex
	token   string
	old     []string // earlier tokens, still redacted from messages
	expiry  time.Time
	lastTok string   // last token a TokenSource returned, for redaction
	secrets []string // webhook secrets sent, redacted too
}

// NewCredentials takes the token, username and token source from cfg.
func NewCredentials(cfg vcs.Config) *Credentials {
	return &Credentials{source: cfg.TokenSource, username: cfg.Username, token: cfg.Token}
}

// Username returns the configured username (Basic auth hosts).
func (c *Credentials) Username() string { return c.username }

// FromSource reports whether tokens come from an oauth2.TokenSource.
func (c *Credentials) FromSource() bool { return c.source != nil }

// SetToken replaces the static token. A provider built with a TokenSource
// takes every token from it, so SetToken refuses rather than do nothing.
func (c *Credentials) SetToken(token string) error {
	if c.source != nil {
		return errors.New("the provider takes its tokens from a TokenSource; rotate the token there")
	}
	if token == "" || strings.TrimSpace(token) != token || strings.ContainsAny(token, "\r\n\t ") {
		return errors.New("token is empty or contains white space")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != token {
		c.remember(c.token)
	}
	c.token = token
	c.expiry = time.Time{} // a new token has its own expiry
	return nil
}

// maxOld is how many replaced tokens Redact still removes: a request sent
// with one may fail after the rotation.
const maxOld = 8

// remember keeps a replaced token for Redact, once, dropping the oldest
// beyond maxOld. A rotation back and forth between two tokens must not
// push a third out. c.mu must be held.
func (c *Credentials) remember(tok string) {
	if tok == "" {
		return
	}
	if i := slices.Index(c.old, tok); i >= 0 {
		c.old = slices.Delete(c.old, i, i+1)
	}
	c.old = append(c.old, tok)
	if len(c.old) > maxOld {
		c.old = slices.Delete(c.old, 0, len(c.old)-maxOld)
	}
}

// Token returns the token to send now, and whether it is an OAuth token
// (from a TokenSource) rather than a static one.
func (c *Credentials) Token() (token string, oauth bool, err error) {
	if c.source != nil {
		t, err := c.source.Token()
		if err != nil {
			return "", true, err
		}
		c.mu.Lock()
		if t.AccessToken != c.lastTok {
			// A new token has its own expiry, unknown when zero: an
			// expiry the host reported for the old one no longer applies.
			c.remember(c.lastTok)
			c.lastTok = t.AccessToken
			c.expiry = t.Expiry
		} else if !t.Expiry.IsZero() {
			c.expiry = t.Expiry
		}
		c.mu.Unlock()
		return t.AccessToken, true, nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.token, false, nil
}

// RecordExpiry remembers the token's expiry as the host reported it, so
// that a later 401 can be told apart as an expired token.
func (c *Credentials) RecordExpiry(t time.Time) {
	c.mu.Lock()
	c.expiry = t
	c.mu.Unlock()
}

// RecordExpiryFor is RecordExpiry for an answer to a request sent with
// token: it is ignored when the token has been replaced since, so that a
// late answer for the old token does not lend its expiry to the new one.
func (c *Credentials) RecordExpiryFor(token string, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	current := c.token
	if c.source != nil {
		current = c.lastTok
	}
	if token != "" && token == current {
		c.expiry = t
	}
}

// Expiry returns the last known expiry, zero when unknown.
func (c *Credentials) Expiry() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.expiry
}

// maxSecrets is how many webhook secrets Redact remembers.
const maxSecrets = 16

// RedactAlso adds a secret a call sends (a webhook secret) to what Redact
// removes: a host may echo the request body in a 400 or 422. The last
// maxSecrets are kept.
func (c *Credentials) RedactAlso(secret string) {
	if c == nil || secret == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if i := slices.Index(c.secrets, secret); i >= 0 {
		c.secrets = slices.Delete(c.secrets, i, i+1)
	}
	c.secrets = append(c.secrets, secret)
	if len(c.secrets) > maxSecrets {
		c.secrets = slices.Delete(c.secrets, 0, len(c.secrets)-maxSecrets)
	}
}

// minRedact is the shortest secret Redact removes: a shorter one would
// blank out ordinary words of a message (and is no secret).
const minRedact = 4

// Redact removes from s every token this provider has used and every
// secret given to RedactAlso, in every form a host may echo: as is,
// JSON-escaped, URL-escaped, and base64-encoded as the Basic credentials
// that carry it ("user:token" for Bitbucket API tokens, ":PAT" for Azure
// DevOps) or alone.
func (c *Credentials) Redact(s string) string {
	if c == nil {
		return s
	}
	c.mu.RLock()
	secrets := append([]string{c.token, c.lastTok}, c.old...)
	secrets = append(secrets, c.secrets...)
	user := c.username
	c.mu.RUnlock()
	for _, sec := range secrets {
		if len(sec) < minRedact {
			continue
		}
		for _, form := range forms(user, sec) {
			s = strings.ReplaceAll(s, form, "[REDACTED]")
		}
	}
	return s
}

// forms returns the ways sec may appear in a host's answer, longest
// first so that a longer form is replaced whole.
func forms(user, sec string) []string {
	out := []string{sec}
	if b, err := json.Marshal(sec); err == nil {
		out = append(out, strings.Trim(string(b), `"`))
	}
	out = append(out, url.QueryEscape(sec), url.PathEscape(sec))
	for _, plain := range []string{user + ":" + sec, ":" + sec, sec} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			out = append(out, enc.EncodeToString([]byte(plain)))
		}
	}
	slices.SortFunc(out, func(a, b string) int { return len(b) - len(a) })
	return slices.Compact(out)
}
