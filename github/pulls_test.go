package github_test

import (
	"fmt"
	"testing"

	"github.com/gitprovider/gitprovider/github"
	"github.com/gitprovider/gitprovider/vcs"
)

// GitHub lists at most 3,000 files of a pull request; past the cap the
// files come back with ErrTruncated, not silently cut.
func TestListPullRequestFilesTruncated(t *testing.T) {
	srv, p, _ := seeded(t)
	files := map[string]*string{}
	for i := range 8 {
		files[fmt.Sprintf("m/%02d.sql", i)] = str("x")
	}
	n := openPullRequest(t, srv, "octo/app", "many", files)
	srv.SetPageSize(2)
	srv.SetPullRequestFileLimit(5)
	defer github.SetMaxPullRequestFiles(5)()

	got, err := p.ListPullRequestFiles(ctx, "octo/app", n)
	ve := wantKind(t, "ListPullRequestFiles past the cap", err, vcs.ErrTruncated)
	if len(got) != 5 || !has(ve.Message, "5 of the pull request's 8") {
		t.Errorf("truncated listing = %d files, %v; want the 5 GitHub lists and a message naming 8", len(got), err)
	}

	// Exactly at the cap, with nothing more, is complete.
	small := openPullRequest(t, srv, "octo/app", "five", map[string]*string{"f/1": str("1"), "f/2": str("2"), "f/3": str("3"), "f/4": str("4"), "f/5": str("5")})
	got, err = p.ListPullRequestFiles(ctx, "octo/app", small)
	if err != nil || len(got) != 5 {
		t.Errorf("pull request of exactly the cap = %d files, %v", len(got), err)
	}
}

func TestPullRequestStates(t *testing.T) {
	srv, p, _ := seeded(t)
	n := openPullRequest(t, srv, "octo/app", "f", map[string]*string{"a/1.sql": str("changed")})
	pr, err := p.GetPullRequest(ctx, "octo/app", n)
	if err != nil || pr.State != vcs.PullRequestOpen || pr.MergeCommitSHA != "" || pr.BaseSHA == "" {
		t.Fatalf("open pull request = %+v, %v (no merge commit before a merge)", pr, err)
	}
	if _, err := srv.MergePullRequest("octo/app", n); err != nil {
		t.Fatal(err)
	}
	pr, err = p.GetPullRequest(ctx, "octo/app", n)
	if err != nil || !pr.Merged() || pr.MergeCommitSHA == "" {
		t.Errorf("merged pull request = %+v, %v", pr, err)
	}
	_, err = p.ListPullRequestFiles(ctx, "octo/app", -1)
	wantKind(t, "ListPullRequestFiles(-1)", err, vcs.ErrInvalidArgument)
}
