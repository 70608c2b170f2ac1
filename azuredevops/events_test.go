package azuredevops_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// basic signs a delivery the way a subscription made by CreateWebhook does.
func basic(user, pass string) http.Header {
	return http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))}}
}

const testSecret = "s3cret-hook-value"

func TestFixturesParse(t *testing.T) {
	vcstest.RunWebhookFixtures(t, azuredevops.NewParser(), "testdata", vcs.KindAzureDevOps,
		func(r *http.Request, _ vcstest.WebhookFixture, _ []byte, secret string) {
			if secret != "" {
				r.Header.Set("Authorization", basic(azuredevops.WebhookUsername, secret).Get("Authorization"))
			}
		})
}

// The delivery ID is the body's id and the payload is kept as received.
func TestFixtureDeliveryID(t *testing.T) {
	for _, fx := range vcstest.LoadWebhookFixtures(t, "testdata", vcs.KindAzureDevOps) {
		body := readFixture(t, filepath.Base(fx.File))
		ev, err := azuredevops.NewParser().Parse(http.Header{}, body)
		if err != nil {
			t.Fatal(err)
		}
		var envelope struct{ ID string }
		_ = json.Unmarshal(body, &envelope)
		if ev.DeliveryID == "" || ev.DeliveryID != envelope.ID {
			t.Errorf("%s: DeliveryID = %q, want the body's id %q", fx.File, ev.DeliveryID, envelope.ID)
		}
		if !bytes.Equal(ev.Payload, body) {
			t.Errorf("%s: Payload is not the raw body", fx.File)
		}
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
		}), vcs.EventPullRequest, vcs.ActionMerged, true},
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
	if _, ok := p.(*azuredevops.Parser); !ok {
		t.Errorf("registered parser is %T", p)
	}
}

// Azure DevOps names the event in the body, so the fuzzer sends no headers.
func FuzzParse(f *testing.F) {
	vcstest.FuzzWebhookParser(f, azuredevops.NewParser(), "testdata", vcs.KindAzureDevOps, func(vcstest.WebhookFixture) http.Header {
		return http.Header{}
	})
}
