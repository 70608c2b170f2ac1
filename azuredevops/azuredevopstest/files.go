package azuredevopstest

import (
	"errors"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

func (s *Server) commit(repo, branch string, files map[string]*string) (string, []delivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		return "", nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	heads, err := s.store.Branches(ri.full)
	if err != nil {
		return "", nil, err
	}
	old := heads[branch]
	sha, err := s.store.Commit(ri.full, branch, files)
	if err != nil {
		return "", nil, err
	}
	var out []delivery
	out = append(out, s.pushEvent(ri, branch, old, sha)...)
	for _, pr := range s.prsOf(ri) {
		st, err := s.store.PullRequest(ri.full, pr.num)
		if err != nil || st.State != "open" || st.SourceBranch != branch {
			continue
		}
		pr.iterations = append(pr.iterations, sha)
		pr.iterTimes = append(pr.iterTimes, s.Now())
		pr.systemThread(s, s.defaultUser, fmt.Sprintf("%s updated the pull request with a new iteration", s.defaultUser.DisplayName))
		out = append(out, s.prEvent(pr, EventPullRequestUpdated,
			fmt.Sprintf("%s updated the source branch of pull request %d", s.defaultUser.DisplayName, pr.ID))...)
		out = append(out, s.speculativeMerge(pr)...)
	}
	return sha, out, nil
}

// tag points tag at the head of branch, delivering nothing (PushTag
// delivers the push).
func (s *Server) tag(repo, tag, branch string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		return fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	heads, err := s.store.Branches(ri.full)
	if err != nil {
		return err
	}
	sha, ok := heads[branch]
	if !ok {
		return fmt.Errorf("azuredevopstest: no branch %q", branch)
	}
	if err := s.store.Tag(ri.full, tag, branch); err != nil {
		return err
	}
	ri.tags[tag] = sha
	return nil
}

// resolveVersion reads versionDescriptor.version / versionType (branch by
// default; the default branch when no version is given).
func (s *Server) resolveVersion(q *request, ri *repoInfo) (sha, desc string, ok bool) {
	v := q.query("versionDescriptor.version")
	vt := strings.ToLower(q.query("versionDescriptor.versionType"))
	if vt == "" {
		vt = "branch"
	}
	r, _ := s.store.Repo(ri.full)
	if v == "" {
		if vt != "branch" {
			q.fail(http.StatusBadRequest, "ArgumentException", "A version is required for versionType %s.", vt)
			return "", "", false
		}
		v = r.DefaultBranch
	}
	switch vt {
	case "branch":
		desc = "<Branch: " + v + ">"
		heads, _ := s.store.Branches(ri.full)
		sha = heads[v]
	case "tag":
		desc = "<Tag: " + v + ">"
		sha = ri.tags[v]
	case "commit":
		desc = "<Commit: " + v + ">"
		if len(v) == 40 {
			if got, err := s.store.Resolve(ri.full, v); err == nil && strings.EqualFold(got, v) {
				sha = got
			}
		}
	default:
		q.fail(http.StatusBadRequest, "ArgumentException", "The versionType %q is not valid; use branch, tag or commit.", vt)
		return "", "", false
	}
	if sha == "" {
		q.fail(http.StatusNotFound, "GitUnresolvableToCommitException", "TF401175: The version descriptor %s could not be resolved to a version on the repository %s", desc, ri.Name)
		return "", "", false
	}
	return sha, desc, true
}

func (s *Server) itemJSON(ri *repoInfo, commit string, e fakegit.Entry) map[string]any {
	p := "/" + e.Path
	if e.Path == "" {
		p = "/"
	}
	m := map[string]any{
		"objectId": e.SHA, "commitId": commit, "path": p,
		"url": s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/items?path=" + p + "&versionType=Commit&version=" + commit,
	}
	if e.Type == "dir" {
		m["gitObjectType"], m["isFolder"] = "tree", true
	} else {
		m["gitObjectType"] = "blob"
	}
	return m
}

// serveItems is GET …/items: one file (raw with $format=octetStream or
// Accept: application/octet-stream, else JSON metadata and, with
// includeContent, its text) or, with scopePath and recursionLevel, a
// listing that starts with the scope itself.
func (s *Server) serveItems(q *request, ri *repoInfo) {
	if !q.scope(ScopeCode) || !q.permitted(nsGit, gitRead, "GenericRead", "repoV2/"+ri.project.ID+"/"+ri.ID) {
		return
	}
	s.mu.Lock()
	sha, desc, ok := s.resolveVersion(q, ri)
	s.mu.Unlock()
	if !ok {
		return
	}
	p := q.query("scopePath")
	level := strings.ToLower(q.query("recursionLevel"))
	if p == "" {
		p = q.query("path")
	}
	if p == "" {
		q.fail(http.StatusBadRequest, "ArgumentNullException", "Value cannot be null. Parameter name: path")
		return
	}
	clean := strings.Trim(path.Clean("/"+p), "/")
	notFound := func() {
		q.fail(http.StatusNotFound, "GitItemNotFoundException", "TF401174: The item '/%s' could not be found in the repository '%s' at the version specified by '%s' (resolved to commit '%s').", clean, ri.Name, desc, sha)
	}
	isDir, err := s.store.IsDir(ri.full, sha, clean)
	if err != nil {
		notFound()
		return
	}
	content, blob, ferr := s.store.ReadFile(ri.full, sha, clean)
	isFile := ferr == nil && clean != ""
	if !isFile && !isDir {
		notFound()
		return
	}
	if isDir {
		if len(clean) > 0 {
			// IsDir says yes for a prefix of files only.
			if _, err := s.store.Tree(ri.full, sha, clean, false); err != nil {
				notFound()
				return
			}
		}
	}

	switch level {
	case "", "none":
		if isFile {
			raw := strings.EqualFold(q.query("$format"), "octetStream") ||
				(q.query("$format") == "" && strings.Contains(q.r.Header.Get("Accept"), "application/octet-stream"))
			if raw {
				q.w.Header().Set("Content-Type", "application/octet-stream")
				if q.query("download") == "true" {
					q.w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(clean))
				}
				q.w.WriteHeader(http.StatusOK)
				_, _ = q.w.Write(content)
				return
			}
			m := s.itemJSON(ri, sha, fakegit.Entry{Path: clean, Type: "file", SHA: blob})
			if q.query("includeContent") == "true" {
				m["content"] = string(content)
			}
			q.json(http.StatusOK, m)
			return
		}
		// Bytes of a folder (unconfirmed how the host words it for the
		// Accept header; it refuses $format=octetStream so).
		if strings.EqualFold(q.query("$format"), "octetStream") ||
			(q.query("$format") == "" && strings.Contains(q.r.Header.Get("Accept"), "application/octet-stream")) {
			q.fail(http.StatusBadRequest, "GitItemIsFolderException", "The item '/%s' is a folder; list it with scopePath and recursionLevel.", clean)
			return
		}
		q.json(http.StatusOK, s.itemJSON(ri, sha, s.dirEntry(ri, sha, clean)))
	case "onelevel", "onelevelplusnestedemptyfolders", "full":
		var list []any
		if isFile {
			list = append(list, s.itemJSON(ri, sha, fakegit.Entry{Path: clean, Type: "file", SHA: blob}))
		} else {
			list = append(list, s.itemJSON(ri, sha, s.dirEntry(ri, sha, clean)))
			entries, err := s.store.Tree(ri.full, sha, clean, level == "full")
			if err != nil && !errors.Is(err, fakegit.ErrNotFound) {
				q.fail(http.StatusInternalServerError, "Exception", "%v", err)
				return
			}
			for _, e := range entries {
				list = append(list, s.itemJSON(ri, sha, e))
			}
		}
		q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
	default:
		q.fail(http.StatusBadRequest, "ArgumentException", "The recursionLevel %q is not valid.", q.query("recursionLevel"))
	}
}

// dirEntry is the item of a directory itself.
func (s *Server) dirEntry(ri *repoInfo, commit, dir string) fakegit.Entry {
	if dir == "" {
		root, _ := s.store.RootTree(ri.full, commit)
		return fakegit.Entry{Path: "", Type: "dir", SHA: root}
	}
	parent := path.Dir(dir)
	if parent == "." {
		parent = ""
	}
	entries, _ := s.store.Tree(ri.full, commit, parent, false)
	for _, e := range entries {
		if e.Path == dir {
			return e
		}
	}
	return fakegit.Entry{Path: dir, Name: path.Base(dir), Type: "dir"}
}
