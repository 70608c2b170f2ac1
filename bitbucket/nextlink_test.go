package bitbucket_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/gitprovider/gitprovider/bitbucket/bitbuckettest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

type rewriteNext struct {
	next    http.RoundTripper
	foreign atomic.Int64
}

// nextRE finds a next link; the rewrite points it at another host and
// makes it an opaque cursor (numbered pages are asked for on the API host
// whatever the link's host).
var nextRE = regexp.MustCompile(`"next":\s*"https://api\.bitbucket\.org/([^"]*?)page=`)

func (r *rewriteNext) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != "api.bitbucket.org" {
		r.foreign.Add(1)
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req,
			Body: io.NopCloser(bytes.NewReader([]byte(`{"pagelen":100,"values":[{"full_name":"evil/injected","slug":"injected"}]}`)))}, nil
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	body = nextRE.ReplaceAll(body, []byte(`"next":"https://evil.example.test/${1}cursor=`))
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// A "next" link to another host is refused: following it let a foreign
// host cut a listing short and inject an item.
func TestNextLinkStaysOnAPIHost(t *testing.T) {
	h := bitbuckettest.Harness()
	fk := h.New(t, vcstest.DefaultFixture())
	cfg := fk.Config(fk.Token(vcstest.TokenFull))
	rt := &rewriteNext{next: cfg.HTTPClient.Transport}
	cfg.HTTPClient = &http.Client{Transport: rt}
	p, err := vcs.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// The changed files of the pull request take two pages, linked by
	// "next" (ListRepositories asks for numbered pages instead).
	files, err := p.ListPullRequestFiles(t.Context(), fk.Repo(), fk.PullRequest())
	if !errors.Is(err, vcs.ErrUnavailable) {
		t.Errorf("ListPullRequestFiles with a foreign next link: %d files, error %v; want ErrUnavailable", len(files), err)
	}
	if n := rt.foreign.Load(); n != 0 {
		t.Errorf("%d requests went to the foreign host", n)
	}
}
