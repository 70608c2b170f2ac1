package bitbucket

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// apiRoot is the root of the Bitbucket Cloud REST API, the only one this
// provider talks to; webRoot is the web UI.
const (
	apiRoot = "https://api.bitbucket.org/2.0/"
	webRoot = "https://bitbucket.org/"
)

// apiHost is where credentials are sent; nowhere else.
const apiHost = "api.bitbucket.org"

func init() { vcs.Register(vcs.KindBitbucket, driver{}) }

// driver registers Bitbucket Cloud with vcs.Open.
type driver struct{}

func (driver) Open(cfg vcs.Config) (vcs.Provider, error) { return New(cfg) }
func (driver) WebhookParser() vcs.WebhookParser          { return NewParser() }

// Provider is a vcs.Provider for Bitbucket Cloud. Build it with New or
// vcs.Open; it is safe for concurrent use.
type Provider struct {
	api    *url.URL
	creds  *httpx.Credentials
	errs   httpx.Errors
	client *client
	// files keeps files read at a full commit SHA (internal/filecache).
	files *filecache.Cache
	// workspace is the workspace the instance URL names
	// (https://bitbucket.org/WORKSPACE), if any: ListRepositories lists
	// it alone.
	workspace string
	// budget paces requests within the host's limits and keeps the
	// rate-limit figures the host last reported (internal/httpx).
	budget *httpx.Budget
}

var _ vcs.Provider = (*Provider)(nil)

// New returns a provider for Bitbucket Cloud.
//
// cfg.URL may be empty or any form ParseInstanceURL accepts; Bitbucket
// Data Center / Server has a different API and is not supported.
// Credentials:
//
//   - an Atlassian API token: cfg.Username is the Atlassian account's
//     email address and cfg.Token the API token (sent as Basic
//     credentials);
//   - a repository, project or workspace access token: cfg.Token alone
//     (sent as a Bearer token);
//   - OAuth: cfg.TokenSource (Bearer).
func New(cfg vcs.Config) (*Provider, error) {
	cfg, err := cfg.For(vcs.KindBitbucket)
	if err != nil {
		return nil, err
	}
	api, _, err := ParseInstanceURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Username != "" && strings.ContainsAny(cfg.Username, ": \t\r\n") {
		return nil, vcs.Errorf(vcs.KindBitbucket, "Config", vcs.ErrInvalidConfig, "username %q must be the Atlassian account's email address, without spaces or colons", cfg.Username)
	}
	creds := httpx.NewCredentials(cfg)
	errs := httpx.Errors{Kind: vcs.KindBitbucket, Creds: creds, Now: cfg.Now}
	budget := httpx.NewBudget(httpx.BudgetOptions{}, cfg.Now) // see Provider.budget
	hc, err := httpx.NewClient(httpx.Options{
		Budget:      budget,
		Kind:        vcs.KindBitbucket,
		Config:      cfg,
		AuthHosts:   []string{apiHost},
		Credentials: creds,
		Authorize:   authorize,
	})
	if err != nil {
		return nil, err
	}
	p := &Provider{api: api, creds: creds, errs: errs, files: filecache.New(0).AllowAbbreviated(12), workspace: urlWorkspace(cfg.URL)}
	// Bitbucket Cloud limits access to repository data per hour, scaled
	// between 1,000 and 10,000 by the workspace's size, in a rolling
	// window (https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/):
	// the figure is not known to a client, so requests are paced only by
	// the hold when the host's headers say the window is spent.
	p.budget = budget
	p.client = &client{rest: &rest.Client{HTTP: hc, BaseURL: api, Errors: errs}, creds: creds}
	return p, nil
}

// authorize sends an Atlassian API token as Basic email:token and every
// other token (access tokens, OAuth) as Bearer.
func authorize(req *http.Request, c *httpx.Credentials, token string, oauth bool) {
	if !oauth && c.Username() != "" {
		req.SetBasicAuth(c.Username(), token)
		return
	}
	httpx.Bearer(req, c, token, oauth)
}

