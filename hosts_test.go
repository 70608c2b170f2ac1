package gitprovider_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/gitprovider/gitprovider"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func hosts() []vcstest.Host {
	return []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()}
}

// TestHostsShareTheKit drives the four fakes through vcstest.Host alone
// and checks they agree: errors for a missing repository, tokens whose
// permissions CheckAccess sees, deliveries that can be read twice,
// redelivery, injected faults.
func TestHostsShareTheKit(t *testing.T) {
	ctx := context.Background()
	for _, h := range hosts() {
		t.Run(string(h.Kind()), func(t *testing.T) {
			if err := h.Grant("acme/missing", "bot", vcstest.RoleAdmin); err == nil {
				t.Error("Grant on a missing repository succeeded")
			}
			if err := h.CreateRepository("acme/db", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "1"}}); err != nil {
				t.Fatal(err)
			}
			if err := h.AddUser("dev"); err != nil {
				t.Fatal(err)
			}
			if err := h.Grant("acme/db", "bot", vcstest.RoleAdmin); err != nil {
				t.Fatal(err)
			}
			full, err := h.IssueToken("bot", vcstest.TokenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p, err := gitprovider.Open(h.Config(full))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := p.CheckAccess(ctx, "acme/db")
			if err != nil || !rep.OK() {
				t.Fatalf("CheckAccess with a full token = %+v, %v", rep, err)
			}
			if h.Kind() != vcs.KindGitLab { // GitLab ties webhooks to the role
				noHook, err := h.IssueToken("bot", vcstest.TokenOptions{Without: []vcs.Permission{vcs.PermCreateWebhook}})
				if err != nil {
					t.Fatal(err)
				}
				p2, _ := gitprovider.Open(h.Config(noHook))
				if rep, err := p2.CheckAccess(ctx, "acme/db"); err != nil || rep.Check(vcs.PermCreateWebhook).Grant == vcs.Granted || rep.Check(vcs.PermReadRepository).Grant != vcs.Granted {
					t.Errorf("CheckAccess without webhooks = %+v, %v", rep, err)
				}
			}
			if _, err := vcs.EnsureWebhook(ctx, p, "acme/db", vcs.WebhookOptions{URL: "https://ci.example.test/hook", Secret: "s", Events: []vcs.WebhookEvent{vcs.WebhookEventPullRequest, vcs.WebhookEventPush}}); err != nil {
				t.Fatal(err)
			}
			hooks, err := h.Webhooks("acme/db")
			if err != nil || len(hooks) == 0 || hooks[0].URL != "https://ci.example.test/hook" || hooks[0].Secret != "s" {
				t.Fatalf("Webhooks = %+v, %v", hooks, err)
			}
			two := "2"
			if _, reqs, err := h.Push("acme/db", "f", map[string]*string{"b.sql": &two}); err != nil || len(reqs) == 0 {
				t.Fatalf("Push delivered %d, %v", len(reqs), err)
			}
			n, opened, err := h.OpenPullRequest("acme/db", vcstest.PullRequestOptions{Source: "f", Title: "B", Author: "dev"})
			if err != nil || len(opened) == 0 {
				t.Fatalf("OpenPullRequest delivered %d, %v", len(opened), err)
			}
			again, err := h.Redeliver("acme/db", n, vcs.ActionOpened)
			if err != nil || len(again) != len(opened) {
				t.Fatalf("Redeliver = %d deliveries, %v; opening made %d", len(again), err, len(opened))
			}
			if _, err := h.Redeliver("acme/db", n, vcs.ActionMerged); err == nil {
				t.Error("Redeliver of a merge of an open pull request succeeded")
			}
			parser, _ := vcs.NewWebhookParser(h.Kind())
			handler := vcs.NewWebhookHandler(parser, "s", func(context.Context, *vcs.Event) error { return nil })
			for range 2 { // every copy can be read and verified
				for _, d := range h.Deliveries() {
					if ev, err := handler.Read(d); err != nil || ev == nil {
						t.Fatalf("delivery %s: %v", d.URL, err)
					}
				}
			}
			d := h.Deliveries()[0]
			b1, _ := io.ReadAll(d.Body)
			body, _ := d.GetBody()
			b2, _ := io.ReadAll(body)
			if len(b1) == 0 || string(b1) != string(b2) {
				t.Error("GetBody does not give the body again")
			}
			if _, err := p.CreateComment(ctx, "acme/db", n, "hello"); err != nil {
				t.Fatal(err)
			}
			if cs, err := h.Comments("acme/db", n); err != nil || len(cs) != 1 || cs[0].Body != "hello" || cs[0].ID == "" {
				t.Errorf("Comments = %+v, %v", cs, err)
			}
			h.FailNext(1, http.StatusBadGateway, 0)
			resp, err := h.Client().Get(h.Config(full).URL)
			if err == nil {
				resp.Body.Close()
			}
			if _, err := p.GetRepository(ctx, "acme/db"); err != nil {
				t.Errorf("GetRepository after the injected fault: %v", err)
			}
			h.FailNext(5, http.StatusServiceUnavailable, 0)
			if _, err := p.CreateComment(ctx, "acme/db", n, "x"); !errors.Is(err, vcs.ErrUnavailable) {
				t.Errorf("CreateComment during an outage = %v, want ErrUnavailable", err)
			}
			if err := h.RevokeToken(full); err != nil {
				t.Fatal(err)
			}
		})
	}
}
