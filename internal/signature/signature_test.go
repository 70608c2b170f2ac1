package signature

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

func TestVerifyHMACHex(t *testing.T) {
	body := []byte(`{"a":1}`)
	good := "sha256=" + HMACSHA256Hex("s3cret", body)
	if err := VerifyHMACHex("x", good, "sha256=", "s3cret", body); err != nil {
		t.Errorf("good signature: %v", err)
	}
	for name, tc := range map[string]struct {
		header string
		want   error
	}{
		"missing":   {"", vcs.ErrMissingSignature},
		"prefix":    {"sha1=" + HMACSHA256Hex("s3cret", body), vcs.ErrInvalidSignature},
		"not hex":   {"sha256=zz", vcs.ErrInvalidSignature},
		"other key": {"sha256=" + HMACSHA256Hex("other", body), vcs.ErrInvalidSignature},
	} {
		err := VerifyHMACHex("x", tc.header, "sha256=", "s3cret", body)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	if err := VerifyHMACHex("x", good, "sha256=", "s3cret", []byte(`{"a":2}`)); !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("tampered body: %v", err)
	}
}

func TestVerifySecret(t *testing.T) {
	if err := VerifySecret("x", "tok", "tok"); err != nil {
		t.Error(err)
	}
	if err := VerifySecret("x", "", "tok"); !errors.Is(err, vcs.ErrMissingSignature) {
		t.Errorf("empty: %v", err)
	}
	if err := VerifySecret("x", "tok2", "tok"); !errors.Is(err, vcs.ErrInvalidSignature) || errors.Is(err, vcs.ErrMissingSignature) {
		t.Errorf("mismatch: %v", err)
	}
}

func TestStandardWebhooks(t *testing.T) {
	// The example from the Standard Webhooks specification.
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	id, body := "msg_p5jXN8AQM9LWM0D4loKWxJek", []byte(`{"test": 2432232314}`)
	ts := time.Unix(1614265330, 0)
	sig := SignStandardWebhook(secret, id, ts, body)
	if sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("signature %q does not match the specification's example", sig)
	}
	if err := VerifyStandardWebhook("gitlab", id, "1614265330", "v1,bogus "+sig, secret, body, ts.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("valid: %v", err)
	}
	if err := VerifyStandardWebhook("gitlab", id, "1614265330", sig, secret, body, ts.Add(time.Hour), 5*time.Minute); !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("replayed an hour later: %v", err)
	}
	if err := VerifyStandardWebhook("gitlab", id, "1614265330", sig, secret, append(body, ' '), ts, 5*time.Minute); !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("tampered: %v", err)
	}
	if err := VerifyStandardWebhook("gitlab", id, "1614265330", "", secret, body, ts, 5*time.Minute); !errors.Is(err, vcs.ErrMissingSignature) {
		t.Errorf("unsigned: %v", err)
	}
	if key := StandardWebhookKey("whsec_" + base64.StdEncoding.EncodeToString([]byte("k"))); string(key) != "k" {
		t.Errorf("key = %q", key)
	}
}

// TestEmptySecretNeverVerifies: an HMAC with an empty key is one anyone
// can compute, and an empty shared secret matches nothing.
func TestEmptySecretNeverVerifies(t *testing.T) {
	body := []byte(`{}`)
	ts := time.Unix(1614265330, 0)
	for name, err := range map[string]error{
		"hmac":              VerifyHMACHex("x", "sha256="+HMACSHA256Hex("", body), "sha256=", "", body),
		"shared secret":     VerifySecret("x", "anything", ""),
		"standard webhooks": VerifyStandardWebhook("x", "id", "1614265330", SignStandardWebhook("", "id", ts, body), "", body, ts, time.Minute),
	} {
		if !errors.Is(err, vcs.ErrInvalidSignature) || errors.Is(err, vcs.ErrMissingSignature) {
			t.Errorf("%s with an empty secret: %v, want ErrInvalidSignature", name, err)
		}
	}
}

func TestStandardWebhooksHeaders(t *testing.T) {
	secret, body := "plain-secret", []byte(`{}`)
	ts := time.Unix(1_700_000_000, 0)
	sig := SignStandardWebhook(secret, "id1", ts, body)
	for name, tc := range map[string]struct {
		id, timestamp string
		now           time.Time
		ok            bool
	}{
		"valid, raw key":          {"id1", "1700000000", ts, true},
		"timestamp in the future": {"id1", "1700000000", ts.Add(-10 * time.Minute), false},
		"at the tolerance":        {"id1", "1700000000", ts.Add(5 * time.Minute), true},
		"no id":                   {"", "1700000000", ts, false},
		"timestamp not a number":  {"id1", "soon", ts, false},
		"another id":              {"id2", "1700000000", ts, false},
	} {
		err := VerifyStandardWebhook("gitlab", tc.id, tc.timestamp, sig, secret, body, tc.now, 5*time.Minute)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, vcs.ErrInvalidSignature)) {
			t.Errorf("%s: %v, want ok=%t", name, err, tc.ok)
		}
	}
	// A whsec_ secret that is not base64 is used as it is.
	if key := StandardWebhookKey("whsec_!!!"); string(key) != "whsec_!!!" {
		t.Errorf("key = %q", key)
	}
	if !Equal("a", "a") || Equal("a", "ab") || Equal("", "a") {
		t.Error("Equal")
	}
}
