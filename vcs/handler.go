package vcs

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// DefaultMaxWebhookBytes is the default body limit of WebhookHandler:
// GitHub caps payloads at 25 MB, the largest of the hosts.
const DefaultMaxWebhookBytes = 25 << 20

// WebhookHandler is an http.Handler that receives one host's webhook
// deliveries: it limits the body, verifies it, parses it and calls OnEvent.
//
// It answers 200 when OnEvent returned nil (pings and events the library
// does not model included), 400 for a body that cannot be parsed, 401 for
// a missing or wrong signature, 405 for a method other than POST, 413 for
// a body over MaxBodyBytes and 500 when OnEvent failed, so that the host
// retries (503 with Retry-After when the error matches ErrInProgress: the
// same event is still being handled by an earlier delivery).
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
	// OnEvent is called with every verified event. Required.
	OnEvent func(ctx context.Context, ev *Event) error
	// OnError, when set, is told why a delivery was rejected.
	OnError func(r *http.Request, err error)
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
	if h.Parser == nil || h.OnEvent == nil {
		h.fail(w, r, http.StatusInternalServerError, Errorf("", "WebhookHandler", ErrInvalidConfig, "handler has no Parser or OnEvent"))
		return
	}
	ev, err := h.Read(r)
	if err != nil {
		h.fail(w, r, StatusForError(err), err)
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
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			// A limit the server put in front of the handler.
			return nil, Errorf("", "WebhookHandler", ErrTooLarge, "delivery exceeds the server's %d byte limit", mbe.Limit)
		}
		return nil, &Error{Op: "WebhookHandler", Kind: ErrInvalidPayload, Message: "reading the body failed", Err: err}
	}
	if int64(len(body)) > limit {
		return nil, Errorf("", "WebhookHandler", ErrTooLarge, "delivery exceeds the %d byte limit", limit)
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
	case errors.Is(err, ErrInProgress):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}
