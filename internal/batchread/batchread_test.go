package batchread

import (
	"context"
	"errors"
	"testing"

	"github.com/gitprovider/gitprovider/internal/filecache"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

const commit = "0123456789abcdef0123456789abcdef01234567"

func TestPlanAcceptFinish(t *testing.T) {
	cache := filecache.New(1 << 20)
	cache.Put("o/r", "cached.sql", commit, &vcs.File{Path: "cached.sql", Ref: commit, Content: []byte("kept")})
	b, err := Plan(vcs.KindGitHub, "ReadFiles", cache, "o/r", commit, []string{"/a.sql", "cached.sql", "b.sql", "c.sql"})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Ask) != 3 || b.Ask[0] != 0 || b.Ask[1] != 2 || b.Ask[2] != 3 || b.Path(0) != "a.sql" {
		t.Fatalf("Ask = %v, Path(0) = %q; want [0 2 3] and a.sql", b.Ask, b.Path(0))
	}
	a := []byte("select 1;")
	if !b.Accept(0, httpx.GitBlobSHA(a, false), a) {
		t.Error("a content matching its blob ID was refused")
	}
	if b.Accept(2, httpx.GitBlobSHA([]byte("other"), false), []byte("cut")) {
		t.Error("a content not matching its blob ID was accepted")
	}
	if b.Accept(3, "", []byte("x")) {
		t.Error("a content without a blob ID was accepted")
	}
	var alone []string
	files, err := b.Finish(context.Background(), func(_ context.Context, path string) (*vcs.File, error) {
		alone = append(alone, path)
		return &vcs.File{Path: path, Content: []byte("alone")}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(alone) != 2 || alone[0] != "b.sql" || alone[1] != "c.sql" {
		t.Errorf("read alone: %v, want the two not accepted", alone)
	}
	want := []string{"select 1;", "kept", "alone", "alone"}
	for i, f := range files {
		if string(f.Content) != want[i] {
			t.Errorf("file %d = %q, want %q", i, f.Content, want[i])
		}
	}
	// An accepted file at a commit is kept for the next read.
	if f := cache.Get("o/r", "a.sql", commit); f == nil || string(f.Content) != "select 1;" {
		t.Errorf("accepted file not cached: %v", f)
	}
}

func TestPlanRefusesBadArguments(t *testing.T) {
	for _, paths := range [][]string{{"a.sql", "../etc/passwd"}, {"/"}, {"a\x00b"}} {
		if _, err := Plan(vcs.KindGitLab, "ReadFiles", filecache.New(1<<10), "g/p", "main", paths); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("Plan(%q) = %v, want ErrInvalidArgument", paths, err)
		}
	}
}

func TestFinishReturnsTheFirstError(t *testing.T) {
	b, err := Plan(vcs.KindAzureDevOps, "ReadFiles", filecache.New(1<<10), "p/r", "main", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	_, err = b.Finish(context.Background(), func(context.Context, string) (*vcs.File, error) {
		calls++
		return nil, vcs.Errorf(vcs.KindAzureDevOps, "ReadFile", vcs.ErrNotFound, "no such file")
	})
	if !errors.Is(err, vcs.ErrNotFound) || calls != 1 {
		t.Errorf("Finish = %v after %d reads, want ErrNotFound after 1", err, calls)
	}
}

func TestFatal(t *testing.T) {
	ctx := context.Background()
	done, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		ctx  context.Context
		err  error
		want bool
	}{
		{ctx, nil, false},
		{ctx, vcs.Errorf(vcs.KindGitLab, "ReadFiles", vcs.ErrInvalidArgument, "GraphQL refused the token"), false},
		{ctx, vcs.Errorf(vcs.KindGitHub, "ReadFiles", vcs.ErrRateLimited, "slow down"), true},
		{done, errors.New("canceled"), true},
	} {
		if got := Fatal(c.ctx, c.err); got != c.want {
			t.Errorf("Fatal(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestIsLFSPointer(t *testing.T) {
	if !IsLFSPointer([]byte("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 3\n")) || IsLFSPointer([]byte("select 1;")) {
		t.Error("IsLFSPointer misjudged")
	}
}
