// Package fakehttp is the plumbing the fake hosts (githubtest, gitlabtest,
// bitbuckettest, azuredevopstest) share: serving an http.Handler through an
// httpmock transport, injected latency, request counting, JSON helpers,
// page/per_page pagination with Link headers, a settable clock and an
// outbox for webhook deliveries.
package fakehttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/gitprovider/gitprovider/internal/httpx"
)

// Server serves a fake host's handler to HTTP clients without a network.
type Server struct {
	handler http.Handler

	hostsMu sync.RWMutex
	hosts   map[string]bool

	latency     atomic.Int64
	requests    atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64

	transportOnce sync.Once
	transport     *httpmock.MockTransport

	logMu   sync.Mutex
	log     []string // a ring of the last MaxLog requests
	logNext int      // where the next entry goes once the ring is full
}

// MaxLog is how many requests a Server's log keeps: the newest, so that
// benchmarks at realistic sizes (thousands of requests) run in bounded
// memory.
const MaxLog = 4096

// NewServer serves h for requests to the given hosts ("host[:port]");
// requests to any other host fail as if the host did not resolve.
func NewServer(h http.Handler, hosts ...string) *Server {
	s := &Server{handler: h, hosts: map[string]bool{}}
	for _, host := range hosts {
		s.hosts[strings.ToLower(host)] = true
	}
	return s
}

// AddHost lets the server answer for one more host. It is safe to call
// while requests are served.
func (s *Server) AddHost(host string) {
	s.hostsMu.Lock()
	s.hosts[strings.ToLower(host)] = true
	s.hostsMu.Unlock()
}

func (s *Server) serves(host string) bool {
	s.hostsMu.RLock()
	defer s.hostsMu.RUnlock()
	return s.hosts[strings.ToLower(host)]
}

// SetLatency delays every answer by d, to model a distant host.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Requests returns how many requests the server answered.
func (s *Server) Requests() int64 { return s.requests.Load() }

// MaxInFlight returns the most requests that were in flight at once
// (waiting out the latency or being handled).
func (s *Server) MaxInFlight() int64 { return s.maxInFlight.Load() }

// Log returns the requests answered, as "METHOD escaped-path?query" lines,
// oldest first: the last MaxLog of them.
func (s *Server) Log() []string {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]string, 0, len(s.log))
	out = append(out, s.log[s.logNext:]...)
	return append(out, s.log[:s.logNext]...)
}

func (s *Server) record(r *http.Request) {
	s.requests.Add(1)
	line := r.Method + " " + r.URL.RequestURI()
	s.logMu.Lock()
	if len(s.log) < MaxLog {
		s.log = append(s.log, line)
	} else {
		s.log[s.logNext] = line
		s.logNext = (s.logNext + 1) % MaxLog
	}
	s.logMu.Unlock()
}

// Transport returns the httpmock transport that serves the fake.
func (s *Server) Transport() *httpmock.MockTransport {
	s.transportOnce.Do(func() {
		s.transport = httpmock.NewMockTransport()
		s.transport.RegisterNoResponder(s.respond)
	})
	return s.transport
}

// Client returns an *http.Client whose requests the fake answers.
func (s *Server) Client() *http.Client { return &http.Client{Transport: s.Transport()} }

// ServeHTTP serves the fake as a plain handler (for httptest.Server).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer s.enter()()
	if err := s.wait(r); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	s.record(r)
	serveObserved(s.handler, w, r)
}

// enter counts a request as in flight until the returned func is called.
func (s *Server) enter() (leave func()) {
	n := s.inFlight.Add(1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { s.inFlight.Add(-1) }
}

// wait applies the injected latency.
func (s *Server) wait(r *http.Request) error {
	return httpx.Sleep(r.Context(), time.Duration(s.latency.Load()))
}

func (s *Server) respond(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		// A RoundTripper closes the request body, whatever happens.
		defer req.Body.Close()
	}
	if !s.serves(req.URL.Host) {
		return nil, fmt.Errorf("fake host: dial tcp: lookup %s: no such host", req.URL.Hostname())
	}
	defer s.enter()()
	if err := s.wait(req); err != nil {
		return nil, err
	}
	s.record(req)
	// Serve a copy so the handler may read the body freely.
	r := req.Clone(req.Context())
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		reqBody = b
	} else {
		r.Body = http.NoBody // as a server's handler always has a body
	}
	r.RequestURI = req.URL.RequestURI()
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, r)
	observeExchange(req, reqBody, rec)
	resp := rec.Result()
	resp.Request = req
	resp.ContentLength = int64(rec.Body.Len())
	return resp, nil
}

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ReadJSON decodes the request body into v.
func ReadJSON(r *http.Request, v any) error {
	defer r.Body.Close()
	dec := json.NewDecoder(io.LimitReader(r.Body, 8<<20))
	return dec.Decode(v)
}

// Lazy is a list item rendered only when it is encoded: a fake that filters
// a long list and answers one page of it pays for the page, not the list.
type Lazy func() any

// MarshalJSON renders the item.
func (l Lazy) MarshalJSON() ([]byte, error) { return json.Marshal(l()) }

