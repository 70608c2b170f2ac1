package github_test

import (
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// go test ./github -run '^$' -fuzz FuzzParseInstanceURL -fuzztime 20s
func FuzzParseInstanceURL(f *testing.F) {
	vcstest.FuzzInstanceURL(f, vcs.KindGitHub, func(s string) error { _, _, err := github.ParseInstanceURL(s); return err })
}

// go test ./github -run '^$' -fuzz FuzzWebhookHandler -fuzztime 20s
func FuzzWebhookHandler(f *testing.F) {
	vcstest.FuzzWebhookHandler(f, github.NewParser(), "testdata", vcs.KindGitHub,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			r.Header.Set(github.HeaderEvent, fx.EventHeader)
			r.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			if secret != "" {
				r.Header.Set(github.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
			}
		})
}
