package fakehttp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// echo answers with the method, path and body it got, reading the body
// twice to show the fake serves a re-readable copy.
func echo(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Host", r.Host)
	_, _ = io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(b))
}

func TestServerServesOnlyItsHosts(t *testing.T) {
	s := NewServer(http.HandlerFunc(echo), "API.example.test")
	c := s.Client()
	resp, err := c.Post("https://api.example.test/repos", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "POST /repos hello" || resp.ContentLength != int64(len(body)) || resp.Request == nil {
		t.Errorf("answer %q (length %d, request %v)", body, resp.ContentLength, resp.Request)
	}
	if _, err := c.Get("https://other.example.test/"); err == nil || !strings.Contains(err.Error(), "no such host") {
		t.Errorf("unknown host: %v, want a lookup failure", err)
	}
	s.AddHost("other.example.test")
	if resp, err := c.Get("https://other.example.test/x?a=1"); err != nil {
		t.Errorf("added host: %v", err)
	} else {
		resp.Body.Close()
	}
	if s.Requests() != 2 {
		t.Errorf("Requests() = %d, want 2 (the unknown host is not counted)", s.Requests())
	}
	if got := s.Log(); !slices.Equal(got, []string{"POST /repos", "GET /x?a=1"}) {
		t.Errorf("Log() = %q", got)
	}

	// As a plain handler (httptest).
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("PUT", "/y", strings.NewReader("b")))
	if rec.Body.String() != "PUT /y b" || s.Requests() != 3 {
		t.Errorf("ServeHTTP: %q, %d requests", rec.Body, s.Requests())
	}
}

func TestLatencyEndsWithTheContext(t *testing.T) {
	s := NewServer(http.HandlerFunc(echo), "api.example.test")
	s.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", "https://api.example.test/", nil)
	if _, err := s.Client().Do(req); !errors.Is(err, context.Canceled) {
		t.Errorf("request during an hour of latency, context cancelled: %v", err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("ServeHTTP with a cancelled context: %d", rec.Code)
	}
	if s.Requests() != 0 {
		t.Errorf("%d requests served", s.Requests())
	}
}

func TestMaxInFlight(t *testing.T) {
	const n = 5
	arrived := make(chan struct{}, n)
	release := make(chan struct{})
	s := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
	}), "api.example.test")
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if resp, err := s.Client().Get("https://api.example.test/"); err == nil {
				resp.Body.Close()
			}
		}()
	}
	for range n {
		<-arrived
	}
	close(release)
	wg.Wait()
	if s.MaxInFlight() != n {
		t.Errorf("MaxInFlight() = %d", s.MaxInFlight())
	}
}

