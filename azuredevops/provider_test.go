package azuredevops_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestParseInstanceURL(t *testing.T) {
	for _, c := range []struct {
		in      string
		flavor  azuredevops.Flavor
		org     string
		base    string
		version string
	}{
		{"https://dev.azure.com/fabrikam", azuredevops.FlavorServices, "fabrikam", "https://dev.azure.com/fabrikam/", "7.1"},
		{"https://dev.azure.com/fabrikam/", azuredevops.FlavorServices, "fabrikam", "https://dev.azure.com/fabrikam/", "7.1"},
		{"https://DEV.azure.com//Fabrikam-Fiber//", azuredevops.FlavorServices, "Fabrikam-Fiber", "https://dev.azure.com/Fabrikam-Fiber/", "7.1"},
		{"https://fabrikam.visualstudio.com", azuredevops.FlavorServicesLegacy, "fabrikam", "https://fabrikam.visualstudio.com/", "7.1"},
		{"https://fabrikam.visualstudio.com/", azuredevops.FlavorServicesLegacy, "fabrikam", "https://fabrikam.visualstudio.com/", "7.1"},
		{"https://fabrikam.visualstudio.com/DefaultCollection/", azuredevops.FlavorServicesLegacy, "fabrikam", "https://fabrikam.visualstudio.com/", "7.1"},
		{"https://tfs.example.com/tfs/DefaultCollection", azuredevops.FlavorServer, "DefaultCollection", "https://tfs.example.com/tfs/DefaultCollection/", "7.0"},
		{"https://tfs.example.com/tfs/DefaultCollection/", azuredevops.FlavorServer, "DefaultCollection", "https://tfs.example.com/tfs/DefaultCollection/", "7.0"},
		{"https://devops.example.com:8443/Fabrikam%20Collection", azuredevops.FlavorServer, "Fabrikam Collection", "https://devops.example.com:8443/Fabrikam%20Collection/", "7.0"},
		{"http://tfs.intranet/Main", azuredevops.FlavorServer, "Main", "http://tfs.intranet/Main/", "7.0"},
	} {
		in, err := azuredevops.ParseInstanceURL(c.in)
		if err != nil {
			t.Errorf("ParseInstanceURL(%q): %v", c.in, err)
			continue
		}
		if in.Flavor != c.flavor || in.Organization != c.org || in.BaseURL.String() != c.base || in.APIVersion != c.version {
			t.Errorf("ParseInstanceURL(%q) = %s %q %s %s, want %s %q %s %s", c.in, in.Flavor, in.Organization, in.BaseURL, in.APIVersion, c.flavor, c.org, c.base, c.version)
		}
	}
}

func TestParseInstanceURLErrors(t *testing.T) {
	for in, hint := range map[string]string{
		"":                       "https://dev.azure.com/{organization}",
		"https://dev.azure.com":  "names no organization",
		"https://dev.azure.com/": "names no organization",
		"https://dev.azure.com/fabrikam/Fabrikam%20Platform": "https://dev.azure.com/fabrikam",
		"https://dev.azure.com/fabrikam/_git/repo":           "not an organization URL",
		"http://dev.azure.com/fabrikam":                      "https",
		"https://dev.azure.com/_apis":                        "not an organization name",
		"https://visualstudio.com":                           "names no organization",
		"https://app.vssps.visualstudio.com":                 "names no organization",
		"https://fabrikam.visualstudio.com/Project":          "https://fabrikam.visualstudio.com",
		"https://vssps.dev.azure.com/fabrikam":               "https://dev.azure.com/{organization}",
		"https://tfs.example.com":                            "names no project collection",
		"https://tfs.example.com/tfs/":                       "names no project collection",
		"https://tfs.example.com/tfs/Coll/Project":           "not a collection URL",
		"dev.azure.com/fabrikam":                             "absolute https:// URL",
		"https://dev.azure.com/fabrikam?x=1":                 "bare organization URL",
	} {
		_, err := azuredevops.ParseInstanceURL(in)
		if !errors.Is(err, vcs.ErrInvalidConfig) {
			t.Errorf("ParseInstanceURL(%q) = %v, want ErrInvalidConfig", in, err)
			continue
		}
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("ParseInstanceURL(%q) = %q, want it to say %q", in, err, hint)
		}
	}
}

func TestNewConfigErrors(t *testing.T) {
	_, err := azuredevops.New(vcs.Config{Kind: vcs.KindGitHub, URL: "https://dev.azure.com/x", Token: "t"})
	if !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("New with kind github = %v", err)
	}
	_, err = vcs.Open(vcs.Config{Kind: vcs.KindAzureDevOps, Token: "t"})
	if !errors.Is(err, vcs.ErrInvalidConfig) || !strings.Contains(err.Error(), "dev.azure.com/{organization}") {
		t.Errorf("Open without URL = %v, want ErrInvalidConfig explaining the form", err)
	}
	p, err := azuredevops.New(vcs.Config{URL: "https://dev.azure.com/fabrikam/", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind() != vcs.KindAzureDevOps || p.Instance().Organization != "fabrikam" {
		t.Errorf("New without kind: %s %+v", p.Kind(), p.Instance())
	}
	if err := p.SetToken("has space"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("SetToken with a space = %v", err)
	}
}

// newFixture starts a fake seeded with the conformance fixture.
func newFixture(t *testing.T, opts ...azuredevopstest.Option) (*fake, vcstest.Fixture) {
	t.Helper()
	fx := vcstest.DefaultFixture()
	return seed(t, azuredevopstest.New(opts...), fx), fx
}

func open(t *testing.T, cfg vcs.Config) *azuredevops.Provider {
	t.Helper()
	p, err := azuredevops.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestBadRepositoryIDs(t *testing.T) {
	f, _ := newFixture(t)
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	for _, repo := range []string{"", "norepo", "/repo", "project/", "a/b/c"} {
		if _, err := p.GetRepository(ctx(t), repo); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("GetRepository(%q) = %v, want ErrInvalidArgument", repo, err)
		}
		if _, err := p.ListWebhooks(ctx(t), repo); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("ListWebhooks(%q) = %v, want ErrInvalidArgument", repo, err)
		}
	}
	if _, err := p.GetRepository(ctx(t), "No Such Project/db-migrations"); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("missing project = %v, want ErrNotFound", err)
	}
	// Case does not matter, as on Azure.
	r, err := p.GetRepository(ctx(t), "fabrikam platform/DB-MIGRATIONS")
	if err != nil || r.ID != fixtureRepo || r.HostID == "" || !r.Private || r.CloneURL == "" || r.WebURL == "" {
		t.Errorf("GetRepository in other case = %+v, %v", r, err)
	}
}
