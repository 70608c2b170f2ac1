package vcstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// The fault matrix: every fault a hostile or broken host (or a proxy in
// front of it) can answer with, against every kind of read and every
// write, each cell ending in success with the right data or in the right
// typed error, within its deadline, with no write repeated. Faults are
// injected by a RoundTripper wrapped around the fake's transport
// (vcs.Config.HTTPClient), under the provider's own credentials, retry and
// limit layers, so the fakes need nothing for it.

// foreignHost is where the "redirect to another host" fault points.
const foreignHost = "elsewhere.example.test"

// fault is one way a host answers badly.
type fault struct {
	name string
	// answer replaces the n-th (1-based) targeted request's answer;
	// forward sends the request to the fake (the write happens).
	answer func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error)
	// read and write are the error kinds a cell may end in for a read
	// and for a write; nil (no error) is listed when success is right.
	read, write []error
	// deadline is the cell's context timeout (the hang fault's is short).
	deadline time.Duration
}

// errDeadline stands for context.DeadlineExceeded in an outcome list.
var errDeadline = context.DeadlineExceeded

func respond(req *http.Request, status int, header http.Header, body string) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)), Request: req}
}

const signInPage = "<!DOCTYPE html><html><head><title>Sign in</title></head><body><form action=\"/login\">Sign in to continue</form></body></html>"

// resetBody gives half of a body, then fails as a reset connection.
type resetBody struct {
	r io.Reader
}

func (b *resetBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		return n, errors.New("read tcp 10.0.0.1:443: connection reset by peer")
	}
	return n, err
}

func (b *resetBody) Close() error { return nil }

// endless is an announced huge body nobody should read.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func (endless) Close() error { return nil }

func faults() []fault {
	const normal = 60 * time.Second // a bound, not a speed target: cells end in well under a second unloaded
	replaceBody := func(forward func() (*http.Response, error), edit func(resp *http.Response, body []byte)) (*http.Response, error) {
		resp, err := forward()
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		edit(resp, body)
		return resp, nil
	}
	return []fault{
		{name: "500", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				if resp, err := forward(); err == nil {
					resp.Body.Close()
				}
				return respond(req, 500, http.Header{"Content-Type": {"application/json"}}, `{"message":"Internal Server Error"}`), nil
			},
			read: []error{vcs.ErrUnavailable}, write: []error{vcs.ErrUnavailable}},
		{name: "502-503-ok", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				switch n {
				case 1:
					return respond(req, 502, http.Header{"Content-Type": {"text/plain"}}, "Bad Gateway"), nil
				case 2:
					return respond(req, 503, http.Header{"Content-Type": {"text/plain"}}, "Service Unavailable"), nil
				}
				return forward()
			},
			read: []error{nil}, write: []error{nil, vcs.ErrUnavailable}},
		{name: "429-retry-after", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				if n == 1 {
					return respond(req, 429, http.Header{"Retry-After": {"1"}, "Content-Type": {"application/json"}}, `{"message":"Too Many Requests"}`), nil
				}
				return forward()
			},
			read: []error{nil}, write: []error{nil, vcs.ErrRateLimited}},
		{name: "403-secondary-rate-limit", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				if n == 1 {
					// GitHub's secondary rate limit answer.
					return respond(req, 403, http.Header{"Retry-After": {"1"}, "Content-Type": {"application/json"}},
						`{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`), nil
				}
				return forward()
			},
			read: []error{nil}, write: []error{nil, vcs.ErrRateLimited}},
		{name: "hang", deadline: 400 * time.Millisecond,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				if resp, err := forward(); err == nil {
					resp.Body.Close()
				}
				<-req.Context().Done()
				return nil, req.Context().Err()
			},
			read: []error{errDeadline}, write: []error{errDeadline}},
		{name: "reset-mid-body", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return replaceBody(forward, func(resp *http.Response, body []byte) {
					resp.Body = &resetBody{r: bytes.NewReader(body[:len(body)/2])}
					resp.ContentLength = -1
					resp.Header.Del("Content-Length")
				})
			},
			read: []error{vcs.ErrUnavailable}, write: []error{vcs.ErrUnavailable}},
		{name: "truncated", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return replaceBody(forward, func(resp *http.Response, body []byte) {
					// Cut short with a matching Content-Length: only the
					// content itself can tell.
					cut := body[:len(body)/2]
					resp.Body = io.NopCloser(bytes.NewReader(cut))
					resp.ContentLength = int64(len(cut))
					resp.Header.Set("Content-Length", fmt.Sprint(len(cut)))
				})
			},
			read: []error{vcs.ErrUnavailable}, write: []error{vcs.ErrUnavailable, nil}},
		{name: "html-200", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return respond(req, 200, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, signInPage), nil
			},
			read: []error{vcs.ErrUnauthorized}, write: []error{vcs.ErrUnauthorized}},
		{name: "html-203", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return respond(req, 203, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, signInPage), nil
			},
			read: []error{vcs.ErrUnauthorized}, write: []error{vcs.ErrUnauthorized}},
		{name: "wrong-content-type", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return replaceBody(forward, func(resp *http.Response, body []byte) {
					resp.Header.Set("Content-Type", "application/octet-stream")
					resp.Body = io.NopCloser(bytes.NewReader(body))
				})
			},
			read: []error{nil, vcs.ErrUnavailable}, write: []error{nil, vcs.ErrUnavailable}},
		{name: "huge-body", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				resp, err := forward()
				if err != nil {
					return nil, err
				}
				resp.Body.Close()
				resp.Body = endless{}
				resp.ContentLength = 200 << 20
				resp.Header.Set("Content-Length", fmt.Sprint(resp.ContentLength))
				return resp, nil
			},
			read: []error{vcs.ErrTooLarge}, write: []error{vcs.ErrTooLarge}},
		{name: "redirect-loop", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				return respond(req, http.StatusFound, http.Header{"Location": {req.URL.String()}}, ""), nil
			},
			// Azure DevOps does not follow redirects: it answers bad
			// tokens with one to its sign-in page (ErrUnauthorized).
			read:  []error{vcs.ErrUnavailable, vcs.ErrUnauthorized},
			write: []error{vcs.ErrInvalidConfig, vcs.ErrUnauthorized}},
		{name: "redirect-elsewhere", deadline: normal,
			answer: func(req *http.Request, n int, forward func() (*http.Response, error)) (*http.Response, error) {
				to := *req.URL
				to.Host = foreignHost
				return respond(req, http.StatusTemporaryRedirect, http.Header{"Location": {to.String()}}, ""), nil
			},
			// A read may follow it, without credentials (the foreign
			// host answers 404); a write never does.
			read:  []error{vcs.ErrNotFound, vcs.ErrUnauthorized},
			write: []error{vcs.ErrInvalidConfig, vcs.ErrUnauthorized}},
	}
}