func TestJSONHelpers(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, http.StatusCreated, map[string]int{"id": 7})
	if rec.Code != 201 || rec.Header().Get("Content-Type") != "application/json; charset=utf-8" || rec.Body.String() != "{\"id\":7}\n" {
		t.Errorf("WriteJSON: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var v struct{ ID int }
	if err := ReadJSON(httptest.NewRequest("POST", "/", strings.NewReader(`{"id":9}`)), &v); err != nil || v.ID != 9 {
		t.Errorf("ReadJSON: %v %v", v, err)
	}
	if err := ReadJSON(httptest.NewRequest("POST", "/", strings.NewReader(`{`)), &v); err == nil {
		t.Error("ReadJSON accepted broken JSON")
	}
}

func TestPaging(t *testing.T) {
	for _, tc := range []struct {
		query     string
		page, per int
	}{
		{"", 1, 30},
		{"page=3&per_page=10", 3, 10},
		{"page=0&per_page=0", 1, 30},
		{"page=-2&per_page=1000", 1, 100},
		{"page=x&per_page=y", 1, 30},
	} {
		page, per := PageParams(httptest.NewRequest("GET", "/?"+tc.query, nil), "per_page", 30, 100)
		if page != tc.page || per != tc.per {
			t.Errorf("PageParams(%q) = %d, %d; want %d, %d", tc.query, page, per, tc.page, tc.per)
		}
	}
	for _, tc := range []struct{ page, per, total, start, end int }{
		{1, 10, 25, 0, 10}, {3, 10, 25, 20, 25}, {4, 10, 25, 25, 25}, {1, 10, 0, 0, 0},
	} {
		if s, e := Bounds(tc.page, tc.per, tc.total); s != tc.start || e != tc.end {
			t.Errorf("Bounds(%d, %d, %d) = %d, %d; want %d, %d", tc.page, tc.per, tc.total, s, e, tc.start, tc.end)
		}
	}

	base, _ := url.Parse("https://api.example.test")
	link := func(page, per, total int) string {
		rec := httptest.NewRecorder()
		SetLinkHeader(rec, httptest.NewRequest("GET", "/repos/a%2Fb/items?per_page=10&state=all", nil), base, page, per, total)
		return rec.Header().Get("Link")
	}
	first := link(1, 10, 25)
	for _, want := range []string{
		`<https://api.example.test/repos/a%2Fb/items?page=2&per_page=10&state=all>; rel="next"`,
		`<https://api.example.test/repos/a%2Fb/items?page=3&per_page=10&state=all>; rel="last"`,
	} {
		if !strings.Contains(first, want) {
			t.Errorf("page 1 Link %q lacks %q", first, want)
		}
	}
	if strings.Contains(first, `rel="prev"`) {
		t.Errorf("page 1 has a prev link: %q", first)
	}
	last := link(3, 10, 25)
	if strings.Contains(last, `rel="next"`) || !strings.Contains(last, `page=2&per_page=10&state=all>; rel="prev"`) || !strings.Contains(last, `rel="first"`) {
		t.Errorf("last page Link %q", last)
	}
	if got := link(1, 10, 5); got != "" {
		t.Errorf("a single page has a Link header: %q", got)
	}
}

func TestClock(t *testing.T) {
	var c Clock
	if d := time.Since(c.Now()); d < -time.Minute || d > time.Minute {
		t.Errorf("a new Clock is %v away from the real time", d)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Advance(time.Hour)
	c.Set(at)
	if !c.Now().Equal(at) {
		t.Errorf("after Set: %v", c.Now())
	}
	c.Advance(90 * time.Minute)
	if !c.Now().Equal(at.Add(90 * time.Minute)) {
		t.Errorf("after Advance: %v", c.Now())
	}
}

func TestOutbox(t *testing.T) {
	var (
		mu  sync.Mutex
		got []string
	)
	receiver := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Header.Get("X-Event")+" "+string(b))
		mu.Unlock()
		if r.URL.Path == "/broken" {
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}), "hooks.example.test")

	var h Host
	h.Serve(http.HandlerFunc(echo), "api.example.test")
	body := []byte(`{"action":"closed"}`)
	req, err := NewDelivery("https://hooks.example.test/hook", body, http.Header{"x-event": {"pull_request"}})
	if err != nil {
		t.Fatal(err)
	}
	if req.Header.Get("Content-Type") != "application/json" || req.GetBody == nil {
		t.Errorf("NewDelivery: headers %v, GetBody %v", req.Header, req.GetBody != nil)
	}

	// Without a client deliveries are only recorded, and rewound.
	out := h.Deliver(req, body)
	if b, _ := io.ReadAll(out.Body); string(b) != string(body) {
		t.Errorf("recorded delivery body %q", b)
	}
	if len(got) != 0 || len(h.Deliveries()) != 1 {
		t.Errorf("sent %v without a client; %d recorded", got, len(h.Deliveries()))
	}

	h.SetWebhookClient(receiver.Client())
	h.Deliver(req, body)
	broken, _ := NewDelivery("https://hooks.example.test/broken", body, nil)
	h.Deliver(broken, body)
	gone, _ := NewDelivery("https://nowhere.example.test/", body, nil)
	h.Deliver(gone, body)
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, []string{`pull_request {"action":"closed"}`, ` {"action":"closed"}`}) {
		t.Errorf("receiver got %q", got)
	}
	if errs := h.DeliveryErrors(); len(errs) != 2 || !strings.Contains(errs[0].Error(), "500") {
		t.Errorf("DeliveryErrors() = %v, want the 500 and the unknown host", errs)
	}
	if len(h.Deliveries()) != 4 {
		t.Errorf("%d deliveries recorded, want 4", len(h.Deliveries()))
	}
}

func TestHost(t *testing.T) {
	var h Host
	h.Serve(http.HandlerFunc(echo), "api.example.test")
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	h.StopClock(at)
	h.Advance(time.Minute)
	if !h.Now().Equal(at.Add(time.Minute)) {
		t.Errorf("Now() = %v", h.Now())
	}
	resp, err := h.Client().Get("https://api.example.test/a")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/b", nil))
	h.SetLatency(0)
	if h.Requests() != 2 || !slices.Equal(h.RequestLog(), []string{"GET /a", "GET /b"}) || h.MaxInFlight() != 1 {
		t.Errorf("Requests %d, log %q, max in flight %d", h.Requests(), h.RequestLog(), h.MaxInFlight())
	}
}
