package memstore_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/store/memstore"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestConformance(t *testing.T) {
	vcstest.RunStore(t, func(testing.TB) vcs.Store { return memstore.New() })
}
