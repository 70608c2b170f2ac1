package azuredevops_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/azuredevops"
	"github.com/gitprovider/gitprovider/azuredevops/azuredevopstest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// countRequests sorts the fake's log lines after before into itemsbatch,
// blobs and single-item reads.
func countRequests(f *fake, before int) (batch, zips, items int) {
	for _, line := range f.RequestLog()[before:] {
		switch {
		case strings.HasPrefix(line, "POST ") && strings.Contains(line, "/itemsbatch?"):
			batch++
		case strings.HasPrefix(line, "POST ") && strings.Contains(line, "/blobs?"):
			zips++
		case strings.HasPrefix(line, "GET ") && strings.Contains(line, "/items?"):
			items++
		}
	}
	return
}

const lfsText = "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"

func TestReadChangedFilesBatchesOverBlobsZip(t *testing.T) {
	f, _ := newFixture(t)
	const n = 150
	files := map[string]*string{
		"data.bin":   ptr("bytes\x00\xff more"),
		"big.psd":    ptr(lfsText), // a Git LFS pointer: ReadFile resolves it
		"same/a.sql": ptr("-- same\n"),
		"same/b.sql": ptr("-- same\n"), // one blob for two paths
	}
	for i := range n {
		files[fmt.Sprintf("m/%03d.sql", i)] = ptr(fmt.Sprintf("select %d;", i))
	}
	if _, _, err := f.Push(fixtureRepo, "feature/big", files); err != nil {
		t.Fatal(err)
	}
	pr, _, err := f.OpenPullRequest(fixtureRepo, vcstest.PullRequestOptions{Source: "feature/big", Target: "main", Title: "Big"})
	if err != nil {
		t.Fatal(err)
	}
	p := open(t, f.Config(f.Token(vcstest.TokenFull)))
	before := len(f.RequestLog())
	got, err := vcs.ReadChangedFiles(ctx(t), p, fixtureRepo, pr, vcs.ReadChangedFilesOptions{Concurrency: 2 * vcs.MaxBatchRead})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(files) {
		t.Fatalf("%d files, want %d", len(got), len(files))
	}
	for _, fc := range got {
		if string(fc.Content) != *files[fc.Path] {
			t.Fatalf("%s = %q, want %q", fc.Path, fc.Content, *files[fc.Path])
		}
	}
	// More slots than files: one full batch of MaxBatchRead and the rest,
	// each an itemsbatch and a zip; only the LFS pointer is read alone.
	batch, zips, items := countRequests(f, before)
	if batch != 2 || zips != 2 || items != 1 {
		t.Errorf("%d itemsbatch, %d zips, %d single reads; want 2, 2 and 1 (the LFS pointer)", batch, zips, items)
	}

	// Files read at a commit are kept: a second read makes no request.
	prInfo, err := p.GetPullRequest(ctx(t), fixtureRepo, pr)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{"m/000.sql", "data.bin"}
	if _, err := p.ReadFiles(ctx(t), fixtureRepo, prInfo.HeadSHA, paths); err != nil {
		t.Fatal(err)
	}
	before = len(f.RequestLog())
	again, err := p.ReadFiles(ctx(t), fixtureRepo, prInfo.HeadSHA, paths)
	if err != nil || string(again[1].Content) != *files["data.bin"] || again[1].SHA == "" {
		t.Fatalf("second ReadFiles = %v, %v", again, err)
	}
	if n := len(f.RequestLog()) - before; n != 0 {
		t.Errorf("second ReadFiles at a commit sent %d requests, want 0", n)
	}
}

// zipRewriter rewrites every blobs zip the fake answers with edit, which
// gets each entry's name and content.
func zipRewriter(t *testing.T, rt http.RoundTripper, edit func(name string, b []byte) []byte) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		if err != nil || r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/blobs") || resp.StatusCode != http.StatusOK {
			return resp, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, e := range zr.File {
			rc, _ := e.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			w, _ := zw.Create(e.Name)
			_, _ = w.Write(edit(e.Name, b))
		}
		_ = zw.Close()
		resp.Body, resp.ContentLength = io.NopCloser(&buf), int64(buf.Len())
		resp.Header.Del("Content-Length")
		return resp, nil
	})
}

