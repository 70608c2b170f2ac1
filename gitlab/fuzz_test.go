package gitlab_test

import (
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// go test ./gitlab -run '^$' -fuzz FuzzParseInstanceURL -fuzztime 20s
func FuzzParseInstanceURL(f *testing.F) {
	vcstest.FuzzInstanceURL(f, vcs.KindGitLab, func(s string) error { _, _, err := gitlab.ParseInstanceURL(s); return err })
}

// go test ./gitlab -run '^$' -fuzz FuzzWebhookHandler -fuzztime 20s
func FuzzWebhookHandler(f *testing.F) {
	vcstest.FuzzWebhookHandler(f, gitlab.NewParser(), "testdata", vcs.KindGitLab,
		func(r *http.Request, fx vcstest.WebhookFixture, _ []byte, secret string) {
			tokenHeaders(r.Header, fx.EventHeader, secret)
		})
}
