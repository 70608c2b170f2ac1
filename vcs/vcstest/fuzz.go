package vcstest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// InstanceURLSeeds are instance URLs that carry a password, among them the
// ones a review found repeated in ParseInstanceURL's errors (the last was
// found by fuzzing).
var InstanceURLSeeds = []string{
	"https://x:TOKEN@host:bad",
	"ssh://git:TOKEN@host",
	"//:0000@",
	"https://x:TOKEN@github.com",
	"https://ghp_TOKENTOKEN@github.example.com/api/v3",
	"http://x:TOKEN@ghe.example.com:8080",
	"https://x:TOKEN@gitlab.example.com/gitlab",
	"https://me%40example.com:TOKEN@bitbucket.org",
	"https://:PATPATPAT@dev.azure.com/org",
	"https://x:TOKEN@tfs.example.com/tfs/DefaultCollection",
	"https:x:TOKEN@host",
	"https://x:TO@KEN@host/p",
	"  https://x:TOKEN@host  ",
	"https://x:TOK EN@host",
	"https://x:TOKEN@[::1",
	"https://x:TOKEN@host/a/../b",
	"",
	"https://github.com",
}

// userinfo returns the part of s that sits where a URL's user information
// does (before the last "@" of the authority), the secrets in it (the
// whole and the part after the first ":", each at least four bytes and
// found nowhere else in s), and s with the part replaced by a neutral
// one; ok is false when s has no such part.
func userinfo(s string) (secrets []string, neutral string, ok bool) {
	start := 0
	if i := strings.Index(s, "//"); i >= 0 {
		start = i + 2
	} else if i := strings.Index(s, ":"); i >= 0 {
		start = i + 1 // "https:user:pass@host"
	}
	at := strings.LastIndex(s, "@")
	if at < start {
		return nil, "", false
	}
	info := s[start:at]
	if strings.ContainsAny(info, "/?#") {
		return nil, "", false // an "@" in a path, not user information
	}
	rest := s[:start] + s[at:]
	cands := []string{info}
	if _, pw, found := strings.Cut(info, ":"); found {
		cands = append(cands, pw)
	}
	for _, c := range cands {
		if c = strings.TrimSpace(c); len(c) >= 4 && !strings.Contains(rest, c) {
			secrets = append(secrets, c)
		}
	}
	return secrets, s[:start] + "u:Qz7Qz7" + s[at:], len(secrets) > 0
}

// CheckNoPassword fails t when texts, the messages produced for the URL
// input, repeat its user information (a password, a token). A secret
// that the messages produced for the same URL with neutral user
// information also contain (a word of the message itself) is not an
// echo.
func CheckNoPassword(t testing.TB, input string, texts func(string) []string) {
	t.Helper()
	secrets, neutral, ok := userinfo(input)
	if !ok {
		return
	}
	got := strings.Join(texts(input), "\n")
	base := strings.Join(texts(neutral), "\n")
	for _, sec := range secrets {
		if strings.Contains(got, sec) && !strings.Contains(base, sec) {
			t.Fatalf("for %q the messages repeat %q: %s", input, sec, got)
		}
	}
}

// FuzzInstanceURL fuzzes one provider's instance URL parsing, vcs.Config
// validation and vcs.Open for kind with the seeds above: no error text,
// and no printed Config, may repeat a URL's password.
func FuzzInstanceURL(f *testing.F, kind vcs.Kind, parse func(string) error) {
	for _, s := range InstanceURLSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		CheckNoPassword(t, s, func(s string) []string {
			var texts []string
			if err := parse(s); err != nil {
				texts = append(texts, err.Error())
			}
			cfg := vcs.Config{Kind: kind, Token: "tok-fuzz-1234", Username: "bot@example.com", URL: s}
			texts = append(texts, cfg.String())
			if err := cfg.Validate(); err != nil {
				texts = append(texts, err.Error())
			}
			if p, err := vcs.Open(cfg); err != nil {
				texts = append(texts, err.Error())
			} else if u, ok := p.(interface{ APIURL() string }); ok {
				texts = append(texts, u.APIURL())
			}
			return texts
		})
	})
}

