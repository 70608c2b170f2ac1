package gitlab_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func BenchmarkScale(b *testing.B) { vcstest.BenchmarkScale(b, gitlabtest.Harness()) }
