package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// DefaultURL is the instance URL used when vcs.Config.URL is empty.
const DefaultURL = "https://gitlab.com"

const kind = vcs.KindGitLab

func init() { vcs.Register(vcs.KindGitLab, driver{}) }

// driver registers the gitlab kind with vcs.Open.
type driver struct{}

func (driver) Open(cfg vcs.Config) (vcs.Provider, error) { return New(cfg) }

func (driver) WebhookParser() vcs.WebhookParser { return NewParser() }

var _ vcs.Provider = (*Provider)(nil)

// Provider talks to one GitLab instance (GitLab.com or self-managed)
// through GitLab's official Go client. It is safe for concurrent use.
type Provider struct {
	web    *url.URL // https://host[/relative-root]/
	api    *url.URL // web + api/v4/
	creds  *httpx.Credentials
	errs   httpx.Errors
	client *gl.Client
	// files keeps files read at a full commit SHA (internal/filecache).
	files *filecache.Cache
	// budget paces requests within the host's limits and keeps the
	// rate-limit figures the host last reported (internal/httpx).
	budget *httpx.Budget
}

// New builds a provider from cfg. cfg.URL is the instance URL: empty or
// https://gitlab.com for GitLab.com, https://HOST for a self-managed
// instance, https://HOST/PATH for one under a relative URL root; each may
// end in /api/v4 and a slash.
//
// Requests go through the library's HTTP client (pooled transport, CA
// bundle, retries of idempotent requests only, credentials sent only to
// the instance's host); the GitLab client's own retries, which repeat
// POSTs, and its client-side rate limiter are off.
func New(cfg vcs.Config) (*Provider, error) {
	cfg, err := cfg.For(kind)
	if err != nil {
		return nil, err
	}
	api, web, err := ParseInstanceURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	creds := httpx.NewCredentials(cfg)
	budget := httpx.NewBudget(budgetFor(api), cfg.Now)
	hc, err := httpx.NewClient(httpx.Options{
		Budget:      budget,
		Kind:        kind,
		Config:      cfg,
		AuthHosts:   []string{httpx.HostOf(api)},
		Credentials: creds,
		// GitLab takes personal, project and group access tokens and OAuth
		// tokens as Bearer tokens (PRIVATE-TOKEN takes access tokens
		// only), so one header serves every kind, however it is supplied.
		Authorize: httpx.Bearer,
	})
	if err != nil {
		return nil, err
	}
	client, err := gl.NewAuthSourceClient(
		// Our transport sets "Authorization: Bearer" on each request, so
		// the client sends no credentials of its own.
		gl.Unauthenticated{},
		gl.WithBaseURL(api.String()),
		gl.WithHTTPClient(hc),
		gl.WithoutRetries(),
		gl.WithCustomRetryMax(0),
		gl.WithCustomLimiter(noLimit{}),
		gl.WithURLWarningLogger(slog.New(slog.DiscardHandler)),
		gl.WithInterceptor(keepErrorBodies),
	)
	if err != nil {
		return nil, vcs.Errorf(kind, "New", vcs.ErrInvalidConfig, "building the GitLab client: %v", err)
	}
	return &Provider{
		files:  filecache.New(0),
		budget: budget,
		web:    web,
		api:    api,
		creds:  creds,
		errs:   httpx.Errors{Kind: kind, Creds: creds, Now: cfg.Now},
		client: client,
	}, nil
}

// Kind returns vcs.KindGitLab.
func (p *Provider) Kind() vcs.Kind { return kind }

// APIURL returns the API root the provider talks to, e.g.
// https://gitlab.com/api/v4/.
func (p *Provider) APIURL() string { return p.api.String() }

// InstanceURL returns the instance's web address, e.g.
// https://git.example.com/gitlab/.
func (p *Provider) InstanceURL() string { return p.web.String() }

// Client returns the underlying GitLab client, for calls this package does
// not wrap. It shares the provider's credentials, retries and transport.
func (p *Provider) Client() *gl.Client { return p.client }

// SetToken replaces the static token; requests that start afterwards use
// it.
func (p *Provider) SetToken(token string) error {
	if err := p.creds.SetToken(token); err != nil {
		return vcs.Errorf(kind, "SetToken", vcs.ErrInvalidArgument, "%v", err)
	}
	return nil
}

