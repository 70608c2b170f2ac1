package gitlab_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/gitlab"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const testSecret = "It's a Secret to Everybody"

// tokenHeaders are what GitLab before 19.0 sends: the secret in plain text.
func tokenHeaders(h http.Header, event, secret string) {
	h.Set(gitlab.HeaderEvent, event)
	h.Set(gitlab.HeaderEventUUID, "9cd4a6b7-2c1e-4b55-8d3f-7f0b1c2d3e4f")
	h.Set(gitlab.HeaderIdempotencyKey, "0b8a2f1e-5d47-4e1c-9a3b-6c5d4e3f2a10")
	if secret != "" {
		h.Set(gitlab.HeaderToken, secret)
	}
}

// signedHeaders are what GitLab 19+ sends for a hook with a signing token
// (here the one CreateWebhook derives from the secret).
func signedHeaders(h http.Header, event, secret string, body []byte, at time.Time) {
	const id = "0b8a2f1e-5d47-4e1c-9a3b-6c5d4e3f2a10"
	h.Set(gitlab.HeaderEvent, event)
	h.Set(gitlab.HeaderIdempotencyKey, id)
	h.Set(gitlab.HeaderWebhookID, id)
	h.Set(gitlab.HeaderWebhookTimestamp, strconv.FormatInt(at.Unix(), 10))
	if secret != "" {
		h.Set(gitlab.HeaderWebhookSignature, signature.SignStandardWebhook(gitlab.SigningToken(secret), id, at, body))
	}
}

func TestParseFixturesWithToken(t *testing.T) {
	vcstest.RunWebhookFixtures(t, gitlab.NewParser(), "testdata", vcs.KindGitLab,
		func(r *http.Request, fx vcstest.WebhookFixture, _ []byte, secret string) {
			tokenHeaders(r.Header, fx.EventHeader, secret)
		})
}

func TestParseFixturesWithSigningToken(t *testing.T) {
	vcstest.RunWebhookFixtures(t, gitlab.NewParser(), "testdata", vcs.KindGitLab,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			signedHeaders(r.Header, fx.EventHeader, secret, body, time.Now())
		})
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerify(t *testing.T) {
	body := readFixture(t, "mr-open.json")
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	p := &gitlab.Parser{Now: func() time.Time { return now }}
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	for _, tc := range []struct {
		name    string
		header  func(h http.Header)
		body    []byte
		secret  string
		parser  *gitlab.Parser
		wantErr error
	}{
		{"token", func(h http.Header) { tokenHeaders(h, "Merge Request Hook", testSecret) }, body, testSecret, p, nil},
		{"wrong token", func(h http.Header) { tokenHeaders(h, "Merge Request Hook", "nope") }, body, testSecret, p, vcs.ErrInvalidSignature},
		{"unsigned", func(h http.Header) { h.Set(gitlab.HeaderEvent, "Merge Request Hook") }, body, testSecret, p, vcs.ErrMissingSignature},
		{"signed", func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, now) }, body, testSecret, p, nil},
		{"signed, clock skew within tolerance", func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, now.Add(-4*time.Minute)) }, body, testSecret, p, nil},
		{"signed, replayed", func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, now.Add(-6*time.Minute)) }, body, testSecret, p, vcs.ErrInvalidSignature},
		{"signed, longer tolerance", func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, now.Add(-6*time.Minute)) }, body, testSecret,
			&gitlab.Parser{Now: p.Now, Tolerance: 10 * time.Minute}, nil},
		{"signed, tampered body", func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, now) }, append([]byte(" "), body...), testSecret, p, vcs.ErrInvalidSignature},
		{"signed, wrong secret", func(h http.Header) { signedHeaders(h, "Merge Request Hook", "other", body, now) }, body, testSecret, p, vcs.ErrInvalidSignature},
		{"signed with a whsec token given as the secret", func(h http.Header) { signedHeaders(h, "Merge Request Hook", whsec, body, now) }, body, whsec, p, nil},
		{"signature wins over a matching token", func(h http.Header) {
			signedHeaders(h, "Merge Request Hook", "other", body, now)
			h.Set(gitlab.HeaderToken, testSecret)
		}, body, testSecret, p, vcs.ErrInvalidSignature},
		{"token only, signature required", func(h http.Header) { tokenHeaders(h, "Merge Request Hook", testSecret) }, body, testSecret,
			&gitlab.Parser{Now: p.Now, RequireSignature: true}, vcs.ErrMissingSignature},
		{"no secret configured", func(h http.Header) { tokenHeaders(h, "Merge Request Hook", "") }, body, "", p, vcs.ErrInvalidSignature},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			tc.header(h)
			err := tc.parser.Verify(h, tc.body, tc.secret)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Verify = %v, want %v", err, tc.wantErr)
			}
			var ve *vcs.Error
			if !errors.As(err, &ve) {
				t.Errorf("%T is not a *vcs.Error", err)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("error reveals the secret: %v", err)
			}
		})
	}
}

