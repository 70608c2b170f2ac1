package vcs

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Config describes one Git provider connection, as a workspace admin enters
// it. The plain fields marshal to JSON for storage; the programmatic ones
// are for code.
type Config struct {
	// Kind selects the driver ("github", "gitlab", "bitbucket",
	// "azuredevops").
	Kind Kind `json:"kind"`
	// URL is the instance URL. Empty means the cloud service. Examples:
	// https://github.example.com (GHES, with or without /api/v3),
	// https://gitlab.example.com/gitlab (self-managed under a sub-path),
	// https://dev.azure.com/myorg (Azure DevOps organization).
	URL string `json:"url,omitempty"`
	// Token is the access token (personal, project, repository, API token
	// or PAT). Required unless TokenSource is set.
	Token string `json:"token,omitempty"`
	// GitHubApp authenticates as a GitHub App installation instead of
	// with Token (kind github only).
	GitHubApp *GitHubApp `json:"githubApp,omitempty"`
	// Username goes with Token where the host authenticates with Basic
	// credentials: the Atlassian account email for Bitbucket API tokens.
	Username string `json:"username,omitempty"`
	// CABundle is PEM-encoded certificates trusted in addition to the
	// system roots, for self-hosted instances with a private CA.
	CABundle string `json:"caBundle,omitempty"`

	// HTTPClient, when set, is used as the base client: its Transport
	// carries the requests (the provider still adds credentials, retries
	// and limits). Tests inject a fake host's client here.
	HTTPClient *http.Client `json:"-"`
	// TokenSource, when set, is asked for a token on every request and
	// takes precedence over Token; use it for OAuth and rotated tokens.
	TokenSource oauth2.TokenSource `json:"-"`
	// UserAgent is sent in front of the library's own User-Agent.
	UserAgent string `json:"-"`
	// Clock returns the current time; nil means time.Now. Tests share it
	// with a fake host to move time forward (token expiry).
	Clock func() time.Time `json:"-"`
	// AllowInsecureHTTP accepts an http:// instance URL on a host other
	// than loopback. The token then crosses the network in clear text,
	// readable by anyone on the path: set it only for an instance that is
	// reachable in no other way, on a network you trust. http:// on a
	// loopback address (localhost, 127.0.0.0/8, ::1) is accepted without
	// it: the token does not leave the machine.
	AllowInsecureHTTP bool `json:"allowInsecureHttp,omitempty"`
}

// Validate checks the fields every driver needs. Drivers check the instance
// URL's host-specific form themselves.
func (c Config) Validate() error {
	bad := func(format string, args ...any) error {
		return Errorf(c.Kind, "Config", ErrInvalidConfig, format, args...)
	}
	if c.Kind == "" {
		return bad("kind is empty; use one of %s", kindList())
	}
	if c.GitHubApp != nil {
		if err := c.GitHubApp.validate(c); err != nil {
			return err
		}
	} else if c.Token == "" && c.TokenSource == nil {
		return bad("token is empty; paste the service user's access token")
	}
	if strings.TrimSpace(c.Token) != c.Token || strings.ContainsAny(c.Token, "\r\n\t ") {
		return bad("token contains white space; copy it again without spaces or line breaks")
	}
	if c.URL != "" {
		u, err := url.Parse(c.URL)
		switch {
		case err != nil:
			return bad("URL %q is not a valid URL", redactURL(c.URL))
		case u.User != nil || strings.Contains(u.Opaque, "@"):
			return bad("URL must not contain credentials; put the token in the token field")
		case u.Scheme != "https" && u.Scheme != "http":
			return bad("URL %q must start with https://", redactURL(c.URL))
		case u.Host == "":
			return bad("URL %q has no host name", redactURL(c.URL))
		case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
			return bad("URL %q must not have a query or fragment", redactURL(c.URL))
		case u.Scheme == "http" && !c.AllowInsecureHTTP && !isLoopback(u.Hostname()):
			return bad("URL %q uses http://, which would send the token in clear text: use https:// (set AllowInsecureHTTP only for an instance that cannot serve https, on a network you trust)", redactURL(c.URL))
		}
		if why := badSegments(u.Path, true); why != "" {
			return bad("URL %q path %s", redactURL(c.URL), why)
		}
		if err := checkKnownHost(c.Kind, u, c.URL); err != nil {
			return err
		}
	}
	if c.CABundle != "" {
		if !x509.NewCertPool().AppendCertsFromPEM([]byte(c.CABundle)) {
			return bad("CA bundle holds no PEM certificate; paste the instance's CA certificate, starting with -----BEGIN CERTIFICATE-----")
		}
	}
	return nil
}

// Now returns the config's notion of the current time.
func (c Config) Now() time.Time {
	if c.Clock != nil {
		return c.Clock()
	}
	return time.Now()
}

// String renders the config without its token.
func (c Config) String() string {
	tok := "none"
	switch {
	case c.GitHubApp != nil:
		tok = fmt.Sprintf("GitHub App %d installation %d", c.GitHubApp.AppID, c.GitHubApp.InstallationID)
	case c.TokenSource != nil:
		tok = "token source"
	case c.Token != "":
		tok = "[REDACTED]"
	}
	return fmt.Sprintf("vcs.Config{Kind: %q, URL: %q, Username: %q, Token: %s, CABundle: %t}",
		c.Kind, redactURL(c.URL), c.Username, tok, c.CABundle != "")
}

// GoString is String, so %#v does not print the token either.
func (c Config) GoString() string { return c.String() }

func redactURL(s string) string { return RedactURL(s) }

// RedactURL returns s without the credentials a URL may carry
// ("https://user:TOKEN@host" becomes "https://host"), for error messages.
// When s does not parse as a URL with user information but holds an "@",
// everything up to the last "@" is cut ("…@host:bad"), since it may be
// a password.
func RedactURL(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	if u, err := url.Parse(s); err == nil && u.User != nil && u.Opaque == "" {
		u.User = nil
		if out := u.String(); !strings.Contains(out, "@") {
			return out
		}
	}
	return "…" + s[strings.LastIndex(s, "@"):]
}

// isLoopback reports whether host names this machine: "localhost" or a
// loopback IP address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
