package vcs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// racingProvider runs before each CreateWebhook what another replica does
// at that moment, and can fail the create as GitHub fails a second hook
// for one URL.
type racingProvider struct {
	*fakeProvider
	before    func()
	createErr error
}

func (r *racingProvider) CreateWebhook(ctx context.Context, repo string, o vcs.WebhookOptions) (*vcs.Webhook, error) {
	if r.before != nil {
		r.before()
	}
	if err := r.createErr; err != nil {
		r.createErr = nil
		r.called("CreateWebhook")
		return nil, err
	}
	return r.fakeProvider.CreateWebhook(ctx, repo, o)
}

func TestEnsureWebhookKeepsTheOlderOfARace(t *testing.T) {
	const url = "https://ci.example/hook"
	fp := &fakeProvider{nextID: 10}
	p := &racingProvider{fakeProvider: fp, before: func() {
		// Another replica created its hook between our list and create.
		fp.hooks = append(fp.hooks, &vcs.Webhook{ID: "other", URL: url, CreatedAt: time.Unix(100, 0)})
	}}
	// Ours is created a second later.
	res, err := vcs.EnsureWebhook(context.Background(), &createdAt{p, time.Unix(101, 0)}, "o/r", vcs.WebhookOptions{URL: url, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Created || res.Webhook.ID != "other" || len(res.Duplicates) != 1 || res.Duplicates[0].ID != "11" {
		t.Errorf("result %+v (webhook %+v), want the other replica's hook kept and ours (11) deleted", res, res.Webhook)
	}
	if len(fp.hooks) != 1 || fp.hooks[0].ID != "other" {
		t.Errorf("hooks %+v, want only the older one", fp.hooks)
	}
	want := []string{"ListWebhooks", "CreateWebhook", "ListWebhooks", "DeleteWebhook 11", "UpdateWebhook other"}
	if c := fp.Calls(); !slices.Equal(c, want) {
		t.Errorf("calls %v, want %v", c, want)
	}
}

func TestEnsureWebhookRefusedCreateStartsOver(t *testing.T) {
	const url = "https://ci.example/hook"
	fp := &fakeProvider{nextID: 10}
	p := &racingProvider{fakeProvider: fp, createErr: vcs.Errorf("fake", "CreateWebhook", vcs.ErrConflict, "Hook already exists on this repository")}
	p.before = func() { fp.hooks = append(fp.hooks, &vcs.Webhook{ID: "7", URL: url}) }
	res, err := vcs.EnsureWebhook(context.Background(), p, "o/r", vcs.WebhookOptions{URL: url, Secret: "s"})
	if err != nil || res.Created || res.Webhook.ID != "7" {
		t.Fatalf("EnsureWebhook = %+v, %v; want the hook the other replica created, updated", res, err)
	}
	want := []string{"ListWebhooks", "CreateWebhook", "ListWebhooks", "UpdateWebhook 7"}
	if c := fp.Calls(); !slices.Equal(c, want) {
		t.Errorf("calls %v, want %v", c, want)
	}
}

func TestEnsureWebhookGivesUpAfterAFewConflicts(t *testing.T) {
	fp := &fakeProvider{}
	p := &alwaysConflict{fp}
	_, err := vcs.EnsureWebhook(context.Background(), p, "o/r", vcs.WebhookOptions{URL: "https://ci.example/hook", Secret: "s"})
	if err == nil {
		t.Fatal("no error from a create the host always refuses")
	}
	if n := len(fp.Calls()); n != 8 {
		t.Errorf("%d calls (%v), want 4 attempts of list and create", n, fp.Calls())
	}
}

type alwaysConflict struct{ *fakeProvider }

func (a *alwaysConflict) CreateWebhook(context.Context, string, vcs.WebhookOptions) (*vcs.Webhook, error) {
	a.called("CreateWebhook")
	return nil, vcs.Errorf("fake", "CreateWebhook", vcs.ErrConflict, "refused")
}

// createdAt stamps the hooks the provider creates with a creation time.
type createdAt struct {
	*racingProvider
	at time.Time
}

func (c *createdAt) CreateWebhook(ctx context.Context, repo string, o vcs.WebhookOptions) (*vcs.Webhook, error) {
	h, err := c.racingProvider.CreateWebhook(ctx, repo, o)
	if err == nil {
		c.mu.Lock()
		for _, stored := range c.hooks {
			if stored.ID == h.ID {
				stored.CreatedAt = c.at
			}
		}
		c.mu.Unlock()
		h.CreatedAt = c.at
	}
	return h, err
}
