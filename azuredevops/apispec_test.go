package azuredevops_test

import (
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/internal/apispec"
)

// TestMain checks every exchange with the fake, and every delivery it
// makes, against Azure DevOps' published API descriptions
// (internal/apispec).
func TestMain(m *testing.M) { os.Exit(apispec.Main(m, apispec.AzureDevOps())) }
