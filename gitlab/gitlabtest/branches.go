package gitlabtest

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// serveWriteBack routes the branch, commit, merge request creation and
// commit status endpoints; it reports whether it answered.
func (s *Server) serveWriteBack(w http.ResponseWriter, r *http.Request, c *caller, seg []string) bool {
	get, post := r.Method == http.MethodGet, r.Method == http.MethodPost
	at := func(i int, want string) bool { return len(seg) > i && seg[0] == "projects" && seg[i] == want }
	switch {
	case len(seg) == 4 && at(2, "repository") && at(3, "branches") && (get || post):
		if get {
			s.handleBranches(w, r, c, seg[1])
		} else {
			s.handleCreateBranch(w, r, c, seg[1])
		}
	case len(seg) == 5 && at(2, "repository") && at(3, "branches") && get:
		s.handleBranch(w, r, c, seg[1], seg[4])
	case len(seg) == 4 && at(2, "repository") && at(3, "commits") && post:
		s.handleCreateCommit(w, r, c, seg[1])
	case len(seg) == 3 && at(2, "merge_requests") && post:
		s.handleCreateMergeRequest(w, r, c, seg[1])
	case len(seg) == 4 && at(2, "statuses") && post:
		s.handleSetStatus(w, r, c, seg[1], seg[3])
	case len(seg) == 6 && at(2, "repository") && at(3, "commits") && at(5, "statuses") && get:
		s.handleStatuses(w, r, c, seg[1], seg[4])
	default:
		return false
	}
	return true
}

// writer resolves :id for a call that needs the api scope and at least
// the Developer role (GitLab: push to an unprotected branch, open a merge
// request, set a commit status). Below Developer GitLab answers 403.
func (s *Server) writer(w http.ResponseWriter, c *caller, id string) (fakegit.Repo, bool) {
	if !s.scopeOK(w, c, scopesWrite...) {
		return fakegit.Repo{}, false
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return repo, false
	}
	if c.anonymous() || s.role(c, repo) < Developer {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return repo, false
	}
	return repo, true
}

// reader resolves :id for a call that reads code.
func (s *Server) reader(w http.ResponseWriter, c *caller, id string) (fakegit.Repo, bool) {
	if !s.scopeOK(w, c, scopesRead...) {
		return fakegit.Repo{}, false
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return repo, false
	}
	if !s.canRead(c, repo) {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return repo, false
	}
	return repo, true
}

func (s *Server) commitJSON(repo fakegit.Repo, sha, parent, message string, when time.Time) map[string]any {
	title, _, _ := strings.Cut(message, "\n")
	parents := []string{}
	if parent != "" {
		parents = append(parents, parent)
	}
	return map[string]any{
		"id": sha, "short_id": sha[:8], "title": title, "message": message, "parent_ids": parents,
		"author_name": "bytebase-bot", "author_email": "bot@example.com", "authored_date": timeOrNil(when),
		"committer_name": "bytebase-bot", "committer_email": "bot@example.com", "committed_date": timeOrNil(when),
		"created_at": timeOrNil(when), "web_url": s.webURL(repo.FullPath + "/-/commit/" + sha),
	}
}

func (s *Server) branchJSON(repo fakegit.Repo, name, sha string) map[string]any {
	return map[string]any{
		"name": name, "merged": false, "protected": false, "default": name == repo.DefaultBranch,
		"developers_can_push": true, "developers_can_merge": true, "can_push": true,
		"web_url": s.webURL(repo.FullPath + "/-/tree/" + name),
		"commit":  s.commitJSON(repo, sha, "", "", s.Now()),
	}
}

// handleBranches serves GET /projects/:id/repository/branches, paged.
func (s *Server) handleBranches(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.reader(w, c, id)
	if !ok {
		return
	}
	heads, _ := s.store.Branches(repo.FullPath)
	names, _ := s.store.BranchNames(repo.FullPath)
	out := make([]map[string]any, len(names))
	for i, n := range names {
		out[i] = s.branchJSON(repo, n, heads[n])
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
}

// handleBranch serves GET /projects/:id/repository/branches/:branch.
func (s *Server) handleBranch(w http.ResponseWriter, r *http.Request, c *caller, id, name string) {
	repo, ok := s.reader(w, c, id)
	if !ok {
		return
	}
	sha, err := s.store.BranchHead(repo.FullPath, name)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Branch Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.branchJSON(repo, name, sha))
}

// writeParams reads a write call's parameters: GitLab takes them as a JSON
// body, a form or the query string.
func writeParams(r *http.Request) map[string]any {
	out := map[string]any{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = fakehttp.ReadJSON(r, &out)
	} else {
		_ = r.ParseForm()
		for k, v := range r.Form {
			out[k] = v[0]
		}
	}
	for k, v := range r.URL.Query() {
		if _, ok := out[k]; !ok {
			out[k] = v[0]
		}
	}
	return out
}

func str(m map[string]any, k string) string {
	v, _ := m[k].(string)
	return v
}

// handleCreateBranch serves POST /projects/:id/repository/branches
// (branch, ref): 400 "Branch already exists" or "Invalid reference name".
func (s *Server) handleCreateBranch(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.writer(w, c, id)
	if !ok {
		return
	}
	in := writeParams(r)
	name, ref := str(in, "branch"), str(in, "ref")
	if name == "" || ref == "" {
		writeError(w, http.StatusBadRequest, "branch is missing, ref is missing")
		return
	}
	sha, err := s.store.Resolve(repo.FullPath, ref)
	if err != nil {
		writeError(w, http.StatusBadRequest, "Invalid reference name: "+ref)
		return
	}
	if _, err := s.store.CreateBranch(repo.FullPath, name, sha); errors.Is(err, fakegit.ErrConflict) {
		writeError(w, http.StatusBadRequest, "Branch already exists")
		return
	} else if err != nil {
		storeError(w, err, "404 Project Not Found")
		return
	}
	s.deliverPush(repo.FullPath, name, zeroSHA, sha)
	fakehttp.WriteJSON(w, http.StatusCreated, s.branchJSON(repo, name, sha))
}

// zeroSHA is the "before" of a push that created a branch.
const zeroSHA = "0000000000000000000000000000000000000000"