// faultTransport injects one fault into the targeted requests of one cell.
type faultTransport struct {
	next   http.RoundTripper
	fault  fault
	target func(*http.Request) bool

	mu       sync.Mutex
	n        int
	writes   map[string]int // forwarded writes: method, URL and body
	foreign  []string       // what reached foreignHost
	repeated []string
}

func (ft *faultTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	clone := func() *http.Request {
		r := req.Clone(req.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		return r
	}
	if req.URL.Host == foreignHost {
		ft.mu.Lock()
		ft.foreign = append(ft.foreign, fmt.Sprintf("%s %s auth=%q body=%q", req.Method, req.URL.Path, req.Header.Get("Authorization"), body))
		ft.mu.Unlock()
		return respond(req, 404, http.Header{"Content-Type": {"application/json"}}, `{"message":"Not Found"}`), nil
	}
	forward := func() (*http.Response, error) {
		if req.Method != http.MethodGet && req.Method != http.MethodHead {
			key := req.Method + " " + req.URL.String() + " " + string(body)
			ft.mu.Lock()
			ft.writes[key]++
			if ft.writes[key] > 1 && req.Method == http.MethodPost {
				ft.repeated = append(ft.repeated, key)
			}
			ft.mu.Unlock()
		}
		return ft.next.RoundTrip(clone())
	}
	if !ft.target(req) {
		return forward()
	}
	ft.mu.Lock()
	ft.n++
	n := ft.n
	ft.mu.Unlock()
	return ft.fault.answer(clone(), n, forward)
}

// faultOp is one operation of the matrix.
type faultOp struct {
	name  string
	write bool
	// run performs the operation and returns a summary of its result to
	// compare with a clean run (reads), or the ID it created (writes).
	run func(ctx context.Context, p vcs.Provider, tag string) (string, error)
	// count returns how many objects a write with tag left (writes).
	count func(ctx context.Context, p vcs.Provider, tag string) (int, error)
}

func faultOps(f Fake) []faultOp {
	repo := f.Repo()
	join := func(xs []string) string { sort.Strings(xs); return strings.Join(xs, ",") }
	hookURL := func(tag string) string { return HookURL + "/" + tag }
	countComments := func(ctx context.Context, p vcs.Provider, tag string) (int, error) {
		cs, err := p.ListComments(ctx, repo, f.PullRequest())
		n := 0
		for _, c := range cs {
			if strings.Contains(c.Body, tag) {
				n++
			}
		}
		return n, err
	}
	countHooks := func(ctx context.Context, p vcs.Provider, tag string) (int, error) {
		hs, err := p.ListWebhooks(ctx, repo)
		n := 0
		for _, h := range hs {
			if h.URL == hookURL(tag) {
				n++
			}
		}
		return n, err
	}
	return []faultOp{
		{name: "GetRepository", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			r, err := p.GetRepository(ctx, repo)
			if err != nil {
				return "", err
			}
			return r.ID + " " + r.DefaultBranch, nil
		}},
		{name: "ListRepositories", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			rs, err := vcs.Collect(p.ListRepositories(ctx))
			var ids []string
			for _, r := range rs {
				ids = append(ids, r.ID)
			}
			return join(ids), err
		}},
		{name: "ReadFile", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			file, err := p.ReadFile(ctx, repo, "README.md", "")
			if err != nil {
				return "", err
			}
			return string(file.Content), nil
		}},
		{name: "ListDirectory", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			es, err := p.ListDirectory(ctx, repo, "migrations", "", false)
			return join(paths(es)), err
		}},
		{name: "GetPullRequest", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			pr, err := p.GetPullRequest(ctx, repo, f.PullRequest())
			if err != nil {
				return "", err
			}
			return fmt.Sprint(pr.Number, " ", pr.Title, " ", pr.State), nil
		}},
		{name: "ListPullRequestFiles", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			cfs, err := p.ListPullRequestFiles(ctx, repo, f.PullRequest())
			var ps []string
			for _, c := range cfs {
				ps = append(ps, c.Path)
			}
			return join(ps), err
		}},
		{name: "ListComments", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			cs, err := p.ListComments(ctx, repo, f.ClosablePullRequest())
			return fmt.Sprint(len(cs)), err
		}},
		{name: "ListWebhooks", run: func(ctx context.Context, p vcs.Provider, _ string) (string, error) {
			hs, err := p.ListWebhooks(ctx, repo)
			var us []string
			for _, h := range hs {
				us = append(us, h.URL)
			}
			return join(us), err
		}},
		{name: "CreateComment", write: true, count: countComments, run: func(ctx context.Context, p vcs.Provider, tag string) (string, error) {
			c, err := p.CreateComment(ctx, repo, f.PullRequest(), "fault matrix "+tag)
			if err != nil {
				return "", err
			}
			return c.ID, nil
		}},
		{name: "UpsertComment", write: true, count: countComments, run: func(ctx context.Context, p vcs.Provider, tag string) (string, error) {
			c, err := vcs.UpsertComment(ctx, p, repo, f.PullRequest(), tag, "fault matrix "+tag)
			if err != nil {
				return "", err
			}
			return c.ID, nil
		}},
		{name: "CreateWebhook", write: true, count: countHooks, run: func(ctx context.Context, p vcs.Provider, tag string) (string, error) {
			h, err := p.CreateWebhook(ctx, repo, vcs.WebhookOptions{URL: hookURL(tag), Secret: "fault-secret-" + tag})
			if err != nil {
				return "", err
			}
			return h.ID, nil
		}},
		{name: "EnsureWebhook", write: true, count: countHooks, run: func(ctx context.Context, p vcs.Provider, tag string) (string, error) {
			res, err := vcs.EnsureWebhook(ctx, p, repo, vcs.WebhookOptions{URL: hookURL(tag), Secret: "fault-secret-" + tag})
			if err != nil {
				return "", err
			}
			return res.Webhook.ID, nil
		}},
	}
}

