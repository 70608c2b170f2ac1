package bitbuckettest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
)

// SignDelivery makes r a delivery of event (an event key such as
// "pullrequest:fulfilled" or "repo:push") with body, as Bitbucket Cloud
// sends one for a webhook with secret: X-Event-Key, X-Request-UUID (derived
// from the body), X-Hook-UUID, X-Attempt-Number and, when secret is not
// empty, X-Hub-Signature: sha256=HEX. Use it to test a webhook handler
// with payloads of your own.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	sum := sha256.Sum256(body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
	r.Header.Set("X-Event-Key", event)
	r.Header.Set("X-Request-UUID", fmt.Sprintf("%x-%x-4%x-8%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
	r.Header.Set("X-Hook-UUID", "0b7e2e4a-4f3d-4d4b-9b1e-1d2c3b4a5f60")
	r.Header.Set("X-Attempt-Number", "1")
	if secret == "" {
		return
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	r.Header.Set("X-Hub-Signature", "sha256="+hex.EncodeToString(m.Sum(nil)))
}
