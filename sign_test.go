package gitprovider_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestSignDelivery: each fake's exported SignDelivery signs a payload of
// one's own the way the host does, so the providers' handlers verify it,
// and not with another secret.
func TestSignDelivery(t *testing.T) {
	sign := map[vcs.Kind]func(*http.Request, string, []byte, string){
		vcs.KindGitHub: githubtest.SignDelivery, vcs.KindGitLab: gitlabtest.SignDelivery,
		vcs.KindBitbucket: bitbuckettest.SignDelivery, vcs.KindAzureDevOps: azuredevopstest.SignDelivery,
	}
	eventHeader := map[vcs.Kind]string{vcs.KindGitHub: "X-GitHub-Event", vcs.KindGitLab: "X-Gitlab-Event", vcs.KindBitbucket: "X-Event-Key"}
	for _, h := range hosts() {
		t.Run(string(h.Kind()), func(t *testing.T) {
			_ = h.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"a": "1"}})
			_ = h.Grant("acme/db", "bot", vcstest.RoleAdmin)
			tok, _ := h.IssueToken("bot", vcstest.TokenOptions{})
			p, _ := gitprovider.Open(h.Config(tok))
			if _, err := vcs.EnsureWebhook(context.Background(), p, "acme/db", vcs.WebhookOptions{URL: "https://ci.example.test/hook", Secret: "x"}); err != nil {
				t.Fatal(err)
			}
			two := "2"
			_, _, _ = h.Push("acme/db", "f", map[string]*string{"b": &two})
			_, opened, err := h.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "f", Title: "T"})
			if err != nil || len(opened) == 0 {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(opened[0].Body)
			parser, _ := vcs.NewWebhookParser(h.Kind())
			handler := &vcs.WebhookHandler{Parser: parser, Secret: "s3cret"}
			for secret, ok := range map[string]bool{"s3cret": true, "other": false} {
				r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
				sign[h.Kind()](r, opened[0].Header.Get(eventHeader[h.Kind()]), body, secret)
				ev, err := handler.Read(r)
				if ok && (err != nil || ev.Number == 0) {
					t.Errorf("signed with the secret: %v", err)
				}
				if !ok && !errors.Is(err, vcs.ErrInvalidSignature) {
					t.Errorf("signed with another secret: %v", err)
				}
			}
		})
	}
}