// ParseInstanceURL returns the API root and web root for an instance URL.
// Bitbucket Cloud has one of each, so every accepted form gives the same
// answer:
//
//	""                                  Bitbucket Cloud
//	https://bitbucket.org[/]            the web UI, as admins usually paste it
//	https://www.bitbucket.org[/]
//	https://api.bitbucket.org[/2.0][/]  the API root
//	https://bitbucket.org/WORKSPACE[/REPO]  a workspace (or repository) page:
//	                                    ListRepositories then lists that
//	                                    workspace alone, which is how
//	                                    access tokens list repositories
//
// Anything else (another host, http://, a deeper path, API 1.0,
// Bitbucket Data Center / Server) is vcs.ErrInvalidConfig.
func ParseInstanceURL(instance string) (api, web *url.URL, err error) {
	if instance == "" {
		return mustURL(apiRoot), mustURL(webRoot), nil
	}
	u, err := url.Parse(strings.TrimSpace(instance))
	if err == nil && u.Scheme == "https" && u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		host := strings.ToLower(u.Host)
		p := strings.TrimSuffix(u.Path, "/")
		switch {
		case (host == "bitbucket.org" || host == "www.bitbucket.org") && (p == "" || workspacePath(p) != ""),
			host == apiHost && (p == "" || p == "/2.0"):
			return mustURL(apiRoot), mustURL(webRoot), nil
		}
	}
	if err == nil && (u.User != nil || strings.Contains(u.Opaque, "@")) {
		return nil, nil, vcs.Errorf(vcs.KindBitbucket, "Config", vcs.ErrInvalidConfig, "URL must not contain credentials; put the token in the token field")
	}
	return nil, nil, vcs.Errorf(vcs.KindBitbucket, "Config", vcs.ErrInvalidConfig,
		"URL %q is not Bitbucket Cloud: only Bitbucket Cloud is supported; leave the URL empty or use https://bitbucket.org (Bitbucket Data Center / Server is a different product with a different API)", vcs.RedactURL(instance))
}

// workspacePath returns the workspace of a web path "/WORKSPACE" or
// "/WORKSPACE/REPO", or "" for any other path.
func workspacePath(p string) string {
	parts := strings.Split(strings.Trim(p, "/"), "/")
	if len(parts) > 2 {
		return ""
	}
	for _, s := range parts {
		if !segmentRE.MatchString(s) {
			return ""
		}
	}
	return parts[0]
}

// urlWorkspace returns the workspace an accepted instance URL names.
func urlWorkspace(instance string) string {
	u, err := url.Parse(strings.TrimSpace(instance))
	if err != nil || (strings.ToLower(u.Host) != "bitbucket.org" && strings.ToLower(u.Host) != "www.bitbucket.org") {
		return ""
	}
	return workspacePath(u.Path)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// Kind returns vcs.KindBitbucket.
func (p *Provider) Kind() vcs.Kind { return vcs.KindBitbucket }

// APIURL returns the API root the provider talks to,
// https://api.bitbucket.org/2.0/.
func (p *Provider) APIURL() string { return p.api.String() }

// SetToken replaces the static token (the API token, or the access token).
// The username, if any, stays.
func (p *Provider) SetToken(token string) error {
	if err := p.creds.SetToken(token); err != nil {
		return vcs.Errorf(vcs.KindBitbucket, "SetToken", vcs.ErrInvalidArgument, "%v", err)
	}
	return nil
}

var segmentRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// repoPath checks a "workspace/slug" repository ID and returns its API
// path, "repositories/{workspace}/{slug}".
func repoPath(op, repo string) (string, error) {
	if err := vcs.CheckRepository(vcs.KindBitbucket, op, repo); err != nil {
		return "", err
	}
	ws, slug, ok := strings.Cut(repo, "/")
	if !ok || !segmentRE.MatchString(ws) || !segmentRE.MatchString(slug) {
		return "", vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument,
			"repository %q must be \"workspace/repo-slug\" (letters, digits, '.', '_' and '-')", repo)
	}
	return "repositories/" + ws + "/" + slug, nil
}

func checkNumber(op string, number int) error {
	return vcs.CheckPullRequestNumber(vcs.KindBitbucket, op, number)
}

// RateLimit returns what the host last said about the rate limit the
// provider's requests count against, and how long they waited for the
// provider's own pacing.
func (p *Provider) RateLimit() vcs.RateLimit { return p.budget.RateLimit() }