func TestSigningToken(t *testing.T) {
	tok := gitlab.SigningToken("s3cret")
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tok, "whsec_"))
	if !strings.HasPrefix(tok, "whsec_") || err != nil || len(key) != 32 {
		t.Fatalf("SigningToken = %q: GitLab wants whsec_ and the base64 of 32 bytes", tok)
	}
	if gitlab.SigningToken("s3cret") != tok || gitlab.SigningToken("other") == tok {
		t.Error("SigningToken is not a deterministic function of the secret")
	}
	whsec := "whsec_" + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 32))
	if gitlab.SigningToken(whsec) != whsec {
		t.Error("a whsec_ signing token is not used as is")
	}
	if strings.Contains(tok, "s3cret") {
		t.Error("the signing token contains the secret")
	}
}

func parse(t *testing.T, header http.Header, body []byte) *vcs.Event {
	t.Helper()
	ev, err := gitlab.NewParser().Parse(header, body)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestParseMergeActions(t *testing.T) {
	base := string(readFixture(t, "mr-open.json"))
	for _, tc := range []struct {
		action string
		want   vcs.Action
		merged bool
	}{
		{"open", vcs.ActionOpened, false},
		{"update", vcs.ActionUpdated, false},
		{"close", vcs.ActionClosed, false},
		{"reopen", vcs.ActionReopened, false},
		{"merge", vcs.ActionMerged, true},
		{"approved", vcs.ActionOther, false},
		{"unapproval", vcs.ActionOther, false},
	} {
		body := strings.Replace(base, `"action": "open"`, `"action": "`+tc.action+`"`, 1)
		if tc.action == "merge" {
			body = strings.Replace(body, `"merge_commit_sha": null`, `"merge_commit_sha": "0123456789abcdef0123456789abcdef01234567"`, 1)
		}
		h := http.Header{}
		h.Set(gitlab.HeaderEvent, "Merge Request Hook")
		ev := parse(t, h, []byte(body))
		if ev.Kind != vcs.EventPullRequest || ev.Action != tc.want || ev.Merged != tc.merged || ev.HostAction != tc.action {
			t.Errorf("action %q parsed as kind %s action %s merged %t host action %q", tc.action, ev.Kind, ev.Action, ev.Merged, ev.HostAction)
		}
		if tc.merged && ev.MergeCommitSHA != "0123456789abcdef0123456789abcdef01234567" {
			t.Errorf("merge commit = %q", ev.MergeCommitSHA)
		}
		if ev.Title != "update readme" || ev.Author != "sytses" || !strings.HasSuffix(ev.WebURL, "/merge_requests/1") {
			t.Errorf("title/author/url = %q/%q/%q", ev.Title, ev.Author, ev.WebURL)
		}
	}
	if !strings.Contains(base, `"action": "open"`) {
		t.Fatal("fixture layout changed")
	}
}

func TestParseDeliveryID(t *testing.T) {
	body := readFixture(t, "push.json")
	h := http.Header{}
	h.Set(gitlab.HeaderEvent, "Push Hook")
	if ev := parse(t, h, body); ev.DeliveryID != "" {
		t.Errorf("DeliveryID = %q without headers", ev.DeliveryID)
	}
	// The signed webhook-id wins over the unsigned headers, so that a
	// replay with a new X-Gitlab-Event-UUID is the same delivery.
	h.Set(gitlab.HeaderEventUUID, "event-uuid")
	if ev := parse(t, h, body); ev.DeliveryID != "event-uuid" {
		t.Errorf("DeliveryID = %q, want X-Gitlab-Event-UUID", ev.DeliveryID)
	}
	h.Set(gitlab.HeaderIdempotencyKey, "idem")
	if ev := parse(t, h, body); ev.DeliveryID != "idem" {
		t.Errorf("DeliveryID = %q, want Idempotency-Key", ev.DeliveryID)
	}
	h.Set(gitlab.HeaderWebhookID, "wh-id")
	ev := parse(t, h, body)
	if ev.DeliveryID != "wh-id" {
		t.Errorf("DeliveryID = %q, want webhook-id", ev.DeliveryID)
	}
	if ev.Kind != vcs.EventPush || ev.TargetBranch != "master" || ev.HeadSHA != "2adc9465c4edfc33834e173fe89436a7cb899a1d" || ev.Author != "sytses" {
		t.Errorf("push = %+v", ev)
	}
}

func TestParseOtherHooks(t *testing.T) {
	for _, tc := range []struct {
		event, body string
		kind        vcs.EventKind
		number      int
	}{
		{"Note Hook", `{"object_kind":"note","user":{"username":"alice"},"project":{"path_with_namespace":"acme/platform/db"},
			"object_attributes":{"id":7,"note":"LGTM","noteable_type":"MergeRequest"},"merge_request":{"iid":4,"title":"t"}}`, vcs.EventOther, 4},
		{"Pipeline Hook", `{"object_kind":"pipeline","project":{"path_with_namespace":"acme/platform/db"},"object_attributes":{"id":1,"status":"success"}}`, vcs.EventOther, 0},
		{"Tag Push Hook", `{"object_kind":"tag_push","ref":"refs/tags/v1","after":"abc","project":{"path_with_namespace":"acme/platform/db"}}`, vcs.EventPush, 0},
		// System hooks send merge request events with the same payload.
		{"System Hook", `{"object_kind":"merge_request","project":{"path_with_namespace":"acme/platform/db"},
			"object_attributes":{"iid":9,"action":"merge","source_branch":"f","target_branch":"main","last_commit":{"id":"abc"}}}`, vcs.EventPullRequest, 9},
	} {
		h := http.Header{}
		h.Set(gitlab.HeaderEvent, tc.event)
		ev := parse(t, h, []byte(tc.body))
		if ev.Kind != tc.kind || ev.HostEvent != tc.event || ev.Repository != "acme/platform/db" || ev.Number != tc.number {
			t.Errorf("%s parsed as %+v", tc.event, ev)
		}
		if tc.kind == vcs.EventOther && ev.Action != "" {
			t.Errorf("%s has action %q", tc.event, ev.Action)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	h := http.Header{}
	h.Set(gitlab.HeaderEvent, "Merge Request Hook")
	for _, body := range []string{"not json", `[1,2]`, `{"object_kind":"merge_request","object_attributes":{}}`} {
		_, err := gitlab.NewParser().Parse(h, []byte(body))
		if !errors.Is(err, vcs.ErrInvalidPayload) {
			t.Errorf("Parse(%q) = %v, want ErrInvalidPayload", body, err)
		}
	}
	if _, err := gitlab.NewParser().Parse(http.Header{}, []byte(`{}`)); !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Errorf("a body with no event name parsed: %v", err)
	}
}

// TestWebhookHandler serves deliveries through vcs.WebhookHandler: a signed
// and a token delivery pass, an unsigned one and a tampered signed one
// are answered 401, garbage 400.
func TestWebhookHandler(t *testing.T) {
	body := readFixture(t, "mr-close.json")
	var got []*vcs.Event
	h := vcs.NewWebhookHandler(gitlab.NewParser(), testSecret, func(_ context.Context, ev *vcs.Event) error {
		got = append(got, ev)
		return nil
	})
	serve := func(b []byte, set func(http.Header)) int {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(b))
		set(r.Header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	if code := serve(body, func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, time.Now()) }); code != http.StatusOK {
		t.Errorf("signed delivery: %d", code)
	}
	if code := serve(body, func(h http.Header) { tokenHeaders(h, "Merge Request Hook", testSecret) }); code != http.StatusOK {
		t.Errorf("token delivery: %d", code)
	}
	if code := serve(body, func(h http.Header) { h.Set(gitlab.HeaderEvent, "Merge Request Hook") }); code != http.StatusUnauthorized {
		t.Errorf("unsigned delivery: %d, want 401", code)
	}
	tampered := bytes.Replace(body, []byte(`"close"`), []byte(`"merge"`), 1)
	if code := serve(tampered, func(h http.Header) { signedHeaders(h, "Merge Request Hook", testSecret, body, time.Now()) }); code != http.StatusUnauthorized {
		t.Errorf("tampered signed delivery: %d, want 401", code)
	}
	if code := serve([]byte("garbage"), func(h http.Header) { tokenHeaders(h, "Merge Request Hook", testSecret) }); code != http.StatusBadRequest {
		t.Errorf("garbage: %d, want 400", code)
	}
	if len(got) != 2 || got[0].Action != vcs.ActionClosed || got[0].Merged {
		t.Errorf("events = %+v", got)
	}
}

func FuzzParse(f *testing.F) {
	vcstest.FuzzWebhookParser(f, gitlab.NewParser(), "testdata", vcs.KindGitLab, func(fx vcstest.WebhookFixture) http.Header {
		return http.Header{gitlab.HeaderEvent: {fx.EventHeader}}
	})
}
