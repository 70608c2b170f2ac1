package vcstest

import (
	"net/http"
	"sync"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// seenRequest is what revalidation's recorder keeps of one exchange.
type seenRequest struct {
	ifNoneMatch string
	status      int
	remaining   string // X-RateLimit-Remaining of the answer
}

type recordTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []seenRequest
}

func (t *recordTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err == nil {
		t.mu.Lock()
		t.seen = append(t.seen, seenRequest{r.Header.Get("If-None-Match"), resp.StatusCode, resp.Header.Get("X-RateLimit-Remaining")})
		t.mu.Unlock()
	}
	return resp, err
}

func (t *recordTransport) take() []seenRequest {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.seen
	t.seen = nil
	return s
}

// testRevalidateAtBranch checks reads of one file at a branch: the
// second read still asks the host (a branch moves) and, on GitHub, asks
// conditionally (If-None-Match with the ETag of the first answer), is
// answered 304 and costs no primary rate-limit point; after a push to
// the branch the new content is returned. Other hosts' providers do not
// revalidate (their docs name no ETag on the raw file endpoints; see the
// README's Performance section): there the reads must only be right.
func (s *suite) testRevalidateAtBranch(t *testing.T) {
	f, fx := s.fake(t)
	host, ok := f.(RefHost)
	if !ok {
		t.Fatalf("the %s conformance fake (%T) does not implement vcstest.RefHost", s.h.Kind, f)
	}
	cfg := f.Config(f.Token(TokenFull))
	m := &Meter{}
	client := m.Wrap(cfg.HTTPClient)
	rec := &recordTransport{next: client.Transport}
	client.Transport = rec
	cfg.HTTPClient = client
	p := open(t, cfg)
	repo, branch := f.Repo(), fx.SourceBranch
	const path = "migrations/004_users.sql"
	want := *fx.Changes[path]
	read := func(what, want string) []seenRequest {
		t.Helper()
		got, err := p.ReadFile(ctx(t), repo, path, branch)
		if err != nil || string(got.Content) != want || got.Ref != branch || got.Path != path {
			t.Fatalf("%s: ReadFile at %s = %+v, %v; want %q", what, branch, got, err, want)
		}
		seen := rec.take()
		if len(seen) == 0 {
			t.Fatalf("%s: a read at a branch was answered from memory; a branch moves", what)
		}
		return seen
	}
	first := read("first read", want)
	got, err := p.ReadFile(ctx(t), repo, path, branch)
	if err != nil {
		t.Fatal(err)
	}
	got.Content[0] = '#' // the caller's copy is its own
	rec.take()
	m.Reset()
	second := read("second read", want)
	github := s.h.Kind == vcs.KindGitHub
	if github {
		last := second[len(second)-1]
		if last.ifNoneMatch == "" || last.status != http.StatusNotModified {
			t.Errorf("second read at a branch sent If-None-Match %q and was answered %d, want a conditional request answered 304", last.ifNoneMatch, last.status)
		}
		if n := m.Points(); n != 0 {
			t.Errorf("second read at a branch cost %d points, want 0 (a 304 is free)", n)
		}
		if before := first[len(first)-1].remaining; before != "" && last.remaining != before {
			t.Errorf("X-RateLimit-Remaining went from %s to %s on a 304; GitHub does not charge it", before, last.remaining)
		}
	}
	changed := "-- changed on the branch\n" + want
	if _, _, err := host.Push(repo, branch, map[string]*string{path: &changed}); err != nil {
		t.Fatalf("Push: %v", err)
	}
	third := read("read after a push", changed)
	if github {
		if last := third[len(third)-1]; last.ifNoneMatch == "" || last.status != http.StatusOK {
			t.Errorf("read after a push sent If-None-Match %q and was answered %d, want a conditional request answered 200", last.ifNoneMatch, last.status)
		}
	}
	read("read after the new content was kept", changed)
}