func TestReadFilesFallsBackForWhatTheZipCannotCarry(t *testing.T) {
	f, _ := newFixture(t)
	// 16 KiB of hex digits that do not repeat: it deflates to about half.
	var sb strings.Builder
	for i := range 256 {
		fmt.Fprintf(&sb, "%x", sha256.Sum256([]byte{byte(i)}))
	}
	big := sb.String()
	files := map[string]*string{
		"a.sql": ptr("select 1;"), "b.sql": ptr("select 2;"), "c.sql": ptr("select 3;"),
		"big.sql": &big, "zeros.bin": ptr(strings.Repeat("\x00", 20000)),
	}
	if _, _, err := f.Push(fixtureRepo, "fb", files); err != nil {
		t.Fatal(err)
	}
	cfg := f.Config(f.Token(vcstest.TokenFull))
	read := func(t *testing.T, p *azuredevops.Provider, paths ...string) ([]*vcs.File, error) {
		t.Helper()
		return p.ReadFiles(ctx(t), fixtureRepo, "fb", paths)
	}

	t.Run("mismatch", func(t *testing.T) {
		// A proxy alters b.sql in the zip: its content no longer hashes
		// to its object ID, and it alone is read again.
		c := cfg
		c.HTTPClient = &http.Client{Transport: zipRewriter(t, cfg.HTTPClient.Transport, func(name string, b []byte) []byte {
			if string(b) == "select 2;" {
				return []byte("select 666;")
			}
			return b
		})}
		p := open(t, c)
		before := len(f.RequestLog())
		got, err := read(t, p, "a.sql", "b.sql", "c.sql")
		if err != nil || string(got[0].Content) != "select 1;" || string(got[1].Content) != "select 2;" || string(got[2].Content) != "select 3;" {
			t.Fatalf("ReadFiles = %v, %v", got, err)
		}
		if _, zips, items := countRequests(f, before); zips != 1 || items != 1 {
			t.Errorf("%d zips and %d single reads, want 1 and 1 (b.sql)", zips, items)
		}
	})

	t.Run("zip over the cap is split", func(t *testing.T) {
		// The cap fits the small files' zip but not big.sql's: the zip is
		// asked for in halves until big.sql is alone, and it is read with
		// ReadFile; nothing is cut.
		azuredevops.SetMaxBatchZip(t, 400)
		p := open(t, cfg)
		before := len(f.RequestLog())
		got, err := read(t, p, "a.sql", "big.sql", "b.sql", "c.sql")
		if err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"select 1;", big, "select 2;", "select 3;"} {
			if string(got[i].Content) != want {
				t.Errorf("file %d = %d bytes, want %d", i, len(got[i].Content), len(want))
			}
		}
		if _, zips, items := countRequests(f, before); zips < 2 || items != 1 {
			t.Errorf("%d zips and %d single reads, want the zip split and only big.sql read alone", zips, items)
		}
	})

	t.Run("over MaxFileSize and zip bomb", func(t *testing.T) {
		// zeros.bin deflates to a few dozen bytes but inflates past
		// MaxFileSize: the entry is not inflated past the cap, and
		// ReadFile says it is too large.
		azuredevops.SetMaxFileSize(t, 4096)
		p := open(t, cfg)
		got, err := read(t, p, "a.sql", "zeros.bin")
		var ve *vcs.Error
		if !errors.Is(err, vcs.ErrTooLarge) || !errors.As(err, &ve) || got != nil {
			t.Fatalf("ReadFiles of a file over MaxFileSize = %v, %v; want ErrTooLarge", got, err)
		}
		// An entry whose header understates its size is bounded too.
		c := cfg
		c.HTTPClient = &http.Client{Transport: zipRewriter(t, cfg.HTTPClient.Transport, func(name string, b []byte) []byte {
			if string(b) == "select 1;" {
				return bytes.Repeat([]byte{0}, 1<<20) // no longer its blob either
			}
			return b
		})}
		p = open(t, c)
		got, err = read(t, p, "a.sql", "b.sql")
		if err != nil || string(got[0].Content) != "select 1;" || string(got[1].Content) != "select 2;" {
			t.Fatalf("ReadFiles with an inflating entry = %v, %v", got, err)
		}
	})

	t.Run("binary", func(t *testing.T) {
		azuredevops.SetMaxFileSize(t, 1<<20)
		p := open(t, cfg)
		before := len(f.RequestLog())
		got, err := read(t, p, "zeros.bin")
		if err != nil || string(got[0].Content) != *files["zeros.bin"] {
			t.Fatalf("binary ReadFiles = %v, %v", got, err)
		}
		if _, zips, items := countRequests(f, before); zips != 1 || items != 0 {
			t.Errorf("%d zips and %d single reads; a binary file needs no fallback", zips, items)
		}
	})
}

