package githubtest

import (
	"encoding/base64"
	"net/http"
	"path"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// CommitFiles commits files to branch (created from main when new); a nil
// content deletes the file. Open pull requests from branch follow it.
func (s *Server) CommitFiles(repo, branch string, files map[string]*string) (string, error) {
	return s.store.Commit(repo, branch, files)
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
	if p != "" {
		if content, sha, err := s.store.ReadFile(repo.FullPath, ref, p); err == nil {
			if strings.Contains(r.Header.Get("Accept"), "raw") {
				w.Header().Set("Content-Type", "application/vnd.github.raw; charset=utf-8")
				w.Header().Set("ETag", `"`+sha+`"`)
				_, _ = w.Write(content)
				return
			}
			fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
				"type": "file", "encoding": "base64", "size": len(content), "name": path.Base(p), "path": p,
				"sha": sha, "content": base64.StdEncoding.EncodeToString(content),
			})
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
		list = append(list, map[string]any{"type": e.Type, "name": e.Name, "path": e.Path, "sha": e.SHA, "size": e.Size})
	}
	fakehttp.WriteJSON(w, http.StatusOK, list)
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
		tree = append(tree, treeEntryJSON(e, rel))
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"sha": sha, "tree": tree, "truncated": truncated})
}

func treeEntryJSON(e fakegit.Entry, rel string) map[string]any {
	if e.Type == "dir" {
		return map[string]any{"path": rel, "mode": "040000", "type": "tree", "sha": e.SHA}
	}
	return map[string]any{"path": rel, "mode": "100644", "type": "blob", "sha": e.SHA, "size": e.Size}
}
