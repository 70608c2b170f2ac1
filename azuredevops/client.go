package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// call describes one REST call to the organization (or, with an absolute
// URL, to the account-wide host).
type call struct {
	Op     string
	Method string
	// URL is relative to the organization URL with its segments escaped
	// (see seg), or absolute.
	URL   string
	Query url.Values
	Body  any
	// Accept overrides the JSON default (raw file reads).
	Accept string
	// Preview is the preview suffix ("preview.1") of an endpoint that is
	// still in preview at the instance's api-version.
	Preview string
	// Scope names the PAT scope the call needs; a 401 while the token
	// itself is valid means the PAT lacks it.
	Scope string
	// Permission says which permission a 403 is about, as a hint.
	Permission string
}

// do sends c with the instance's api-version and decodes the answer into
// out (see rest.Client.Do).
func (p *Provider) do(ctx context.Context, c call, out any) (*http.Response, error) {
	q := url.Values{}
	for k, v := range c.Query {
		q[k] = v
	}
	version := p.inst.APIVersion
	if c.Preview != "" {
		version += "-" + c.Preview
	}
	q.Set("api-version", version)
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	var hdr http.Header
	if c.Accept != "" {
		hdr = http.Header{"Accept": {c.Accept}}
	}
	resp, err := p.rc.Do(ctx, rest.Request{Op: c.Op, Method: method, Path: c.URL, Query: q, Header: hdr, Body: c.Body}, out)
	if err != nil {
		return resp, p.explain(ctx, c, err)
	}
	return resp, nil
}

// explain sharpens an error with what Azure DevOps means by it. Azure
// answers a PAT that lacks a scope with the same 401 as a bad PAT: when
// the token still opens connectionData, the 401 was about the scope.
func (p *Provider) explain(ctx context.Context, c call, err error) error {
	var (
		ve      *vcs.Error
		notJSON *rest.NotJSONError
	)
	if !errors.As(err, &ve) {
		return err
	}
	switch {
	case ve.StatusCode == http.StatusUnauthorized && errors.Is(ve.Kind, vcs.ErrUnauthorized):
		if c.Scope != "" && p.tokenWorks(ctx) {
			ve.Kind = vcs.ErrPermissionDenied
			if p.creds.FromSource() {
				ve.Hint = fmt.Sprintf("the Microsoft Entra identity was refused here; it needs the %s access the PAT scope of that name grants", c.Scope)
			} else {
				ve.Hint = fmt.Sprintf("the PAT is valid but lacks the %s scope: edit the token (User settings > Personal access tokens) and add %s", c.Scope, c.Scope)
			}
			return ve
		}
		ve.Hint = p.badTokenHint()
	case ve.StatusCode == http.StatusForbidden && ve.Kind == vcs.ErrPermissionDenied && c.Permission != "":
		ve.Hint = c.Permission
	case ve.Kind == vcs.ErrUnavailable && errors.As(ve.Err, &notJSON) && notJSON.IsHTML():
		// A sign-in page without an HTML content type.
		ve.Kind, ve.Message, ve.Hint = vcs.ErrUnauthorized, "Azure DevOps answered with an HTML page instead of the API", p.badTokenHint()
		ve.Err = nil
	}
	return ve
}

// tokenWorks reports whether the token opens the organization at all.
func (p *Provider) tokenWorks(ctx context.Context) bool {
	_, err := p.connectionData(ctx, "CheckToken")
	return err == nil
}

// badTokenHint says what to do about a token Azure DevOps does not accept.
func (p *Provider) badTokenHint() string {
	if p.creds.FromSource() {
		return "the Microsoft Entra token was not accepted: check that the identity is a member of the organization and that the token source returns a token for Azure DevOps (resource 499b84ac-1321-427f-aa17-267ca6975798)"
	}
	if p.inst.Flavor == FlavorServer {
		return fmt.Sprintf("the PAT is expired, revoked or not from collection %q: create a new PAT on the server (User settings > Personal access tokens) and update the provider with it", p.inst.Organization)
	}
	return fmt.Sprintf("the PAT is expired or revoked, or it was created for another organization than %q: create a new PAT in %s (User settings > Personal access tokens, Organization: All accessible organizations) and update the provider with it", p.inst.Organization, p.inst.Organization)
}

// checkSignIn turns the ways Azure DevOps answers a bad or expired PAT
// without a 401 into ErrUnauthorized: a redirect to the sign-in page. A
// 203 with an HTML sign-in page, or any HTML page where the API answers,
// is refused by the shared transport (httpx.IsSignInPage) with
// badTokenHint; the case here stays for a client without it.
func (p *Provider) checkSignIn(op string, resp *http.Response) error {
	var msg string
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode <= 399:
		msg = "Azure DevOps redirected the call to a sign-in page"
		if loc, err := url.Parse(resp.Header.Get("Location")); err == nil && loc.Host != "" {
			msg += " at " + loc.Host
		}
	case httpx.IsSignInPage(resp):
		msg = "Azure DevOps answered with a sign-in page instead of the API"
	default:
		return nil
	}
	ve := p.errs.FromStatus(op, resp, "")
	ve.Kind, ve.Message, ve.Hint = vcs.ErrUnauthorized, msg, p.badTokenHint()
	return ve
}

