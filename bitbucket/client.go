package bitbucket

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// pageLen is the page size asked for: Bitbucket's maximum (more is a 400).
const pageLen = "100"

// pageConcurrency is how many pages of a numbered list are fetched at
// once after the first: 100, so that a list of up to 10,000 items at
// pagelen=100 (a big workspace's repositories) takes one wave after its
// first page instead of two at internal/pager's default of 50, which is
// set for GitHub's 100-concurrent-request ceiling. Bitbucket documents no
// concurrency limit; its limits count requests in a rolling hour (1,000 to
// 10,000 an hour for /2.0/repositories/*, "API request limits",
// https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/),
// which fetching the same pages at once rather than in turn does not
// change. At most this many pages are held ahead of the consumer: 10,000
// repositories' decoded fields.
const pageConcurrency = 100

// apiTokenURL is where Atlassian API tokens are created.
const apiTokenURL = "https://id.atlassian.com/manage-profile/security/api-tokens"

// workflowScopes are the API token scopes the gitprovider workflow needs.
var workflowScopes = []string{scopeReadRepository, scopeReadPullRequest, scopeWritePullRequest, scopeReadWebhook, scopeWriteWebhook, scopeDeleteWebhook}

// client is the thin Bitbucket REST client: JSON through internal/rest,
// Bitbucket's "next"-URL pagination, and remediation hints on errors.
type client struct {
	rest  *rest.Client
	creds *httpx.Credentials
}

// do sends one request and decodes the answer into out (see rest.Client).
func (c *client) do(ctx context.Context, r rest.Request, out any) (*http.Response, error) {
	// Every call stays on the API host: a page's "next" link to another
	// host is refused, not followed (it could cut a listing short or add
	// items to it).
	if err := c.rest.SameHost(r.Op, r.Path); err != nil {
		return nil, err
	}
	resp, err := c.rest.Do(ctx, r, out)
	if err != nil {
		c.decorate(err, resp)
	}
	return resp, err
}

// get is do for a GET.
func (c *client) get(ctx context.Context, op, path string, query url.Values, out any) (*http.Response, error) {
	return c.do(ctx, rest.Request{Op: op, Method: http.MethodGet, Path: path, Query: query}, out)
}

// paged is one page of a Bitbucket list: the items are in "values" and the
// absolute URL of the next page, if any, in "next".
type paged[T any] struct {
	Pagelen *int   `json:"pagelen"`
	Size    int    `json:"size"`
	Page    int    `json:"page"`
	Values  []T    `json:"values"`
	Next    string `json:"next"`
}

// list yields every item of every page of a Bitbucket list, starting at
// path with query (pagelen=100 is added unless query sets it). Where the
// first page numbers its pages (its "next" URL asks for page=2) and tells
// the list's "size", the pages after it are fetched concurrently by
// number, pageConcurrency at once (internal/pager); otherwise each
// page's "next" URL is followed in turn. Bitbucket
// documents both: "size" and "page" are optional and left out where they
// are expensive to compute, and "next" must be treated as opaque
// (https://developer.atlassian.com/cloud/bitbucket/rest/intro/#pagination).
func list[T any](ctx context.Context, c *client, op, path string, query url.Values) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if q.Get("pagelen") == "" {
			q.Set("pagelen", pageLen)
		}
		var first paged[T]
		if _, err := c.get(ctx, op, path, q, &first); err != nil {
			yield(zero, err)
			return
		}
		var seq iter.Seq2[T, error]
		if numberedNext(first.Next) == 2 {
			seq = pager.Pages(ctx, pageConcurrency, func(ctx context.Context, page int) ([]T, int, int, error) {
				pg := first
				if page > 1 {
					// Page k is the first "next" URL with page=k: where
					// the list redirected (a pull request's diffstat),
					// the pages are asked for where it led.
					u, _ := url.Parse(first.Next)
					pq := u.Query()
					pq.Set("page", strconv.Itoa(page))
					u.RawQuery = pq.Encode()
					pg = paged[T]{}
					if _, err := c.get(ctx, op, u.String(), nil, &pg); err != nil {
						return nil, 0, 0, err
					}
				}
				next, last := 0, 0
				if pg.Next != "" {
					next = page + 1
				}
				if pg.Pagelen != nil && *pg.Pagelen > 0 && pg.Size > 0 {
					last = (pg.Size + *pg.Pagelen - 1) / *pg.Pagelen
				}
				return pg.Values, next, last, nil
			})
		} else {
			seq = pager.Seq(ctx, func(ctx context.Context, cursor string) ([]T, string, error) {
				if cursor == "" {
					return first.Values, first.Next, nil
				}
				var pg paged[T]
				if _, err := c.get(ctx, op, cursor, nil, &pg); err != nil {
					return nil, "", err
				}
				return pg.Values, pg.Next, nil
			})
		}
		for it, err := range seq {
			if !yield(it, err) || err != nil {
				return
			}
		}
	}
}

