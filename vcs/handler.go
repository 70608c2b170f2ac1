package vcs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// DefaultMaxWebhookBytes is the default body limit of WebhookHandler:
// GitHub caps payloads at 25 MB, the largest of the hosts.
const DefaultMaxWebhookBytes = 25 << 20

// DefaultMaxBufferedWebhookBytes is the default bound on the bytes one
// WebhookHandler holds for deliveries being read and verified at once:
// four deliveries of the largest size.
const DefaultMaxBufferedWebhookBytes = 4 * DefaultMaxWebhookBytes

// SignatureHeaderParser is implemented by a WebhookParser that can name the
// headers a signed delivery carries (a signature, a token or credentials).
// WebhookHandler refuses a delivery that carries none of them before it
// reads the body, so that unsigned posts cost no memory.
type SignatureHeaderParser interface {
	// SignatureHeaders returns the header names, any of which marks a
	// delivery as signed.
	SignatureHeaders() []string
}

// WebhookHandler is an http.Handler that receives one host's webhook
// deliveries: it limits the body, verifies it, parses it and calls OnEvent.
//
// It answers 200 when OnEvent returned nil (pings and events the library
// does not model included), 400 for a body that cannot be parsed, 401 for
// a missing or wrong signature, 405 for a method other than POST, 413 for
// a body over MaxBodyBytes, 503 when deliveries being read already hold
// MaxBufferedBytes, and 500 when OnEvent failed (503 with Retry-After
// when the error matches ErrInProgress: the same event is still being
// handled by an earlier delivery). A delivery without any of the
// parser's signature headers (see SignatureHeaderParser) is refused
// before its body is read.
//
// With a Store, the handler does not process events itself: it records
// each verified event (once per identity, see DedupeKey) and answers
// 200 within milliseconds, well inside GitHub's ten seconds; a Worker
// processes the recorded events, with retries. A delivery the store
// cannot record is answered 503 with Retry-After, never 2xx. Hosts do not
// all try again: GitHub and GitLab never redeliver a failed delivery by
// themselves, so record first and reconcile (see the README).
type WebhookHandler struct {
	// Parser verifies and parses deliveries. Required.
	Parser WebhookParser
	// Secret is the webhook's secret, as given to CreateWebhook.
	Secret string
	// AllowUnsigned accepts deliveries that carry no signature at all.
	// A delivery that carries a wrong signature is still rejected when
	// Secret is set. Leave it off unless the host cannot sign.
	AllowUnsigned bool
	// MaxBodyBytes limits the body; 0 means DefaultMaxWebhookBytes.
	MaxBodyBytes int64
	// MaxBufferedBytes bounds the bytes of all deliveries this handler
	// reads and verifies at once; a delivery that would go past it is
	// answered 503 (the hosts retry or let the delivery be redelivered).
	// 0 means DefaultMaxBufferedWebhookBytes.
	MaxBufferedBytes int64
	// OnEvent is called with every verified event. Required unless
	// Store is set.
	OnEvent func(ctx context.Context, ev *Event) error
	// Store, when set, records every verified event instead of calling
	// OnEvent; a Worker processes them.
	Store EventRecorder
	// OnError, when set, is told why a delivery was rejected.
	OnError func(r *http.Request, err error)

	buffered atomic.Int64 // bytes reserved by deliveries being read
}

// NewWebhookHandler returns a handler that verifies deliveries with secret.
func NewWebhookHandler(p WebhookParser, secret string, onEvent func(context.Context, *Event) error) *WebhookHandler {
	return &WebhookHandler{Parser: p, Secret: secret, OnEvent: onEvent}
}

// ServeHTTP implements http.Handler.
func (h *WebhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.fail(w, r, http.StatusMethodNotAllowed, Errorf("", "WebhookHandler", ErrInvalidArgument, "method %s not allowed", r.Method))
		return
	}
	if h.Parser == nil || (h.OnEvent == nil && h.Store == nil) {
		h.fail(w, r, http.StatusInternalServerError, Errorf("", "WebhookHandler", ErrInvalidConfig, "handler has no Parser, or neither OnEvent nor Store"))
		return
	}
	ev, err := h.Read(r)
	if err != nil {
		h.fail(w, r, StatusForError(err), err)
		return
	}
	if h.Store != nil {
		h.record(w, r, ev)
		return
	}
	if err := h.OnEvent(r.Context(), ev); err != nil {
		// The host shows answers in its delivery log: tell it to retry
		// without exposing the server's own error.
		if h.OnError != nil {
			h.OnError(r, err)
		}
		if errors.Is(err, ErrInProgress) {
			w.Header().Set("Retry-After", "30")
			http.Error(w, "the event is being processed by an earlier delivery; retry later", http.StatusServiceUnavailable)
			return
		}
		http.Error(w, "the event could not be processed; it will be retried", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "ok\n")
}

