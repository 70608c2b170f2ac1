package githubtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/signature"
)

// SignDelivery makes r a delivery of event ("pull_request", "push", …)
// with body, as GitHub sends one for a webhook with secret: the
// X-GitHub-Event and X-GitHub-Delivery headers (the ID derived from the
// body) and, when secret is not empty, X-Hub-Signature-256 and the older
// X-Hub-Signature. Use it to test a webhook handler with payloads of your
// own; the fake signs its own deliveries the same way.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", signature.DeliveryUUID(body))
	if secret == "" {
		return
	}
	r.Header.Set("X-Hub-Signature-256", "sha256="+signature.HMACSHA256Hex(secret, body))
	m1 := hmac.New(sha1.New, []byte(secret))
	m1.Write(body)
	r.Header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m1.Sum(nil)))
}
