package github_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

const testSecret = "It's a Secret to Everybody"

func signedRequest(t *testing.T, event string, body []byte, secret string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(github.HeaderEvent, event)
	r.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	if secret != "" {
		r.Header.Set(github.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
	}
	return r
}

func TestParseFixtures(t *testing.T) {
	vcstest.RunWebhookFixtures(t, github.NewParser(), "testdata", vcs.KindGitHub,
		func(r *http.Request, fx vcstest.WebhookFixture, body []byte, secret string) {
			r.Header.Set(github.HeaderEvent, fx.EventHeader)
			r.Header.Set(github.HeaderDelivery, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
			if secret != "" {
				r.Header.Set(github.HeaderSignature, "sha256="+signature.HMACSHA256Hex(secret, body))
			}
		})
}

func TestClosedUnmergedIsNotMerged(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-closed-unmerged.json")
	if err != nil {
		t.Fatal(err)
	}
	ev, err := github.NewParser().Parse(signedRequest(t, "pull_request", body, "").Header, body)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Merged || ev.Action != vcs.ActionClosed || ev.MergeCommitSHA != "" {
		t.Errorf("closed unmerged pull request parsed as %+v", ev)
	}
}

// The handler's answers are checked for every fixture by
// vcstest.RunWebhookFixtures; the parser itself tells a missing signature
// from a wrong one.
func TestVerifySentinels(t *testing.T) {
	body, err := os.ReadFile("testdata/pr-opened.json")
	if err != nil {
		t.Fatal(err)
	}
	err = github.NewParser().Verify(signedRequest(t, "pull_request", body, "").Header, body, testSecret)
	if !errors.Is(err, vcs.ErrMissingSignature) || !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("Verify of an unsigned delivery = %v, want ErrMissingSignature", err)
	}
	err = github.NewParser().Verify(signedRequest(t, "pull_request", body, "wrong").Header, body, testSecret)
	if errors.Is(err, vcs.ErrMissingSignature) || !errors.Is(err, vcs.ErrInvalidSignature) {
		t.Errorf("Verify of a wrongly signed delivery = %v, want ErrInvalidSignature only", err)
	}
}

func TestUnmodelledEvents(t *testing.T) {
	p := github.NewParser()
	body := []byte(`{"action":"labeled","number":7,"pull_request":{"number":7,"merged":false,"head":{"ref":"x","sha":"abc"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"}}`)
	ev, err := p.Parse(signedRequest(t, "pull_request", body, "").Header, body)
	if err != nil || ev.Kind != vcs.EventPullRequest || ev.Action != vcs.ActionOther || ev.HostAction != "labeled" {
		t.Errorf("labeled = %+v, %v; want pull_request/other", ev, err)
	}
	body = []byte(`{"action":"submitted","review":{},"repository":{"full_name":"o/r"}}`)
	ev, err = p.Parse(signedRequest(t, "pull_request_review", body, "").Header, body)
	if err != nil || ev.Kind != vcs.EventOther || ev.HostEvent != "pull_request_review" || ev.Repository != "o/r" {
		t.Errorf("review = %+v, %v; want other", ev, err)
	}
	body = []byte(`{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"x","sha":"abc"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"}}`)
	if ev, err = p.Parse(signedRequest(t, "pull_request", body, "").Header, body); err != nil || ev.Action != vcs.ActionUpdated {
		t.Errorf("synchronize = %+v, %v", ev, err)
	}
}

// Deliveries through a GitHub App carry installation, organization and
// enterprise objects; they change nothing in the event.
func TestParseIgnoresInstallationFields(t *testing.T) {
	p := github.NewParser()
	for _, tc := range []struct{ file, event string }{{"pr-opened.json", "pull_request"}, {"ping.json", "ping"}, {"push.json", "push"}} {
		body, err := os.ReadFile("testdata/" + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatal(err)
		}
		m["installation"] = map[string]any{"id": 2311213, "node_id": "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMjMxMTIxMw=="}
		m["enterprise"] = map[string]any{"id": 1, "slug": "acme"}
		withApp, _ := json.Marshal(m)
		plain, err := p.Parse(signedRequest(t, tc.event, body, "").Header, body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Parse(signedRequest(t, tc.event, withApp, "").Header, withApp)
		if err != nil {
			t.Fatalf("%s with installation fields: %v", tc.file, err)
		}
		got.Payload, plain.Payload = nil, nil
		if !reflect.DeepEqual(got, plain) {
			t.Errorf("%s: installation fields changed the event:\n got %+v\nwant %+v", tc.file, got, plain)
		}
	}
}

// Merged is closed and merged, nothing else: a merged flag on another
// action (an edit after the merge) is not a merge.
func TestParseMergedOnlyWhenClosed(t *testing.T) {
	p := github.NewParser()
	for _, tc := range []struct {
		action   string
		merged   bool
		want     vcs.Action
		isMerged bool
	}{
		{"closed", true, vcs.ActionMerged, true},
		{"closed", false, vcs.ActionClosed, false},
		{"edited", true, vcs.ActionUpdated, false},
		{"ready_for_review", false, vcs.ActionUpdated, false},
		{"converted_to_draft", false, vcs.ActionUpdated, false},
		{"labeled", true, vcs.ActionOther, false},
		{"reopened", false, vcs.ActionReopened, false},
		{"opened", false, vcs.ActionOpened, false},
		{"synchronize", false, vcs.ActionUpdated, false},
	} {
		body := []byte(`{"action":"` + tc.action + `","number":3,"pull_request":{"number":3,"merged":` + strconv.FormatBool(tc.merged) +
			`,"merge_commit_sha":"feedface","head":{"ref":"f","sha":"abc"},"base":{"ref":"main"}},"repository":{"full_name":"o/r"}}`)
		ev, err := p.Parse(signedRequest(t, "pull_request", body, "").Header, body)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Action != tc.want || ev.Merged != tc.isMerged || (ev.MergeCommitSHA != "") != tc.isMerged {
			t.Errorf("%s merged=%t = action %q merged %t merge commit %q; want %q, %t", tc.action, tc.merged, ev.Action, ev.Merged, ev.MergeCommitSHA, tc.want, tc.isMerged)
		}
	}
	ping, _ := os.ReadFile("testdata/ping.json")
	ev, err := p.Parse(signedRequest(t, "ping", ping, "").Header, ping)
	if err != nil || ev.Kind != vcs.EventPing || ev.DeliveryID == "" {
		t.Errorf("ping = %+v, %v", ev, err)
	}
	_, err = p.Parse(http.Header{}, ping)
	if !errors.Is(err, vcs.ErrInvalidPayload) {
		t.Errorf("delivery without X-GitHub-Event = %v, want ErrInvalidPayload", err)
	}
}

func FuzzParse(f *testing.F) {
	vcstest.FuzzWebhookParser(f, github.NewParser(), "testdata", vcs.KindGitHub, func(fx vcstest.WebhookFixture) http.Header {
		return http.Header{github.HeaderEvent: {fx.EventHeader}}
	})
}
