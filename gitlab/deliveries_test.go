package gitlab_test

import (
	"testing"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestDeliveryLog(t *testing.T) {
	vcstest.RunDeliveryLog(t, gitlabtest.New(), "acme/platform/app")
}
