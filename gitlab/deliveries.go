package gitlab

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

var _ vcs.DeliveryLog = (*Provider)(nil)

// hookEventsPerPage is the most events GET …/hooks/:hook_id/events
// answers a page (its per_page is declared 1..20).
const hookEventsPerPage = 20

// hookEvent is one entry of a project webhook's event log ("List project
// webhook events", GitLab 17.3+). created_at is read where the instance
// sends it (unconfirmed: GitLab's docs example does not show it).
type hookEvent struct {
	ID              int64             `json:"id"`
	URL             string            `json:"url"`
	Trigger         string            `json:"trigger"`
	RequestHeaders  map[string]string `json:"request_headers"`
	ResponseStatus  json.RawMessage   `json:"response_status"`
	ExecutionMillis float64           `json:"execution_duration"`
	CreatedAt       *time.Time        `json:"created_at"`
}

// header reads a request header without regard to case.
func (e *hookEvent) header(name string) string {
	for k, v := range e.RequestHeaders {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func (e *hookEvent) toVCS() *vcs.WebhookDelivery {
	status := strings.Trim(string(e.ResponseStatus), `"`)
	code, _ := strconv.Atoi(status)
	d := &vcs.WebhookDelivery{
		ID: strconv.FormatInt(e.ID, 10),
		// The same order as the parser's Event.DeliveryID.
		DeliveryID: firstOf(e.header(HeaderWebhookID), e.header(HeaderIdempotencyKey), e.header(HeaderEventUUID)),
		Event:      e.Trigger,
		StatusCode: code,
		Status:     status,
		Failed:     code < 200 || code > 299,
	}
	if e.CreatedAt != nil {
		d.DeliveredAt = *e.CreatedAt
	}
	return d
}

// ListWebhookDeliveries yields the events of webhook hook, as GitLab logs
// them for 7 days, 20 a page: this endpoint's per_page is 1..20, not the
// usual 1..100 (GitLab's openapi_v2.yaml: "minimum: 1, maximum: 20"; a
// larger value is refused with 400). GitLab does not retry a failed delivery
// (and disables a hook that keeps failing); this log and
// RedeliverWebhookDelivery are how to send one again. Failed keeps the
// events whose response_status is not a 2xx code ("internal error" when
// the receiver could not be reached); Since filters by created_at where
// the instance sends it, and keeps every event where it does not (more,
// never fewer). The token needs the Maintainer role, as for managing
// webhooks. GitLab before 17.3 answers 404.
//
// GitLab API docs: GET /projects/:id/hooks/:hook_id/events?page=&per_page=20
func (p *Provider) ListWebhookDeliveries(ctx context.Context, repo, hookID string, opts vcs.ListWebhookDeliveriesOptions) iter.Seq2[*vcs.WebhookDelivery, error] {
	const op = "ListWebhookDeliveries"
	id, err := projectID(op, repo)
	if err != nil {
		return vcs.FailedSeq[*vcs.WebhookDelivery](err)
	}
	n, err := parseHookID(op, hookID)
	if err != nil {
		return vcs.FailedSeq[*vcs.WebhookDelivery](err)
	}
	path := "projects/" + gl.PathEscape(id) + "/hooks/" + strconv.FormatInt(n, 10) + "/events"
	// Compare at whole seconds, so that a coarser created_at never leaves
	// out an event of the same second.
	since := opts.Since.Truncate(time.Second)
	return pager.Seq(ctx, func(ctx context.Context, cursor string) ([]*vcs.WebhookDelivery, string, error) {
		page := &gl.ListOptions{PerPage: hookEventsPerPage, Page: pageNumber(cursor)}
		req, err := p.client.NewRequest(http.MethodGet, path, page, []gl.RequestOptionFunc{reqCtx(ctx)})
		if err != nil {
			return nil, "", p.errs.FromError(op, err)
		}
		var events []hookEvent
		resp, err := p.client.Do(req, &events)
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.WebhookDelivery, 0, len(events))
		for i := range events {
			d := events[i].toVCS()
			if (opts.Failed && !d.Failed) || (!d.DeliveredAt.IsZero() && d.DeliveredAt.Before(since)) {
				continue
			}
			out = append(out, d)
		}
		return out, nextPage(resp), nil
	})
}

// RedeliverWebhookDelivery asks GitLab to resend event id of webhook hook
// (GitLab 17.4+), with the request headers it logged, Idempotency-Key
// included, so the receiver sees the same delivery ID. GitLab limits how
// often a hook's events may be resent (a 429 then: try later; the limit's
// size is unconfirmed).
//
// GitLab API docs: POST /projects/:id/hooks/:hook_id/events/:hook_event_id/resend
func (p *Provider) RedeliverWebhookDelivery(ctx context.Context, repo, hookID, id string) error {
	const op = "RedeliverWebhookDelivery"
	pid, err := projectID(op, repo)
	if err != nil {
		return err
	}
	n, err := parseHookID(op, hookID)
	if err != nil {
		return err
	}
	ev, err := strconv.ParseInt(id, 10, 64)
	if err != nil || ev <= 0 {
		return vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "webhook event ID %q is not a GitLab hook event ID", id)
	}
	path := "projects/" + gl.PathEscape(pid) + "/hooks/" + strconv.FormatInt(n, 10) + "/events/" + strconv.FormatInt(ev, 10) + "/resend"
	req, err := p.client.NewRequest(http.MethodPost, path, nil, []gl.RequestOptionFunc{reqCtx(ctx)})
	if err != nil {
		return p.errs.FromError(op, err)
	}
	resp, err := p.client.Do(req, nil)
	return p.fail(op, resp, err)
}
