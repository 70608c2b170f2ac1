package bitbuckettest

import (
	"net/http"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// writeBackRoutes adds the branch, commit (src upload), pull request
// creation and build status endpoints.
func (s *Server) writeBackRoutes(h map[string]http.HandlerFunc) {
	const repo = "/2.0/repositories/{ws}/{slug}"
	h["GET "+repo+"/refs/branches"] = s.handleListBranches
	h["POST "+repo+"/refs/branches"] = s.handleCreateBranch
	h["POST "+repo+"/src"] = s.handleCreateCommit
	h["POST "+repo+"/pullrequests"] = s.handleCreatePull
	h["POST "+repo+"/commit/{commit}/statuses/build"] = s.handleSetStatus
	h["GET "+repo+"/commit/{commit}/statuses"] = s.handleListStatuses
}

func branchJSON(s *Server, repo fakegit.Repo, name, sha string) map[string]any {
	return map[string]any{
		"type": "branch", "name": name,
		"target": map[string]any{"type": "commit", "hash": sha, "repository": repoMini(s, repo)},
		"links":  map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + repo.FullPath + "/branch/" + name}},
	}
}

// writer resolves the repository of a call that needs scope and at least
// Write on the repository (Bitbucket answers 403 below it).
func (s *Server) writer(w http.ResponseWriter, r *http.Request, scopes ...string) (fakegit.Repo, *principal, bool) {
	repo, p, perm, ok := s.repoFor(w, r, scopes...)
	if !ok {
		return repo, nil, false
	}
	if perm.rank() < PermissionWrite.rank() {
		writeError(w, http.StatusForbidden, "You do not have write access to this repository.")
		return repo, nil, false
	}
	return repo, p, true
}

// GET /2.0/repositories/{ws}/{slug}/refs/branches
func (s *Server) handleListBranches(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	heads, _ := s.store.Branches(repo.FullPath)
	names, _ := s.store.BranchNames(repo.FullPath)
	out := make([]map[string]any, len(names))
	for i, n := range names {
		out[i] = branchJSON(s, repo, n, heads[n])
	}
	writePage(s, w, r, out)
}

// POST /2.0/repositories/{ws}/{slug}/refs/branches {"name", "target": {"hash"}}:
// 400 when the branch exists or the target is no commit.
func (s *Server) handleCreateBranch(w http.ResponseWriter, r *http.Request) {
	repo, p, ok := s.writer(w, r, ScopeWriteRepository)
	if !ok {
		return
	}
	var in struct {
		Name   string `json:"name"`
		Target struct {
			Hash string `json:"hash"`
		} `json:"target"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil || in.Name == "" || in.Target.Hash == "" {
		writeError(w, http.StatusBadRequest, "name and target.hash are required")
		return
	}
	sha, err := s.store.CreateBranch(repo.FullPath, in.Name, in.Target.Hash)
	switch {
	case isConflict(err):
		writeError(w, http.StatusBadRequest, "BRANCH_ALREADY_EXISTS")
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "Commit not found: "+in.Target.Hash)
		return
	}
	s.deliverPush(repo.FullPath, in.Name, "", sha, true, p.actor())
	fakehttp.WriteJSON(w, http.StatusCreated, branchJSON(s, repo, in.Name, sha))
}
