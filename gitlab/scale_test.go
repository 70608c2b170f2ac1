package gitlab_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func BenchmarkScale(b *testing.B) {
	vcstest.BenchmarkScale(b, vcstest.Harness{Kind: vcs.KindGitLab, New: func(t testing.TB, fx vcstest.Fixture) vcstest.Fake {
		return newFake(t, fx, "https://gitlab.com", "")
	}})
}
