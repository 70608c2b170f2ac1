package github_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// BenchmarkCommitFiles reports the round trips of one three-file commit.
func BenchmarkCommitFiles(b *testing.B) { vcstest.BenchmarkCommitFiles(b, githubtest.Harness()) }
