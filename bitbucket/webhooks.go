package bitbucket

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// hookDescription names the webhooks this library creates in Bitbucket's
// UI.
const hookDescription = "gitprovider"

// Bitbucket event keys for each portable webhook event. pullrequest:rejected
// (declined) is included so that closed pull requests are seen.
var hookEvents = map[vcs.WebhookEvent][]string{
	vcs.WebhookEventPullRequest: {"pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected"},
	vcs.WebhookEventPush:        {"repo:push"},
}

// hook is Bitbucket's webhook subscription. The host never returns the
// secret, only whether one is set.
type hook struct {
	UUID        string     `json:"uuid"`
	URL         string     `json:"url"`
	Description string     `json:"description"`
	Active      bool       `json:"active"`
	Events      []string   `json:"events"`
	SecretSet   bool       `json:"secret_set"`
	CreatedAt   *time.Time `json:"created_at"`
}

func (h *hook) toVCS() *vcs.Webhook {
	out := &vcs.Webhook{ID: h.UUID, URL: h.URL, Active: h.Active}
	if h.CreatedAt != nil {
		out.CreatedAt = *h.CreatedAt
	}
	var pr, push bool
	for _, e := range h.Events {
		switch {
		case strings.HasPrefix(e, "pullrequest:"):
			pr = true
		case e == "repo:push":
			push = true
		}
	}
	if pr {
		out.Events = append(out.Events, vcs.WebhookEventPullRequest)
	}
	if push {
		out.Events = append(out.Events, vcs.WebhookEventPush)
	}
	return out
}

// maxSecretLength is the longest webhook secret Bitbucket takes: the
// published description's webhook_subscription.secret has maxLength 128.
const maxSecretLength = 128

// hookRequest is the body of a create or update: every field is sent, so
// an update replaces them all.
type hookRequest struct {
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Active      bool     `json:"active"`
	Events      []string `json:"events"`
	Secret      string   `json:"secret"`
}

func newHookRequest(op string, opts vcs.WebhookOptions) (*hookRequest, error) {
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindBitbucket, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	if n := utf8.RuneCountInString(opts.Secret); n > maxSecretLength {
		return nil, &vcs.Error{Provider: vcs.KindBitbucket, Op: op, Kind: vcs.ErrInvalidArgument,
			Err:  fmt.Errorf("the webhook secret has %d characters; Bitbucket takes at most %d", n, maxSecretLength),
			Hint: fmt.Sprintf("use a secret of at most %d characters", maxSecretLength)}
	}
	req := &hookRequest{Description: hookDescription, URL: opts.URL, Active: !opts.Inactive, Secret: opts.Secret}
	for _, e := range vcs.WebhookEvents(opts) {
		req.Events = append(req.Events, hookEvents[e]...)
	}
	return req, nil
}

// hookPath returns the API path of one webhook. Bitbucket's IDs are UUIDs
// in braces, "{…}", which must be escaped in the URL; a bare UUID is
// accepted too.
func hookPath(op, repo, id string) (string, error) {
	repoAPI, err := repoPath(op, repo)
	if err != nil {
		return "", err
	}
	bare := strings.TrimSuffix(strings.TrimPrefix(id, "{"), "}")
	if bare == "" || strings.ContainsAny(bare, "{}/?#% ") {
		return "", vcs.Errorf(vcs.KindBitbucket, op, vcs.ErrInvalidArgument, "webhook ID %q is not a Bitbucket webhook UUID", id)
	}
	return repoAPI + "/hooks/" + url.PathEscape("{"+bare+"}"), nil
}

// ListWebhooks lists the repository's webhooks, following every page.
// Bitbucket requires repository admin permission and the webhook scopes.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/hooks
func (p *Provider) ListWebhooks(ctx context.Context, repo string) ([]*vcs.Webhook, error) {
	repoAPI, err := repoPath("ListWebhooks", repo)
	if err != nil {
		return nil, err
	}
	hooks, err := listAll[hook](ctx, p.client, "ListWebhooks", repoAPI+"/hooks", nil)
	if err != nil {
		return nil, err
	}
	out := make([]*vcs.Webhook, len(hooks))
	for i := range hooks {
		out[i] = hooks[i].toVCS()
	}
	return out, nil
}

// CreateWebhook creates a repository webhook with a secret, subscribed to
// pullrequest:created, :updated, :fulfilled and :rejected (and repo:push
// for vcs.WebhookEventPush). It is never retried.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/hooks
// {description, url, active, events, secret}
func (p *Provider) CreateWebhook(ctx context.Context, repo string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	repoAPI, err := repoPath("CreateWebhook", repo)
	if err != nil {
		return nil, err
	}
	body, err := newHookRequest("CreateWebhook", opts)
	if err != nil {
		return nil, err
	}
	var h hook
	p.creds.RedactAlso(opts.Secret) // a 400 may echo the request
	if _, err := p.client.do(ctx, rest.Request{Op: "CreateWebhook", Method: http.MethodPost, Path: repoAPI + "/hooks", Body: body}, &h); err != nil {
		return nil, err
	}
	out := h.toVCS()
	if err := vcs.CheckCreated(vcs.KindBitbucket, "CreateWebhook", "webhook", out.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateWebhook replaces a webhook's URL, secret, events and state.
//
// Bitbucket API docs: PUT /repositories/{workspace}/{repo_slug}/hooks/{uid}
func (p *Provider) UpdateWebhook(ctx context.Context, repo, id string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	path, err := hookPath("UpdateWebhook", repo, id)
	if err != nil {
		return nil, err
	}
	body, err := newHookRequest("UpdateWebhook", opts)
	if err != nil {
		return nil, err
	}
	var h hook
	p.creds.RedactAlso(opts.Secret) // a 400 may echo the request
	if _, err := p.client.do(ctx, rest.Request{Op: "UpdateWebhook", Method: http.MethodPut, Path: path, Body: body}, &h); err != nil {
		return nil, err
	}
	return h.toVCS(), nil
}

// DeleteWebhook deletes a webhook; one already gone is vcs.ErrNotFound.
//
// Bitbucket API docs: DELETE /repositories/{workspace}/{repo_slug}/hooks/{uid}
func (p *Provider) DeleteWebhook(ctx context.Context, repo, id string) error {
	path, err := hookPath("DeleteWebhook", repo, id)
	if err != nil {
		return err
	}
	_, err = p.client.do(ctx, rest.Request{Op: "DeleteWebhook", Method: http.MethodDelete, Path: path}, nil)
	return err
}
