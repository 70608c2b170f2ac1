package bitbuckettest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

func isNotFound(err error) bool { return errors.Is(err, fakegit.ErrNotFound) }
func isConflict(err error) bool { return errors.Is(err, fakegit.ErrConflict) }

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

var slugRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// SetProject moves a repository to the project with key (for project
// access tokens).
func (s *Server) SetProject(full, key string) {
	s.mu.Lock()
	s.projects[strings.ToLower(full)] = key
	s.mu.Unlock()
}

// SetPermission gives the user (email, nickname or account ID) a
// permission on a repository; an empty permission removes it.
func (s *Server) SetPermission(full, user string, perm Permission) error {
	if _, err := s.store.Repo(full); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userLocked(user)
	if u == nil {
		return fmt.Errorf("bitbuckettest: no user %q", user)
	}
	key := strings.ToLower(full)
	if s.perms[key] == nil {
		s.perms[key] = map[string]Permission{}
	}
	if perm == "" {
		delete(s.perms[key], u.AccountID)
	} else {
		s.perms[key][u.AccountID] = perm
	}
	return nil
}

func userJSON(u *User) map[string]any {
	if u == nil {
		return nil
	}
	return map[string]any{
		"type": "user", "uuid": u.UUID, "account_id": u.AccountID, "nickname": u.Nickname, "display_name": u.DisplayName,
		"links": map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + u.UUID + "/"}},
	}
}

func (s *Server) repoUUID(r fakegit.Repo) string {
	return fmt.Sprintf("{%08x-2222-4000-8000-%012x}", r.ID, r.ID*31337)
}

func repoMini(s *Server, r fakegit.Repo) map[string]any {
	_, slug, _ := strings.Cut(r.FullPath, "/")
	return map[string]any{
		"type": "repository", "full_name": r.FullPath, "name": slug, "uuid": s.repoUUID(r),
		"links": map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + r.FullPath}},
	}
}

// repoBody is Bitbucket's repository object. It is a struct, not a map,
// because the fake renders 10,000 of them for one ListRepositories in the
// scale benchmark: encoding maps (sorted keys, a value boxed per field)
// cost the fake more CPU than the requests' latency and so spread the
// benchmark's waves.
type repoBody struct {
	Type        string    `json:"type"`
	UUID        string    `json:"uuid"`
	FullName    string    `json:"full_name"`
	Name        string    `json:"name"`
	Slug        string    `json:"slug"`
	IsPrivate   bool      `json:"is_private"`
	SCM         string    `json:"scm"`
	Description string    `json:"description"`
	Language    string    `json:"language"`
	HasIssues   bool      `json:"has_issues"`
	ForkPolicy  string    `json:"fork_policy"`
	Mainbranch  typedName `json:"mainbranch"`
	Workspace   struct {
		Type string `json:"type"`
		Slug string `json:"slug"`
		Name string `json:"name"`
	} `json:"workspace"`
	Project struct {
		Type string `json:"type"`
		Key  string `json:"key"`
	} `json:"project"`
	CreatedOn string `json:"created_on"`
	UpdatedOn string `json:"updated_on"`
	Links     struct {
		Self  href `json:"self"`
		HTML  href `json:"html"`
		Clone []struct {
			Name string `json:"name"`
			Href string `json:"href"`
		} `json:"clone"`
	} `json:"links"`
}

type typedName struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type href struct {
	Href string `json:"href"`
}

