package vcs

import (
	"context"
	"iter"
	"time"
)

// WebhookDelivery is one attempt of a host to deliver a webhook, as the
// host's delivery log shows it (GitHub's recent deliveries, GitLab's
// webhook events).
type WebhookDelivery struct {
	// ID names the attempt in the host's log; pass it to
	// RedeliverWebhookDelivery.
	ID string `json:"id"`
	// DeliveryID identifies the delivery, the same for the delivery and
	// its redeliveries, and the same as the Event.DeliveryID the parser
	// reads from it (GitHub's X-GitHub-Delivery GUID; GitLab's
	// Idempotency-Key, or X-Gitlab-Event-UUID before GitLab sent one).
	DeliveryID string `json:"deliveryId,omitempty"`
	// Event is the host's event name ("pull_request",
	// "merge_request_hooks").
	Event string `json:"event,omitempty"`
	// Action is the host's action name, where the log tells (GitHub).
	Action string `json:"action,omitempty"`
	// StatusCode is the receiver's HTTP answer; 0 when it gave none
	// (unreachable, timed out).
	StatusCode int `json:"statusCode"`
	// Status is the host's own description of the outcome.
	Status string `json:"status,omitempty"`
	// Failed is true when the receiver did not answer 2xx.
	Failed bool `json:"failed"`
	// Redelivery is true for an attempt made on request, where the host
	// tells (GitHub).
	Redelivery bool `json:"redelivery"`
	// DeliveredAt is when the attempt was made.
	DeliveredAt time.Time `json:"deliveredAt"`
}

// ListWebhookDeliveriesOptions select the attempts ListWebhookDeliveries
// yields.
type ListWebhookDeliveriesOptions struct {
	// Since leaves out attempts made before it.
	Since time.Time
	// Failed keeps only failed attempts.
	Failed bool
}

// DeliveryLog is implemented by providers whose host keeps a log of a
// webhook's delivery attempts and can send one again on request: GitHub
// (the hook's recent deliveries, kept for a few days) and GitLab (the
// webhook's events of the last 7 days, GitLab 17.4 or later). Neither
// host retries a failed delivery by itself; RedeliverFailed does it on
// request.
type DeliveryLog interface {
	// ListWebhookDeliveries yields the attempts to deliver webhook
	// hookID of repo, newest first, following every page.
	ListWebhookDeliveries(ctx context.Context, repo, hookID string, opts ListWebhookDeliveriesOptions) iter.Seq2[*WebhookDelivery, error]
	// RedeliverWebhookDelivery asks the host to send attempt id (a
	// WebhookDelivery.ID) again, with the same payload and delivery ID.
	// The host sends it after answering: the outcome shows in the log.
	// Like every POST it is never retried.
	RedeliverWebhookDelivery(ctx context.Context, repo, hookID, id string) error
}

// RedeliverFailed asks the host to send again every delivery of webhook
// hookID since the given time that never succeeded: of the attempts that
// share a delivery ID, none answered 2xx. It redelivers the newest failed
// attempt of each such delivery once and returns those attempts. A
// delivery that a later redelivery already brought is left alone, so
// calling it again (from another replica, or after a crash) does not send
// a delivery twice once one attempt succeeded; the receiver's delivery
// store deduplicates the rest. The first error stops it (GitLab limits
// how often events may be resent: call it again later).
func RedeliverFailed(ctx context.Context, log DeliveryLog, repo, hookID string, since time.Time) ([]*WebhookDelivery, error) {
	type group struct {
		ok     bool
		newest *WebhookDelivery
	}
	groups := map[string]*group{}
	var order []string
	for d, err := range log.ListWebhookDeliveries(ctx, repo, hookID, ListWebhookDeliveriesOptions{Since: since}) {
		if err != nil {
			return nil, err
		}
		key := d.DeliveryID
		if key == "" {
			key = "attempt:" + d.ID
		}
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		if !d.Failed {
			g.ok = true
		} else if g.newest == nil || d.DeliveredAt.After(g.newest.DeliveredAt) {
			g.newest = d
		}
	}
	var done []*WebhookDelivery
	for _, key := range order {
		g := groups[key]
		if g.ok || g.newest == nil {
			continue
		}
		if err := log.RedeliverWebhookDelivery(ctx, repo, hookID, g.newest.ID); err != nil {
			return done, err
		}
		done = append(done, g.newest)
	}
	return done, nil
}
