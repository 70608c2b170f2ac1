package github

import (
	"context"
	"strconv"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// ListWebhooks lists the repository's webhooks.
//
// GitHub API docs: GET /repos/{owner}/{repo}/hooks
func (p *Provider) ListWebhooks(ctx context.Context, repo string) ([]*vcs.Webhook, error) {
	const op = "ListWebhooks"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	return pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.Webhook, string, error) {
		hooks, resp, err := p.client.Repositories.ListHooks(ctx, owner, name, &gh.ListOptions{Page: atoi(cursor), PerPage: 100})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.Webhook, 0, len(hooks))
		for _, h := range hooks {
			out = append(out, toWebhook(h))
		}
		return out, nextPage(resp), nil
	})
}

// CreateWebhook creates a "web" hook sending JSON (GitHub's default is
// form-encoded) with TLS verification on. It is never retried.
//
// GitHub API docs: POST /repos/{owner}/{repo}/hooks
func (p *Provider) CreateWebhook(ctx context.Context, repo string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "CreateWebhook"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	hook, err := hookRequest(op, opts)
	if err != nil {
		return nil, err
	}
	hook.Name = new("web")
	p.creds.RedactAlso(opts.Secret) // a 422 may echo the request
	h, _, err := p.client.Repositories.CreateHook(ctx, owner, name, hook)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	out := toWebhook(h)
	if err := vcs.CheckCreated(vcs.KindGitHub, op, "webhook", out.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateWebhook replaces a webhook's URL, secret, events and state.
//
// GitHub API docs: PATCH /repos/{owner}/{repo}/hooks/{hook_id}
func (p *Provider) UpdateWebhook(ctx context.Context, repo, id string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "UpdateWebhook"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	hid, err := hookID(op, id)
	if err != nil {
		return nil, err
	}
	hook, err := hookRequest(op, opts)
	if err != nil {
		return nil, err
	}
	p.creds.RedactAlso(opts.Secret) // a 422 may echo the request
	h, _, err := p.client.Repositories.EditHook(ctx, owner, name, hid, hook)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	return toWebhook(h), nil
}

// DeleteWebhook deletes a webhook.
//
// GitHub API docs: DELETE /repos/{owner}/{repo}/hooks/{hook_id}
func (p *Provider) DeleteWebhook(ctx context.Context, repo, id string) error {
	const op = "DeleteWebhook"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return err
	}
	hid, err := hookID(op, id)
	if err != nil {
		return err
	}
	_, err = p.client.Repositories.DeleteHook(ctx, owner, name, hid)
	return p.wrap(op, err)
}

func hookID(op, id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "webhook ID %q is not a GitHub hook ID", id)
	}
	return n, nil
}

func hookRequest(op string, opts vcs.WebhookOptions) (*gh.Hook, error) {
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindGitHub, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	var events []string
	for _, e := range vcs.WebhookEvents(opts) {
		switch e {
		case vcs.WebhookEventPullRequest:
			events = append(events, "pull_request")
		case vcs.WebhookEventPush:
			events = append(events, "push")
		}
	}
	return &gh.Hook{
		Events: events,
		Active: new(!opts.Inactive),
		Config: &gh.HookConfig{
			URL:         new(opts.URL),
			ContentType: new("json"),
			Secret:      new(opts.Secret),
			InsecureSSL: new("0"),
		},
	}, nil
}

func toWebhook(h *gh.Hook) *vcs.Webhook {
	w := &vcs.Webhook{ID: strconv.FormatInt(h.GetID(), 10), Active: h.GetActive(), CreatedAt: h.GetCreatedAt().Time}
	if h.Config != nil {
		w.URL = h.Config.GetURL()
	}
	for _, e := range h.Events {
		switch e {
		case "pull_request":
			w.Events = append(w.Events, vcs.WebhookEventPullRequest)
		case "push":
			w.Events = append(w.Events, vcs.WebhookEventPush)
		}
	}
	return w
}
