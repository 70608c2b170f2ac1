package azuredevops_test

import (
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// go test ./azuredevops -run '^$' -fuzz FuzzParseInstanceURL -fuzztime 20s
func FuzzParseInstanceURL(f *testing.F) {
	vcstest.FuzzInstanceURL(f, vcs.KindAzureDevOps, func(s string) error { _, err := azuredevops.ParseInstanceURL(s); return err })
}

// go test ./azuredevops -run '^$' -fuzz FuzzWebhookHandler -fuzztime 20s
func FuzzWebhookHandler(f *testing.F) {
	vcstest.FuzzWebhookHandler(f, azuredevops.NewParser(), "testdata", vcs.KindAzureDevOps,
		func(r *http.Request, _ vcstest.WebhookFixture, _ []byte, secret string) {
			if secret != "" {
				r.Header.Set("Authorization", basic(azuredevops.WebhookUsername, secret).Get("Authorization"))
			}
		})
}
