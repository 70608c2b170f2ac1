package gitlabtest

import (
	"net/http"
	"time"
)

// The methods below are the clock, transport and webhook outbox every fake
// host shares (internal/fakehttp.Host), spelled out so that go doc shows
// them.

// Client returns an HTTP client whose requests the fake answers, without
// a network.
func (s *Server) Client() *http.Client { return s.kit.Client() }

// ServeHTTP serves the fake's API as a plain http.Handler, for
// httptest.NewServer.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.kit.ServeHTTP(w, r) }

// Now returns the fake's current time.
func (s *Server) Now() time.Time { return s.kit.Now() }

// Advance moves the fake's clock forward (tokens expire by it).
func (s *Server) Advance(d time.Duration) { s.kit.Advance(d) }

// StopClock stops the fake's clock at t; it then moves only with Advance.
func (s *Server) StopClock(t time.Time) { s.kit.StopClock(t) }

// SetLatency delays every answer by d, to model a distant host.
func (s *Server) SetLatency(d time.Duration) { s.kit.SetLatency(d) }

// Requests returns how many API requests the fake answered.
func (s *Server) Requests() int64 { return s.kit.Requests() }

// RequestLog returns the requests the fake answered as "METHOD
// escaped-path?query" lines, oldest first.
func (s *Server) RequestLog() []string { return s.kit.RequestLog() }

// MaxInFlight returns the most requests that were in flight at once.
func (s *Server) MaxInFlight() int64 { return s.kit.MaxInFlight() }

// SetWebhookClient makes the fake POST its webhook deliveries with c (for
// instance a client whose transport serves the server under test).
// Without one (nil), deliveries are only recorded (see Deliveries).
func (s *Server) SetWebhookClient(c *http.Client) { s.kit.SetWebhookClient(c) }

// Deliveries returns every webhook delivery made so far, oldest first.
// Each call returns new copies with fresh bodies (and GetBody set), so a
// delivery can be read, served or sent again.
func (s *Server) Deliveries() []*http.Request { return s.kit.Deliveries() }

// DeliveryErrors returns the failures of deliveries sent with the webhook
// client (transport errors and answers of 300 or more).
func (s *Server) DeliveryErrors() []error { return s.kit.DeliveryErrors() }

// SetPageSize caps every page of every list at n items, whatever the
// client asks for, so that small lists take several pages; 0 restores the
// host's own cap.
func (s *Server) SetPageSize(n int) { s.kit.SetPageSize(n) }
