package apispec

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
)

func escapedPath(u *url.URL) string { return u.EscapedPath() }

// GitHub checks GitHub.com (api.github.com), GHE.com (api.<tenant>.ghe.com,
// described by the GitHub Enterprise Cloud description) and GHES (any
// other host, under /api/v3). GraphQL requests (POST /graphql; GHES:
// /api/graphql) are checked against GitHub's published public schema,
// trimmed (testdata/github/schema.graphql: GitHub.com's; GHES's and
// GHE.com's are taken to agree on the fields the library uses).
func GitHub() *Checker {
	return &Checker{
		Host: "GitHub",
		GraphQL: func(u *url.URL) (string, bool) {
			return "github/schema.graphql", gitHubGraphQL(u)
		},
		APIs: []API{
			{Desc: "github/api.github.com.json", Match: func(u *url.URL) (string, bool) {
				return escapedPath(u), strings.EqualFold(u.Host, "api.github.com")
			}},
			{Desc: "github/ghec.json", Match: func(u *url.URL) (string, bool) {
				h := strings.ToLower(u.Hostname())
				return escapedPath(u), strings.HasPrefix(h, "api.") && strings.HasSuffix(h, ".ghe.com")
			}},
			{Desc: "github/ghes-3.19.json", Match: func(u *url.URL) (string, bool) {
				p, ok := strings.CutPrefix(escapedPath(u), "/api/v3")
				return p, ok
			}},
		},
		Hook: func(req *http.Request, body []byte) (string, string) {
			event := req.Header.Get("X-GitHub-Event")
			if event == "" {
				return "", ""
			}
			var probe struct {
				Action     string `json:"action"`
				Repository struct {
					URL string `json:"url"`
				} `json:"repository"`
			}
			_ = json.Unmarshal(body, &probe)
			name := strings.ReplaceAll(event, "_", "-")
			if probe.Action != "" {
				name += "-" + strings.ReplaceAll(probe.Action, "_", "-")
			}
			desc := "github/api.github.com.json"
			u, _ := url.Parse(probe.Repository.URL)
			switch {
			case req.Header.Get("X-GitHub-Enterprise-Host") != "" || (u != nil && strings.HasPrefix(u.Path, "/api/v3/")):
				desc = "github/ghes-3.19.json"
			case u != nil && strings.HasSuffix(strings.ToLower(u.Hostname()), ".ghe.com"):
				desc = "github/ghec.json"
			}
			return desc, name
		},
	}
}

// Bitbucket checks Bitbucket Cloud (api.bitbucket.org/2.0).
func Bitbucket() *Checker {
	return &Checker{
		Host: "Bitbucket",
		APIs: []API{{Desc: "bitbucket/bitbucket.json", Match: func(u *url.URL) (string, bool) {
			p, ok := strings.CutPrefix(escapedPath(u), "/2.0")
			// The fake served by its ServeHTTP behind an httptest server
			// (a loopback host, or none: a server-side request's URL has
			// no host) speaks the same API as at api.bitbucket.org.
			return p, ok && (strings.EqualFold(u.Host, "api.bitbucket.org") || loopback(u))
		}}},
		Hook: func(req *http.Request, _ []byte) (string, string) {
			key := req.Header.Get("X-Event-Key")
			if key == "" {
				return "", ""
			}
			if strings.HasPrefix(key, "pullrequest:") && !strings.HasPrefix(key, "pullrequest:comment") {
				key = "pullrequest"
			}
			return "bitbucket/bitbucket.json", key
		},
	}
}

// AzureDevOps checks Azure DevOps Services (dev.azure.com/{org},
// {org}.visualstudio.com and app.vssps.visualstudio.com, described at
// api-version 7.1) and Azure DevOps Server (any other host, described at
// 7.0; its collection URL takes the place of the organization, under the
// server's /tfs virtual directory when it has one).
func AzureDevOps() *Checker {
	return &Checker{
		Host: "Azure DevOps",
		APIs: []API{
			{Desc: "azuredevops/services-7.1.json", Match: func(u *url.URL) (string, bool) {
				h := strings.ToLower(u.Hostname())
				switch {
				case h == "dev.azure.com" || h == "app.vssps.visualstudio.com":
					return escapedPath(u), true
				case strings.HasSuffix(h, ".visualstudio.com"):
					org := strings.TrimSuffix(h, ".visualstudio.com")
					p := escapedPath(u)
					if rest, ok := cutPrefixFold(p, "/DefaultCollection"); ok {
						p = rest
					}
					return "/" + org + p, true
				}
				return "", false
			}},
			{Desc: "azuredevops/server-7.0.json", Match: func(u *url.URL) (string, bool) {
				p := escapedPath(u)
				if rest, ok := cutPrefixFold(p, "/tfs/"); ok {
					p = "/" + rest
				}
				return p, true
			}},
		},
		Hook: func(_ *http.Request, body []byte) (string, string) {
			var probe struct {
				EventType string `json:"eventType"`
				Resource  struct {
					URL string `json:"url"`
				} `json:"resource"`
			}
			if json.Unmarshal(body, &probe) != nil || probe.EventType == "" {
				return "", ""
			}
			name := probe.EventType
			if strings.HasPrefix(name, "git.pullrequest.") {
				name = "git.pullrequest"
			}
			desc := "azuredevops/server-7.0.json"
			if u, err := url.Parse(probe.Resource.URL); err == nil {
				h := strings.ToLower(u.Hostname())
				if h == "dev.azure.com" || strings.HasSuffix(h, ".visualstudio.com") {
					desc = "azuredevops/services-7.1.json"
				}
			}
			return desc, name
		},
	}
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// GitLab checks GitLab.com and self-managed instances (under a relative
// URL root too) against testdata/gitlab/gitlab.json: GitLab's published
// openapi_v2.yaml for the REST operations it describes, and a hand-written
// fragment for the rest (GET /user, the merge request notes, Doorkeeper's
// /oauth/token/info) and for the webhook payloads (see SOURCE there).
//
// GraphQL requests (POST /api/graphql, under a relative URL root too) are
// checked against testdata/gitlab/schema.graphql, written from GitLab's
// published GraphQL reference (see SOURCE there).
func GitLab() *Checker {
	return &Checker{
		Host: "GitLab",
		GraphQL: func(u *url.URL) (string, bool) {
			return "gitlab/schema.graphql", strings.HasSuffix(escapedPath(u), "/api/graphql")
		},
		APIs: []API{{Desc: "gitlab/gitlab.json", Match: func(u *url.URL) (string, bool) {
			p := escapedPath(u)
			if i := strings.Index(p, "/api/v4/"); i >= 0 {
				return p[i:], true
			}
			if strings.HasSuffix(p, "/oauth/token/info") {
				return "/oauth/token/info", true
			}
			return p, true
		}}},
		Hook: func(req *http.Request, _ []byte) (string, string) {
			if ev := req.Header.Get("X-Gitlab-Event"); ev != "" {
				return "gitlab/gitlab.json", ev
			}
			return "", ""
		},
	}
}

// loopback reports whether u's host is a loopback address, as an httptest
// server's is.
func loopback(u *url.URL) bool {
	h := u.Hostname()
	if h == "" || h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