// knownGap is a cell whose success is not the right data, for a reason
// the host imposes; it is reported, not counted as passed.
func knownGap(k vcs.Kind, fault, op string) string {
	if fault == "truncated" && op == "ReadFile" && (k == vcs.KindBitbucket || k == vcs.KindAzureDevOps) {
		return "the host gives no blob SHA with a raw read, so a body cut short with a matching Content-Length cannot be told from a short file"
	}
	return ""
}

// faultsRun records the kinds whose fault matrix ran in this process: it
// runs once per provider, not again for each configuration variant.
var faultsRun sync.Map

func (s *suite) testFaults(t *testing.T) {
	// A smaller fixture than the other scenarios' (lists still take
	// several pages): the matrix runs every read over 150 times.
	fx := DefaultFixture()
	fx.ExtraRepos, fx.PageSize = 4, 4
	f := s.h.New(t, fx)
	token := f.Token(TokenFull)
	ops := faultOps(f)
	clean := open(t, f.Config(token))
	baseline := map[string]string{}
	for _, op := range ops {
		if op.write {
			continue
		}
		sum, err := op.run(ctx(t), clean, "")
		if err != nil {
			t.Fatalf("%s without a fault: %v", op.name, err)
		}
		baseline[op.name] = sum
	}
	var passed, total atomic.Int64
	var gapsMu sync.Mutex
	var gaps []string
	var seq atomic.Int64
	// Reads first, then writes, so that the reads' data stays the same.
	for _, phase := range []bool{false, true} {
		t.Run(map[bool]string{false: "reads", true: "writes"}[phase], func(t *testing.T) {
			// Most cells wait (a Retry-After, a backoff, a hang): run
			// them side by side, more than t.Parallel's GOMAXPROCS.
			var wg sync.WaitGroup
			sem := make(chan struct{}, 8)
			defer wg.Wait()
			for _, fl := range faults() {
				for _, op := range ops {
					if op.write != phase {
						continue
					}
					wg.Add(1)
					sem <- struct{}{}
					go func() {
						defer func() { <-sem; wg.Done() }()
						t.Run(fl.name+"/"+op.name, func(t *testing.T) {
							total.Add(1)
							tag := fmt.Sprintf("fm%04d", seq.Add(1))
							cfg := f.Config(token)
							base := cfg.HTTPClient
							ft := &faultTransport{next: base.Transport, fault: fl, writes: map[string]int{}}
							if op.write {
								ft.target = func(r *http.Request) bool { return r.Method != http.MethodGet && r.Method != http.MethodHead }
							} else {
								ft.target = func(*http.Request) bool { return true }
							}
							cfg.HTTPClient = &http.Client{Transport: ft, Timeout: base.Timeout, Jar: base.Jar}
							p, err := vcs.Open(cfg)
							if err != nil {
								t.Fatal(err)
							}
							c, cancel := context.WithTimeout(context.Background(), fl.deadline)
							defer cancel()
							start := time.Now()
							got, err := op.run(c, p, tag)
							elapsed := time.Since(start)
							ok := s.judgeFault(t, fl, op, got, err, baseline, token)
							if elapsed > fl.deadline+2*time.Second {
								t.Errorf("took %s, past the %s deadline", elapsed, fl.deadline)
								ok = false
							}
							ft.mu.Lock()
							if len(ft.repeated) > 0 {
								t.Errorf("POST sent again: %q", ft.repeated)
								ok = false
							}
							for _, fr := range ft.foreign {
								if !strings.HasPrefix(fr, "GET ") || !strings.Contains(fr, `auth=""`) {
									t.Errorf("the foreign host received %s", fr)
									ok = false
								}
							}
							ft.mu.Unlock()
							if op.write {
								n, cerr := op.count(ctx(t), clean, tag)
								switch {
								case cerr != nil:
									t.Errorf("counting after the cell: %v", cerr)
									ok = false
								case n > 1:
									t.Errorf("%d objects for one call: a write was repeated", n)
									ok = false
								case err == nil && n != 1:
									t.Errorf("success reported, but %d objects exist", n)
									ok = false
								}
							}
							if gap := knownGap(s.h.Kind, fl.name, op.name); gap != "" && err == nil && got != baseline[op.name] {
								gapsMu.Lock()
								gaps = append(gaps, fl.name+"/"+op.name+": "+gap)
								gapsMu.Unlock()
								t.Logf("known gap: %s", gap)
								return
							}
							if ok && !t.Failed() {
								passed.Add(1)
							}
						})
					}()
				}
			}
		})
	}
	t.Cleanup(func() {
		t.Logf("fault matrix %s: %d/%d cells passed; known gaps: %q", s.h.Kind, passed.Load(), total.Load(), gaps)
	})
}

