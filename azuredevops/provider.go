package azuredevops

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// The api-version every call sends: Azure DevOps Services speaks 7.1,
// Azure DevOps Server 2022 (and later) 7.0. Endpoints that are still in
// preview at that version get a "-preview.N" suffix per call.
const (
	APIVersionServices = "7.1"
	APIVersionServer   = "7.0"
)

// VSSPSHost is the account-wide host of Azure DevOps Services that answers
// the profile and accounts calls CheckAccess makes.
const VSSPSHost = "app.vssps.visualstudio.com"

// Flavor tells the Azure DevOps offerings apart.
type Flavor string

// Flavors.
const (
	// FlavorServices is Azure DevOps Services at https://dev.azure.com/{org}.
	FlavorServices Flavor = "services"
	// FlavorServicesLegacy is Azure DevOps Services at the legacy
	// https://{org}.visualstudio.com.
	FlavorServicesLegacy Flavor = "services-legacy"
	// FlavorServer is Azure DevOps Server (formerly TFS) at
	// https://HOST/{collection} or https://HOST/tfs/{collection}.
	FlavorServer Flavor = "server"
)

// Instance is a parsed instance URL.
type Instance struct {
	Flavor Flavor // Which kind of instance the URL names.
	// Organization is the organization (Services) or the project
	// collection (Server).
	Organization string
	// BaseURL is the organization or collection URL every call is made
	// relative to; it ends in "/".
	BaseURL *url.URL
	// APIVersion is the api-version sent with every call.
	APIVersion string
}

// Services reports whether the instance is Azure DevOps Services (either
// URL form).
func (in *Instance) Services() bool { return in.Flavor != FlavorServer }

