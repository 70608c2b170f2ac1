package github_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestConformance(t *testing.T) {
	for name, opts := range map[string][]githubtest.Option{
		"GitHub.com": nil,
		"GHES":       {githubtest.Enterprise("github.example.test")},
		"GHE.com":    {githubtest.Tenant("acme")},
	} {
		t.Run(name, func(t *testing.T) {
			vcstest.Run(t, githubtest.Harness(opts...))
		})
	}
}

func BenchmarkReadChangedFiles(b *testing.B) {
	vcstest.BenchmarkReadChangedFiles(b, githubtest.Harness())
}
