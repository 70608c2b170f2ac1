package fakehttp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
)

// Exchange is one request a fake answered, with its answer.
type Exchange struct {
	// Request is the request as the client sent it (its Body is consumed;
	// RequestBody holds what it carried).
	Request *http.Request
	// RequestBody is what the request carried.
	RequestBody []byte
	// Status is the fake's answer's status.
	Status int
	// Header is the answer's header.
	Header http.Header
	// Body is the answer's body.
	Body []byte
}

// An Observer sees every exchange a fake answers and every webhook
// delivery it makes. The API-description checks (internal/apispec)
// install one for a whole test binary.
type Observer interface {
	// Exchange sees one request a fake answered, after it answered.
	Exchange(Exchange)
	// Delivery sees one webhook delivery, before it is sent.
	Delivery(req *http.Request, body []byte)
}

var observer atomic.Pointer[Observer]

// SetObserver makes o see every exchange and delivery of every fake in this
// process from now on (nil: none); it returns the previous observer.
func SetObserver(o Observer) Observer {
	var prev *Observer
	if o == nil {
		prev = observer.Swap(nil)
	} else {
		prev = observer.Swap(&o)
	}
	if prev == nil {
		return nil
	}
	return *prev
}

func currentObserver() Observer {
	if p := observer.Load(); p != nil {
		return *p
	}
	return nil
}

func observeExchange(req *http.Request, body []byte, rec *httptest.ResponseRecorder) {
	if o := currentObserver(); o != nil {
		res := rec.Result()
		o.Exchange(Exchange{Request: req, RequestBody: body, Status: res.StatusCode, Header: res.Header.Clone(), Body: bytes.Clone(rec.Body.Bytes())})
	}
}

func observeDelivery(req *http.Request, body []byte) {
	if o := currentObserver(); o != nil {
		o.Delivery(req, body)
	}
}

// serveObserved serves r with h into w, showing the exchange to the
// observer when there is one.
func serveObserved(h http.Handler, w http.ResponseWriter, r *http.Request) {
	if currentObserver() == nil {
		h.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
	observeExchange(r, body, rec)
}