var orgName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,49}$`)

// ParseInstanceURL parses an organization or collection URL:
//
//	https://dev.azure.com/{organization}
//	https://{organization}.visualstudio.com (legacy; /DefaultCollection is accepted)
//	https://HOST/{collection}               (Azure DevOps Server)
//	https://HOST/tfs/{collection}           (Azure DevOps Server, TFS-style)
//
// Trailing slashes are ignored. An error matches vcs.ErrInvalidConfig and
// names the form expected.
func ParseInstanceURL(raw string) (*Instance, error) {
	original := raw
	bad := func(format string, args ...any) error {
		return vcs.Errorf(vcs.KindAzureDevOps, "Config", vcs.ErrInvalidConfig, format, args...)
	}
	if strings.TrimSpace(raw) == "" {
		return nil, bad("URL is empty; enter the organization URL, e.g. https://dev.azure.com/{organization} (Azure DevOps Server: https://HOST/{collection})")
	}
	// Messages quote the URL without any password it holds.
	raw = vcs.RedactURL(raw)
	u, err := url.Parse(strings.TrimSpace(original))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, bad("URL %q is not an absolute https:// URL; use https://dev.azure.com/{organization}", raw)
	}
	if u.User != nil || strings.Contains(u.Opaque, "@") || u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("URL must be the bare organization URL (no credentials, query or fragment), e.g. https://dev.azure.com/{organization}")
	}
	host := strings.ToLower(u.Host)
	var segs []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	in := &Instance{}
	switch {
	case host == "dev.azure.com":
		if u.Scheme != "https" {
			return nil, bad("Azure DevOps Services is only served over https: use https://dev.azure.com/{organization}")
		}
		switch {
		case len(segs) == 0:
			return nil, bad("URL %q names no organization; use https://dev.azure.com/{organization}", raw)
		case len(segs) > 1:
			return nil, bad("URL %q is not an organization URL; use https://dev.azure.com/%s (projects and repositories are chosen per call)", raw, segs[0])
		case !orgName.MatchString(segs[0]):
			return nil, bad("%q is not an organization name; use https://dev.azure.com/{organization}", segs[0])
		}
		in.Flavor, in.Organization = FlavorServices, segs[0]
		in.BaseURL = &url.URL{Scheme: "https", Host: host, Path: "/" + segs[0] + "/"}
	case strings.HasSuffix(host, ".visualstudio.com") || host == "visualstudio.com":
		label := strings.TrimSuffix(host, ".visualstudio.com")
		switch {
		case host == "visualstudio.com" || strings.Contains(label, ".") || !orgName.MatchString(label) || label == "app":
			return nil, bad("URL %q names no organization; use https://dev.azure.com/{organization} or https://{organization}.visualstudio.com", raw)
		case u.Scheme != "https":
			return nil, bad("Azure DevOps Services is only served over https: use https://%s.visualstudio.com", label)
		case len(segs) > 1 || (len(segs) == 1 && !strings.EqualFold(segs[0], "DefaultCollection")):
			return nil, bad("URL %q is not an organization URL; use https://%s.visualstudio.com", raw, label)
		}
		in.Flavor, in.Organization = FlavorServicesLegacy, label
		in.BaseURL = &url.URL{Scheme: "https", Host: host, Path: "/"}
	case host == "azure.com" || strings.HasSuffix(host, ".azure.com"):
		return nil, bad("URL %q is not an organization URL; use https://dev.azure.com/{organization}", raw)
	default:
		var coll string
		switch {
		case len(segs) == 1 && !strings.EqualFold(segs[0], "tfs"):
			coll = segs[0]
		case len(segs) == 2 && strings.EqualFold(segs[0], "tfs"):
			coll = segs[1]
		case len(segs) == 0 || (len(segs) == 1 && strings.EqualFold(segs[0], "tfs")):
			return nil, bad("URL %q names no project collection; use the collection URL, e.g. https://%s/tfs/DefaultCollection or https://%s/DefaultCollection", raw, u.Host, u.Host)
		default:
			return nil, bad("URL %q is not a collection URL; use https://%s/{collection} or https://%s/tfs/{collection}", raw, u.Host, u.Host)
		}
		in.Flavor, in.Organization = FlavorServer, coll
		p := "/" + coll + "/"
		if len(segs) == 2 {
			p = "/" + segs[0] + "/" + coll + "/"
		}
		in.BaseURL = &url.URL{Scheme: u.Scheme, Host: host, Path: p}
		in.APIVersion = APIVersionServer
	}
	if in.APIVersion == "" {
		in.APIVersion = APIVersionServices
	}
	return in, nil
}

// Provider is the Azure DevOps implementation of vcs.Provider. Repository
// IDs are "project/repo" (names, as shown in the web UI); pull request
// numbers are pull request IDs; comment IDs are thread IDs (see
// UpdateComment); webhook IDs name a group of service-hook subscriptions
// (see CreateWebhook).
type Provider struct {
	cfg   vcs.Config
	inst  *Instance
	creds *httpx.Credentials
	errs  httpx.Errors
	rc    *rest.Client
	// files keeps files read at a full commit SHA (internal/filecache).
	files *filecache.Cache
	// budget paces requests within the host's limits and keeps the
	// rate-limit figures the host last reported (internal/httpx).
	budget *httpx.Budget
	// zipRefused is set when the blobs zip refused the token for want of
	// a scope the rest of the API does not need (Server 2022:
	// Code (Read, write, & manage)); ReadFiles then reads with ReadFile.
	// SetToken clears it.
	zipRefused atomic.Bool
}

var _ vcs.Provider = (*Provider)(nil)

// New builds a provider from cfg. cfg.URL is the organization URL (see
// ParseInstanceURL); cfg.Token is a personal access token (sent as Basic
// credentials with an empty user name) unless cfg.TokenSource supplies
// Microsoft Entra access tokens (sent as Bearer).
func New(cfg vcs.Config) (*Provider, error) {
	cfg, err := cfg.For(vcs.KindAzureDevOps)
	if err != nil {
		return nil, err
	}
	inst, err := ParseInstanceURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	p := &Provider{cfg: cfg, inst: inst, creds: httpx.NewCredentials(cfg), files: filecache.New(0)}
	// Azure DevOps limits by the load a user causes (TSTUs in a sliding
	// five-minute window), not by a request count; it says when it delays
	// or throttles with X-RateLimit-* and Retry-After headers
	// (https://learn.microsoft.com/en-us/azure/devops/integrate/concepts/rate-limits),
	// so requests are paced only by the hold those headers ask for.
	p.budget = httpx.NewBudget(httpx.BudgetOptions{}, cfg.Now)
	p.errs = httpx.Errors{Kind: vcs.KindAzureDevOps, Creds: p.creds, Now: cfg.Now}
	hosts := []string{inst.BaseURL.Host}
	if inst.Services() {
		// Profile and accounts live on the account-wide host.
		hosts = append(hosts, VSSPSHost)
	}
	hc, err := httpx.NewClient(httpx.Options{
		Budget:      p.budget,
		Kind:        vcs.KindAzureDevOps,
		Config:      cfg,
		AuthHosts:   hosts,
		Credentials: p.creds,
		Authorize:   authorize,
		// A bad PAT is redirected to a sign-in page: never follow it.
		NoRedirects: true,
		// Ask for 401 instead of the interactive sign-in redirect.
		Header: http.Header{"X-Tfs-Fedauthredirect": {"Suppress"}},
		// A 203 or HTML sign-in page means a bad or expired token.
		SignInHint: p.badTokenHint(),
	})
	if err != nil {
		return nil, err
	}
	p.rc = &rest.Client{HTTP: hc, BaseURL: inst.BaseURL, Errors: p.errs, Check: p.checkSignIn}
	return p, nil
}

// authorize sends a PAT as Basic credentials with an empty user name and a
// token from a TokenSource (Microsoft Entra) as Bearer.
func authorize(req *http.Request, _ *httpx.Credentials, token string, oauth bool) {
	if oauth {
		req.Header.Set("Authorization", "Bearer "+token)
		return
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(":"+token)))
}

// Kind returns vcs.KindAzureDevOps.
func (p *Provider) Kind() vcs.Kind { return vcs.KindAzureDevOps }

// Instance returns the parsed instance URL.
func (p *Provider) Instance() Instance { return *p.inst }

// APIURL returns the organization (or collection) URL every call is made
// relative to, ending in "/".
func (p *Provider) APIURL() string { return p.inst.BaseURL.String() }

// SetToken replaces the personal access token; requests that start after
// it returns use the new one.
func (p *Provider) SetToken(token string) error {
	if err := p.creds.SetToken(token); err != nil {
		return &vcs.Error{Provider: vcs.KindAzureDevOps, Op: "SetToken", Kind: vcs.ErrInvalidArgument, Err: err}
	}
	p.zipRefused.Store(false) // the new token may carry the scope
	return nil
}

// driver registers the kind with vcs.
type driver struct{}

func init() { vcs.Register(vcs.KindAzureDevOps, driver{}) }

// Open implements vcs.Driver.
func (driver) Open(cfg vcs.Config) (vcs.Provider, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// WebhookParser implements vcs.Driver.
func (driver) WebhookParser() vcs.WebhookParser { return NewParser() }

// RateLimit returns what the host last said about the rate limit the
// provider's requests count against, and how long they waited for the
// provider's own pacing.
func (p *Provider) RateLimit() vcs.RateLimit { return p.budget.RateLimit() }
