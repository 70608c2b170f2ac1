package github

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

func init() { vcs.Register(vcs.KindGitHub, driver{}) }

type driver struct{}

func (driver) Open(cfg vcs.Config) (vcs.Provider, error) { return New(cfg) }
func (driver) WebhookParser() vcs.WebhookParser          { return NewParser() }

// Provider talks to GitHub.com, a GitHub Enterprise Server instance or a
// GHE.com tenant. Build it with New or vcs.Open.
type Provider struct {
	cfg    vcs.Config
	creds  *httpx.Credentials
	client *gh.Client
	api    *url.URL // API root, ending in "/"
	web    *url.URL // web root, for remediation links
	errs   httpx.Errors
	app    *appTokenSource // GitHub App credentials, when configured
	// files keeps files read at a full commit SHA (internal/filecache).
	files *filecache.Cache
	// budget paces requests within the host's limits and keeps the
	// rate-limit figures the host last reported (internal/httpx).
	budget *httpx.Budget
}

var _ vcs.Provider = (*Provider)(nil)

// APIVersion is the REST API version the provider speaks.
const APIVersion = "2022-11-28"

// expiryHeader carries the expiry of expiring tokens on every answer.
const expiryHeader = "GitHub-Authentication-Token-Expiration"

// New returns a provider for cfg. cfg.URL selects the instance:
//
//	""  or https://github.com        GitHub.com (API https://api.github.com)
//	https://HOST[/api/v3]             GitHub Enterprise Server
//	https://TENANT.ghe.com            GHE.com (API https://api.TENANT.ghe.com)
func New(cfg vcs.Config) (*Provider, error) {
	cfg, err := cfg.For(vcs.KindGitHub)
	if err != nil {
		return nil, err
	}
	api, web, err := ParseInstanceURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	var app *appTokenSource
	if cfg.GitHubApp != nil {
		base, err := httpx.BaseTransport(cfg)
		if err != nil {
			return nil, err
		}
		if app, err = newAppTokenSource(cfg, api, web, base); err != nil {
			return nil, err
		}
		cfg.TokenSource = app // installation tokens, renewed before they expire
	}
	p := &Provider{cfg: cfg, creds: httpx.NewCredentials(cfg), api: api, web: web, files: filecache.New(0), app: app}
	p.errs = httpx.Errors{Kind: vcs.KindGitHub, Creds: p.creds, Now: cfg.Now}
	p.budget = httpx.NewBudget(budgetFor(api), cfg.Now)
	hc, err := httpx.NewClient(httpx.Options{
		Budget:      p.budget,
		Kind:        vcs.KindGitHub,
		Config:      cfg,
		AuthHosts:   []string{httpx.HostOf(api)},
		Credentials: p.creds,
		Authorize:   httpx.Bearer,
		Header:      http.Header{"X-Github-Api-Version": {APIVersion}},
	})
	if err != nil {
		return nil, err
	}
	hc.Transport = &expiryRecorder{next: hc.Transport, creds: p.creds}
	base := api.String()
	// Our transport waits for rate-limit resets within the context;
	// go-github's own pre-check would fail requests without asking.
	p.client, err = gh.NewClient(gh.WithHTTPClient(hc), gh.WithURLs(&base, &base), gh.WithDisableRateLimitCheck())
	if err != nil {
		return nil, vcs.Errorf(vcs.KindGitHub, "New", vcs.ErrInvalidConfig, "the API URL %s is not usable: %v", base, err)
	}
	return p, nil
}

