package memstore_test

import (
	"testing"

	_ "github.com/gitprovider/gitprovider" // every provider, for vcs.Open
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"

	"github.com/gitprovider/gitprovider/store/memstore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestConformance(t *testing.T) {
	vcstest.RunStore(t, func(testing.TB) vcs.Store { return memstore.New() })
}

// TestReplicas runs the several-replica scenario on every host's fake
// (vcstest.Run runs it too, per provider).
func TestReplicas(t *testing.T) {
	for _, h := range []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()} {
		t.Run(string(h.Kind()), func(t *testing.T) { vcstest.RunReplicas(t, h, vcstest.SharedStore(memstore.New())) })
	}
}

// BenchmarkRecord: three replicas' handlers record into one memstore.
func BenchmarkRecord(b *testing.B) {
	vcstest.BenchmarkRecord(b, 3, vcstest.SharedStore(memstore.New()))
}
