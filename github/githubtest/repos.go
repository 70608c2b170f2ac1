package githubtest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

func (s *Server) handleUser(w http.ResponseWriter, r *http.Request, c *call) {
	if c.tok.Installation {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.userJSON(c.user))
}

func (s *Server) userJSON(login string) map[string]any {
	id := len(login)*7919 + 1
	kind := "User"
	if strings.HasSuffix(login, "[bot]") {
		kind = "Bot"
	}
	return map[string]any{
		"login":      login,
		"id":         id,
		"node_id":    "U_" + strconv.Itoa(id),
		"type":       kind,
		"site_admin": false,
		"avatar_url": s.web.String() + login + ".png",
		"html_url":   s.web.String() + login,
		"url":        s.api.String() + "users/" + login,
	}
}

// handleUserRepos lists the repositories the caller has a role on.
func (s *Server) handleUserRepos(w http.ResponseWriter, r *http.Request, c *call) {
	if c.tok.Installation {
		writeError(w, http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	repos := s.store.Repos()
	key := fmt.Sprintf("%d|%s|%v", len(repos), c.user, c.tok)
	s.mu.Lock()
	list, cached := s.visible[key] // indices into repos: only the page is rendered
	for i, repo := range repos {
		if cached {
			break
		}
		if s.roles[strings.ToLower(repo.FullPath)][c.user] == "" {
			continue
		}
		if c.tok.FineGrained && len(c.tok.Repositories) > 0 && !containsFold(c.tok.Repositories, repo.FullPath) {
			continue
		}
		if !c.tok.FineGrained && repo.Private && !c.has("repo") {
			continue
		}
		list = append(list, int32(i))
	}
	if !cached {
		if s.visible == nil {
			s.visible = map[string][]int32{}
		}
		s.visible[key] = list
	}
	s.mu.Unlock()
	page, per := s.pageParams(r)
	start, end := fakehttp.Bounds(page, per, len(list))
	fakehttp.SetLinkHeader(w, r, s.api, page, per, len(list))
	out := make([]any, 0, end-start)
	for _, i := range list[start:end] {
		out = append(out, s.repoJSON(repos[i], c.user))
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// handleInstallationRepos answers GET /installation/repositories, the
// repositories an installation token may reach, as one page of
// {"total_count", "repository_selection", "repositories"}.
func (s *Server) handleInstallationRepos(w http.ResponseWriter, r *http.Request, c *call) {
	if !c.tok.Installation {
		writeError(w, http.StatusForbidden, "You must authenticate with an installation access token in order to list repositories for an installation.")
		return
	}
	var list []any
	for _, repo := range s.store.Repos() {
		if len(c.tok.Repositories) > 0 && !containsFold(c.tok.Repositories, repo.FullPath) {
			continue
		}
		list = append(list, fakehttp.Lazy(func() any { return s.repoJSON(repo, c.user) }))
	}
	selection := "all"
	if len(c.tok.Repositories) > 0 {
		selection = "selected"
	}
	page, per := s.pageParams(r)
	start, end := fakehttp.Bounds(page, per, len(list))
	fakehttp.SetLinkHeader(w, r, s.api, page, per, len(list))
	out := list[start:end]
	if out == nil {
		out = []any{}
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"total_count": len(list), "repository_selection": selection, "repositories": out})
}

func (s *Server) handleRepo(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needRead)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.repoJSON(repo, c.user))
}

// handleCommits answers GET /repos/{owner}/{repo}/commits with the head of
// the default branch (or ?sha=).
func (s *Server) handleCommits(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needContents)
	if !ok {
		return
	}
	ref := r.URL.Query().Get("sha")
	sha, err := s.store.Resolve(repo.FullPath, ref)
	if err != nil {
		writeError(w, http.StatusNotFound, "No commit found for SHA: "+ref)
		return
	}
	tree, _ := s.store.RootTree(repo.FullPath, sha)
	s.writePage(w, r, []any{map[string]any{
		"sha":    sha,
		"url":    s.api.String() + "repos/" + repo.FullPath + "/commits/" + sha,
		"commit": map[string]any{"tree": map[string]any{"sha": tree}},
	}})
}

func (s *Server) repoJSON(repo fakegit.Repo, user string) map[string]any {
	owner, name, _ := strings.Cut(repo.FullPath, "/")
	role := s.role(repo.FullPath, user)
	visibility := "public"
	if repo.Private {
		visibility = "private"
	}
	return map[string]any{
		"id":             repo.ID,
		"node_id":        "R_" + strconv.Itoa(repo.ID),
		"name":           name,
		"full_name":      repo.FullPath,
		"owner":          s.userJSON(owner),
		"private":        repo.Private,
		"visibility":     visibility,
		"default_branch": repo.DefaultBranch,
		"description":    nil,
		"fork":           false,
		"archived":       false,
		"created_at":     ts(repo.Created),
		"html_url":       s.web.String() + repo.FullPath,
		"clone_url":      s.web.String() + repo.FullPath + ".git",
		"url":            s.api.String() + "repos/" + repo.FullPath,
		"hooks_url":      s.api.String() + "repos/" + repo.FullPath + "/hooks",
		"pulls_url":      s.api.String() + "repos/" + repo.FullPath + "/pulls{/number}",
		"permissions": map[string]bool{
			"admin":    role == RoleAdmin,
			"maintain": role == RoleAdmin,
			"push":     role == RoleAdmin || role == RoleWrite,
			"triage":   role != "",
			"pull":     role != "" || !repo.Private,
		},
	}
}

// pageParams reads page and per_page (default 30, at most 100 or the
// page size set with SetPageSize).
func (s *Server) pageParams(r *http.Request) (page, per int) {
	page, per = fakehttp.PageParams(r, "per_page", 30, 100)
	return page, s.kit.PageCap(per)
}

// writePage answers one page of items with GitHub's Link header.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items []any) {
	page, per := s.pageParams(r)
	start, end := fakehttp.Bounds(page, per, len(items))
	fakehttp.SetLinkHeader(w, r, s.api, page, per, len(items))
	out := items[start:end]
	if out == nil {
		out = []any{}
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

func storeStatus(err error) int {
	switch {
	case errors.Is(err, fakegit.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, fakegit.ErrConflict):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}
