// Package signature verifies and produces webhook signatures: hex
// HMAC-SHA256 headers (GitHub, Bitbucket), plain shared secrets (GitLab
// X-Gitlab-Token, Azure DevOps Basic credentials) and Standard Webhooks
// signatures (GitLab 19+). Every comparison is constant-time.
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// HMACSHA256Hex returns hex(HMAC-SHA256(secret, body)).
func HMACSHA256Hex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Equal compares two secrets in constant time, whatever their lengths
// (both are hashed first, so the time does not leak the length either).
func Equal(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// VerifyHMACHex checks a header of the form prefix+hex(HMAC-SHA256(secret,
// body)), e.g. "sha256=…". An empty header is vcs.ErrMissingSignature.
func VerifyHMACHex(kind vcs.Kind, header, prefix, secret string, body []byte) error {
	if header == "" {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrMissingSignature, "the delivery has no signature header; set the webhook's secret on the host")
	}
	if secret == "" {
		return errNoSecret(kind)
	}
	got, ok := strings.CutPrefix(header, prefix)
	if !ok {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "signature header does not start with %q", prefix)
	}
	gotRaw, err := hex.DecodeString(strings.TrimSpace(got))
	if err != nil {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "signature is not hex")
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	if !hmac.Equal(gotRaw, m.Sum(nil)) {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "signature does not match the secret; check that the webhook's secret on the host equals the configured one")
	}
	return nil
}

// errNoSecret refuses to check a signature against an empty secret:
// anyone can compute an HMAC with an empty key.
func errNoSecret(kind vcs.Kind) error {
	return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "no webhook secret is configured to check the signature with")
}

// VerifySecret checks a plain shared secret sent in a header.
func VerifySecret(kind vcs.Kind, got, secret string) error {
	if got == "" {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrMissingSignature, "the delivery carries no secret; set the webhook's secret token on the host")
	}
	if secret == "" {
		return errNoSecret(kind)
	}
	if !Equal(got, secret) {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "the delivery's secret does not match the configured one")
	}
	return nil
}

// StandardWebhookKey decodes a Standard Webhooks key ("whsec_" + base64);
// a secret without the prefix is used as raw bytes.
func StandardWebhookKey(secret string) []byte {
	if b64, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(b64); err == nil {
			return key
		}
	}
	return []byte(secret)
}

// SignStandardWebhook returns the "v1,BASE64" signature of a Standard
// Webhooks delivery.
func SignStandardWebhook(secret, id string, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, StandardWebhookKey(secret))
	fmt.Fprintf(m, "%s.%d.", id, ts.Unix())
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifyStandardWebhook checks the webhook-id, webhook-timestamp and
// webhook-signature headers of a Standard Webhooks delivery. The signature
// header may hold several space-separated signatures (key rotation); one
// match is enough. The timestamp must be within tolerance of now, which
// stops replays of old deliveries.
func VerifyStandardWebhook(kind vcs.Kind, id, timestamp, signatures, secret string, body []byte, now time.Time, tolerance time.Duration) error {
	if signatures == "" {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrMissingSignature, "the delivery has no webhook-signature header")
	}
	if secret == "" {
		return errNoSecret(kind)
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if id == "" || err != nil {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "webhook-id or webhook-timestamp header is missing or malformed")
	}
	ts := time.Unix(secs, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "webhook-timestamp is %s away from now, beyond the %s tolerance (replayed delivery or clock skew)", d.Round(time.Second), tolerance)
	}
	want := SignStandardWebhook(secret, id, ts, body)
	for _, sig := range strings.Fields(signatures) {
		if hmac.Equal([]byte(sig), []byte(want)) {
			return nil
		}
	}
	return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "webhook-signature does not match the signing token")
}

// DeliveryUUID derives a UUID-shaped delivery ID from a body, so that the
// fakes give the same delivery the same ID every time it is signed (a
// replay keeps its ID, as a host's redelivery does).
func DeliveryUUID(body []byte) string {
	sum := sha256.Sum256(body)
	return fmt.Sprintf("%x-%x-4%x-8%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
}
