package vcs_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

type scriptedLog struct {
	attempts    []*vcs.WebhookDelivery
	redelivered []string
	fail        error
}

func (l *scriptedLog) ListWebhookDeliveries(_ context.Context, _, _ string, opts vcs.ListWebhookDeliveriesOptions) iter.Seq2[*vcs.WebhookDelivery, error] {
	return func(yield func(*vcs.WebhookDelivery, error) bool) {
		for _, d := range l.attempts {
			if d.DeliveredAt.Before(opts.Since) {
				continue
			}
			if !yield(d, nil) {
				return
			}
		}
	}
}

func (l *scriptedLog) RedeliverWebhookDelivery(_ context.Context, _, _, id string) error {
	if l.fail != nil {
		return l.fail
	}
	l.redelivered = append(l.redelivered, id)
	return nil
}

func TestRedeliverFailed(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 12, m, 0, 0, time.UTC) }
	l := &scriptedLog{attempts: []*vcs.WebhookDelivery{
		{ID: "9", DeliveryID: "A", DeliveredAt: at(9)},                                // A's redelivery succeeded
		{ID: "8", DeliveryID: "B", Failed: true, StatusCode: 502, DeliveredAt: at(8)}, // B failed twice: the newest is sent
		{ID: "7", DeliveryID: "C", DeliveredAt: at(7)},                                // C arrived
		{ID: "6", DeliveryID: "", Failed: true, DeliveredAt: at(6)},                   // no delivery ID: by attempt
		{ID: "5", DeliveryID: "B", Failed: true, StatusCode: 0, DeliveredAt: at(5)},
		{ID: "4", DeliveryID: "A", Failed: true, StatusCode: 503, DeliveredAt: at(4)},
		{ID: "1", DeliveryID: "old", Failed: true, StatusCode: 503, DeliveredAt: at(1)}, // before since
	}}
	got, err := vcs.RedeliverFailed(context.Background(), l, "o/r", "1", at(2))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.redelivered, []string{"8", "6"}) || len(got) != 2 {
		t.Errorf("redelivered %v (%d returned), want attempts 8 and 6", l.redelivered, len(got))
	}
	boom := errors.New("429 too many resends")
	l2 := &scriptedLog{attempts: l.attempts, fail: boom}
	if _, err := vcs.RedeliverFailed(context.Background(), l2, "o/r", "1", at(2)); !errors.Is(err, boom) {
		t.Errorf("error %v, want the host's", err)
	}
}
