package azuredevops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/vcs"
)

// fixture is one entry of testdata/index.json (copied from the shared
// fixtures with the expected parse results).
type fixture struct {
	File           string  `json:"file"`
	EventHeader    string  `json:"event_header"`
	Kind           string  `json:"kind"`
	Action         *string `json:"action"`
	Merged         bool    `json:"merged"`
	Repository     string  `json:"repository"`
	Number         *int    `json:"number"`
	SourceBranch   *string `json:"source_branch"`
	TargetBranch   *string `json:"target_branch"`
	HeadSHA        *string `json:"head_sha"`
	MergeCommitSHA *string `json:"merge_commit_sha"`
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatal("no fixtures")
	}
	return fs
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// basic signs a delivery the way a subscription made by CreateWebhook does.
func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

const testSecret = "s3cret-hook-value"

// summary is the comparable part of a vcs.Event.
type summary struct {
	Provider                   vcs.Kind
	Kind                       vcs.EventKind
	Action                     vcs.Action
	HostEvent                  string
	Repository                 string
	Number                     int
	Merged                     bool
	SourceBranch, TargetBranch string
	HeadSHA, MergeCommitSHA    string
}

func TestFixturesParse(t *testing.T) {
	p := azuredevops.NewParser()
	for _, fx := range loadFixtures(t) {
		t.Run(fx.File, func(t *testing.T) {
			body := readFixture(t, fx.File)
			h := basic(azuredevops.WebhookUsername, testSecret)
			// Through the shared handler: verify, then parse.
			var ev *vcs.Event
			handler := vcs.NewWebhookHandler(p, testSecret, func(_ context.Context, e *vcs.Event) error { ev = e; return nil })
			req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
			req.Header = h
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || ev == nil {
				t.Fatalf("handler answered %d: %s", rec.Code, rec.Body)
			}
			want := summary{
				Provider: vcs.KindAzureDevOps, Kind: vcs.EventKind(fx.Kind), HostEvent: fx.EventHeader,
				Repository: fx.Repository, Merged: fx.Merged, SourceBranch: str(fx.SourceBranch),
				TargetBranch: str(fx.TargetBranch), HeadSHA: str(fx.HeadSHA), MergeCommitSHA: str(fx.MergeCommitSHA),
			}
			if fx.Action != nil {
				want.Action = vcs.Action(*fx.Action)
			}
			if fx.Number != nil {
				want.Number = *fx.Number
			}
			got := summary{
				Provider: ev.Provider, Kind: ev.Kind, HostEvent: ev.HostEvent, Repository: ev.Repository,
				Merged: ev.Merged, SourceBranch: ev.SourceBranch, TargetBranch: ev.TargetBranch,
				HeadSHA: ev.HeadSHA, MergeCommitSHA: ev.MergeCommitSHA, Action: ev.Action, Number: ev.Number,
			}
			if got != want {
				t.Errorf("parsed\n %+v\nwant\n %+v", got, want)
			}
			var envelope struct{ ID string }
			_ = json.Unmarshal(body, &envelope)
			if ev.DeliveryID == "" || ev.DeliveryID != envelope.ID {
				t.Errorf("DeliveryID = %q, want the body's id %q", ev.DeliveryID, envelope.ID)
			}
			if !bytes.Equal(ev.Payload, body) {
				t.Error("Payload is not the raw body")
			}
		})
	}
}

func TestVerify(t *testing.T) {
	p := azuredevops.NewParser()
	body := readFixture(t, "pr-merged.json")
	cases := []struct {
		name   string
		header http.Header
		kind   error // nil: accepted
	}{
		{"basic", basic(azuredevops.WebhookUsername, testSecret), nil},
		{"basic with another user name", basic("someone", testSecret), nil},
		{"whole Authorization header", http.Header{"Authorization": {testSecret}}, nil},
		{"unsigned", http.Header{}, vcs.ErrMissingSignature},
		{"wrong password", basic(azuredevops.WebhookUsername, "wrong"), vcs.ErrInvalidSignature},
		{"no password", basic(azuredevops.WebhookUsername, ""), vcs.ErrInvalidSignature},
		{"bad base64", http.Header{"Authorization": {"Basic %%%"}}, vcs.ErrInvalidSignature},
		{"other header value", http.Header{"Authorization": {"Bearer " + testSecret + "x"}}, vcs.ErrInvalidSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := p.Verify(c.header, body, testSecret)
			switch {
			case c.kind == nil && err != nil:
				t.Fatalf("Verify: %v", err)
			case c.kind != nil && !errors.Is(err, c.kind):
				t.Fatalf("Verify = %v, want %v", err, c.kind)
			case err != nil && strings.Contains(err.Error(), testSecret):
				t.Errorf("error contains the secret: %v", err)
			}
		})
	}
	// A missing signature is not also a wrong one for AllowUnsigned, but a
	// wrong one is never taken for missing.
	if err := p.Verify(basic("u", "wrong"), body, testSecret); errors.Is(err, vcs.ErrMissingSignature) {
		t.Error("a wrong password matched ErrMissingSignature")
	}
}

