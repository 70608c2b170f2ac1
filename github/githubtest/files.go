package githubtest

import (
	"encoding/base64"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// SetMaxFileSize makes the contents API refuse files larger than n bytes
// (GitHub's limit is 100 MB) with GitHub's answer: 403 and an errors[]
// entry with code "too_large".
func (s *Server) SetMaxFileSize(n int) {
	s.mu.Lock()
	s.fileLimit = n
	s.mu.Unlock()
}

// SetFileMode gives the file at path in repo a Git mode other than
// 100644 in tree listings: "120000" makes it a symbolic link, "160000" a
// submodule (a "commit" entry whose SHA is the file's blob SHA), "100755"
// an executable file.
func (s *Server) SetFileMode(repo, path, mode string) {
	s.mu.Lock()
	s.modes[strings.ToLower(repo)+"\x00"+path] = mode
	s.mu.Unlock()
}

func (s *Server) fileMode(repo, path string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.modes[strings.ToLower(repo)+"\x00"+path]; m != "" {
		return m
	}
	return "100644"
}

// handleContents answers GET /repos/{owner}/{repo}/contents/{path}: the
// raw bytes with Accept: application/vnd.github.raw, else GitHub's JSON
// (base64 content for a file, an array for a directory).
func (s *Server) handleContents(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	p := strings.Trim(r.PathValue("path"), "/")
	ref := r.URL.Query().Get("ref")
	at := ref
	if at == "" {
		at = repo.DefaultBranch
	}
	if p != "" {
		if content, sha, err := s.store.ReadFile(repo.FullPath, ref, p); err == nil {
			s.mu.Lock()
			limit := s.fileLimit
			s.mu.Unlock()
			if len(content) > limit {
				writeErrors(w, http.StatusForbidden, "This API returns blobs up to 100 MB in size. The requested blob is too large to fetch via the API.",
					fieldError{Resource: "Blob", Field: "data", Code: "too_large"})
				return
			}
			if strings.Contains(r.Header.Get("Accept"), "raw") {
				etag := `"` + sha + `"`
				w.Header().Set("ETag", etag)
				// A conditional request whose ETag still matches is
				// answered 304 with no body, and GitHub does not count
				// it against the primary rate limit ("Use conditional
				// requests if appropriate", docs.github.com REST best
				// practices): the point taken is given back.
				if etagMatches(r.Header.Get("If-None-Match"), etag) {
					s.refundPoint(w)
					w.WriteHeader(http.StatusNotModified)
					return
				}
				w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
				_, _ = w.Write(content)
				return
			}
			// Past 1 MB the JSON form carries no content (encoding
			// "none"): only the raw media type serves it.
			encoding, encoded := "base64", base64.StdEncoding.EncodeToString(content)
			if len(content) > 1<<20 {
				encoding, encoded = "none", ""
			}
			f := s.contentJSON(repo.FullPath, at, "file", p, sha, len(content))
			f["encoding"], f["content"] = encoding, encoded
			fakehttp.WriteJSON(w, http.StatusOK, f)
			return
		}
	}
	entries, err := s.store.Tree(repo.FullPath, ref, p, false)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	list := make([]any, 0, len(entries))
	for _, e := range entries {
		list = append(list, s.contentJSON(repo.FullPath, at, e.Type, e.Path, e.SHA, e.Size))
	}
	fakehttp.WriteJSON(w, http.StatusOK, list)
}

// contentJSON is one entry of GET contents (a file's answer, a
// directory's items): every property the description marks required,
// links built as GitHub builds them (html and download at ref: the ref
// asked for, else the default branch; git at the blob or tree SHA).
func (s *Server) contentJSON(repo, ref, kind, p, sha string, size int) map[string]any {
	self := s.api.String() + "repos/" + repo + "/contents/" + p + "?ref=" + ref
	html := s.web.String() + repo + "/blob/" + ref + "/" + p
	git := s.api.String() + "repos/" + repo + "/git/blobs/" + sha
	var download any = s.web.String() + repo + "/raw/" + ref + "/" + p
	if kind == "dir" {
		html = s.web.String() + repo + "/tree/" + ref + "/" + p
		git = s.api.String() + "repos/" + repo + "/git/trees/" + sha
		download = nil
	}
	return map[string]any{
		"type": kind, "size": size, "name": path.Base(p), "path": p, "sha": sha,
		"url": self, "html_url": html, "git_url": git, "download_url": download,
		"_links": map[string]any{"self": self, "git": git, "html": html},
	}
}

// handleTree answers GET /repos/{owner}/{repo}/git/trees/{sha}, where sha
// is a tree SHA, a commit SHA or a branch or tag name.
func (s *Server) handleTree(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	sha := r.PathValue("sha")
	commit, dir, err := s.store.TreeBySHA(repo.FullPath, sha)
	if err != nil {
		if commit, err = s.store.Resolve(repo.FullPath, sha); err != nil {
			writeError(w, http.StatusNotFound, "Not Found")
			return
		}
		dir = ""
	}
	recursive := r.URL.Query().Has("recursive")
	entries, err := s.store.Tree(repo.FullPath, commit, dir, recursive)
	if err != nil && dir != "" {
		writeError(w, storeStatus(err), "Not Found")
		return
	}
	s.mu.Lock()
	limit := s.treeLimit
	s.mu.Unlock()
	truncated := recursive && len(entries) > limit
	if truncated {
		entries = entries[:limit]
	}
	tree := make([]any, 0, len(entries))
	for _, e := range entries {
		rel := strings.TrimPrefix(strings.TrimPrefix(e.Path, dir), "/")
		tree = append(tree, treeEntryJSON(e, rel, s.fileMode(repo.FullPath, e.Path)))
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"sha": sha, "tree": tree, "truncated": truncated})
}

// treeEntryJSON renders an entry of GET git/trees: trees and submodules
// ("commit" entries) have no size.
func treeEntryJSON(e fakegit.Entry, rel, mode string) map[string]any {
	switch {
	case e.Type == "dir":
		return map[string]any{"path": rel, "mode": "040000", "type": "tree", "sha": e.SHA}
	case mode == "160000":
		return map[string]any{"path": rel, "mode": mode, "type": "commit", "sha": e.SHA}
	}
	return map[string]any{"path": rel, "mode": mode, "type": "blob", "sha": e.SHA, "size": e.Size}
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2): "*",
// or any listed tag equal to etag once W/ is set aside.
func etagMatches(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// refundPoint gives back the primary rate-limit point authed took for
// this request (a 304 costs none) and says so in the answer's headers.
func (s *Server) refundPoint(w http.ResponseWriter) {
	s.mu.Lock()
	if s.remaining < s.limit {
		s.remaining++
	}
	remaining := s.remaining
	s.mu.Unlock()
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Used", strconv.Itoa(s.limit-remaining))
}
