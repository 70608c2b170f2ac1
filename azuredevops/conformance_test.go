package azuredevops_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// harness is the conformance harness of a fake built with opts.
var harness = azuredevopstest.Harness

// fake is a fake holding the conformance fixture; seed makes one.
type fake = azuredevopstest.Seeded

var seed = azuredevopstest.Seed

// fixtureRepo has a space in the project name, so every path is escaped.
const fixtureRepo = azuredevopstest.FixtureRepo

func TestConformance(t *testing.T) {
	t.Run("dev.azure.com", func(t *testing.T) { vcstest.Run(t, harness()) })
	t.Run("visualstudio.com", func(t *testing.T) { vcstest.Run(t, harness(azuredevopstest.WithLegacyURL())) })
	t.Run("Server", func(t *testing.T) {
		vcstest.Run(t, harness(azuredevopstest.WithServer("https://tfs.fabrikam.example/tfs/DefaultCollection")))
	})
	t.Run("ServerNoTFS", func(t *testing.T) {
		vcstest.Run(t, harness(azuredevopstest.WithServer("https://devops.fabrikam.example/Fabrikam%20Collection")))
	})
}

func BenchmarkReadChangedFiles(b *testing.B) { vcstest.BenchmarkReadChangedFiles(b, harness()) }
