package azuredevopstest_test

import (
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/internal/apispec"
)

// TestMain checks the fake's own tests' exchanges and deliveries against
// the host's published API description too (internal/apispec), as the
// provider package's TestMain does for the provider's.
func TestMain(m *testing.M) { os.Exit(apispec.Main(m, apispec.AzureDevOps())) }
