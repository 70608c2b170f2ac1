package gitlab_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

// TestListPullRequestFilesStatuses: new, deleted, renamed and modified
// files from /diffs, across pages, with paths holding dots, dashes,
// spaces and unicode.
func TestListPullRequestFilesStatuses(t *testing.T) {
	s := newSeeded(t)
	s.srv.SetPageSize(2)
	p := s.provider(t, s.tok)
	users := "CREATE TABLE users (id int);\n"
	if _, _, err := s.srv.Push(s.repo, "main", map[string]*string{"migrations/002_users.sql": &users}); err != nil {
		t.Fatal(err)
	}
	added, changed := "CREATE TABLE ñandú (id int);\n", "CREATE TABLE users (id bigint);\n"
	init := "CREATE TABLE t (id int);\n"
	if _, _, err := s.srv.Push(s.repo, "feature/mixed", map[string]*string{
		"migrations/003_ñandú-v1.2 new.sql": &added,
		"README.md":                         nil,
		"migrations/001_init.sql":           nil,
		"migrations/001_init.renamed.sql":   &init,
		"migrations/002_users.sql":          &changed,
	}); err != nil {
		t.Fatal(err)
	}
	mr, _, err := s.srv.OpenPullRequest(s.repo, vcstest.PullRequestOptions{Source: "feature/mixed", Target: "main", Title: "Mixed", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := p.ListPullRequestFiles(testCtx(t), s.repo, mr)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, fmt.Sprintf("%s %s<-%s", f.Status, f.Path, f.PreviousPath))
	}
	sort.Strings(got)
	want := []string{
		"added migrations/003_ñandú-v1.2 new.sql<-",
		"modified migrations/002_users.sql<-",
		"removed README.md<-",
		"renamed migrations/001_init.renamed.sql<-migrations/001_init.sql",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ListPullRequestFiles =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	pages := 0
	for _, line := range s.srv.RequestLog() {
		if strings.Contains(line, "/merge_requests/"+fmt.Sprint(mr)+"/diffs") {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("/diffs fetched %d times, want 2 pages of 2", pages)
	}
}

// TestListPullRequestFilesTruncated: over the instance's Maximum diff
// files GitLab keeps part of the diff and changes_count reads "N+"; the
// files it kept come back with ErrTruncated, and ReadChangedFiles reads
// them and reports the truncation.
func TestListPullRequestFilesTruncated(t *testing.T) {
	s := newSeeded(t)
	s.srv.SetPageSize(2)
	files := map[string]*string{}
	for i := 0; i < 7; i++ {
		c := fmt.Sprintf("SELECT %d;\n", i)
		files[fmt.Sprintf("big/%02d.sql", i)] = &c
	}
	if _, _, err := s.srv.Push(s.repo, "feature/big", files); err != nil {
		t.Fatal(err)
	}
	mr, _, err := s.srv.OpenPullRequest(s.repo, vcstest.PullRequestOptions{Source: "feature/big", Target: "main", Title: "Big", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	p := s.provider(t, s.tok)
	if got, err := p.ListPullRequestFiles(testCtx(t), s.repo, mr); err != nil || len(got) != 7 {
		t.Fatalf("under the limit: %d files, %v", len(got), err)
	}

	s.srv.SetDiffMaxFiles(5)
	got, err := p.ListPullRequestFiles(testCtx(t), s.repo, mr)
	var ve *vcs.Error
	if !errors.Is(err, vcs.ErrTruncated) || !errors.As(err, &ve) || !strings.Contains(ve.Message, `"5+"`) || !strings.Contains(ve.Hint, "Diff limits") {
		t.Fatalf("over the limit: %v", err)
	}
	if len(got) != 5 {
		t.Errorf("over the limit: %d files, want the 5 GitLab kept", len(got))
	}
	contents, err := vcs.ReadChangedFiles(testCtx(t), p, s.repo, mr, vcs.ReadChangedFilesOptions{})
	if !errors.Is(err, vcs.ErrTruncated) || len(contents) != 5 {
		t.Errorf("ReadChangedFiles = %d files, %v; want 5 and ErrTruncated", len(contents), err)
	}
}

// TestMergeRequestsByNumericProjectID: a numeric project ID works wherever
// a full path does.
func TestMergeRequestsByNumericProjectID(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	r, err := p.GetRepository(testCtx(t), s.repo)
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.GetPullRequest(testCtx(t), r.HostID, s.mr)
	if err != nil || pr.Number != s.mr || pr.SourceBranch != "feature/users" {
		t.Fatalf("GetPullRequest by ID = %+v, %v", pr, err)
	}
	files, err := p.ListPullRequestFiles(testCtx(t), r.HostID, s.mr)
	if err != nil || len(files) != 1 || files[0].Path != "migrations/002_users.sql" || files[0].Status != vcs.FileAdded {
		t.Errorf("ListPullRequestFiles by ID = %+v, %v", files, err)
	}
	c, err := p.CreateComment(testCtx(t), r.HostID, s.mr, "by ID")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpdateComment(testCtx(t), r.HostID, s.mr, c.ID, "by ID, edited"); err != nil {
		t.Errorf("UpdateComment by ID: %v", err)
	}
	h, err := p.CreateWebhook(testCtx(t), r.HostID, vcs.WebhookOptions{URL: hookURL, Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if hooks, err := p.ListWebhooks(testCtx(t), s.repo); err != nil || len(hooks) != 1 || hooks[0].ID != h.ID {
		t.Errorf("hook created by ID not listed by path: %+v, %v", hooks, err)
	}
}