// edit parses a fixture, changes it and returns the new body.
func edit(t *testing.T, name string, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(readFixture(t, name), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resource(m map[string]any) map[string]any { return m["resource"].(map[string]any) }

func TestParseStatuses(t *testing.T) {
	p := azuredevops.NewParser()
	cases := []struct {
		name   string
		body   []byte
		kind   vcs.EventKind
		action vcs.Action
		merged bool
	}{
		{"merged event of a merge that stopped at a conflict", edit(t, "pr-merged.json", func(m map[string]any) {
			resource(m)["status"] = "active"
			resource(m)["mergeStatus"] = "conflicts"
		}), vcs.EventPullRequest, vcs.ActionOther, false},
		{"merged event, completed but merge failed", edit(t, "pr-merged.json", func(m map[string]any) {
			resource(m)["mergeStatus"] = "failure"
		}), vcs.EventPullRequest, vcs.ActionOther, false},
		{"merged event without mergeStatus", edit(t, "pr-merged.json", func(m map[string]any) {
			delete(resource(m), "mergeStatus")
		}), vcs.EventPullRequest, vcs.ActionMerged, true},
		{"updated, abandoned", edit(t, "pr-created.json", func(m map[string]any) {
			m["eventType"] = "git.pullrequest.updated"
			resource(m)["status"] = "abandoned"
		}), vcs.EventPullRequest, vcs.ActionClosed, false},
		{"updated, active", edit(t, "pr-created.json", func(m map[string]any) {
			m["eventType"] = "git.pullrequest.updated"
		}), vcs.EventPullRequest, vcs.ActionUpdated, false},
		{"updated, completed (sent beside merged)", edit(t, "pr-merged.json", func(m map[string]any) {
			m["eventType"] = "git.pullrequest.updated"
		}), vcs.EventPullRequest, vcs.ActionOther, false},
		{"comment event", edit(t, "pr-created.json", func(m map[string]any) {
			m["eventType"] = "ms.vss-code.git-pullrequest-comment-event"
		}), vcs.EventOther, "", false},
		{"build event", []byte(`{"id":"1","eventType":"build.complete","resource":{"id":7}}`), vcs.EventOther, "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev, err := p.Parse(nil, c.body)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if ev.Kind != c.kind || ev.Action != c.action || ev.Merged != c.merged {
				t.Errorf("event kind/action/merged = %s/%s/%t, want %s/%s/%t", ev.Kind, ev.Action, ev.Merged, c.kind, c.action, c.merged)
			}
			if !c.merged && ev.MergeCommitSHA != "" {
				t.Errorf("MergeCommitSHA %q set on an event that is not a merge", ev.MergeCommitSHA)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	p := azuredevops.NewParser()
	for name, body := range map[string]string{
		"not json":       "<html>",
		"no eventType":   `{"id":"x","resource":{}}`,
		"bad pr":         `{"id":"x","eventType":"git.pullrequest.created","resource":{"pullRequestId":"one"}}`,
		"bad push":       `{"id":"x","eventType":"git.push","resource":{"refUpdates":{}}}`,
		"empty document": ``,
	} {
		if _, err := p.Parse(nil, []byte(body)); !errors.Is(err, vcs.ErrInvalidPayload) {
			t.Errorf("%s: Parse = %v, want ErrInvalidPayload", name, err)
		}
	}
}

func TestParserRegistered(t *testing.T) {
	p, err := vcs.NewWebhookParser(vcs.KindAzureDevOps)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.(azuredevops.Parser); !ok {
		t.Errorf("registered parser is %T", p)
	}
}
