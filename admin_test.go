package gitprovider_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/vcs"
)

// TestWellKnownHostOfAnotherKind: an admin who picked the wrong kind for a
// well-known host is told the right one, before any request.
func TestWellKnownHostOfAnotherKind(t *testing.T) {
	for _, c := range []struct {
		kind vcs.Kind
		url  string
		want string // the kind the error must name
	}{
		{vcs.KindGitLab, "https://github.com", "github"},
		{vcs.KindAzureDevOps, "https://gitlab.com/acme", "gitlab"},
		{vcs.KindGitHub, "https://dev.azure.com/acme", "azuredevops"},
		{vcs.KindGitHub, "https://acme.visualstudio.com", "azuredevops"},
		{vcs.KindGitLab, "https://acme.ghe.com", "github"},
		{vcs.KindGitHub, "https://bitbucket.org", "bitbucket"},
		{vcs.KindBitbucket, "https://api.github.com", "github"},
		{vcs.KindGitHub, "https://gitlab.example.com/api/v4", "gitlab"},
		{vcs.KindGitLab, "https://ghes.example.com/api/v3", "github"},
		{vcs.KindGitHub, "https://tfs.example.com/tfs/DefaultCollection/_apis", "azuredevops"},
	} {
		_, err := gitprovider.Open(vcs.Config{Kind: c.kind, URL: c.url, Token: "t0ken"})
		if !errors.Is(err, vcs.ErrInvalidConfig) || !strings.Contains(err.Error(), `kind "`+c.want+`"`) {
			t.Errorf("%s %s: %v; want ErrInvalidConfig naming kind %q", c.kind, c.url, err, c.want)
		}
	}
	for _, c := range []struct {
		kind vcs.Kind
		url  string
	}{
		{vcs.KindGitHub, "https://github.com"},
		{vcs.KindGitHub, "https://acme.ghe.com"},
		{vcs.KindGitHub, "https://github.example.com/api/v3"},
		{vcs.KindGitLab, "https://gitlab.com"},
		{vcs.KindGitLab, "https://gitlab.example.com/api/v4"},
		{vcs.KindBitbucket, "https://bitbucket.org"},
		{vcs.KindAzureDevOps, "https://dev.azure.com/acme"},
		{vcs.KindAzureDevOps, "https://acme.visualstudio.com"},
	} {
		if _, err := gitprovider.Open(vcs.Config{Kind: c.kind, URL: c.url, Token: "t0ken"}); err != nil {
			t.Errorf("%s %s: %v", c.kind, c.url, err)
		}
	}
}
