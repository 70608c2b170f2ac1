package github

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"time"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

var _ vcs.DeliveryLog = (*Provider)(nil)

// ListWebhookDeliveries yields the recent delivery attempts of webhook
// hook, newest first, 100 a page (GitHub pages this list with a
// cursor). GitHub keeps deliveries for a few days (3 on GitHub.com,
// unconfirmed for GHES) and never retries a failed one by itself: its docs
// say "GitHub does not automatically redeliver failed deliveries".
// Since and Failed filter on this side: the endpoint has no such
// parameters. A delivery counts as failed unless the receiver answered
// 2xx (GitHub also fails one that takes longer than 10 seconds).
//
// GitHub API docs: GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries?per_page=100&cursor=
func (p *Provider) ListWebhookDeliveries(ctx context.Context, repo, hook string, opts vcs.ListWebhookDeliveriesOptions) iter.Seq2[*vcs.WebhookDelivery, error] {
	const op = "ListWebhookDeliveries"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.WebhookDelivery](err)
	}
	hid, err := hookID(op, hook)
	if err != nil {
		return vcs.FailedSeq[*vcs.WebhookDelivery](err)
	}
	// GitHub's times have whole seconds: compare at that precision.
	since := opts.Since.Truncate(time.Second)
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.WebhookDelivery, string, error) {
		ds, resp, err := p.client.Repositories.ListHookDeliveries(ctx, owner, name, hid, &gh.ListCursorOptions{Cursor: cursor, PerPage: 100})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.WebhookDelivery, 0, len(ds))
		for _, d := range ds {
			v := toDelivery(d)
			if v.DeliveredAt.Before(since) || (opts.Failed && !v.Failed) {
				continue
			}
			out = append(out, v)
		}
		next := ""
		if resp != nil {
			next = resp.Cursor
		}
		return out, next, nil
	})
}

func toDelivery(d *gh.HookDelivery) *vcs.WebhookDelivery {
	code := d.GetStatusCode()
	return &vcs.WebhookDelivery{
		ID:          strconv.FormatInt(d.GetID(), 10),
		DeliveryID:  d.GetGUID(),
		Event:       d.GetEvent(),
		Action:      d.GetAction(),
		StatusCode:  code,
		Status:      d.GetStatus(),
		Failed:      code < 200 || code > 299,
		Redelivery:  d.GetRedelivery(),
		DeliveredAt: d.GetDeliveredAt().Time,
	}
}

// RedeliverWebhookDelivery asks GitHub to send delivery attempt id of
// webhook hook again (GitHub answers 202 Accepted and sends it with the
// same X-GitHub-Delivery GUID, marked as a redelivery in the log). The
// token needs the same permission as for managing webhooks.
//
// GitHub API docs: POST /repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts
func (p *Provider) RedeliverWebhookDelivery(ctx context.Context, repo, hook, id string) error {
	const op = "RedeliverWebhookDelivery"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return err
	}
	hid, err := hookID(op, hook)
	if err != nil {
		return err
	}
	did, err := strconv.ParseInt(id, 10, 64)
	if err != nil || did <= 0 {
		return vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "delivery ID %q is not a GitHub delivery ID", id)
	}
	_, _, err = p.client.Repositories.RedeliverHookDelivery(ctx, owner, name, hid, did)
	if _, accepted := errors.AsType[*gh.AcceptedError](err); accepted {
		return nil
	}
	return p.wrap(op, err)
}