// ParseInstanceURL returns the API root and the web root (both ending in
// "/") for an instance URL in any accepted form:
//
//	"" or https://gitlab.com[/api/v4]   GitLab.com (API https://gitlab.com/api/v4/)
//	https://HOST[/api/v4]               self-managed at the host's root
//	https://HOST/PATH[/api/v4]          self-managed under a relative URL root
//
// A trailing slash is allowed; scheme and host are lower-cased. Anything
// else (another scheme, credentials, a query, a path on gitlab.com such as a
// pasted project URL, an API root other than /api/v4) is an error matching
// vcs.ErrInvalidConfig.
func ParseInstanceURL(instance string) (api, web *url.URL, err error) {
	bad := func(format string, args ...any) error {
		return vcs.Errorf(kind, "Config", vcs.ErrInvalidConfig, format, args...)
	}
	raw := strings.TrimSpace(instance)
	if raw == "" {
		raw = DefaultURL
	}
	u, err := url.Parse(raw)
	// Messages quote the URL without any password it holds.
	raw = vcs.RedactURL(raw)
	switch {
	case err != nil:
		return nil, nil, bad("instance URL is not a valid URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, nil, bad("instance URL must start with https:// (or http://), e.g. https://gitlab.example.com")
	case u.Host == "":
		return nil, nil, bad("instance URL has no host name")
	case u.User != nil || strings.Contains(u.Opaque, "@"):
		return nil, nil, bad("instance URL must not contain credentials; put the token in the token field")
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, nil, bad("instance URL must not have a query or fragment")
	}
	host := strings.ToLower(u.Host)
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimRight(strings.TrimSuffix(p, "/api/v4"), "/")
	switch {
	case host == "gitlab.com" && p != "":
		return nil, nil, bad("instance URL %q has a path; for GitLab.com leave the URL empty or use https://gitlab.com", raw)
	case strings.HasSuffix(p, "/api") || strings.Contains(p, "/api/v"):
		return nil, nil, bad("instance URL %q must be the instance's address (e.g. https://gitlab.example.com or https://host/gitlab), optionally followed by /api/v4", raw)
	}
	web = &url.URL{Scheme: strings.ToLower(u.Scheme), Host: host, Path: p + "/"}
	api = &url.URL{Scheme: web.Scheme, Host: host, Path: p + "/api/v4/"}
	return api, web, nil
}

// noLimit turns off the GitLab client's own rate limiter: the library
// honours the host's Retry-After and RateLimit-Reset answers instead.
type noLimit struct{}

func (noLimit) Wait(ctx context.Context) error { return ctx.Err() }

// errorBody keeps the (bounded) body of a failed answer readable after the
// GitLab client drained it: the client drops 404 bodies, which carry
// GitLab's reason ("404 File Not Found", "404 Project Not Found").
type errorBody struct {
	io.Reader
	data []byte
}

func (errorBody) Close() error { return nil }

func keepErrorBodies(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(req)
		if err != nil || resp.StatusCode < 400 || resp.Body == nil {
			return resp, err
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		resp.Body = errorBody{Reader: bytes.NewReader(data), data: data}
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// projectID checks a repository argument: a full path
// ("group/subgroup/project") or a numeric project ID.
func projectID(op, repo string) (string, error) {
	if err := vcs.CheckRepository(kind, op, repo); err != nil {
		return "", err
	}
	id := strings.Trim(repo, "/")
	bad := func(why string) error {
		return vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "repository %q %s; use the project's full path (group/subgroup/project) or its numeric ID", repo, why)
	}
	if id == "" {
		return "", bad("is empty")
	}
	if _, err := strconv.ParseInt(id, 10, 64); err == nil {
		return id, nil
	}
	parts := strings.Split(id, "/")
	if len(parts) < 2 {
		return "", bad("has no namespace")
	}
	for _, part := range parts {
		if part == "" || part == "." || part == ".." {
			return "", bad("has an empty or relative path element")
		}
		for _, r := range part {
			if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`?#%\`, r) {
				return "", bad("contains a character GitLab paths cannot hold")
			}
		}
	}
	return id, nil
}

func checkNumber(op string, number int) error { return vcs.CheckPullRequestNumber(kind, op, number) }

// reqCtx runs a client call with ctx.
func reqCtx(ctx context.Context) gl.RequestOptionFunc { return gl.WithContext(ctx) }

// pageNumber and nextPage carry offset pagination (x-next-page) through
// pager cursors.
func pageNumber(cursor string) int64 {
	n, _ := strconv.ParseInt(cursor, 10, 64)
	return n
}

func nextPage(resp *gl.Response) string {
	if resp == nil || resp.NextPage == 0 {
		return ""
	}
	return strconv.FormatInt(resp.NextPage, 10)
}

// Remediation texts shared by error hints and CheckAccess.
const (
	hintScope      = "create a token with the api scope (personal: your avatar > Edit profile > Access tokens; project or group access token: the project's or group's Settings > Access tokens) and update the provider with it"
	hintMaintainer = "webhook creation needs at least the Maintainer role on the project (a project access token needs at least Maintainer role): raise the service user's role in the project's Manage > Members, or create a project access token with the Maintainer role"
	hintReporter   = "needs at least the Reporter role on the project: add the service user to the project (Manage > Members) as Reporter or higher"
)

// fail maps a failed GitLab client call to a *vcs.Error.
func (p *Provider) fail(op string, resp *gl.Response, err error) error {
	if err == nil {
		return nil
	}
	if resp == nil || resp.Response == nil || resp.StatusCode < 400 {
		return p.errs.FromError(op, err)
	}
	body := failedBody(resp, err)
	ve := p.errs.FromResponse(op, resp.Response, body)
	if ve.Message == "" {
		ve.Message = p.errs.Creds.Redact(validationMessage(body))
	}
	p.refine(op, ve, body)
	return ve
}

// validationMessage renders GitLab's validation errors, a message object
// of attribute names and their problems ({"message": {"url": ["is
// blocked: …"]}}), as "url is blocked: …".
func validationMessage(body []byte) string {
	var b struct {
		Message map[string][]string `json:"message"`
	}
	if json.Unmarshal(body, &b) != nil {
		return ""
	}
	var parts []string
	for attr, problems := range b.Message {
		for _, pr := range problems {
			parts = append(parts, attr+" "+pr)
		}
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// failedBody returns the body of a failed answer, kept by keepErrorBodies.
func failedBody(resp *gl.Response, err error) []byte {
	if resp != nil {
		if eb, ok := resp.Body.(errorBody); ok {
			return eb.data
		}
	}
	if er := (*gl.ErrorResponse)(nil); errors.As(err, &er) {
		return er.Body
	}
	return nil
}

// gitlabError is the OAuth-style error body GitLab answers a token
// problem with: {"error": "insufficient_scope", "scope": "api", …}.
type gitlabError struct {
	Error string `json:"error"`
	Scope string `json:"scope"`
}

func parseGitLabError(body []byte) gitlabError {
	var b gitlabError
	_ = json.Unmarshal(body, &b)
	return b
}

// refine adds GitLab's meaning to an error: expired and revoked tokens,
// missing scopes and roles.
func (p *Provider) refine(op string, ve *vcs.Error, body []byte) {
	b := parseGitLabError(body)
	msg := strings.ToLower(ve.Message)
	switch ve.StatusCode {
	case http.StatusUnauthorized:
		switch {
		case strings.Contains(msg, "expired"):
			ve.Kind = vcs.ErrTokenExpired
			ve.Hint = "the token has expired: create a new token and update the provider with it"
		case strings.Contains(msg, "revoked"):
			ve.Hint = "the token was revoked: create a new token and update the provider with it"
		}
	case http.StatusForbidden:
		if ve.Kind != vcs.ErrPermissionDenied {
			return // rate limited
		}
		if b.Error == "insufficient_scope" {
			want := "api"
			if b.Scope != "" {
				want = strings.Join(strings.Fields(b.Scope), " or ")
			}
			ve.Hint = "the token lacks the scope this call needs (" + want + "): " + hintScope
			return
		}
		switch op {
		case "ListWebhooks", "CreateWebhook", "UpdateWebhook", "DeleteWebhook":
			ve.Hint = hintMaintainer
		case "CreateComment":
			ve.Hint = "commenting on merge requests " + hintReporter
		case "UpdateComment":
			ve.Hint = "GitLab lets only a comment's author edit it: update comments with the token that posted them"
		default:
			ve.Hint = "reading the repository " + hintReporter
		}
	case http.StatusUnprocessableEntity:
		if strings.Contains(msg, "url is blocked") && strings.Contains(msg, "local network") {
			ve.Hint = "GitLab refuses webhook URLs in its local network by default: an administrator can allow them in Admin > Settings > Network > Outbound requests, or use a URL GitLab reaches from outside"
		}
	case http.StatusNotFound:
		if strings.Contains(msg, "project not found") {
			ve.Hint = "check the project's full path (group/subgroup/project) and that the token's user is a member of the project"
		}
	}
}

// budgetFor returns the pacing for the instance. GitLab.com allows 2,000
// authenticated API requests a minute per user
// (https://docs.gitlab.com/user/gitlab_com/rate_limits/): a burst of 500
// and 1,500 a minute keep any one minute within it. A self-managed
// instance's limits are its administrator's (off by default), so it is
// paced only by the hold when its RateLimit-* headers say the window is
// spent.
func budgetFor(api *url.URL) httpx.BudgetOptions {
	if api.Hostname() == "gitlab.com" {
		return httpx.BudgetOptions{PerMinute: 1500, Burst: 500}
	}
	return httpx.BudgetOptions{}
}

// RateLimit returns what the host last said about the rate limit the
// provider's requests count against, and how long they waited for the
// provider's own pacing.
func (p *Provider) RateLimit() vcs.RateLimit { return p.budget.RateLimit() }
