package github_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestDeliveryLog(t *testing.T) {
	t.Run("GitHub.com", func(t *testing.T) { vcstest.RunDeliveryLog(t, githubtest.New(), "octo-org/app") })
	t.Run("GHES", func(t *testing.T) {
		vcstest.RunDeliveryLog(t, githubtest.New(githubtest.Enterprise("github.example.test")), "octo-org/app")
	})
}
