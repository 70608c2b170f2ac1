package bitbuckettest

import (
	"net/http"

	"github.com/gitprovider/gitprovider/internal/signature"
)

// SignDelivery makes r a delivery of event (an event key such as
// "pullrequest:fulfilled" or "repo:push") with body, as Bitbucket Cloud
// sends one for a webhook with secret: X-Event-Key, X-Request-UUID (derived
// from the body), X-Hook-UUID, X-Attempt-Number and, when secret is not
// empty, X-Hub-Signature: sha256=HEX. Use it to test a webhook handler
// with payloads of your own.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
	r.Header.Set("X-Event-Key", event)
	r.Header.Set("X-Request-UUID", signature.DeliveryUUID(body))
	r.Header.Set("X-Hook-UUID", "0b7e2e4a-4f3d-4d4b-9b1e-1d2c3b4a5f60")
	r.Header.Set("X-Attempt-Number", "1")
	if secret == "" {
		return
	}
	r.Header.Set("X-Hub-Signature", "sha256="+signature.HMACSHA256Hex(secret, body))
}