// ParseInstanceURL returns the API root and the web root (both ending in
// "/") for an instance URL:
//
//	"", https://github.com, https://www.github.com, https://api.github.com
//	                               GitHub.com: https://api.github.com/
//	https://TENANT.ghe.com, https://api.TENANT.ghe.com
//	                               GHE.com: https://api.TENANT.ghe.com/
//	https://HOST, https://HOST/api/v3
//	                               GitHub Enterprise Server: https://HOST/api/v3/
//
// A trailing slash is allowed and the host is lower-cased; GitHub.com and
// GHE.com are always reached over https. Anything else is refused with an
// error matching vcs.ErrInvalidConfig: no scheme or one other than http(s),
// credentials, a query or fragment, and any other path (GitHub Enterprise
// Server is served at the root of its host, so a path is a pasted
// repository or organization URL).
func ParseInstanceURL(instance string) (api, web *url.URL, err error) {
	bad := func(format string, args ...any) error {
		return vcs.Errorf(vcs.KindGitHub, "Config", vcs.ErrInvalidConfig, format, args...)
	}
	if instance == "" {
		instance = "https://github.com"
	}
	// Messages quote the URL without any password it holds.
	shown := vcs.RedactURL(instance)
	u, err := url.Parse(strings.TrimSpace(instance))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, nil, bad("instance URL %q must look like https://github.com or https://github.example.com", shown)
	}
	if u.User != nil || strings.Contains(u.Opaque, "@") {
		return nil, nil, bad("instance URL must not contain credentials; put the token in the token field")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return nil, nil, bad("instance URL %q must not have a query or fragment", shown)
	}
	host := strings.ToLower(u.Host)
	path := strings.TrimSuffix(u.Path, "/")
	switch {
	case host == "github.com" || host == "www.github.com" || host == "api.github.com":
		if path != "" {
			return nil, nil, bad("instance URL %q has a path; for GitHub.com leave the URL empty or use https://github.com", shown)
		}
		return mustURL("https://api.github.com/"), mustURL("https://github.com/"), nil
	case strings.HasSuffix(host, ".ghe.com"):
		tenant := strings.TrimPrefix(strings.TrimSuffix(host, ".ghe.com"), "api.")
		if tenant == "" || strings.Contains(tenant, ".") || path != "" {
			return nil, nil, bad("GHE.com URL %q must be https://TENANT.ghe.com", shown)
		}
		return mustURL("https://api." + tenant + ".ghe.com/"), mustURL("https://" + tenant + ".ghe.com/"), nil
	}
	// GitHub Enterprise Server: https://HOST[/api/v3].
	if path != "" && path != "/api/v3" {
		return nil, nil, bad("instance URL %q has a path; GitHub Enterprise Server is served at the root of its host: use https://%s", shown, host)
	}
	web = &url.URL{Scheme: u.Scheme, Host: host, Path: "/"}
	api = &url.URL{Scheme: u.Scheme, Host: host, Path: "/api/v3/"}
	return api, web, nil
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Kind returns vcs.KindGitHub.
func (p *Provider) Kind() vcs.Kind { return vcs.KindGitHub }

// APIURL returns the API root the provider talks to.
func (p *Provider) APIURL() string { return p.api.String() }

// SetToken replaces the token; see vcs.Provider.
func (p *Provider) SetToken(token string) error {
	if err := p.creds.SetToken(token); err != nil {
		return vcs.Errorf(vcs.KindGitHub, "SetToken", vcs.ErrInvalidArgument, "%v", err)
	}
	return nil
}

// MaxConcurrency keeps fan-out below GitHub's secondary rate limit of 100
// concurrent requests.
func (p *Provider) MaxConcurrency() int { return 64 }

// Client returns the underlying go-github client, authenticated and with
// the provider's transport, for calls this package does not cover.
func (p *Provider) Client() *gh.Client { return p.client }

// expiryRecorder remembers the token expiry GitHub reports on every answer,
// so that a later 401 can be told apart as an expired token.
type expiryRecorder struct {
	next  http.RoundTripper
	creds *httpx.Credentials
}

func (e *expiryRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := e.next.RoundTrip(req)
	if err == nil && resp.StatusCode < 300 {
		if t, ok := parseExpiry(resp.Header.Get(expiryHeader)); ok && resp.Request != nil {
			// The answer speaks of the token its request carried.
			sent := strings.TrimPrefix(resp.Request.Header.Get("Authorization"), "Bearer ")
			e.creds.RecordExpiryFor(sent, t)
		}
	}
	return resp, err
}

// expiryLayouts are the forms GitHub-Authentication-Token-Expiration takes:
// "2026-12-01 08:15:54 UTC" (documented) and "2026-12-01 08:15:54 -0800"
// (seen on some tokens). Zone abbreviations other than UTC are not
// accepted: Go cannot tell their offset.
var expiryLayouts = []string{"2006-01-02 15:04:05 UTC", "2006-01-02 15:04:05 GMT", "2006-01-02 15:04:05 -0700", time.RFC3339}

// parseExpiry reads a GitHub-Authentication-Token-Expiration value.
func parseExpiry(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	for _, layout := range expiryLayouts {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// splitRepo splits "owner/name".
func splitRepo(op, repo string) (owner, name string, err error) {
	if err := vcs.CheckRepository(vcs.KindGitHub, op, repo); err != nil {
		return "", "", err
	}
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") || strings.ContainsAny(repo, " ?#%\\") {
		return "", "", vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "repository %q must be OWNER/NAME", repo)
	}
	return owner, name, nil
}

func checkNumber(op string, number int) error {
	return vcs.CheckPullRequestNumber(vcs.KindGitHub, op, number)
}

// wrap maps a go-github error to a *vcs.Error.
func (p *Provider) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var (
		er  *gh.ErrorResponse
		rl  *gh.RateLimitError
		ab  *gh.AbuseRateLimitError
		ve  *vcs.Error
		out *vcs.Error
	)
	switch {
	case errors.As(err, &ve):
		return p.errs.FromError(op, err)
	case errors.As(err, &er) && er.Response != nil:
		out = p.errs.FromStatus(op, er.Response, errorMessage(er))
		p.refine(out, er)
	case errors.As(err, &rl) && rl.Response != nil:
		out = p.errs.FromStatus(op, rl.Response, rl.Message)
		out.Kind = vcs.ErrRateLimited
		if d := time.Until(rl.Rate.Reset.Time); d > 0 && out.RetryAfter == 0 {
			out.RetryAfter = d
		}
	case errors.As(err, &ab) && ab.Response != nil:
		out = p.errs.FromStatus(op, ab.Response, ab.Message)
		out.Kind = vcs.ErrRateLimited
		if ab.RetryAfter != nil {
			out.RetryAfter = *ab.RetryAfter
		}
		out.Hint = "GitHub's secondary rate limit was hit; slow down and retry later"
	default:
		return p.errs.FromError(op, err)
	}
	return out
}

