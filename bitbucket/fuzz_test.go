package bitbucket_test

import (
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// go test ./bitbucket -run '^$' -fuzz FuzzParseInstanceURL -fuzztime 20s
func FuzzParseInstanceURL(f *testing.F) {
	vcstest.FuzzInstanceURL(f, vcs.KindBitbucket, func(s string) error { _, _, err := bitbucket.ParseInstanceURL(s); return err })
}

// go test ./bitbucket -run '^$' -fuzz FuzzWebhookHandler -fuzztime 20s
func FuzzWebhookHandler(f *testing.F) {
	vcstest.FuzzWebhookHandler(f, bitbucket.NewParser(), "testdata", vcs.KindBitbucket,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			r.Header.Set(bitbucket.HeaderEventKey, fx.EventHeader)
			r.Header.Set(bitbucket.HeaderRequestUUID, testDelivery)
			r.Header.Set(bitbucket.HeaderHookUUID, "0b7e2e4a-4f3d-4d4b-9b1e-1d2c3b4a5f60")
			r.Header.Set(bitbucket.HeaderAttemptNumber, "1")
			if secret != "" {
				r.Header.Set(bitbucket.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
			}
		})
}