// judgeFault checks one cell's outcome against the fault's list.
func (s *suite) judgeFault(t *testing.T, fl fault, op faultOp, got string, err error, baseline map[string]string, token string) bool {
	t.Helper()
	allowed := fl.read
	if op.write {
		allowed = fl.write
	}
	if err == nil {
		for _, a := range allowed {
			if a == nil {
				if !op.write && got != baseline[op.name] && knownGap(s.h.Kind, fl.name, op.name) == "" {
					t.Errorf("success with the wrong data: %.200q, want %.200q", got, baseline[op.name])
					return false
				}
				if op.write && (got == "" || got == "0") {
					t.Errorf("success without an ID")
					return false
				}
				return true
			}
		}
		if knownGap(s.h.Kind, fl.name, op.name) != "" {
			return false // reported by the caller
		}
		t.Errorf("succeeded (%.100q), want one of %v", got, allowed)
		return false
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("error carries the token: %v", err)
		return false
	}
	for _, a := range allowed {
		if a == nil {
			continue
		}
		if errors.Is(err, a) {
			var ve *vcs.Error
			if a != errDeadline && !errors.As(err, &ve) {
				t.Errorf("error %T is not a *vcs.Error: %v", err, err)
				return false
			}
			return true
		}
	}
	t.Errorf("error %v, want one of %v", err, allowed)
	return false
}