func (s *Server) repoJSON(r fakegit.Repo) *repoBody {
	ws, slug, _ := strings.Cut(r.FullPath, "/")
	s.mu.Lock()
	project := s.projects[strings.ToLower(r.FullPath)]
	s.mu.Unlock()
	b := &repoBody{
		Type: "repository", UUID: s.repoUUID(r), FullName: r.FullPath, Name: slug, Slug: slug,
		IsPrivate: r.Private, SCM: "git", ForkPolicy: "no_public_forks",
		Mainbranch: typedName{Type: "branch", Name: r.DefaultBranch},
		CreatedOn:  timestamp(r.Created), UpdatedOn: timestamp(r.Created),
	}
	b.Workspace.Type, b.Workspace.Slug, b.Workspace.Name = "workspace", ws, ws
	b.Project.Type, b.Project.Key = "project", project
	b.Links.Self.Href = APIRoot + "/repositories/" + r.FullPath
	b.Links.HTML.Href = "https://bitbucket.org/" + r.FullPath
	b.Links.Clone = []struct {
		Name string `json:"name"`
		Href string `json:"href"`
	}{
		{"https", "https://bitbucket.org/" + r.FullPath + ".git"},
		{"ssh", "git@bitbucket.org:" + r.FullPath + ".git"},
	}
	return b
}

// repoFor finds the request's repository, checks that the principal may
// see it and has scopes, and answers the error otherwise. A repository
// the principal cannot see is a 404, as on Bitbucket.
func (s *Server) repoFor(w http.ResponseWriter, r *http.Request, scopes ...string) (fakegit.Repo, *principal, Permission, bool) {
	p := principalOf(r)
	full := r.PathValue("ws") + "/" + r.PathValue("slug")
	repo, err := s.store.Repo(full)
	s.mu.Lock()
	perm := Permission("")
	if err == nil {
		perm = s.permissionLocked(p, repo.FullPath)
	}
	s.mu.Unlock()
	if err != nil || perm == "" {
		writeError(w, http.StatusNotFound, "Repository "+full+" not found")
		return fakegit.Repo{}, nil, "", false
	}
	if !requireScopes(w, p, scopes...) {
		return fakegit.Repo{}, nil, "", false
	}
	return repo, p, perm, true
}

// userPrincipal returns the principal of a user-scoped endpoint: access
// tokens have no user and are refused, as Bitbucket refuses them on
// /user (BCLOUD-23528).
func userPrincipal(w http.ResponseWriter, r *http.Request, scope string) (*principal, bool) {
	p := principalOf(r)
	if p.tok.kind.isAccessToken() {
		writeError(w, http.StatusForbidden, "This API is not available to access tokens: they are not linked to a user account.")
		return nil, false
	}
	return p, requireScopes(w, p, scope)
}

// GET /2.0/user
func (s *Server) handleUser(w http.ResponseWriter, r *http.Request) {
	p, ok := userPrincipal(w, r, ScopeReadUser)
	if !ok {
		return
	}
	u := userJSON(p.tok.user)
	u["created_on"] = timestamp(s.Now())
	fakehttp.WriteJSON(w, http.StatusOK, u)
}

// handleRemoved answers the cross-workspace endpoints Atlassian removed
// (CHANGE-2770: GET /2.0/repositories, /2.0/workspaces,
// /2.0/user/permissions/repositories and /user/permissions/workspaces)
// with 410 Gone and the body Bitbucket sends.
func (s *Server) handleRemoved(w http.ResponseWriter, _ *http.Request) {
	const announcement = "https://developer.atlassian.com/cloud/bitbucket/changelog#CHANGE-2770"
	fakehttp.WriteJSON(w, http.StatusGone, map[string]any{
		"type": "error",
		"error": map[string]any{
			"message": "CHANGE-2770 - Functionality has been deprecated",
			"detail":  "Please read the changelog entry for more details.",
			"data":    map[string]any{"announcement_url": announcement},
		},
	})
}

// GET /2.0/user/workspaces lists the workspaces the user is a member of
// (here: holds a permission on one of its repositories), the replacement
// of the removed cross-workspace listings (CHANGE-3022). Access tokens
// have no user and are refused.
func (s *Server) handleUserWorkspaces(w http.ResponseWriter, r *http.Request) {
	p, ok := userPrincipal(w, r, ScopeReadWorkspace)
	if !ok {
		return
	}
	seen := map[string]bool{}
	var out []map[string]any
	for _, repo := range s.store.Repos() {
		ws, _, _ := strings.Cut(repo.FullPath, "/")
		s.mu.Lock()
		perm := s.perms[strings.ToLower(repo.FullPath)][p.tok.user.AccountID]
		s.mu.Unlock()
		if perm == "" || seen[strings.ToLower(ws)] {
			continue
		}
		seen[strings.ToLower(ws)] = true
		out = append(out, map[string]any{
			"type":          "workspace_access",
			"administrator": false,
			"workspace":     map[string]any{"type": "workspace_base", "slug": ws, "uuid": fmt.Sprintf("{%08x-3333-4000-8000-%012x}", len(out)+1, len(ws)*7919)},
		})
	}
	writePage(s, w, r, out)
}

