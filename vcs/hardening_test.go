package vcs_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// headerParser is stubParser naming its signature header.
type headerParser struct{ stubParser }

func (headerParser) SignatureHeaders() []string { return []string{"X-Secret"} }

// watchedBody records whether anything read it.
type watchedBody struct {
	io.Reader
	read atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) { b.read.Store(true); return b.Reader.Read(p) }

func TestWebhookHandlerRefusesUnsignedBeforeReading(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    *vcs.WebhookHandler
	}{
		{"no signature header", &vcs.WebhookHandler{Parser: headerParser{}, Secret: "good"}},
		{"no secret configured", &vcs.WebhookHandler{Parser: stubParser{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &watchedBody{Reader: strings.NewReader(strings.Repeat("x", 24<<20))}
			r := httptest.NewRequest(http.MethodPost, "/hook", body)
			r.ContentLength = 24 << 20
			_, err := tc.h.Read(r)
			if !errors.Is(err, vcs.ErrInvalidSignature) {
				t.Fatalf("Read = %v, want ErrInvalidSignature", err)
			}
			if body.read.Load() {
				t.Error("the body was read before the delivery was refused")
			}
		})
	}
	// With the header present the body is read and verified as before.
	h := &vcs.WebhookHandler{Parser: headerParser{}, Secret: "good"}
	r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader("{}"))
	r.Header.Set("X-Secret", "good")
	if _, err := h.Read(r); err != nil {
		t.Fatalf("signed delivery: %v", err)
	}
}

// blockingBody gives its first bytes, then blocks until released.
type blockingBody struct {
	first   []byte
	release chan struct{}
	started chan struct{}
	once    sync.Once
}

func (b *blockingBody) Read(p []byte) (int, error) {
	if len(b.first) > 0 {
		n := copy(p, b.first)
		b.first = b.first[n:]
		return n, nil
	}
	b.once.Do(func() { close(b.started) })
	<-b.release
	return 0, io.EOF
}

func TestWebhookHandlerBoundsBufferedBytes(t *testing.T) {
	h := &vcs.WebhookHandler{Parser: headerParser{}, Secret: "good", MaxBufferedBytes: 1 << 20}
	hold := &blockingBody{first: []byte("{"), release: make(chan struct{}), started: make(chan struct{})}
	first := httptest.NewRequest(http.MethodPost, "/hook", hold)
	first.Header.Set("X-Secret", "good")
	first.ContentLength = 700 << 10
	done := make(chan error, 1)
	go func() { _, err := h.Read(first); done <- err }()
	select {
	case <-hold.started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first delivery was never read")
	}
	// A second delivery that does not fit the remaining budget: 503.
	second := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(strings.Repeat(" ", 500<<10)+"{}"))
	second.Header.Set("X-Secret", "good")
	_, err := h.Read(second)
	if !errors.Is(err, vcs.ErrUnavailable) || vcs.StatusForError(err) != http.StatusServiceUnavailable {
		t.Fatalf("over budget: %v (status %d), want ErrUnavailable / 503", err, vcs.StatusForError(err))
	}
	// Unannounced lengths are reserved as they are read.
	chunked := httptest.NewRequest(http.MethodPost, "/hook", io.MultiReader(strings.NewReader(strings.Repeat(" ", 500<<10)), strings.NewReader("{}")))
	chunked.Header.Set("X-Secret", "good")
	chunked.ContentLength = -1
	if _, err := h.Read(chunked); !errors.Is(err, vcs.ErrUnavailable) {
		t.Fatalf("chunked over budget: %v, want ErrUnavailable", err)
	}
	close(hold.release)
	<-done
	// The budget is returned: the same delivery now fits.
	again := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(strings.Repeat(" ", 500<<10)+"{}"))
	again.Header.Set("X-Secret", "good")
	if _, err := h.Read(again); errors.Is(err, vcs.ErrUnavailable) {
		t.Fatalf("after release: %v", err)
	}
}

func TestCheckArguments(t *testing.T) {
	bad := []string{"..", "a/../b", "../../../../user", "a/./b", ".", "a/..", "a\x00b", "a\nb", "a\rb", "a\tb", "a/%2e%2e/b", `a\..\b`, "\xff"}
	for _, s := range bad {
		if err := vcs.CheckPath("k", "Op", "path", s); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("CheckPath(%q) = %v, want ErrInvalidArgument", s, err)
		}
		if err := vcs.CheckRef("k", "Op", s); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("CheckRef(%q) = %v, want ErrInvalidArgument", s, err)
		}
		if err := vcs.CheckRepository("k", "Op", "octo-org/"+s); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("CheckRepository(%q) = %v, want ErrInvalidArgument", "octo-org/"+s, err)
		}
	}
	good := []string{"README.md", "docs/ñandú notes.md", "a..b/c", ".github/workflows/x.yml", "v1.0", "feature/add-users", "/leading/and/trailing/"}
	for _, s := range good {
		if err := vcs.CheckPath("k", "Op", "path", s); err != nil {
			t.Errorf("CheckPath(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"octo-org/db-migrations", "group/sub/project", "Project One/repo.name"} {
		if err := vcs.CheckRepository("k", "Op", s); err != nil {
			t.Errorf("CheckRepository(%q) = %v", s, err)
		}
	}
	if err := vcs.CheckID("k", "Op", "comment ID", "12/../3"); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("CheckID with a slash = %v", err)
	}
	for _, id := range []string{"", "0"} {
		if err := vcs.CheckCreated("k", "CreateComment", "comment", id); !errors.Is(err, vcs.ErrUnavailable) {
			t.Errorf("CheckCreated(%q) = %v, want ErrUnavailable", id, err)
		}
	}
}

func TestConfigRefusesInsecureHTTP(t *testing.T) {
	cfg := vcs.Config{Kind: "github", Token: "tok-1234", URL: "http://ghe.example.com"}
	err := cfg.Validate()
	if !errors.Is(err, vcs.ErrInvalidConfig) || !strings.Contains(err.Error(), "clear text") {
		t.Fatalf("http:// = %v, want ErrInvalidConfig saying why", err)
	}
	cfg.AllowInsecureHTTP = true
	if err := cfg.Validate(); err != nil {
		t.Fatalf("with AllowInsecureHTTP: %v", err)
	}
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.1:3000", "http://[::1]/gitlab"} {
		if err := (vcs.Config{Kind: "github", Token: "tok-1234", URL: u}).Validate(); err != nil {
			t.Errorf("loopback %s: %v", u, err)
		}
	}
	if err := (vcs.Config{Kind: "github", Token: "tok-1234", URL: "https://h.example.com/a/../b"}).Validate(); !errors.Is(err, vcs.ErrInvalidConfig) {
		t.Errorf("dot segment in URL path: %v", err)
	}
}

func TestConfigNeverRepeatsURLPassword(t *testing.T) {
	for _, u := range []string{"https://x:TOKEN1@host:bad", "ssh://git:TOKEN1@host", "//:TOKEN1@", "https:x:TOKEN1@host", "https://x:TOK@EN1@host/p"} {
		cfg := vcs.Config{Kind: "github", Token: "tok-1234", URL: u}
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%s accepted", u)
			continue
		}
		for _, s := range []string{err.Error(), cfg.String(), vcs.RedactURL(u)} {
			if strings.Contains(s, "TOKEN1") || strings.Contains(s, "EN1") {
				t.Errorf("%s: %q repeats the password", u, s)
			}
		}
	}
}
