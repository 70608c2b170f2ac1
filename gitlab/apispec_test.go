package gitlab_test

import (
	"os"
	"testing"

	"github.com/gitprovider/gitprovider/internal/apispec"
)

// TestMain checks every exchange with the fake, and every delivery it
// makes, against the GitLab API description in internal/apispec.
func TestMain(m *testing.M) { os.Exit(apispec.Main(m, apispec.GitLab())) }
