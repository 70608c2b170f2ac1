package vcs_test

import (
	"context"
	"errors"
	"iter"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// The scripted provider's write-back methods: none is scripted by the
// workflow tests, so each fails naming itself.

func (f *fakeProvider) GetBranch(context.Context, string, string) (*vcs.Branch, error) {
	return nil, errors.New("GetBranch not scripted")
}
func (f *fakeProvider) ListBranches(context.Context, string) iter.Seq2[*vcs.Branch, error] {
	return func(yield func(*vcs.Branch, error) bool) { yield(nil, errors.New("ListBranches not scripted")) }
}
func (f *fakeProvider) CreateBranch(context.Context, string, string, string) (*vcs.Branch, error) {
	return nil, errors.New("CreateBranch not scripted")
}
func (f *fakeProvider) CommitFiles(context.Context, string, vcs.CommitOptions) (*vcs.Commit, error) {
	return nil, errors.New("CommitFiles not scripted")
}
func (f *fakeProvider) CreatePullRequest(context.Context, string, vcs.PullRequestOptions) (*vcs.PullRequest, error) {
	return nil, errors.New("CreatePullRequest not scripted")
}
func (f *fakeProvider) SetCommitStatus(context.Context, string, string, vcs.StatusOptions) (*vcs.CommitStatus, error) {
	return nil, errors.New("SetCommitStatus not scripted")
}
func (f *fakeProvider) ListCommitStatuses(context.Context, string, string) ([]*vcs.CommitStatus, error) {
	return nil, errors.New("ListCommitStatuses not scripted")
}

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestCheckBranchName(t *testing.T) {
	for _, ok := range []string{"main", "feature/add-users", "release-1.2", "ñandú"} {
		if err := vcs.CheckBranchName("x", "op", ok); err != nil {
			t.Errorf("CheckBranchName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "refs/heads/main", "/a", "a/", "a//b", "-x", "a.", "a.lock", "a..b", "a@{1}", "@", "a b", "a~1", "a^", "a:b", "a?", "a*", "a[", "a\\b", "a/.hidden", "a\x01"} {
		err := vcs.CheckBranchName("x", "op", bad)
		if !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("CheckBranchName(%q) = %v, want ErrInvalidArgument", bad, err)
		}
	}
}

func TestCheckCommitOptions(t *testing.T) {
	good := vcs.CommitOptions{Branch: "b", BaseSHA: sha, Message: "m", Files: []vcs.FileChange{
		{Action: vcs.FileCreate, Path: "a/b.sql", Content: []byte("x")},
		{Action: vcs.FileUpdate, Path: "c.sql"},
		{Action: vcs.FileDelete, Path: "d/e/f.sql"},
	}}
	if err := vcs.CheckCommitOptions("x", "op", good); err != nil {
		t.Fatalf("good commit: %v", err)
	}
	if !vcs.IsCommitSHA(strings.Repeat("a", 64)) || vcs.IsCommitSHA("abc1234") {
		t.Error("IsCommitSHA: wrong on SHA-256 or abbreviated IDs")
	}
	mod := func(f func(*vcs.CommitOptions)) vcs.CommitOptions {
		o := good
		o.Files = append([]vcs.FileChange(nil), good.Files...)
		f(&o)
		return o
	}
	cases := map[string]vcs.CommitOptions{
		"bad branch":     mod(func(o *vcs.CommitOptions) { o.Branch = "a..b" }),
		"short base":     mod(func(o *vcs.CommitOptions) { o.BaseSHA = "0123456" }),
		"no base":        mod(func(o *vcs.CommitOptions) { o.BaseSHA = "" }),
		"no message":     mod(func(o *vcs.CommitOptions) { o.Message = " \n" }),
		"empty commit":   mod(func(o *vcs.CommitOptions) { o.Files = nil }),
		"unknown action": mod(func(o *vcs.CommitOptions) { o.Files[0].Action = "move" }),
		"dotdot":         mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "a/../../etc/passwd" }),
		"leading dotdot": mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "../x" }),
		"dot":            mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "./x" }),
		"absolute":       mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "/x" }),
		"backslash":      mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "a\\..\\x" }),
		"empty segment":  mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "a//x" }),
		"trailing slash": mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "a/" }),
		".git":           mod(func(o *vcs.CommitOptions) { o.Files[0].Path = ".git/config" }),
		"empty path":     mod(func(o *vcs.CommitOptions) { o.Files[0].Path = "" }),
		"twice":          mod(func(o *vcs.CommitOptions) { o.Files[1].Path = o.Files[0].Path }),
	}
	for name, o := range cases {
		if err := vcs.CheckCommitOptions("x", "op", o); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestCheckStatusAndPullRequestOptions(t *testing.T) {
	good := vcs.StatusOptions{Key: "sql-review", State: vcs.StatusSuccess, TargetURL: "https://bytebase.example/review/1"}
	if err := vcs.CheckStatusOptions("x", "op", good); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]vcs.StatusOptions{
		"no key":        {State: vcs.StatusPending},
		"unknown state": {Key: "k", State: "running"},
		"ftp URL":       {Key: "k", State: vcs.StatusError, TargetURL: "ftp://x/y"},
		"javascript":    {Key: "k", State: vcs.StatusError, TargetURL: "javascript:alert(1)"},
		"relative URL":  {Key: "k", State: vcs.StatusError, TargetURL: "/review/1"},
	} {
		if err := vcs.CheckStatusOptions("x", "op", o); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	pr := vcs.PullRequestOptions{Title: "t", SourceBranch: "a", TargetBranch: "main"}
	if err := vcs.CheckPullRequestOptions("x", "op", pr); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]vcs.PullRequestOptions{
		"no title":    {SourceBranch: "a", TargetBranch: "b"},
		"same branch": {Title: "t", SourceBranch: "a", TargetBranch: "a"},
		"no source":   {Title: "t", TargetBranch: "a"},
		"bad target":  {Title: "t", SourceBranch: "a", TargetBranch: "refs/heads/b"},
	} {
		if err := vcs.CheckPullRequestOptions("x", "op", o); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
}

func TestCheckAccessForWithoutSupport(t *testing.T) {
	_, err := vcs.CheckAccessFor(context.Background(), &fakeProvider{}, "a/b", vcs.PermWriteStatus)
	if !errors.Is(err, vcs.ErrInvalidArgument) {
		t.Fatalf("CheckAccessFor on a provider without it = %v, want ErrInvalidArgument", err)
	}
	rep := &vcs.AccessReport{Checks: []vcs.PermissionCheck{{Permission: vcs.PermWriteStatus, Grant: vcs.Granted}, {Permission: vcs.PermWriteContents, Grant: vcs.Missing, Remediation: "fix"}}}
	if !rep.OKFor(vcs.PermWriteStatus) || rep.OKFor(vcs.WriteBackPermissions...) {
		t.Error("OKFor is wrong")
	}
	if s := rep.String(); !strings.Contains(s, "write_contents") || !strings.Contains(s, "-> fix") {
		t.Errorf("String does not show the extra checks:\n%s", s)
	}
}
