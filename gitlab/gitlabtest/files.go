package gitlabtest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"path"
	"sort"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// readable checks scope and role for reading a project's code.
func (s *Server) readable(w http.ResponseWriter, c *caller, id string, scopes []string) (fakegit.Repo, bool) {
	if !s.scopeOK(w, c, scopes...) {
		return fakegit.Repo{}, false
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return fakegit.Repo{}, false
	}
	if !s.canRead(c, repo) {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return fakegit.Repo{}, false
	}
	return repo, true
}

// handleFile serves GET /projects/:id/repository/files/:file_path[/raw].
// The raw form defaults ref to the default branch; the JSON form requires
// it, as GitLab does.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request, c *caller, id, filePath string, raw bool) {
	repo, ok := s.readable(w, c, id, scopesReadRepo)
	if !ok {
		return
	}
	ref := r.URL.Query().Get("ref")
	if ref == "" && !raw {
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "ref is missing, ref is empty"})
		return
	}
	commit, err := s.store.Resolve(repo.FullPath, ref)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Commit Not Found")
		return
	}
	content, blob, err := s.store.ReadFile(repo.FullPath, commit, filePath)
	if err != nil {
		if errors.Is(err, fakegit.ErrNotFound) {
			writeError(w, http.StatusNotFound, "404 File Not Found")
		} else {
			storeError(w, err, "404 File Not Found")
		}
		return
	}
	sum := sha256.Sum256(content)
	h := w.Header()
	h.Set("X-Gitlab-File-Name", path.Base(filePath))
	h.Set("X-Gitlab-File-Path", filePath)
	h.Set("X-Gitlab-Size", strconv.Itoa(len(content)))
	h.Set("X-Gitlab-Encoding", "base64")
	h.Set("X-Gitlab-Blob-Id", blob)
	h.Set("X-Gitlab-Commit-Id", commit)
	h.Set("X-Gitlab-Last-Commit-Id", commit)
	h.Set("X-Gitlab-Ref", ref)
	h.Set("X-Gitlab-Content-Sha256", hex.EncodeToString(sum[:]))
	if raw {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(content)
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"file_name": path.Base(filePath), "file_path": filePath, "size": len(content),
		"encoding": "base64", "content": base64.StdEncoding.EncodeToString(content),
		"content_sha256": hex.EncodeToString(sum[:]), "ref": ref, "blob_id": blob,
		"commit_id": commit, "last_commit_id": commit,
	})
}

// handleTree serves GET /projects/:id/repository/tree with path, ref,
// recursive, and offset or keyset (pagination=keyset, page_token)
// pagination. A path that is not a directory is 404, as on GitLab 16.6+.
func (s *Server) handleTree(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.readable(w, c, id, scopesReadRepo)
	if !ok {
		return
	}
	q := r.URL.Query()
	entries, err := s.store.Tree(repo.FullPath, q.Get("ref"), q.Get("path"), q.Get("recursive") == "true")
	if err != nil {
		writeError(w, http.StatusNotFound, "404 invalid revision or path Not Found")
		return
	}
	if q.Get("recursive") != "true" {
		// Git lists a tree's subtrees before its blobs.
		sort.SliceStable(entries, func(i, j int) bool {
			if (entries[i].Type == "dir") != (entries[j].Type == "dir") {
				return entries[i].Type == "dir"
			}
			return entries[i].Name < entries[j].Name
		})
	}
	type node struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Path string `json:"path"`
		Mode string `json:"mode"`
	}
	nodes := make([]node, len(entries))
	for i, e := range entries {
		nodes[i] = node{ID: e.SHA, Name: e.Name, Type: "blob", Path: e.Path, Mode: "100644"}
		if e.Type == "dir" {
			nodes[i].Type, nodes[i].Mode = "tree", "040000"
		}
	}
	if q.Get("pagination") == "keyset" {
		_, per := s.perPage(r)
		// The page token names the last entry of the previous page.
		if tok := q.Get("page_token"); tok != "" {
			i := 0
			for i < len(nodes) && nodes[i].Path != tok {
				i++
			}
			if i == len(nodes) {
				writeError(w, http.StatusBadRequest, "400 Bad request - page_token is invalid")
				return
			}
			nodes = nodes[i+1:]
		}
		page := nodes[:min(per, len(nodes))]
		if len(nodes) > per {
			next := keysetLink(r, map[string]string{"page_token": page[len(page)-1].Path})
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
		fakehttp.WriteJSON(w, http.StatusOK, page)
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, nodes))
}