func errorMessage(er *gh.ErrorResponse) string {
	msg := er.Message
	for _, e := range er.Errors {
		detail := e.Message
		if detail == "" {
			detail = strings.TrimSpace(e.Resource + " " + e.Field + " " + e.Code)
		}
		if detail != "" {
			msg += "; " + detail
		}
	}
	return msg
}

// refine turns GitHub's ambiguous answers into the precise error and adds
// what to do about it: a 404 caused by a missing classic scope (GitHub
// hides what a scope does not cover), a 403 naming the fine-grained or app
// permission a call needs, a 403 on a file over the size limit, and the
// 422s of webhook creation.
func (p *Provider) refine(e *vcs.Error, er *gh.ErrorResponse) {
	resp := er.Response
	accepted := resp.Header.Get("X-Accepted-OAuth-Scopes")
	have, haveScopes := resp.Header["X-Oauth-Scopes"]
	permission := resp.Header.Get("X-Accepted-Github-Permissions")
	switch {
	case e.StatusCode == http.StatusNotFound && haveScopes && accepted != "" && !anyScope(splitScopes(strings.Join(have, ",")), splitScopes(accepted)):
		e.Kind = vcs.ErrPermissionDenied
		e.Hint = "the token lacks a scope this call needs (one of: " + accepted + "); add it at " + p.tokenSettingsURL() + " (GitHub answers 404 rather than 403 for a missing scope)"
	case e.StatusCode == http.StatusForbidden && hasErrorCode(er, "too_large"):
		e.Kind = vcs.ErrTooLarge
		e.Hint = "GitHub's contents API serves files up to 100 MB"
	case e.StatusCode == http.StatusForbidden && permission != "" && e.Kind == vcs.ErrPermissionDenied:
		e.Hint = "the token lacks the permission " + permission + ": for a fine-grained token, edit it at " + p.tokenSettingsURL() +
			" and grant it on the repository; for a GitHub App, add it under the app's Permissions & events and approve it for the installation"
	case e.StatusCode == http.StatusUnprocessableEntity && hasErrorMessage(er, "already exists"):
		e.Hint = "a webhook with this URL already exists on the repository: update it (vcs.EnsureWebhook does) instead of creating another"
	case e.StatusCode == http.StatusUnprocessableEntity && hasErrorMessage(er, "more than"):
		e.Hint = "GitHub allows at most 20 webhooks per event on a repository: delete unused ones in the repository's Settings → Webhooks"
	case e.StatusCode == http.StatusNotFound && e.Hint == "":
		e.Hint = "the repository or object does not exist, or the token cannot see it (GitHub answers 404 for private repositories the token has no access to)"
	}
}

// hasErrorCode reports whether GitHub's errors[] name code.
func hasErrorCode(er *gh.ErrorResponse, code string) bool {
	for _, e := range er.Errors {
		if e.Code == code {
			return true
		}
	}
	return false
}

// hasErrorMessage reports whether one of errors[].message contains s.
func hasErrorMessage(er *gh.ErrorResponse, s string) bool {
	for _, e := range er.Errors {
		if strings.Contains(strings.ToLower(e.Message), s) {
			return true
		}
	}
	return false
}

func (p *Provider) tokenSettingsURL() string {
	return p.web.String() + "settings/tokens"
}

func splitScopes(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func anyScope(have, want []string) bool {
	for _, w := range want {
		for _, h := range have {
			if h == w {
				return true
			}
		}
	}
	return false
}

// budgetFor returns the pacing for the instance. GitHub's secondary rate
// limits allow no more than 100 concurrent requests (REST and GraphQL
// together) and 900 points a minute for REST endpoints, a GET costing 1
// ("About secondary rate limits",
// https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
// a burst of 300 and 600 a minute keep any one minute at 900 at most, and
// 90 in flight leave room for other clients of the same token. GitHub
// Enterprise Server has rate limits off unless its administrator sets
// them, so it gets only the concurrency cap (and the hold when its
// headers say the window is spent).
func budgetFor(api *url.URL) httpx.BudgetOptions {
	o := httpx.BudgetOptions{MaxInFlight: 90}
	if h := api.Hostname(); h == "api.github.com" || strings.HasSuffix(h, ".ghe.com") {
		o.PerMinute, o.Burst = 600, 300
	}
	return o
}

// RateLimit returns what the host last said about the rate limit the
// provider's requests count against, and how long they waited for the
// provider's own pacing.
func (p *Provider) RateLimit() vcs.RateLimit { return p.budget.RateLimit() }
