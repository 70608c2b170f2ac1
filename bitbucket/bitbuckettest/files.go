package bitbuckettest

import (
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// GET /2.0/repositories/{ws}/{slug}/src redirects to the root of the main
// branch's head commit, as Bitbucket does.
func (s *Server) handleSrcRoot(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	sha, err := s.store.Resolve(repo.FullPath, "")
	if err != nil {
		storeError(w, err, "Commit")
		return
	}
	u, _ := url.Parse(baseURL(r) + "/2.0/repositories/" + repo.FullPath + "/src/" + sha + "/")
	u.RawQuery = r.URL.RawQuery
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// GET /2.0/repositories/{ws}/{slug}/src/{commit}/{path}
//
// {commit} is one path segment: a hash, or a branch or tag name without
// slashes (a branch named "feature/x" cannot be addressed here, exactly as
// on Bitbucket). A file answers with its raw bytes; a directory with a
// paginated listing of commit_file / commit_directory entries, descending
// max_depth levels (default 1). format=meta answers with the entry's
// metadata instead.
func (s *Server) handleSrc(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	ref := r.PathValue("commit")
	p := fakegit.NormalizePath(r.PathValue("path"))
	sha, err := s.store.Resolve(repo.FullPath, ref)
	if err != nil {
		writeError(w, http.StatusNotFound, "Commit not found: "+ref)
		return
	}
	isDir, err := s.store.IsDir(repo.FullPath, sha, p)
	if err != nil {
		storeError(w, err, "Commit")
		return
	}
	meta := r.URL.Query().Get("format") == "meta"
	if !isDir {
		content, _, err := s.store.ReadFile(repo.FullPath, sha, p)
		if err != nil {
			writeError(w, http.StatusNotFound, "No such file or directory: "+p)
			return
		}
		if meta {
			fakehttp.WriteJSON(w, http.StatusOK, fileEntry(repo.FullPath, sha, p, len(content)))
			return
		}
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "text/plain"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(content)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(content)
		return
	}
	if meta {
		fakehttp.WriteJSON(w, http.StatusOK, dirEntry(repo.FullPath, sha, p))
		return
	}
	depth := 1
	if v := r.URL.Query().Get("max_depth"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "Invalid max_depth: "+v)
			return
		}
		depth = n
	}
	entries, err := s.store.Tree(repo.FullPath, sha, p, depth > 1)
	if err != nil {
		storeError(w, err, "Directory")
		return
	}
	prefix := ""
	if p != "" {
		prefix = p + "/"
	}
	var out []map[string]any
	for _, e := range entries {
		if strings.Count(strings.TrimPrefix(e.Path, prefix), "/")+1 > depth {
			continue
		}
		if e.Type == "dir" {
			out = append(out, dirEntry(repo.FullPath, sha, e.Path))
		} else {
			out = append(out, fileEntry(repo.FullPath, sha, e.Path, e.Size))
		}
	}
	writePage(s, w, r, out)
}

func srcLinks(full, sha, p string) map[string]any {
	self := APIRoot + "/repositories/" + full + "/src/" + sha + "/" + escapePath(p)
	return map[string]any{
		"self": map[string]any{"href": self},
		"meta": map[string]any{"href": self + "?format=meta"},
	}
}

func fileEntry(full, sha, p string, size int) map[string]any {
	return map[string]any{
		"type": "commit_file", "path": p, "escaped_path": escapePath(p), "size": size, "attributes": []string{}, "mimetype": nil,
		"commit": map[string]any{"type": "commit", "hash": sha}, "links": srcLinks(full, sha, p),
	}
}

func dirEntry(full, sha, p string) map[string]any {
	return map[string]any{
		"type": "commit_directory", "path": p, "escaped_path": escapePath(p),
		"commit": map[string]any{"type": "commit", "hash": sha}, "links": srcLinks(full, sha, p),
	}
}

func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
