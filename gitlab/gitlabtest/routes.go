package gitlabtest

import (
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// serve routes one request. Paths are matched on their escaped form, one
// segment at a time, so a project's URL-encoded full path
// (group%2Fsub%2Fproject) and a file's encoded path stay one segment.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), s.base.EscapedPath())
	if !ok {
		http.NotFound(w, r)
		return
	}
	if status := s.takeFault(r); status != 0 {
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeError(w, status, http.StatusText(status))
		return
	}
	if rest == "/oauth/token/info" && r.Method == http.MethodGet {
		if c, ok := s.authenticate(w, r); ok {
			s.handleTokenInfo(w, r, c)
		}
		return
	}
	api, ok := strings.CutPrefix(rest, "/api/v4/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	c, ok := s.authenticate(w, r)
	if !ok {
		return
	}
	if s.rateLimited(w, c) {
		return
	}
	raw := strings.Split(strings.TrimSuffix(api, "/"), "/")
	seg := make([]string, len(raw))
	for i, p := range raw {
		seg[i] = unescape(p)
	}
	get, m := r.Method == http.MethodGet, r.Method
	match := func(n int, head ...string) bool {
		if len(seg) != n {
			return false
		}
		for i, h := range head {
			if h != "*" && seg[i] != h {
				return false
			}
		}
		return true
	}
	switch {
	case get && match(1, "user"):
		s.handleUser(w, r, c)
	case get && match(2, "personal_access_tokens", "self"):
		s.handleTokenSelf(w, r, c)
	case get && match(1, "projects"):
		s.handleProjects(w, r, c)
	case get && match(2, "projects"):
		s.handleProject(w, r, c, seg[1])
	case get && match(6, "projects", "*", "repository", "files", "*", "raw"):
		s.handleFile(w, r, c, seg[1], seg[4], true)
	case get && match(5, "projects", "*", "repository", "files"):
		s.handleFile(w, r, c, seg[1], seg[4], false)
	case get && match(4, "projects", "*", "repository", "tree"):
		s.handleTree(w, r, c, seg[1])
	case get && match(3, "projects", "*", "merge_requests"):
		s.handleMergeRequests(w, r, c, seg[1])
	case get && match(4, "projects", "*", "merge_requests"):
		s.handleMergeRequest(w, r, c, seg[1], seg[3])
	case get && match(5, "projects", "*", "merge_requests", "*", "diffs"):
		s.handleDiffs(w, r, c, seg[1], seg[3])
	case get && match(5, "projects", "*", "merge_requests", "*", "notes"):
		s.handleNotes(w, r, c, seg[1], seg[3])
	case m == http.MethodPost && match(5, "projects", "*", "merge_requests", "*", "notes"):
		s.handleCreateNote(w, r, c, seg[1], seg[3])
	case (get || m == http.MethodPut) && match(6, "projects", "*", "merge_requests", "*", "notes"):
		s.handleNote(w, r, c, seg[1], seg[3], seg[5])
	case (get || m == http.MethodPost) && match(3, "projects", "*", "hooks"):
		s.handleHooks(w, r, c, seg[1])
	case (get || m == http.MethodPut || m == http.MethodDelete) && match(4, "projects", "*", "hooks"):
		s.handleHook(w, r, c, seg[1], seg[3])
	default:
		fakehttp.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "404 Not Found"})
	}
}
