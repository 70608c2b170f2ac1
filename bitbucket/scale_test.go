package bitbucket_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func BenchmarkScale(b *testing.B) {
	vcstest.BenchmarkScale(b, bitbuckettest.Harness(bitbuckettest.WithConfigURL("")))
}
