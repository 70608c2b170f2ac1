package gitlab_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/gitlab/gitlabtest"
	"github.com/gitprovider/gitprovider/vcs"
)

// TestProjectPaths: projects in nested subgroups with dots, dashes and
// unicode, and files with spaces and dots, are addressed by their
// URL-encoded full path (or numeric ID) and route to the right project.
func TestProjectPaths(t *testing.T) {
	s := newSeeded(t)
	for _, repo := range []string{"acme/sub.group/my.project-ñandú", "acme/a/b/c/d-e_f.g", "acme/platform/db-migrations.old"} {
		t.Run(repo, func(t *testing.T) {
			id, err := s.srv.CreateProject(repo, gitlabtest.RepoOptions{Files: map[string]string{
				"dir.v1/ñandú notes.md": "unicode\n", "a.b/c.d.sql": "dots\n", "100%.sql": "percent\n"}})
			if err != nil {
				t.Fatal(err)
			}
			p := s.provider(t, s.tok)
			for _, ref := range []string{repo, strconv.Itoa(id), "/" + repo + "/"} {
				r, err := p.GetRepository(testCtx(t), ref)
				if err != nil || r.ID != repo || r.HostID != strconv.Itoa(id) {
					t.Errorf("GetRepository(%q) = %+v, %v", ref, r, err)
				}
			}
			for path, want := range map[string]string{"dir.v1/ñandú notes.md": "unicode\n", "a.b/c.d.sql": "dots\n", "100%.sql": "percent\n"} {
				f, err := p.ReadFile(testCtx(t), repo, path, "main")
				if err != nil || string(f.Content) != want || f.SHA == "" {
					t.Errorf("ReadFile(%q) = %v, %v", path, f, err)
				}
			}
			entries, err := p.ListDirectory(testCtx(t), strconv.Itoa(id), "dir.v1", "", false)
			if err != nil || len(entries) != 1 || entries[0].Name != "ñandú notes.md" || entries[0].Type != vcs.EntryFile {
				t.Errorf("ListDirectory = %v, %v", entries, err)
			}
			rep, err := p.CheckAccess(testCtx(t), repo)
			if err != nil || !rep.OK() {
				t.Errorf("CheckAccess = %v, %v", rep, err)
			}
		})
	}
	// The project's path travels as one encoded segment, dots as %2E.
	found := false
	for _, line := range s.srv.RequestLog() {
		if strings.Contains(line, "/projects/acme%2Fsub%2Egroup%2Fmy%2Eproject-%C3%B1and%C3%BA/repository/files/dir%2Ev1%2F%C3%B1and%C3%BA%20notes%2Emd/raw") {
			found = true
		}
	}
	if !found {
		t.Errorf("no request with the encoded project and file path in %q", s.srv.RequestLog())
	}
}

// TestPaginationModes: trees are listed with keyset pagination, projects
// with offset pages ordered by ID (repos_test.go has the rest), merge
// request diffs and notes with page numbers; every page is followed.
func TestPaginationModes(t *testing.T) {
	s := newSeeded(t)
	s.srv.SetPageSize(2)
	for i := 0; i < 4; i++ {
		if _, err := s.srv.CreateProject("acme/svc-"+strconv.Itoa(i), gitlabtest.RepoOptions{Files: map[string]string{
			"a.sql": "1", "b.sql": "2", "c/d.sql": "3", "c/e.sql": "4"}}); err != nil {
			t.Fatal(err)
		}
	}
	p := s.provider(t, s.tok)
	repos, err := vcs.Collect(p.ListRepositories(testCtx(t)))
	if err != nil || len(repos) != 5 {
		t.Fatalf("ListRepositories = %d, %v", len(repos), err)
	}
	entries, err := p.ListDirectory(testCtx(t), "acme/svc-0", "", "", true)
	if err != nil || len(entries) != 5 {
		t.Fatalf("ListDirectory = %d entries, %v", len(entries), err)
	}
	var projectPages, treePages int
	for _, line := range s.srv.RequestLog() {
		switch {
		case strings.HasPrefix(line, "GET /api/v4/projects?"):
			if !strings.Contains(line, "order_by=id") || !strings.Contains(line, "membership=true") || !strings.Contains(line, "min_access_level=40") {
				t.Errorf("projects listed with %s", line)
			}
			projectPages++
		case strings.Contains(line, "/repository/tree?"):
			if !strings.Contains(line, "pagination=keyset") {
				t.Errorf("tree listed with %s", line)
			}
			treePages++
		}
	}
	if projectPages != 3 || treePages != 3 {
		t.Errorf("%d project pages, %d tree pages; want 3 and 3", projectPages, treePages)
	}
}

func TestListDirectoryMissing(t *testing.T) {
	s := newSeeded(t)
	p := s.provider(t, s.tok)
	for _, dir := range []string{"nope", "README.md"} {
		if _, err := p.ListDirectory(testCtx(t), s.repo, dir, "", false); !isNotFound(err) {
			t.Errorf("ListDirectory(%q) = %v, want ErrNotFound", dir, err)
		}
	}
	if _, err := p.ListDirectory(testCtx(t), s.repo, "", "no-such-ref", false); !isNotFound(err) {
		t.Errorf("ListDirectory at a missing ref: %v", err)
	}
	// GitLab's reason survives the client, which drops 404 bodies.
	if _, err := p.ReadFile(testCtx(t), s.repo, "nope.sql", ""); !isNotFound(err) || !strings.Contains(err.Error(), "404 File Not Found") {
		t.Errorf("ReadFile of a missing file: %v", err)
	}
	if _, err := p.ReadFile(testCtx(t), s.repo, "README.md", "no-such-ref"); !isNotFound(err) || !strings.Contains(err.Error(), "404 Commit Not Found") {
		t.Errorf("ReadFile at a missing ref: %v", err)
	}
	_, err := p.GetRepository(testCtx(t), "acme/platform/nope")
	var ve *vcs.Error
	if !errors.As(err, &ve) || !isNotFound(err) || !strings.Contains(ve.Hint, "member") {
		t.Errorf("GetRepository of a missing project: %v", err)
	}
}
