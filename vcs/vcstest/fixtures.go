package vcstest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// WebhookFixture is one entry of a webhook fixture index (index.json): a
// real payload file and the provider-neutral values a parser must derive
// from it. Null values in the index are empty here.
type WebhookFixture struct {
	File     string   `json:"file"`     // The payload's file name.
	Provider vcs.Kind `json:"provider"` // The host that sent it.
	// EventHeader is the host's event name: the X-GitHub-Event,
	// X-Gitlab-Event or X-Event-Key header, or Azure DevOps' eventType.
	EventHeader    string `json:"event_header"`
	Kind           string `json:"kind"`             // The event kind the parser must report.
	Action         string `json:"action"`           // The action the parser must report.
	Merged         bool   `json:"merged"`           // Whether the event is a merge.
	Repository     string `json:"repository"`       // The repository's full path.
	Number         int    `json:"number"`           // The pull request number.
	SourceBranch   string `json:"source_branch"`    // The pull request's source branch.
	TargetBranch   string `json:"target_branch"`    // The target branch (or the pushed branch).
	HeadSHA        string `json:"head_sha"`         // The head commit.
	MergeCommitSHA string `json:"merge_commit_sha"` // The merge commit, where the payload has it.
	// Ref, Created, Deleted, Forced and Changes are what a push must
	// report (see vcs.Event); Draft whether a pull request is a draft.
	Ref     string          `json:"ref"`
	Created bool            `json:"created"` // A push created the ref.
	Deleted bool            `json:"deleted"` // A push deleted the ref.
	Forced  bool            `json:"forced"`  // A push was forced.
	Changes []vcs.RefChange `json:"changes"` // How many refs the push changed.
	Draft   bool            `json:"draft"`   // The pull request is a draft.
}

// LoadWebhookFixtures reads dir/index.json and returns the entries for
// kind. It fails the test when there are none.
func LoadWebhookFixtures(t testing.TB, dir string, kind vcs.Kind) []WebhookFixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var all []WebhookFixture
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	var out []WebhookFixture
	for _, fx := range all {
		if fx.Provider == kind {
			out = append(out, fx)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no %s fixtures in %s/index.json", kind, dir)
	}
	return out
}

// Signer adds to a delivery request what the host would send: its event
// header, delivery ID and signature (or credentials) made with secret.
// With an empty secret it adds no signature or credentials at all, as a
// host does for a webhook without a secret.
type Signer func(r *http.Request, fx WebhookFixture, body []byte, secret string)

