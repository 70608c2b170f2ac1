package vcs

import (
	"net/url"
	"strings"
)

// kindNames are the host kinds as an admin reads them.
var kindNames = map[Kind]string{
	KindGitHub:      "GitHub",
	KindGitLab:      "GitLab",
	KindBitbucket:   "Bitbucket",
	KindAzureDevOps: "Azure DevOps",
}

// KnownHostKind returns the kind of a well-known host's URL: github.com
// and *.ghe.com (GitHub), gitlab.com (GitLab), bitbucket.org (Bitbucket
// Cloud), dev.azure.com and *.visualstudio.com (Azure DevOps), their API
// hosts included. For any other host it tells by an API path only one
// kind has (/api/v4: GitLab, /api/v3: GitHub Enterprise Server, /_apis:
// Azure DevOps); ok is false when it cannot tell.
func KnownHostKind(u *url.URL) (kind Kind, ok bool) {
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	switch {
	case host == "github.com" || host == "api.github.com" || host == "www.github.com" ||
		host == "ghe.com" || strings.HasSuffix(host, ".ghe.com"):
		return KindGitHub, true
	case host == "gitlab.com" || host == "www.gitlab.com":
		return KindGitLab, true
	case host == "bitbucket.org" || host == "api.bitbucket.org" || host == "www.bitbucket.org":
		return KindBitbucket, true
	case host == "dev.azure.com" || host == "vssps.dev.azure.com" || host == "visualstudio.com" ||
		strings.HasSuffix(host, ".visualstudio.com"):
		return KindAzureDevOps, true
	}
	path := "/" + strings.Trim(strings.ToLower(u.Path), "/") + "/"
	switch {
	case strings.HasSuffix(path, "/api/v4/"):
		return KindGitLab, true
	case strings.HasSuffix(path, "/api/v3/"):
		return KindGitHub, true
	case strings.Contains(path, "/_apis/"):
		return KindAzureDevOps, true
	}
	return "", false
}

// checkKnownHost refuses an instance URL that belongs to a host of
// another kind than kind, naming the right one.
func checkKnownHost(kind Kind, u *url.URL, raw string) error {
	k, ok := KnownHostKind(u)
	if !ok || k == kind || kindNames[kind] == "" {
		return nil
	}
	return Errorf(kind, "Config", ErrInvalidConfig,
		"URL %q is a %s URL, not a %s one: choose the kind %q for it, or enter your %s instance's URL (empty for the cloud service)",
		redactURL(raw), kindNames[k], kindNames[kind], k, kindNames[kind])
}
