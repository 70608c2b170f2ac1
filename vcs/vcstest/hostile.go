package vcstest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// countingTransport counts the requests that reach the fake, and may
// answer them itself.
type countingTransport struct {
	next   http.RoundTripper
	mu     sync.Mutex
	n      int
	answer func(req *http.Request, body []byte) *http.Response
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	if c.answer != nil {
		if resp := c.answer(req, body); resp != nil {
			return resp, nil
		}
	}
	return c.next.RoundTrip(req)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func withTransport(cfg vcs.Config, ct *countingTransport) vcs.Config {
	base := cfg.HTTPClient
	ct.next = base.Transport
	cfg.HTTPClient = &http.Client{Transport: ct, Timeout: base.Timeout, Jar: base.Jar}
	return cfg
}

// testHostileArguments: repository IDs, paths and refs with dot
// segments, control characters or a NUL are ErrInvalidArgument before any
// request, on every host (GitHub's ReadFile of "../../../../../../user"
// sent GET /user with the token).
func (s *suite) testHostileArguments(t *testing.T) {
	f, _ := s.fake(t)
	ct := &countingTransport{}
	p := open(t, withTransport(f.Config(f.Token(TokenFull)), ct))
	repo, pr := f.Repo(), f.PullRequest()
	owner, _, _ := strings.Cut(repo, "/")
	badRepos := []string{owner + "/..", owner + "/.", "../" + repo, repo + "/..", owner + "/a\x00b", owner + "/a\nb", owner + "/%2e%2e"}
	badPaths := []string{"../../../../../../user", "a/../../b", "./README.md", "README.md\x00", "docs/\r\nX: y", `..\..\user`}
	badRefs := []string{"..", "main/../..", "main\x00", "main\n", "./main"}
	type call struct {
		name string
		do   func() error
	}
	var calls []call
	for _, r := range badRepos {
		calls = append(calls,
			call{"GetRepository " + r, func() error { _, err := p.GetRepository(ctx(t), r); return err }},
			call{"GetPullRequest " + r, func() error { _, err := p.GetPullRequest(ctx(t), r, pr); return err }},
			call{"CreateComment " + r, func() error { _, err := p.CreateComment(ctx(t), r, pr, "x"); return err }},
			call{"ListWebhooks " + r, func() error { _, err := p.ListWebhooks(ctx(t), r); return err }},
			call{"CreateWebhook " + r, func() error {
				_, err := p.CreateWebhook(ctx(t), r, vcs.WebhookOptions{URL: HookURL, Secret: "s3cret-value"})
				return err
			}},
		)
	}
	for _, path := range badPaths {
		calls = append(calls,
			call{"ReadFile " + path, func() error { _, err := p.ReadFile(ctx(t), repo, path, ""); return err }},
			call{"ListDirectory " + path, func() error { _, err := p.ListDirectory(ctx(t), repo, path, "", false); return err }},
		)
	}
	for _, ref := range badRefs {
		calls = append(calls,
			call{"ReadFile at " + ref, func() error { _, err := p.ReadFile(ctx(t), repo, "README.md", ref); return err }},
			call{"ListDirectory at " + ref, func() error { _, err := p.ListDirectory(ctx(t), repo, "", ref, false); return err }},
		)
	}
	for _, c := range calls {
		before := ct.count()
		wantErr(t, c.do(), strings.ToValidUTF8(c.name, "?"), vcs.ErrInvalidArgument)
		if n := ct.count() - before; n != 0 {
			t.Errorf("%q: %d requests sent before refusing it", c.name, n)
		}
	}
}

// testEchoedSecrets: a host that echoes the request (its Authorization
// header, its body with the webhook secret) in an error answer gets
// neither the token nor the secret, in any encoding, into the error.
func (s *suite) testEchoedSecrets(t *testing.T) {
	f, _ := s.fake(t)
	const secret = "hook-s3cret/value+with=chars"
	ct := &countingTransport{answer: func(req *http.Request, body []byte) *http.Response {
		echo := `{"message":"Validation failed: ` + strings.ReplaceAll(string(body), `"`, `\"`) + ` sent with ` + req.Header.Get("Authorization") + `","errors":[{"field":"config","value":` + string(body) + `}]}`
		status := http.StatusUnprocessableEntity
		if req.Method == http.MethodGet {
			if !strings.Contains(req.URL.Path, "hook") && !strings.Contains(req.URL.Path, "subscription") {
				return nil
			}
			status = http.StatusUnauthorized
		}
		return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(echo)), Request: req}
	}}
	cfg := withTransport(f.Config(f.Token(TokenFull)), ct)
	p := open(t, cfg)
	secrets := []string{cfg.Token, secret, base64.StdEncoding.EncodeToString([]byte(":" + cfg.Token)),
		base64.StdEncoding.EncodeToString([]byte(cfg.Username + ":" + cfg.Token)), base64.StdEncoding.EncodeToString([]byte(secret))}
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Errorf("%s: no error from a host answering with an error", what)
			return
		}
		for _, sec := range secrets {
			if strings.Contains(err.Error(), sec) {
				t.Errorf("%s: the error repeats %q: %v", what, sec, err)
			}
		}
	}
	_, err := p.CreateWebhook(ctx(t), f.Repo(), vcs.WebhookOptions{URL: HookURL + "/echo", Secret: secret})
	check("CreateWebhook", err)
	_, err = p.ListWebhooks(ctx(t), f.Repo())
	check("ListWebhooks", err)
	_, err = vcs.EnsureWebhook(ctx(t), p, f.Repo(), vcs.WebhookOptions{URL: HookURL + "/echo", Secret: secret})
	check("EnsureWebhook", err)
	var ve *vcs.Error
	if !errors.As(err, &ve) {
		t.Errorf("EnsureWebhook: %T is not a *vcs.Error", err)
	}
}