// record records ev in the store and acknowledges it: 200 once it is
// recorded (or was before), 503 when the store failed, so that the host,
// an operator's redelivery or the reconciliation sweep brings it again.
func (h *WebhookHandler) record(w http.ResponseWriter, r *http.Request, ev *Event) {
	recorded, err := h.Store.Record(r.Context(), ev)
	if err != nil {
		if h.OnError != nil {
			h.OnError(r, &Error{Provider: ev.Provider, Op: "WebhookHandler", Kind: ErrUnavailable, Message: "the event could not be recorded", Err: err})
		}
		w.Header().Set("Retry-After", "30")
		http.Error(w, "the event could not be recorded; deliver it again", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	if recorded {
		_, _ = io.WriteString(w, "recorded\n")
	} else {
		_, _ = io.WriteString(w, "already recorded\n")
	}
}

// Read reads, verifies and parses one delivery without answering it, for
// servers that route deliveries themselves; StatusForError gives the
// status code to answer a failure with. Read needs Parser, not OnEvent.
func (h *WebhookHandler) Read(r *http.Request) (*Event, error) {
	if h.Parser == nil {
		return nil, Errorf("", "WebhookHandler", ErrInvalidConfig, "handler has no Parser")
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxWebhookBytes
	}
	if r.ContentLength > limit {
		return nil, Errorf("", "WebhookHandler", ErrTooLarge, "delivery of %d bytes exceeds the %d byte limit", r.ContentLength, limit)
	}
	// Refuse what cannot be verified before reading a byte of it.
	if err := h.precheck(r.Header); err != nil {
		return nil, err
	}
	body, release, err := h.readBody(r, limit)
	defer release()
	if err != nil {
		return nil, err
	}
	if err := h.verify(r.Header, body); err != nil {
		return nil, err
	}
	ev, err := h.Parser.Parse(r.Header, body)
	if err == nil && ev == nil {
		err = Errorf("", "WebhookHandler", ErrInvalidPayload, "the parser returned no event")
	}
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// precheck refuses, from the headers alone, a delivery the handler would
// refuse after reading it: no secret configured (and unsigned deliveries
// not allowed), or none of the parser's signature headers present.
func (h *WebhookHandler) precheck(header http.Header) error {
	if h.AllowUnsigned {
		return nil
	}
	if h.Secret == "" {
		return Errorf("", "WebhookHandler", ErrInvalidSignature, "no secret configured and unsigned deliveries are not allowed")
	}
	sp, ok := h.Parser.(SignatureHeaderParser)
	if !ok {
		return nil
	}
	names := sp.SignatureHeaders()
	for _, n := range names {
		if header.Get(n) != "" {
			return nil
		}
	}
	return &Error{Op: "WebhookHandler", Kind: ErrMissingSignature,
		Message: "the delivery carries none of the headers " + strings.Join(names, ", "),
		Hint:    "set the webhook's secret on the host"}
}

// readChunk is how much readBody reserves and reads at a time when the
// body's length is not announced.
const readChunk = 64 << 10

// readBody reads at most limit bytes of the body, holding a reservation of
// h's buffer budget for them; release returns the reservation.
func (h *WebhookHandler) readBody(r *http.Request, limit int64) (body []byte, release func(), err error) {
	budget := h.MaxBufferedBytes
	if budget <= 0 {
		budget = DefaultMaxBufferedWebhookBytes
	}
	var reserved int64
	release = func() { h.buffered.Add(-reserved) }
	reserve := func(n int64) error {
		if h.buffered.Add(n) > budget {
			h.buffered.Add(-n)
			return &Error{Op: "WebhookHandler", Kind: ErrUnavailable,
				Message: fmt.Sprintf("deliveries being read hold the handler's %d byte budget", budget),
				Hint:    "the host retries later; raise MaxBufferedBytes if this happens under normal load"}
		}
		reserved += n
		return nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		// An announced length is reserved at once (and read no further).
		if err := reserve(r.ContentLength + 1); err != nil {
			return nil, release, err
		}
		buf.Grow(int(r.ContentLength) + 1)
	}
	for {
		if int64(buf.Len()) > limit {
			return nil, release, Errorf("", "WebhookHandler", ErrTooLarge, "delivery exceeds the %d byte limit", limit)
		}
		chunk := min(int64(readChunk), limit+1-int64(buf.Len()))
		if int64(buf.Len())+chunk > reserved {
			if err := reserve(int64(buf.Len()) + chunk - reserved); err != nil {
				return nil, release, err
			}
		}
		n, err := buf.ReadFrom(io.LimitReader(r.Body, chunk))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				// A limit the server put in front of the handler.
				return nil, release, Errorf("", "WebhookHandler", ErrTooLarge, "delivery exceeds the server's %d byte limit", mbe.Limit)
			}
			return nil, release, &Error{Op: "WebhookHandler", Kind: ErrInvalidPayload, Message: "reading the body failed", Err: err}
		}
		if n == 0 {
			return buf.Bytes(), release, nil
		}
	}
}

func (h *WebhookHandler) verify(header http.Header, body []byte) error {
	if h.Secret == "" {
		if h.AllowUnsigned {
			return nil
		}
		return Errorf("", "WebhookHandler", ErrInvalidSignature, "no secret configured and unsigned deliveries are not allowed")
	}
	err := h.Parser.Verify(header, body, h.Secret)
	if err != nil && h.AllowUnsigned && errors.Is(err, ErrMissingSignature) {
		return nil
	}
	return err
}

func (h *WebhookHandler) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	if h.OnError != nil {
		h.OnError(r, err)
	}
	// The error text is ours (no secrets); it helps whoever reads the
	// host's delivery log.
	http.Error(w, err.Error(), status)
}

// StatusForError maps a webhook error to the status code to answer with.
func StatusForError(err error) int {
	switch {
	case errors.Is(err, ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrInvalidSignature):
		return http.StatusUnauthorized
	case errors.Is(err, ErrInvalidPayload), errors.Is(err, ErrInvalidArgument):
		return http.StatusBadRequest
	case errors.Is(err, ErrInProgress), errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