func TestReadFilesErrors(t *testing.T) {
	f, fx := newFixture(t)
	tok := f.Token(vcstest.TokenFull)
	p := open(t, f.Config(tok))
	noToken := func(t *testing.T, err error) {
		t.Helper()
		var ve *vcs.Error
		if !errors.As(err, &ve) || ve.Hint == "" {
			t.Errorf("%v: want a *vcs.Error with a hint", err)
		}
		if strings.Contains(err.Error(), tok) || (ve != nil && strings.Contains(ve.Hint, tok)) {
			t.Errorf("the error names the token: %v", err)
		}
	}

	before := len(f.RequestLog())
	got, err := p.ReadFiles(ctx(t), fixtureRepo, "", nil)
	if err != nil || len(got) != 0 || len(f.RequestLog()) != before {
		t.Errorf("ReadFiles of no paths = %v, %v, %d requests", got, err, len(f.RequestLog())-before)
	}
	if _, err := p.ReadFiles(ctx(t), fixtureRepo, "", []string{"README.md", "/"}); !errors.Is(err, vcs.ErrInvalidArgument) || len(f.RequestLog()) != before {
		t.Errorf("ReadFiles of an empty path = %v, want ErrInvalidArgument before any request", err)
	}
	if _, err := p.ReadFiles(ctx(t), "no-slash", "", []string{"README.md"}); !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Errorf("ReadFiles of a bad repository = %v", err)
	}

	// A missing path fails the itemsbatch; every file is then read alone
	// and the missing one is ErrNotFound.
	_, err = p.ReadFiles(ctx(t), fixtureRepo, "", []string{"README.md", "no/such.sql"})
	if !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("ReadFiles with a missing path = %v, want ErrNotFound", err)
	}
	noToken(t, err)
	// An unknown ref likewise.
	if _, err := p.ReadFiles(ctx(t), fixtureRepo, "no-such-ref", []string{"README.md"}); !errors.Is(err, vcs.ErrNotFound) {
		t.Errorf("ReadFiles at an unknown ref = %v, want ErrNotFound", err)
	}
	// A tag is found when no branch has the name (the same version rules
	// as ReadFile).
	if _, err := f.PushTag(fixtureRepo, "v9", fx.DefaultBranch); err != nil {
		t.Fatal(err)
	}
	before = len(f.RequestLog())
	if got, err := p.ReadFiles(ctx(t), fixtureRepo, "v9", []string{"README.md"}); err != nil || string(got[0].Content) != fx.BaseFiles["README.md"] {
		t.Errorf("ReadFiles at a tag = %v, %v", got, err)
	}
	if _, zips, items := countRequests(f, before); zips != 1 || items != 0 {
		t.Errorf("ReadFiles at a tag: %d zips, %d single reads; want the batch", zips, items)
	}

	// A revoked token: ErrUnauthorized, without the token in the text.
	bad := open(t, f.Config("not-a-token-"+strings.Repeat("x", 40)))
	_, err = bad.ReadFiles(ctx(t), fixtureRepo, "", []string{"README.md"})
	if !errors.Is(err, vcs.ErrUnauthorized) || strings.Contains(err.Error(), "not-a-token") {
		t.Errorf("ReadFiles with a bad token = %v, want ErrUnauthorized without the token", err)
	}
	// A token without Code (Read) gets the hint naming the scope.
	noCode := f.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeProject}})
	_, err = open(t, f.Config(noCode)).ReadFiles(ctx(t), fixtureRepo, "", []string{"README.md"})
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrPermissionDenied) || !errors.As(err, &ve) || !strings.Contains(ve.Hint, "Code (Read)") || strings.Contains(err.Error(), noCode) {
		t.Errorf("ReadFiles without Code (Read) = %v", err)
	}
}

func TestReadFilesServer(t *testing.T) {
	f, _ := newFixture(t, azuredevopstest.WithServer("https://tfs.fabrikam.example/tfs/DefaultCollection"))
	paths := []string{"README.md", "migrations/001_init.sql"}

	// Server 2022 documents the zip with vso.code_manage: a Code (Read &
	// write) PAT is refused once, and ReadFiles then reads file by file.
	p := open(t, f.Config(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: azuredevopstest.FullScopes})))
	for round := range 2 {
		before := len(f.RequestLog())
		got, err := p.ReadFiles(ctx(t), fixtureRepo, "", paths)
		if err != nil || len(got) != 2 || len(got[0].Content) == 0 {
			t.Fatalf("ReadFiles = %v, %v", got, err)
		}
		batch, zips, items := countRequests(f, before)
		switch {
		case round == 0 && (zips != 1 || items != 2):
			t.Errorf("first ReadFiles: %d zips, %d single reads; want the refused zip and 2", zips, items)
		case round == 1 && (batch != 0 || zips != 0 || items != 2):
			t.Errorf("second ReadFiles: %d itemsbatch, %d zips, %d single reads; want only 2 single reads", batch, zips, items)
		}
	}
	// A token with Code (Read, write, & manage) reads the batch; SetToken
	// lets the zip be tried again.
	if err := p.SetToken(f.CreatePAT("", azuredevopstest.PATOptions{Scopes: []string{azuredevopstest.ScopeCodeManage}})); err != nil {
		t.Fatal(err)
	}
	before := len(f.RequestLog())
	if _, err := p.ReadFiles(ctx(t), fixtureRepo, "", paths); err != nil {
		t.Fatal(err)
	}
	if batch, zips, items := countRequests(f, before); batch != 1 || zips != 1 || items != 0 {
		t.Errorf("with vso.code_manage: %d itemsbatch, %d zips, %d single reads; want 1, 1, 0", batch, zips, items)
	}
}
