package github_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func BenchmarkScale(b *testing.B) { vcstest.BenchmarkScale(b, githubtest.Harness()) }
