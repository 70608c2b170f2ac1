package fakehttp

import (
	"net/http"
	"sync/atomic"
	"time"
)

// Host is what every fake host has in common: a clock, the server that
// answers its API without a network, and an outbox for webhook
// deliveries. The fakes (githubtest.Server and its siblings) embed it, so
// these methods are theirs and behave the same on every host.
type Host struct {
	clock    Clock
	server   *Server
	outbox   Outbox
	log      deliveryLog
	pageSize atomic.Int64
}

// Serve makes h answer the fake's API hosts ("host[:port]"). A fake calls
// it once, from its constructor.
func (h *Host) Serve(handler http.Handler, hosts ...string) {
	h.server = NewServer(handler, hosts...)
}

// Client returns an HTTP client whose requests the fake answers, without a
// network.
func (h *Host) Client() *http.Client { return h.server.Client() }

// ServeHTTP serves the fake's API as a plain http.Handler, for
// httptest.NewServer.
func (h *Host) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.server.ServeHTTP(w, r) }

// Now returns the fake's current time.
func (h *Host) Now() time.Time { return h.clock.Now() }

// Advance moves the fake's clock forward (tokens expire by it).
func (h *Host) Advance(d time.Duration) { h.clock.Advance(d) }

// StopClock stops the fake's clock at t; it then moves only with Advance.
func (h *Host) StopClock(t time.Time) { h.clock.Set(t) }

// SetLatency delays every answer by d, to model a distant host.
func (h *Host) SetLatency(d time.Duration) { h.server.SetLatency(d) }

// Requests returns how many API requests the fake answered.
func (h *Host) Requests() int64 { return h.server.Requests() }

// RequestLog returns the requests the fake answered as "METHOD
// escaped-path?query" lines, oldest first: the last MaxLog of them.
func (h *Host) RequestLog() []string { return h.server.Log() }

// MaxInFlight returns the most requests that were in flight at once.
func (h *Host) MaxInFlight() int64 { return h.server.MaxInFlight() }

// SetWebhookClient makes the fake POST webhook deliveries with c. Without
// one, deliveries are only recorded (see Deliveries).
func (h *Host) SetWebhookClient(c *http.Client) { h.outbox.SetClient(c) }

// Deliveries returns every webhook delivery made so far.
func (h *Host) Deliveries() []*http.Request { return h.outbox.Sent() }

// DeliveryErrors returns the failures of deliveries sent with the webhook
// client.
func (h *Host) DeliveryErrors() []error { return h.outbox.Errors() }

// Deliver records a webhook delivery and sends it when a webhook client is
// set; fakes call it for every delivery they make.
func (h *Host) Deliver(req *http.Request, body []byte) *http.Request {
	return h.outbox.Deliver(req, body)
}

// DeliveryCount returns how many deliveries were made so far; with
// DeliveriesSince it collects the deliveries of one action.
func (h *Host) DeliveryCount() int { return h.outbox.Len() }

// DeliveriesSince returns the deliveries made after the first n.
func (h *Host) DeliveriesSince(n int) []*http.Request { return h.outbox.Since(n) }

// SetPageSize caps every page of every list at n items, whatever the
// client asks for, so that small lists take several pages; 0 restores the
// host's own cap.
func (h *Host) SetPageSize(n int) { h.pageSize.Store(int64(max(n, 0))) }

// PageCap returns per capped by SetPageSize; fakes apply it after the
// host's own limit.
func (h *Host) PageCap(per int) int {
	if n := h.pageSize.Load(); n > 0 && int64(per) > n {
		return int(n)
	}
	return per
}
