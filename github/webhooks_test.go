package github_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// Webhooks are created as GitHub needs them for the parser: JSON content
// (GitHub's default is form-encoded), TLS verification on, the secret set.
func TestCreateWebhookSettings(t *testing.T) {
	srv, p, _ := seeded(t)
	h, err := p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://ci.example.test/hook", Secret: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://ci.example.test/off", Secret: "s3cret", Inactive: true,
		Events: []vcs.WebhookEvent{vcs.WebhookEventPush}})
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := srv.Webhooks("octo/app")
	if len(hooks) != 2 {
		t.Fatalf("%d hooks", len(hooks))
	}
	on, off := hooks[0], hooks[1]
	if fmt.Sprint(on.ID) != h.ID || on.Settings["content_type"] != "json" || on.Settings["insecure_ssl"] != "0" || on.Secret != "s3cret" ||
		!on.Active || !slices.Equal(on.Events, []string{"pull_request"}) {
		t.Errorf("stored hook = %+v", on)
	}
	if off.Active || !slices.Equal(off.Events, []string{"push"}) {
		t.Errorf("inactive push hook = %+v", off)
	}
	listed, err := p.ListWebhooks(ctx, "octo/app")
	if err != nil || len(listed) != 2 || listed[1].Active || listed[0].URL != "https://ci.example.test/hook" {
		t.Errorf("ListWebhooks = %+v, %v", listed, err)
	}
}

func TestUpdateWebhookSendsEverything(t *testing.T) {
	srv, p, _ := seeded(t)
	h, err := p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://ci.example.test/a", Secret: "one"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateWebhook(ctx, "octo/app", h.ID, vcs.WebhookOptions{URL: "https://ci.example.test/b", Secret: "two", Inactive: true}); err != nil {
		t.Fatal(err)
	}
	hooks, _ := srv.Webhooks("octo/app")
	if hk := hooks[0]; hk.URL != "https://ci.example.test/b" || hk.Secret != "two" || hk.Active || hk.Settings["content_type"] != "json" {
		t.Errorf("updated hook = %+v", hk)
	}
	_, err = p.UpdateWebhook(ctx, "octo/app", "not-a-number", vcs.WebhookOptions{URL: "https://x.test", Secret: "s"})
	wantKind(t, "UpdateWebhook with a bad ID", err, vcs.ErrInvalidArgument)
	_, err = p.UpdateWebhook(ctx, "octo/app", "424242", vcs.WebhookOptions{URL: "https://x.test", Secret: "s"})
	wantKind(t, "UpdateWebhook of a missing hook", err, vcs.ErrNotFound)
}

func TestCreateWebhookConflicts(t *testing.T) {
	srv, p, _ := seeded(t)
	opts := vcs.WebhookOptions{URL: "https://ci.example.test/hook", Secret: "s"}
	if _, err := p.CreateWebhook(ctx, "octo/app", opts); err != nil {
		t.Fatal(err)
	}
	_, err := p.CreateWebhook(ctx, "octo/app", opts)
	if ve := wantKind(t, "second webhook at the same URL", err, vcs.ErrConflict); ve.StatusCode != http.StatusUnprocessableEntity || !has(ve.Hint, "EnsureWebhook") {
		t.Errorf("duplicate webhook error = %+v", ve)
	}
	// EnsureWebhook updates it instead.
	res, err := vcs.EnsureWebhook(ctx, p, "octo/app", opts)
	if err != nil || res.Created {
		t.Errorf("EnsureWebhook on an existing URL = %+v, %v", res, err)
	}

	// GitHub allows 20 webhooks per event on a repository.
	for i := 2; i <= 20; i++ {
		if _, err := p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: fmt.Sprintf("https://ci.example.test/%d", i), Secret: "s"}); err != nil {
			t.Fatalf("webhook %d: %v", i, err)
		}
	}
	_, err = p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://ci.example.test/21", Secret: "s"})
	if ve := wantKind(t, "21st pull_request webhook", err, vcs.ErrConflict); !has(ve.Hint, "20 webhooks per event") {
		t.Errorf("hook limit hint = %q", ve.Hint)
	}
	// A webhook for another event still fits.
	if _, err := p.CreateWebhook(ctx, "octo/app", vcs.WebhookOptions{URL: "https://ci.example.test/push", Secret: "s", Events: []vcs.WebhookEvent{vcs.WebhookEventPush}}); err != nil {
		t.Errorf("push webhook next to 20 pull_request ones: %v", err)
	}
	if hooks, _ := srv.Webhooks("octo/app"); len(hooks) != 21 {
		t.Errorf("%d hooks, want 21", len(hooks))
	}
}
