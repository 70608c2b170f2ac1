package gitlabtest

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gitprovider/gitprovider/internal/signature"
)

// SignDelivery makes r a delivery of event ("Merge Request Hook", "Push
// Hook", …) with body, as GitLab sends one for a webhook whose secret
// token is secret: X-Gitlab-Event, X-Gitlab-Event-UUID and
// Idempotency-Key (derived from the body) and, when secret is not empty,
// X-Gitlab-Token. SignDeliveryWith adds GitLab 19's signature. Use them
// to test a webhook handler with payloads of your own.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	id := signature.DeliveryUUID(body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitLab/"+Version)
	r.Header.Set("X-Gitlab-Event", event)
	r.Header.Set("X-Gitlab-Event-UUID", id)
	r.Header.Set("Idempotency-Key", id)
	if secret != "" {
		r.Header.Set("X-Gitlab-Token", secret)
	}
}

// SignDeliveryWith is SignDelivery plus the Standard Webhooks headers
// GitLab 19+ sends for a webhook with a signing token ("whsec_…"):
// webhook-id, webhook-timestamp (at) and webhook-signature.
func SignDeliveryWith(r *http.Request, event string, body []byte, secret, signingToken string, at time.Time) {
	SignDelivery(r, event, body, secret)
	id := r.Header.Get("Idempotency-Key")
	r.Header.Set("webhook-id", id)
	r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("webhook-signature", signature.SignStandardWebhook(signingToken, id, at, body))
}
