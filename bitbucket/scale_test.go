package bitbucket_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func BenchmarkScale(b *testing.B) {
	vcstest.BenchmarkScale(b, vcstest.Harness{Kind: vcs.KindBitbucket, New: func(t testing.TB, f vcstest.Fixture) vcstest.Fake {
		return newFake(t, f, "", apiTokens)
	}})
}
