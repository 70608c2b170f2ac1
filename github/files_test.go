package github_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// A file over the contents API's limit is ErrTooLarge (GitHub answers 403
// with errors[].code "too_large"), never a truncated read.
func TestReadFileTooLarge(t *testing.T) {
	srv, p, _ := seeded(t)
	big := strings.Repeat("x", 64)
	if _, _, err := srv.Push("octo/app", "main", map[string]*string{"big.sql": &big}); err != nil {
		t.Fatal(err)
	}
	srv.SetMaxFileSize(32)
	f, err := p.ReadFile(ctx, "octo/app", "big.sql", "")
	ve := wantKind(t, "ReadFile over the limit", err, vcs.ErrTooLarge)
	if f != nil || ve.StatusCode != 403 || !has(ve.Hint, "100 MB") {
		t.Errorf("ReadFile over the limit = %v, %+v", f, ve)
	}
	if errors.Is(err, vcs.ErrPermissionDenied) {
		t.Errorf("a too-large file reads as a permission problem: %v", err)
	}
	if f, err := p.ReadFile(ctx, "octo/app", "z.md", ""); err != nil || string(f.Content) != "z" {
		t.Errorf("small file next to it = %v, %v", f, err)
	}
}

func TestListDirectorySymlinksAndSubmodules(t *testing.T) {
	srv, p, _ := seeded(t)
	if _, _, err := srv.Push("octo/app", "main", map[string]*string{"a/link": str("b/2.sql"), "vendor/lib": str("")}); err != nil {
		t.Fatal(err)
	}
	srv.SetFileMode("octo/app", "a/link", "120000")
	srv.SetFileMode("octo/app", "vendor/lib", "160000")
	got, err := p.ListDirectory(ctx, "octo/app", "", "", true)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]vcs.EntryType{}
	for _, e := range got {
		types[e.Path] = e.Type
	}
	if types["a/link"] != vcs.EntrySymlink || types["vendor/lib"] != vcs.EntrySubmodule || types["a/1.sql"] != vcs.EntryFile || types["a/b"] != vcs.EntryDirectory {
		t.Errorf("entry types = %v", types)
	}
	for _, e := range got {
		if e.Type == vcs.EntrySubmodule && e.Size != -1 {
			t.Errorf("submodule size = %d, want -1 (unknown)", e.Size)
		}
	}
	_, err = p.ListDirectory(ctx, "octo/app", "vendor/lib", "", false)
	wantKind(t, "ListDirectory of a submodule", err, vcs.ErrInvalidArgument)
	_, err = p.ListDirectory(ctx, "octo/app", "z.md/deeper", "", false)
	wantKind(t, "ListDirectory below a file", err, vcs.ErrInvalidArgument)
}

func TestListDirectoryAtTagsAndSHAs(t *testing.T) {
	srv, p, _ := seeded(t)
	if _, err := srv.PushTag("octo/app", "v1.0", "main"); err != nil {
		t.Fatal(err)
	}
	sha, _, err := srv.Push("octo/app", "release/2.x", map[string]*string{"a/new.sql": str("new"), "a/1.sql": nil})
	if err != nil {
		t.Fatal(err)
	}
	names := func(ref string) string {
		t.Helper()
		got, err := p.ListDirectory(ctx, "octo/app", "a", ref, false)
		if err != nil {
			t.Fatalf("ListDirectory(a) at %q: %v", ref, err)
		}
		var out []string
		for _, e := range got {
			out = append(out, e.Name)
		}
		return strings.Join(out, ",")
	}
	for ref, want := range map[string]string{"": "1.sql,b", "v1.0": "1.sql,b", "release/2.x": "b,new.sql", sha: "b,new.sql"} {
		if got := names(ref); got != want {
			t.Errorf("ListDirectory(a) at %q = %s, want %s", ref, got, want)
		}
	}
	f, err := p.ReadFile(ctx, "octo/app", "a/new.sql", "release/2.x")
	if err != nil || string(f.Content) != "new" {
		t.Errorf("ReadFile on a branch with a slash = %v, %v", f, err)
	}
}

func TestReadFileKeepsHostContent(t *testing.T) {
	srv := githubtest.New()
	content := "line 1\r\nline 2\n\x00binary"
	if err := srv.CreateRepository("octo/bin", vcstest.RepositoryOptions{Files: map[string]string{"data.bin": content}, Public: true}); err != nil {
		t.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
	f, err := open(t, srv, tok).ReadFile(ctx, "octo/bin", "data.bin", "main")
	if err != nil || string(f.Content) != content || f.SHA == "" {
		t.Errorf("ReadFile of bytes = %+v, %v", f, err)
	}
}
