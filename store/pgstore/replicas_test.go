package pgstore_test

import (
	"context"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/internal/pgtest"
	"github.com/gitprovider/gitprovider/store/pgstore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"

	_ "github.com/gitprovider/gitprovider" // every provider, for vcs.Open
)

// clients returns a fresh schema and a function that opens a client of
// it: its own pool, as a replica on another machine would have.
func clients(t testing.TB) func() vcs.Store {
	schema := pgtest.Schema(t)
	open(t, pgstore.Options{Schema: schema}).Close() // migrate once
	return func() vcs.Store {
		s, err := pgstore.Open(context.Background(), pgtest.DSN(t), pgstore.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestReplicas runs the several-replica scenario on every host's fake,
// the replicas sharing one PostgreSQL database through their own pools.
func TestReplicas(t *testing.T) {
	for _, h := range []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()} {
		t.Run(string(h.Kind()), func(t *testing.T) { vcstest.RunReplicas(t, h, clients(t)) })
	}
}

// BenchmarkRecord: three replicas, each with its own pool, record
// deliveries into one database.
func BenchmarkRecord(b *testing.B) {
	vcstest.BenchmarkRecord(b, 3, clients(b))
}
