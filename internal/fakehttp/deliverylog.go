package fakehttp

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"
)

// LoggedDelivery is one attempt of a fake host to deliver a webhook, as
// hosts with a delivery log (GitHub's recent deliveries, GitLab's webhook
// events) keep it.
type LoggedDelivery struct {
	// ID is the attempt's number in the host's log.
	ID int64
	// HookID is the webhook the attempt was for.
	HookID string
	// GUID identifies the delivery; its redeliveries carry the same.
	GUID string
	// Event and Action are the host's event and action names.
	Event, Action string
	// URL is where the attempt was sent.
	URL string
	// Header is the attempt's request headers.
	Header http.Header
	// Body is the attempt's payload.
	Body []byte
	// At is when the attempt was made, by the fake's clock.
	At time.Time
	// Redelivery is true for an attempt made by Resend.
	Redelivery bool
	// Outcome is what the receiver answered.
	Outcome Outcome
}

// deliveryLog keeps the attempts of a fake host, oldest first.
type deliveryLog struct {
	mu      sync.Mutex
	seq     int64
	entries []*LoggedDelivery
}

// SendLogged delivers req (see Deliver) and logs the attempt for hookID
// with its outcome. It returns a copy of the delivery with a fresh body.
func (h *Host) SendLogged(req *http.Request, body []byte, hookID, guid, event, action string) *http.Request {
	out, _ := h.sendLogged(req, body, &LoggedDelivery{HookID: hookID, GUID: guid, Event: event, Action: action}, false)
	return out
}

func (h *Host) sendLogged(req *http.Request, body []byte, d *LoggedDelivery, redelivery bool) (*http.Request, LoggedDelivery) {
	out, outcome := h.outbox.Send(req, body)
	e := *d
	e.URL, e.Header, e.Body = req.URL.String(), req.Header.Clone(), append([]byte(nil), body...)
	e.At, e.Redelivery, e.Outcome = h.Now(), redelivery, outcome
	h.log.mu.Lock()
	h.log.seq++
	e.ID = h.log.seq
	h.log.entries = append(h.log.entries, &e)
	h.log.mu.Unlock()
	return out, e
}

// LoggedDeliveries returns the attempts logged for hookID, newest first.
func (h *Host) LoggedDeliveries(hookID string) []LoggedDelivery {
	h.log.mu.Lock()
	defer h.log.mu.Unlock()
	var out []LoggedDelivery
	for _, e := range slices.Backward(h.log.entries) {
		if e.HookID == hookID {
			out = append(out, *e)
		}
	}
	return out
}

// ErrNoSuchDelivery is Resend's error for an attempt not in the log.
var ErrNoSuchDelivery = errors.New("no such delivery")

// Resend sends logged attempt id of hookID again, with the same URL,
// headers and body, and logs the new attempt as a redelivery.
func (h *Host) Resend(hookID string, id int64) (*http.Request, LoggedDelivery, error) {
	h.log.mu.Lock()
	var found *LoggedDelivery
	for _, e := range h.log.entries {
		if e.ID == id && e.HookID == hookID {
			found = e
		}
	}
	h.log.mu.Unlock()
	if found == nil {
		return nil, LoggedDelivery{}, ErrNoSuchDelivery
	}
	req, err := NewDelivery(found.URL, found.Body, found.Header)
	if err != nil {
		return nil, LoggedDelivery{}, err
	}
	out, logged := h.sendLogged(req, found.Body, found, true)
	return out, logged, nil
}
