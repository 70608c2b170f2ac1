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
	fakehttp.WriteJSON(w, http.StatusOK, s.privateUserJSON(c.user))
}

// privateUserJSON is GET /user's answer for the token's own user: a
// private-user, every property the description marks required, with
// user_view_type "private" (its discriminator).
func (s *Server) privateUserJSON(login string) map[string]any {
	u := s.userJSON(login)
	u["user_view_type"] = "private"
	for k, v := range map[string]any{
		"name": login, "company": nil, "blog": "", "location": nil, "email": nil, "hireable": nil, "bio": nil,
		"public_repos": 0, "public_gists": 0, "followers": 0, "following": 0,
		"created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
		"private_gists": 0, "total_private_repos": 0, "owned_private_repos": 0, "disk_usage": 0,
		"collaborators": 0, "two_factor_authentication": true,
	} {
		u[k] = v
	}
	return u
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
		// The rest of simple-user's required properties.
		"gravatar_id":         "",
		"followers_url":       s.api.String() + "users/" + login + "/followers",
		"following_url":       s.api.String() + "users/" + login + "/following{/other_user}",
		"gists_url":           s.api.String() + "users/" + login + "/gists{/gist_id}",
		"starred_url":         s.api.String() + "users/" + login + "/starred{/owner}{/repo}",
		"subscriptions_url":   s.api.String() + "users/" + login + "/subscriptions",
		"organizations_url":   s.api.String() + "users/" + login + "/orgs",
		"repos_url":           s.api.String() + "users/" + login + "/repos",
		"events_url":          s.api.String() + "users/" + login + "/events{/privacy}",
		"received_events_url": s.api.String() + "users/" + login + "/received_events",
		"user_view_type":      "public",
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
	s.setLink(w, r, page, per, len(list))
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
	s.setLink(w, r, page, per, len(list))
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
	s.writePage(w, r, []any{s.commitJSON(repo.FullPath, sha, tree)})
}

// repoJSON is the one place a repository object is built (GET
// /repos/{o}/{r}, GET /user/repos, GET /installation/repositories, a pull
// request's head/base repo, every delivery's repository): a
// full-repository with every property the description
// (@octokit/openapi, testdata/github) marks required, the *_url
// templates built from the fake's API and web roots as GitHub builds
// them, counts and flags at a new repository's values.
func (s *Server) repoJSON(repo fakegit.Repo, user string) map[string]any {
	owner, name, _ := strings.Cut(repo.FullPath, "/")
	role := s.role(repo.FullPath, user)
	visibility := "public"
	if repo.Private {
		visibility = "private"
	}
	api := s.api.String() + "repos/" + repo.FullPath
	web := s.web.String() + repo.FullPath
	created := ts(repo.Created)
	j := map[string]any{
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
		"disabled":       false,
		"is_template":    false,
		"created_at":     created,
		"updated_at":     created,
		"pushed_at":      created,
		"html_url":       web,
		"clone_url":      web + ".git",
		"git_url":        "git://" + s.web.Host + "/" + repo.FullPath + ".git",
		"ssh_url":        "git@" + s.web.Hostname() + ":" + repo.FullPath + ".git",
		"svn_url":        web,
		"mirror_url":     nil,
		"homepage":       nil,
		"language":       nil,
		"license":        nil,
		"topics":         []any{},
		"size":           0,
		"forks":          0, "forks_count": 0,
		"open_issues": 0, "open_issues_count": 0,
		"stargazers_count": 0, "watchers": 0, "watchers_count": 0,
		"network_count": 0, "subscribers_count": 0,
		"has_issues": true, "has_projects": true, "has_wiki": true, "has_pages": false,
		"has_downloads": true, "has_discussions": false,
		"allow_forking": true, "web_commit_signoff_required": false,
		"url":               api,
		"hooks_url":         api + "/hooks",
		"pulls_url":         api + "/pulls{/number}",
		"archive_url":       api + "/{archive_format}{/ref}",
		"assignees_url":     api + "/assignees{/user}",
		"blobs_url":         api + "/git/blobs{/sha}",
		"branches_url":      api + "/branches{/branch}",
		"collaborators_url": api + "/collaborators{/collaborator}",
		"comments_url":      api + "/comments{/number}",
		"commits_url":       api + "/commits{/sha}",
		"compare_url":       api + "/compare/{base}...{head}",
		"contents_url":      api + "/contents/{+path}",
		"contributors_url":  api + "/contributors",
		"deployments_url":   api + "/deployments",
		"downloads_url":     api + "/downloads",
		"events_url":        api + "/events",
		"forks_url":         api + "/forks",
		"git_commits_url":   api + "/git/commits{/sha}",
		"git_refs_url":      api + "/git/refs{/sha}",
		"git_tags_url":      api + "/git/tags{/sha}",
		"issue_comment_url": api + "/issues/comments{/number}",
		"issue_events_url":  api + "/issues/events{/number}",
		"issues_url":        api + "/issues{/number}",
		"keys_url":          api + "/keys{/key_id}",
		"labels_url":        api + "/labels{/name}",
		"languages_url":     api + "/languages",
		"merges_url":        api + "/merges",
		"milestones_url":    api + "/milestones{/number}",
		"notifications_url": api + "/notifications{?since,all,participating}",
		"releases_url":      api + "/releases{/id}",
		"stargazers_url":    api + "/stargazers",
		"statuses_url":      api + "/statuses/{sha}",
		"subscribers_url":   api + "/subscribers",
		"subscription_url":  api + "/subscription",
		"tags_url":          api + "/tags",
		"teams_url":         api + "/teams",
		"trees_url":         api + "/git/trees{/sha}",
	}
	j["permissions"] = map[string]bool{
		"admin":    role == RoleAdmin,
		"maintain": role == RoleAdmin,
		"push":     role == RoleAdmin || role == RoleWrite,
		"triage":   role != "",
		"pull":     role != "" || !repo.Private,
	}
	return j
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
	s.setLink(w, r, page, per, len(items))
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

// setLink writes GitHub's Link header for one page of a list. The handler's
// request has lost the API root's path (/api/v3 on GHES, taken off before
// routing): the links put it back, so that the next page is asked of the
// API, as GitHub's own links are.
func (s *Server) setLink(w http.ResponseWriter, r *http.Request, page, per, total int) {
	root := strings.TrimSuffix(s.api.Path, "/")
	r2 := r.Clone(r.Context())
	if !strings.HasPrefix(r.URL.Path, root+"/") {
		r2.URL.Path = root + r.URL.Path
		if r.URL.RawPath != "" {
			r2.URL.RawPath = root + r.URL.RawPath
		}
	}
	fakehttp.SetLinkHeader(w, r2, s.api, page, per, total)
}