// RunWebhookFixtures serves every fixture payload in dir, signed by sign,
// through a vcs.WebhookHandler with parser, and checks the event against
// the index. It also checks the handler's answers to the same delivery
// signed with another secret or not at all (401, or 200 with
// AllowUnsigned), with a changed body (401 where the host signs the body),
// with a body that is not JSON (400) and over the size limit (413).
func RunWebhookFixtures(t *testing.T, parser vcs.WebhookParser, dir string, kind vcs.Kind, sign Signer) {
	const secret = "It's a Secret to Everybody"
	for _, fx := range LoadWebhookFixtures(t, dir, kind) {
		t.Run(filepath.Base(fx.File), func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(dir, filepath.Base(fx.File)))
			if err != nil {
				t.Fatal(err)
			}
			request := func(sent, signed []byte, secretUsed string) *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(sent))
				r.Header.Set("Content-Type", "application/json")
				sign(r, fx, signed, secretUsed)
				return r
			}
			serveWith := func(h *vcs.WebhookHandler, r *http.Request) (*vcs.Event, *httptest.ResponseRecorder) {
				var got *vcs.Event
				h.OnEvent = func(_ context.Context, ev *vcs.Event) error {
					got = ev
					return nil
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				return got, rec
			}
			serve := func(r *http.Request) (*vcs.Event, *httptest.ResponseRecorder) {
				return serveWith(&vcs.WebhookHandler{Parser: parser, Secret: secret}, r)
			}
			for _, c := range []struct {
				name string
				r    *http.Request
				h    *vcs.WebhookHandler
				want int
			}{
				{"another secret", request(body, body, "not-the-secret"), nil, http.StatusUnauthorized},
				{"unsigned", request(body, body, ""), nil, http.StatusUnauthorized},
				{"unsigned, allowed", request(body, body, ""), &vcs.WebhookHandler{Parser: parser, Secret: secret, AllowUnsigned: true}, http.StatusOK},
				{"not JSON", request([]byte("not json"), []byte("not json"), secret), nil, http.StatusBadRequest},
				{"over the limit", request(body, body, secret), &vcs.WebhookHandler{Parser: parser, Secret: secret, MaxBodyBytes: int64(len(body) - 1)}, http.StatusRequestEntityTooLarge},
			} {
				h := c.h
				if h == nil {
					h = &vcs.WebhookHandler{Parser: parser, Secret: secret}
				}
				if _, rec := serveWith(h, c.r); rec.Code != c.want {
					t.Errorf("%s: answered %d, want %d", c.name, rec.Code, c.want)
				}
			}
			// Where the signature covers the body (it changes with it), a
			// changed body must be refused. Plain secrets (X-Gitlab-Token,
			// Azure DevOps' Basic credentials) cannot tell.
			changed := append(append([]byte(nil), body...), ' ')
			if !reflect.DeepEqual(request(body, body, secret).Header, request(body, changed, secret).Header) {
				if _, rec := serve(request(changed, body, secret)); rec.Code != http.StatusUnauthorized {
					t.Errorf("changed body: answered %d, want 401", rec.Code)
				}
			}
			got, rec := serve(request(body, body, secret))
			if rec.Code != http.StatusOK || got == nil {
				t.Fatalf("answered %d: %s", rec.Code, rec.Body)
			}
			want := vcs.Event{
				Provider: kind, Kind: vcs.EventKind(fx.Kind), Action: vcs.Action(fx.Action), Merged: fx.Merged,
				Repository: fx.Repository, Number: fx.Number, SourceBranch: fx.SourceBranch,
				TargetBranch: fx.TargetBranch, HeadSHA: fx.HeadSHA, MergeCommitSHA: fx.MergeCommitSHA,
				Ref: fx.Ref, Created: fx.Created, Deleted: fx.Deleted, Forced: fx.Forced, Changes: fx.Changes, Draft: fx.Draft,
			}
			if got.Provider != want.Provider || got.Kind != want.Kind || got.Action != want.Action || got.Merged != want.Merged ||
				got.Repository != want.Repository || got.Number != want.Number || got.SourceBranch != want.SourceBranch ||
				got.TargetBranch != want.TargetBranch || got.HeadSHA != want.HeadSHA || got.MergeCommitSHA != want.MergeCommitSHA ||
				got.Ref != want.Ref || got.Created != want.Created || got.Deleted != want.Deleted || got.Forced != want.Forced ||
				got.Draft != want.Draft || !equalChanges(got.Changes, want.Changes) {
				t.Errorf("event =\n  %+v\nwant\n  %+v", brief(got), brief(&want))
			}
			if got.HostEvent != fx.EventHeader {
				t.Errorf("HostEvent = %q, want %q", got.HostEvent, fx.EventHeader)
			}
		})
	}
}

// equalChanges compares ref changes; nil and empty are equal.
func equalChanges(a, b []vcs.RefChange) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// brief is an Event without its payload, for messages.
func brief(ev *vcs.Event) vcs.Event {
	cp := *ev
	cp.Payload = nil
	return cp
}

// FuzzWebhookParser fuzzes parser.Parse with arbitrary bodies under each
// event name of the fixtures in dir, seeded with the fixture payloads.
// header returns the headers the host sends for a fixture's event (its
// event header; Azure DevOps needs none). Parse must not panic, and must
// return either an event of kind or an error matching ErrInvalidPayload.
func FuzzWebhookParser(f *testing.F, parser vcs.WebhookParser, dir string, kind vcs.Kind, header func(WebhookFixture) http.Header) {
	fixtures := LoadWebhookFixtures(f, dir, kind)
	for i, fx := range fixtures {
		body, err := os.ReadFile(filepath.Join(dir, filepath.Base(fx.File)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), body)
		f.Add(uint8(i), []byte(`{}`))
		f.Add(uint8(i), []byte(`[]`))
		f.Add(uint8(i), []byte(`{"pull_request":null,"object_attributes":7,"resource":"x"}`))
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		fx := fixtures[int(which)%len(fixtures)]
		ev, err := parser.Parse(header(fx), body)
		switch {
		case err != nil && !errors.Is(err, vcs.ErrInvalidPayload):
			t.Fatalf("Parse error %v does not match ErrInvalidPayload", err)
		case err == nil && (ev == nil || ev.Provider != kind):
			t.Fatalf("Parse returned %+v and no error", ev)
		}
	})
}