// FuzzConfig fuzzes vcs.Config validation for every registered kind: it
// must not panic, and its errors never repeat the URL's password or the
// token.
func FuzzConfig(f *testing.F) {
	for _, s := range InstanceURLSeeds {
		f.Add("github", s, "tok-fuzz-1234")
		f.Add("gitlab", s, "glpat-fuzz")
	}
	f.Add("", "", "")
	f.Add("azuredevops", "https://dev.azure.com/org", "tok en")
	f.Fuzz(func(t *testing.T, kind, u, token string) {
		messages := func(u string) []string {
			cfg := vcs.Config{Kind: vcs.Kind(kind), URL: u, Token: token}
			texts := []string{cfg.String(), cfg.GoString()}
			if err := cfg.Validate(); err != nil {
				texts = append(texts, err.Error())
			}
			return texts
		}
		CheckNoPassword(t, u, messages)
		texts := messages(u)
		// A token that could be a word of the messages is not checked.
		if len(token) >= 8 && strings.ContainsAny(token, "0123456789") && !strings.Contains(u, token) && !strings.Contains(kind, token) {
			for _, text := range texts {
				if strings.Contains(text, token) {
					t.Fatalf("%q repeats the token %q", text, token)
				}
			}
		}
	})
}

// FuzzWebhookHandler serves fuzzed deliveries through a vcs.WebhookHandler
// with parser, end to end: the fixture bodies in dir are the seeds, and
// each delivery is signed by sign with the handler's secret, with another
// secret, or not at all (mode). The handler must answer 200 or 400 for a
// signed delivery, 401 for the others without reading an unsigned body
// (when the parser names its signature headers), never 500, and never
// repeat the secret.
func FuzzWebhookHandler(f *testing.F, parser vcs.WebhookParser, dir string, kind vcs.Kind, sign Signer) {
	const secret = "fuzz-hook-secret-value"
	fixtures := LoadWebhookFixtures(f, dir, kind)
	for i, fx := range fixtures {
		body, err := os.ReadFile(filepath.Join(dir, filepath.Base(fx.File)))
		if err != nil {
			f.Fatal(err)
		}
		for mode := range uint8(3) {
			f.Add(uint8(i), mode, body)
		}
		f.Add(uint8(i), uint8(0), []byte(`{}`))
		f.Add(uint8(i), uint8(1), []byte(`{"secret":"`+secret+`"}`))
	}
	_, names := parser.(vcs.SignatureHeaderParser)
	f.Fuzz(func(t *testing.T, which, mode uint8, body []byte) {
		fx := fixtures[int(which)%len(fixtures)]
		var events atomic.Int64
		h := &vcs.WebhookHandler{Parser: parser, Secret: secret, OnEvent: func(_ context.Context, ev *vcs.Event) error {
			if ev == nil || ev.Provider != kind {
				t.Errorf("OnEvent got %+v", ev)
			}
			events.Add(1)
			return nil
		}}
		read := &watched{r: bytes.NewReader(body)}
		r := httptest.NewRequest(http.MethodPost, "/hook", read)
		r.ContentLength = int64(len(body))
		switch mode % 3 {
		case 0:
			sign(r, fx, body, secret)
		case 1:
			sign(r, fx, body, "")
		case 2:
			sign(r, fx, body, "another-secret-value")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		status := w.Code
		if strings.Contains(w.Body.String(), secret) {
			t.Fatalf("the answer repeats the secret: %q", w.Body.String())
		}
		switch mode % 3 {
		case 0:
			if status != http.StatusOK && status != http.StatusBadRequest {
				t.Fatalf("signed delivery: %d %s", status, w.Body.String())
			}
			if (status == http.StatusOK) != (events.Load() == 1) {
				t.Fatalf("status %d with %d events", status, events.Load())
			}
		case 1:
			if status != http.StatusUnauthorized {
				t.Fatalf("unsigned delivery: %d %s", status, w.Body.String())
			}
			if names && read.n.Load() > 0 {
				t.Fatalf("an unsigned body was read (%d bytes)", read.n.Load())
			}
		case 2:
			if status != http.StatusUnauthorized {
				t.Fatalf("delivery signed with another secret: %d %s", status, w.Body.String())
			}
		}
		if mode%3 != 0 && events.Load() != 0 {
			t.Fatalf("an unverified delivery reached OnEvent")
		}
	})
}

// watched counts the bytes read from a body.
type watched struct {
	r io.Reader
	n atomic.Int64
}

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.n.Add(int64(n))
	return n, err
}
