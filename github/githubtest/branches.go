package githubtest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// zeroSHA is the "before" of a push that created a branch.
const zeroSHA = "0000000000000000000000000000000000000000"

// writeBackRoutes adds the branch, Git Data, pull request creation and
// commit status endpoints.
func (s *Server) writeBackRoutes(handle func(string, func(http.ResponseWriter, *http.Request, *call))) {
	handle("GET /repos/{owner}/{repo}/branches", s.handleBranches)
	handle("GET /repos/{owner}/{repo}/branches/{branch...}", s.handleBranch)
	handle("POST /repos/{owner}/{repo}/git/refs", s.handleCreateRef)
	handle("PATCH /repos/{owner}/{repo}/git/refs/heads/{branch...}", s.handleUpdateRef)
	handle("GET /repos/{owner}/{repo}/git/commits/{sha}", s.handleGitCommit)
	handle("POST /repos/{owner}/{repo}/git/commits", s.handleCreateCommit)
	handle("POST /repos/{owner}/{repo}/git/trees", s.handleCreateTree)
	handle("POST /repos/{owner}/{repo}/git/blobs", s.handleCreateBlob)
	handle("POST /repos/{owner}/{repo}/pulls", s.handleCreatePull)
	handle("POST /repos/{owner}/{repo}/statuses/{sha}", s.handleCreateStatus)
	handle("GET /repos/{owner}/{repo}/commits/{ref}/status", s.handleCombinedStatus)
}

func (s *Server) branchJSON(repo, name, sha string) map[string]any {
	return map[string]any{
		"name":      name,
		"commit":    map[string]any{"sha": sha, "url": s.api.String() + "repos/" + repo + "/commits/" + sha},
		"protected": false,
	}
}

// handleBranches answers GET /repos/{owner}/{repo}/branches, paged.
func (s *Server) handleBranches(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	heads, _ := s.store.Branches(repo.FullPath)
	names, _ := s.store.BranchNames(repo.FullPath)
	list := make([]any, len(names))
	for i, n := range names {
		list[i] = s.branchJSON(repo.FullPath, n, heads[n])
	}
	s.writePage(w, r, list)
}

// handleBranch answers GET /repos/{owner}/{repo}/branches/{branch}.
func (s *Server) handleBranch(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	name := r.PathValue("branch")
	sha, err := s.store.BranchHead(repo.FullPath, name)
	if err != nil {
		writeError(w, http.StatusNotFound, "Branch not found")
		return
	}
	// branch-with-protection: the full commit, links and an unprotected
	// branch's protection ({"enabled": false, …}, as GitHub answers it).
	tree, _ := s.store.RootTree(repo.FullPath, sha)
	api := s.api.String() + "repos/" + repo.FullPath + "/branches/" + name
	out := s.branchJSON(repo.FullPath, name, sha)
	out["commit"] = s.commitJSON(repo.FullPath, sha, tree)
	out["_links"] = map[string]string{"html": s.web.String() + repo.FullPath + "/tree/" + name, "self": api}
	out["protection_url"] = api + "/protection"
	out["protection"] = map[string]any{"enabled": false, "required_status_checks": map[string]any{"enforcement_level": "off", "contexts": []any{}, "checks": []any{}}}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) refJSON(repo, ref, sha string) map[string]any {
	return map[string]any{"ref": ref, "node_id": "REF_" + sha[:12], "url": s.api.String() + "repos/" + repo + "/git/" + ref,
		"object": map[string]string{"sha": sha, "type": "commit", "url": s.api.String() + "repos/" + repo + "/git/commits/" + sha}}
}

// handleCreateRef answers POST /repos/{owner}/{repo}/git/refs {ref, sha}:
// 422 "Reference already exists" or "Object does not exist".
func (s *Server) handleCreateRef(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContentsWrite)
	if !ok {
		return
	}
	var in struct{ Ref, SHA string }
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	branch, isHead := strings.CutPrefix(in.Ref, "refs/heads/")
	if !isHead || branch == "" || strings.Count(in.Ref, "/") < 2 {
		writeError(w, http.StatusUnprocessableEntity, "Reference name must start with 'refs/' and contain at least two slashes")
		return
	}
	sha, err := s.store.CreateBranch(repo.FullPath, branch, in.SHA)
	switch {
	case errors.Is(err, fakegit.ErrConflict):
		writeError(w, http.StatusUnprocessableEntity, "Reference already exists")
		return
	case err != nil:
		writeError(w, http.StatusUnprocessableEntity, "Object does not exist")
		return
	}
	s.deliverPush(repo.FullPath, branch, zeroSHA, sha, c.user)
	fakehttp.WriteJSON(w, http.StatusCreated, s.refJSON(repo.FullPath, in.Ref, sha))
}

// handleUpdateRef answers PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}
// {sha, force}: only a fast forward, else 422 "Update is not a fast
// forward" (force: true is not modelled).
func (s *Server) handleUpdateRef(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContentsWrite)
	if !ok {
		return
	}
	var in struct {
		SHA   string `json:"sha"`
		Force bool   `json:"force"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	branch := r.PathValue("branch")
	if in.Force {
		writeError(w, http.StatusUnprocessableEntity, "githubtest: forced ref updates are not modelled")
		return
	}
	old, err := s.store.FastForward(repo.FullPath, branch, in.SHA)
	switch {
	case errors.Is(err, fakegit.ErrConflict):
		writeError(w, http.StatusUnprocessableEntity, "Update is not a fast forward")
		return
	case errors.Is(err, fakegit.ErrNotFound):
		writeError(w, http.StatusUnprocessableEntity, "Reference does not exist")
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	sha, _ := s.store.BranchHead(repo.FullPath, branch)
	s.deliverPush(repo.FullPath, branch, old, sha, c.user)
	fakehttp.WriteJSON(w, http.StatusOK, s.refJSON(repo.FullPath, "refs/heads/"+branch, sha))
}