// numberedNext returns the page number a "next" URL asks for, or 0 when it
// has none or an opaque one.
func numberedNext(next string) int {
	u, err := url.Parse(next)
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(u.Query().Get("page"))
	if err != nil {
		return 0
	}
	return n
}

// listAll collects list.
func listAll[T any](ctx context.Context, c *client, op, path string, query url.Values) ([]T, error) {
	return vcs.Collect(list[T](ctx, c, op, path, query))
}

// decorate adds Bitbucket-specific remediation to an error from the host.
func (c *client) decorate(err error, resp *http.Response) {
	var ve *vcs.Error
	if !errors.As(err, &ve) || resp == nil {
		return
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		ve.Hint = c.unauthorizedHint()
	case http.StatusForbidden:
		if scopes := resp.Header.Get("X-Accepted-OAuth-Scopes"); scopes != "" {
			ve.Hint = fmt.Sprintf("the token lacks the scope(s) %s: token scopes cannot be edited, so create a new API token (or access token) that includes them and update the provider with it", scopes)
		} else if ve.Hint == "" && errors.Is(ve, vcs.ErrPermissionDenied) {
			ve.Hint = "the service user's permission on the repository is too low: a workspace or repository admin can raise it under Repository settings → Repository permissions (webhooks need Admin)"
		}
	case http.StatusTooManyRequests:
		ve.Hint = "Bitbucket's hourly rate limit for this resource is spent; wait and try again (access tokens and API tokens count separately)"
	}
}

// noUserHint explains a refused user-scoped call (GET /user/workspaces)
// made with a static Bearer token, which is most likely an access token:
// those have no user.
func (c *client) noUserHint(err error) {
	var ve *vcs.Error
	if c.creds.Username() != "" || c.creds.FromSource() || !errors.As(err, &ve) ||
		(ve.StatusCode != http.StatusUnauthorized && ve.StatusCode != http.StatusForbidden) {
		return
	}
	const msg = "repository, project and workspace access tokens are not linked to a user, so Bitbucket cannot list their workspaces " +
		"(it removed the cross-workspace repository list, CHANGE-2770): give the provider the workspace's URL, https://bitbucket.org/WORKSPACE, " +
		"or list one workspace with (*bitbucket.Provider).ListWorkspaceRepositories, " +
		"or use an Atlassian API token with the account's email address as the username"
	if strings.Contains(ve.Hint, "lacks the scope") {
		return // a missing scope, named by Bitbucket: that is the fix
	}
	if ve.StatusCode == http.StatusForbidden || ve.Hint == "" {
		ve.Hint = msg
		return
	}
	ve.Hint += "; if it is a valid access token: " + msg
}

func (c *client) unauthorizedHint() string {
	user := c.creds.Username()
	switch {
	case c.creds.FromSource():
		return "Bitbucket rejected the OAuth access token: it expired or was revoked; refresh it or authorize the app again"
	case user != "" && !strings.Contains(user, "@"):
		return fmt.Sprintf("the username %q is not an email address, so these look like app password credentials: Atlassian removed Bitbucket app passwords on 2026-07-28. "+
			"Create an Atlassian API token at %s (\"Create API token with scopes\", app Bitbucket) with the scopes %s, "+
			"and use it with the account's email address as the username", user, apiTokenURL, strings.Join(workflowScopes, ", "))
	case user != "":
		return fmt.Sprintf("Bitbucket rejected the API token for %s: check that the username is the Atlassian account's email address and that the token was copied whole and has not expired or been revoked (API tokens expire); "+
			"create a new one at %s with the scopes %s and update the provider with it", user, apiTokenURL, strings.Join(workflowScopes, ", "))
	default:
		return "Bitbucket rejected the token, sent as a Bearer token: repository, project and workspace access tokens are sent this way and may have expired or been revoked; " +
			"an Atlassian API token must be used with the account's email address as the username"
	}
}