// connectionData is GET {org}/_apis/connectionData: who the token is.
func (p *Provider) connectionData(ctx context.Context, op string) (*connectionData, error) {
	var cd connectionData
	// The location service's connectionData is still a preview API.
	if _, err := p.do(ctx, call{Op: op, URL: "_apis/connectionData", Preview: "preview.1"}, &cd); err != nil {
		return nil, err
	}
	return &cd, nil
}

// seg escapes one path segment (a project, repository or collection name
// may hold spaces and other characters). A colon is escaped too, so that
// a relative path never parses as a URL scheme.
func seg(s string) string {
	return strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
}

// repoRef is a repository ID split into its project and repository names.
type repoRef struct {
	Project string
	Repo    string
}

func (r repoRef) String() string { return r.Project + "/" + r.Repo }

// parseRepo splits "project/repo". Azure DevOps forbids "/" in project and
// repository names, so exactly one slash separates them.
func parseRepo(op, repo string) (repoRef, error) {
	if err := vcs.CheckRepository(vcs.KindAzureDevOps, op, repo); err != nil {
		return repoRef{}, err
	}
	proj, name, ok := strings.Cut(repo, "/")
	if !ok || strings.TrimSpace(proj) == "" || strings.TrimSpace(name) == "" || strings.Contains(name, "/") {
		return repoRef{}, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrInvalidArgument, "repository %q must be \"project/repository\"", repo)
	}
	return repoRef{Project: proj, Repo: name}, nil
}

// gitPath returns the path of the repository's git API, with more escaped
// segments appended.
func (r repoRef) gitPath(more ...string) string {
	p := seg(r.Project) + "/_apis/git/repositories/" + seg(r.Repo)
	for _, m := range more {
		p += "/" + m
	}
	return p
}

// JSON shapes of the Azure DevOps REST API (only the fields used).

type identityRef struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	UniqueName  string `json:"uniqueName"`
}

// login is the user name shown for an identity: the sign-in name where
// Azure gives one.
func (i identityRef) login() string {
	if i.UniqueName != "" {
		return i.UniqueName
	}
	return i.DisplayName
}

type connectionData struct {
	AuthenticatedUser struct {
		ID                  string `json:"id"`
		ProviderDisplayName string `json:"providerDisplayName"`
		Properties          struct {
			Account struct {
				Value string `json:"$value"`
			} `json:"Account"`
		} `json:"properties"`
	} `json:"authenticatedUser"`
	InstanceID     string `json:"instanceId"`
	DeploymentType string `json:"deploymentType"`
}

type teamProject struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	State      string `json:"state"`
	Visibility string `json:"visibility"`
}

type gitRepository struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Project       teamProject `json:"project"`
	DefaultBranch string      `json:"defaultBranch"`
	URL           string      `json:"url"` // the API's address of the repository
	WebURL        string      `json:"webUrl"`
	RemoteURL     string      `json:"remoteUrl"`
	IsDisabled    bool        `json:"isDisabled"`
}

type commitRef struct {
	CommitID string `json:"commitId"`
}

type gitPullRequest struct {
	PullRequestID         int           `json:"pullRequestId"`
	Status                string        `json:"status"`
	MergeStatus           string        `json:"mergeStatus"`
	Title                 string        `json:"title"`
	Description           string        `json:"description"`
	CreatedBy             identityRef   `json:"createdBy"`
	SourceRefName         string        `json:"sourceRefName"`
	TargetRefName         string        `json:"targetRefName"`
	LastMergeSourceCommit *commitRef    `json:"lastMergeSourceCommit"`
	LastMergeTargetCommit *commitRef    `json:"lastMergeTargetCommit"`
	LastMergeCommit       *commitRef    `json:"lastMergeCommit"`
	CreationDate          azTime        `json:"creationDate"`
	ClosedDate            azTime        `json:"closedDate"`
	Repository            gitRepository `json:"repository"`
}

type collection[T any] struct {
	Count int `json:"count"`
	Value []T `json:"value"`
}

// azTime is an Azure DevOps timestamp; Azure omits the zone designator on
// some fields, which then are UTC.
type azTime struct{ time.Time }

func (t *azTime) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if v, err := time.Parse(layout, s); err == nil {
			t.Time = v.UTC()
			return nil
		}
	}
	return fmt.Errorf("azure devops: bad time %q", s)
}

func shortBranch(ref string) string { return strings.TrimPrefix(ref, "refs/heads/") }
