package gitlab

import (
	"context"
	"net/http"
	"strconv"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// hookOptions is the body of a hook create or update. It is written out
// here, not taken from the client, for signing_token (GitLab 19+), which
// the client does not know yet; GitLab versions without it ignore it.
type hookOptions struct {
	URL                   *string `json:"url,omitempty"`
	Token                 *string `json:"token,omitempty"`
	SigningToken          *string `json:"signing_token,omitempty"`
	MergeRequestsEvents   *bool   `json:"merge_requests_events,omitempty"`
	PushEvents            *bool   `json:"push_events,omitempty"`
	TagPushEvents         *bool   `json:"tag_push_events,omitempty"`
	EnableSSLVerification *bool   `json:"enable_ssl_verification,omitempty"`
}

// hookBody states every setting the workflow depends on explicitly: GitLab
// turns push events on by default, and an update that changes the URL
// clears the secret token unless it is sent again, so the token (and the
// signing token derived from it, see SigningToken) always go along.
// GitLab hooks have no on/off switch: an inactive hook subscribes to no
// event.
func hookBody(opts vcs.WebhookOptions) *hookOptions {
	var mr, push bool
	if !opts.Inactive {
		for _, e := range vcs.WebhookEvents(opts) {
			switch e {
			case vcs.WebhookEventPullRequest:
				mr = true
			case vcs.WebhookEventPush:
				push = true
			}
		}
	}
	return &hookOptions{
		URL:                   gl.Ptr(opts.URL),
		Token:                 gl.Ptr(opts.Secret),
		SigningToken:          gl.Ptr(SigningToken(opts.Secret)),
		MergeRequestsEvents:   gl.Ptr(mr),
		PushEvents:            gl.Ptr(push),
		TagPushEvents:         gl.Ptr(push), // a tag push is a push on every other host
		EnableSSLVerification: gl.Ptr(true),
	}
}

// ListWebhooks lists the project's webhooks, every page.
//
// GitLab API docs: GET /projects/:id/hooks
func (p *Provider) ListWebhooks(ctx context.Context, repo string) ([]*vcs.Webhook, error) {
	const op = "ListWebhooks"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	return pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.Webhook, string, error) {
		hooks, resp, err := p.client.Projects.ListProjectHooks(id,
			&gl.ListProjectHooksOptions{ListOptions: gl.ListOptions{PerPage: 100, Page: pageNumber(cursor)}}, reqCtx(ctx))
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.Webhook, len(hooks))
		for i, h := range hooks {
			out[i] = webhook(h)
		}
		return out, nextPage(resp), nil
	})
}

// CreateWebhook creates a project webhook for merge request events (and
// push events when asked) with SSL verification on, the secret as its
// secret token (X-Gitlab-Token) and a signing token derived from it
// (GitLab 19+ signs deliveries with it). It is sent once, never retried;
// vcs.EnsureWebhook is the retry-safe form. Needs the api scope and the
// Maintainer role.
//
// GitLab API docs: POST /projects/:id/hooks
func (p *Provider) CreateWebhook(ctx context.Context, repo string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "CreateWebhook"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	p.creds.RedactAlso(opts.Secret) // a 400/422 may echo the request
	h, err := p.sendHook(ctx, op, http.MethodPost, "projects/"+gl.PathEscape(id)+"/hooks", hookBody(opts))
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCreated(kind, op, "webhook", h.ID); err != nil {
		return nil, err
	}
	return h, nil
}

// UpdateWebhook replaces a webhook's URL, secret, events and state. The
// secret is always sent again: GitLab clears a hook's token when its URL
// changes.
//
// GitLab API docs: PUT /projects/:id/hooks/:hook_id
func (p *Provider) UpdateWebhook(ctx context.Context, repo, hookID string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "UpdateWebhook"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	n, err := parseHookID(op, hookID)
	if err != nil {
		return nil, err
	}
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: kind, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	p.creds.RedactAlso(opts.Secret) // a 400/422 may echo the request
	return p.sendHook(ctx, op, http.MethodPut, "projects/"+gl.PathEscape(id)+"/hooks/"+strconv.FormatInt(n, 10), hookBody(opts))
}

// DeleteWebhook deletes a webhook; one already gone is vcs.ErrNotFound.
//
// GitLab API docs: DELETE /projects/:id/hooks/:hook_id
func (p *Provider) DeleteWebhook(ctx context.Context, repo, hookID string) error {
	const op = "DeleteWebhook"
	id, err := projectID(op, repo)
	if err != nil {
		return err
	}
	n, err := parseHookID(op, hookID)
	if err != nil {
		return err
	}
	resp, err := p.client.Projects.DeleteProjectHook(id, n, reqCtx(ctx))
	return p.fail(op, resp, err)
}

func (p *Provider) sendHook(ctx context.Context, op, method, path string, body *hookOptions) (*vcs.Webhook, error) {
	req, err := p.client.NewRequest(method, path, body, []gl.RequestOptionFunc{reqCtx(ctx)})
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}
	var h gl.ProjectHook
	resp, err := p.client.Do(req, &h)
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	return webhook(&h), nil
}

func parseHookID(op, hookID string) (int64, error) {
	n, err := strconv.ParseInt(hookID, 10, 64)
	if err != nil || n <= 0 {
		return 0, vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "webhook ID %q is not a GitLab hook ID", hookID)
	}
	return n, nil
}

func webhook(h *gl.ProjectHook) *vcs.Webhook {
	w := &vcs.Webhook{ID: strconv.FormatInt(h.ID, 10), URL: h.URL, Events: []vcs.WebhookEvent{}}
	if h.CreatedAt != nil {
		w.CreatedAt = *h.CreatedAt
	}
	if h.MergeRequestsEvents {
		w.Events = append(w.Events, vcs.WebhookEventPullRequest)
	}
	if h.PushEvents {
		w.Events = append(w.Events, vcs.WebhookEventPush)
	}
	// GitLab switches a failing hook off by itself (alert_status).
	w.Active = len(w.Events) > 0 && h.AlertStatus != "disabled" && h.AlertStatus != "temporarily_disabled"
	return w
}