// PageParams reads page (1-based) and per_page, applying the default and
// the host's maximum.
func PageParams(r *http.Request, perName string, defPer, maxPer int) (page, per int) {
	q := r.URL.Query()
	page, _ = strconv.Atoi(q.Get("page"))
	if page < 1 {
		page = 1
	}
	per, _ = strconv.Atoi(q.Get(perName))
	if per < 1 {
		per = defPer
	}
	if per > maxPer {
		per = maxPer
	}
	return page, per
}

// Bounds returns the slice bounds of a page over total items.
func Bounds(page, per, total int) (start, end int) {
	start = min((page-1)*per, total)
	end = min(start+per, total)
	return start, end
}

// SetLinkHeader writes an RFC 8288 Link header with next/prev/first/last
// relations, as GitHub and GitLab do. base is the public URL of the
// request (scheme and host as the client sees them).
func SetLinkHeader(w http.ResponseWriter, r *http.Request, base *url.URL, page, per, total int) {
	last := max((total+per-1)/per, 1)
	link := func(p int, rel string) string {
		u := *base
		u.Path = r.URL.Path
		u.RawPath = r.URL.RawPath
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		u.RawQuery = q.Encode()
		return fmt.Sprintf("<%s>; rel=%q", u.String(), rel)
	}
	var parts []string
	if page < last {
		parts = append(parts, link(page+1, "next"), link(last, "last"))
	}
	if page > 1 {
		parts = append(parts, link(1, "first"), link(page-1, "prev"))
	}
	if len(parts) > 0 {
		w.Header().Set("Link", strings.Join(parts, ", "))
	}
}

// Clock is a settable clock shared by a fake host and the providers under
// test.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	fixed  time.Time
}

// Now returns the fake time: the real time moved by Advance, or the time
// given to Set.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.fixed.IsZero() {
		return c.fixed.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// Set stops the clock at t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.fixed, c.offset = t, 0
	c.mu.Unlock()
}

// Outbox records webhook deliveries a fake host makes and, when Client is
// set, sends them. It keeps each delivery's body, so a recorded delivery
// can be read, served or sent any number of times.
type Outbox struct {
	mu     sync.Mutex
	client *http.Client
	sent   []recorded
	errs   []error
}

type recorded struct {
	req  *http.Request
	body []byte
}

// fresh returns a copy of the delivery with a new body and GetBody set.
func (r recorded) fresh() *http.Request {
	c := r.req.Clone(r.req.Context())
	body := r.body
	c.Body = io.NopCloser(bytes.NewReader(body))
	c.ContentLength = int64(len(body))
	c.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return c
}

// SetClient makes the outbox send deliveries with c (nil: only record).
func (o *Outbox) SetClient(c *http.Client) {
	o.mu.Lock()
	o.client = c
	o.mu.Unlock()
}

// Deliver records req with body and sends it when a client is set. It
// returns a copy of the delivery with a fresh body, for the caller to
// read, serve or send.
func (o *Outbox) Deliver(req *http.Request, body []byte) *http.Request {
	r, _ := o.Send(req, body)
	return r
}

// Outcome is what became of a delivery: whether it was sent (a client
// is set), the receiver's status code (0 when it did not answer) and the
// failure, a transport error or an answer of 300 or more.
type Outcome struct {
	// Sent is true when a webhook client was set and the delivery was
	// sent with it.
	Sent bool
	// StatusCode is the receiver's answer, 0 when none.
	StatusCode int
	// Err is a transport error or an answer of 300 or more.
	Err error
	// Duration is how long the receiver took.
	Duration time.Duration
}

// Send is Deliver that also returns the delivery's outcome.
func (o *Outbox) Send(req *http.Request, body []byte) (*http.Request, Outcome) {
	observeDelivery(req, body)
	rec := recorded{req: req, body: append([]byte(nil), body...)}
	o.mu.Lock()
	client := o.client
	o.sent = append(o.sent, rec)
	o.mu.Unlock()
	var out Outcome
	if client != nil {
		out.Sent = true
		start := time.Now()
		resp, err := client.Do(rec.fresh())
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			out.StatusCode = resp.StatusCode
			if resp.StatusCode >= 300 {
				err = fmt.Errorf("webhook receiver answered %s", resp.Status)
			}
		}
		out.Duration, out.Err = time.Since(start), err
		if err != nil {
			o.mu.Lock()
			o.errs = append(o.errs, err)
			o.mu.Unlock()
		}
	}
	return rec.fresh(), out
}

// Sent returns the deliveries made so far, oldest first, each a copy
// with a fresh body.
func (o *Outbox) Sent() []*http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := make([]*http.Request, len(o.sent))
	for i, r := range o.sent {
		out[i] = r.fresh()
	}
	return out
}

// Len returns how many deliveries were made so far.
func (o *Outbox) Len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.sent)
}

// Since returns copies of the deliveries made after the first n.
func (o *Outbox) Since(n int) []*http.Request {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*http.Request
	for _, r := range o.sent[min(n, len(o.sent)):] {
		out = append(out, r.fresh())
	}
	return out
}

// Errors returns the failures of sent deliveries.
func (o *Outbox) Errors() []error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]error(nil), o.errs...)
}

// NewDelivery builds a POST of a JSON body to url with the given headers.
func NewDelivery(url string, body []byte, header http.Header) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[http.CanonicalHeaderKey(k)] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return req, nil
}
