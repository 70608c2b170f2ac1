package githubtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
)

// SignDelivery makes r a delivery of event ("pull_request", "push", …)
// with body, as GitHub sends one for a webhook with secret: the
// X-GitHub-Event and X-GitHub-Delivery headers (the ID derived from the
// body) and, when secret is not empty, X-Hub-Signature-256 and the older
// X-Hub-Signature. Use it to test a webhook handler with payloads of your
// own; the fake signs its own deliveries the same way.
func SignDelivery(r *http.Request, event string, body []byte, secret string) {
	sum := sha256.Sum256(body)
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("User-Agent", "GitHub-Hookshot/fake")
	r.Header.Set("X-GitHub-Event", event)
	r.Header.Set("X-GitHub-Delivery", fmt.Sprintf("%x-%x-4%x-8%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
	if secret == "" {
		return
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	r.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(m.Sum(nil)))
	m1 := hmac.New(sha1.New, []byte(secret))
	m1.Write(body)
	r.Header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m1.Sum(nil)))
}