// fullNameQ is the one BBQL filter the fake understands on repository
// lists: full_name="workspace/slug".
var fullNameQ = regexp.MustCompile(`^\s*full_name\s*=\s*"([^"]*)"\s*$`)

// GET /2.0/repositories/{workspace}[?role=member|contributor|admin|owner][&q=full_name="ws/slug"]
func (s *Server) handleListRepos(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r)
	if !requireScopes(w, p, ScopeReadRepository) {
		return
	}
	minRank := 1
	switch role := r.URL.Query().Get("role"); role {
	case "", "member":
	case "contributor":
		minRank = 2
	case "admin", "owner":
		minRank = 3
	default:
		writeError(w, http.StatusBadRequest, "Invalid role: "+role)
		return
	}
	filter := ""
	if q := r.URL.Query().Get("q"); q != "" {
		m := fullNameQ.FindStringSubmatch(q)
		if m == nil {
			writeError(w, http.StatusBadRequest, "Invalid query: the fake supports full_name=\"…\" only")
			return
		}
		filter = strings.ToLower(m[1])
	}
	page, per, ok := pageParams(s, w, r)
	if !ok {
		return
	}
	// Every repository is checked (the answer's size counts them all), but
	// only the page's are kept and rendered: a 10,000-repository workspace
	// read 100 at a time costs the fake O(page) allocations per request,
	// not O(workspace), so the scale benchmark measures the provider.
	start, end := fakehttp.Bounds(page, per, math.MaxInt)
	ws := strings.ToLower(r.PathValue("ws"))
	var out []fakehttp.Lazy
	total := 0
	s.mu.Lock()
	for _, repo := range s.store.Repos() {
		full := strings.ToLower(repo.FullPath)
		if !strings.HasPrefix(full, ws+"/") || (filter != "" && full != filter) {
			continue
		}
		if s.permissionLocked(p, repo.FullPath).rank() < minRank {
			continue
		}
		if total >= start && total < end {
			out = append(out, fakehttp.Lazy(func() any { return s.repoJSON(repo) }))
		}
		total++
	}
	s.mu.Unlock()
	writePageOf(w, r, page, per, total, out)
}

// GET /2.0/repositories/{ws}/{slug}
func (s *Server) handleGetRepo(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.repoJSON(repo))
}

func isHex(s string) bool {
	if len(s) < 7 || len(s) > 40 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// GET /2.0/repositories/{ws}/{slug}/refs/branches/{name} and …/refs/tags/{name}
func (s *Server) handleRef(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	name := r.PathValue("name")
	isTag := strings.Contains(r.URL.Path, "/refs/tags/")
	branches, _ := s.store.Branches(repo.FullPath)
	sha, isBranch := branches[name]
	if isTag {
		// fakegit resolves tags, branches and commits alike: a tag is a
		// name that resolves and is neither a branch nor a hash.
		var err error
		sha, err = s.store.Resolve(repo.FullPath, name)
		if err != nil || isBranch || isHex(name) {
			writeError(w, http.StatusNotFound, "Tag not found: "+name)
			return
		}
	} else if !isBranch {
		writeError(w, http.StatusNotFound, "Branch not found: "+name)
		return
	}
	typ := "branch"
	if isTag {
		typ = "tag"
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"type": typ, "name": name,
		"target": map[string]any{"type": "commit", "hash": sha, "repository": repoMini(s, repo)},
		"links":  map[string]any{"html": map[string]any{"href": "https://bitbucket.org/" + repo.FullPath + "/branch/" + name}},
	})
}
