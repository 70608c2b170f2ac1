package azuredevopstest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

type project struct {
	ID         string
	Name       string
	Visibility string // "private" or "public"
	Updated    time.Time
	State      string // ProjectState; "" is wellFormed
	// members, when set, are the only users (lower-cased unique names)
	// who can see the project; nil: every member of the organization.
	members map[string]bool
}

// visibleTo reports whether u can see the project: it is public, or not
// restricted, or u is one of its members.
func (p *project) visibleTo(u *User) bool {
	return p.members == nil || p.Visibility == "public" || (u != nil && p.members[strings.ToLower(u.UniqueName)])
}

type repoInfo struct {
	ID       string
	Name     string
	project  *project
	full     string // the fakegit path
	disabled bool
	tags     map[string]string
}

func readJSON(r *http.Request, v any) error { return fakehttp.ReadJSON(r, v) }

// CreateProject adds a project (private unless public is set) and returns
// its ID. Creating an existing project returns the existing one's ID.
func (s *Server) CreateProject(name string, public bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createProject(name, public).ID
}

func (s *Server) createProject(name string, public bool) *project {
	if p := s.projectByName(name); p != nil {
		return p
	}
	vis := "private"
	if public {
		vis = "public"
	}
	p := &project{ID: s.guid("project:" + name), Name: name, Visibility: vis, Updated: s.Now()}
	s.projects = append(s.projects, p)
	return p
}

func (s *Server) projectByName(name string) *project {
	for _, p := range s.projects {
		if strings.EqualFold(p.Name, name) {
			return p
		}
	}
	return nil
}

// RestrictProject makes the project (created private when new) visible
// only to users (sign-in names), as removing everyone else from its
// groups does: to the others it is missing from every list, and answers
// 404 as a project that does not exist.
func (s *Server) RestrictProject(name string, users ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.createProject(name, false)
	p.members = map[string]bool{}
	for _, u := range users {
		p.members[strings.ToLower(u)] = true
	}
}

// SetProjectState sets a project's ProjectState ("wellFormed",
// "createPending", "deleting", …), which every project reference
// carries, as a project being created or deleted shows it.
func (s *Server) SetProjectState(name, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.projectByName(name)
	if p == nil {
		return fmt.Errorf("azuredevopstest: no project %q", name)
	}
	p.State = state
	return nil
}

// visibleProject is the project named by name or ID that q's user can
// see, or nil.
func (s *Server) visibleProject(q *request, id string) *project {
	p := s.projectByName(id)
	if p == nil {
		p = s.projectByID(id)
	}
	if p == nil || !p.visibleTo(q.user) {
		return nil
	}
	return p
}

func (s *Server) projectByID(id string) *project {
	for _, p := range s.projects {
		if strings.EqualFold(p.ID, id) {
			return p
		}
	}
	return nil
}

func (s *Server) repoByID(id string) *repoInfo {
	for _, r := range s.repos {
		if strings.EqualFold(r.ID, id) {
			return r
		}
	}
	return nil
}

// createRepo adds the Git repository "project/repo" (creating a private
// project when needed) with files committed to defaultBranch ("main" when
// empty), and returns the repository's ID.
func (s *Server) createRepo(repo, defaultBranch string, files map[string]string) (string, error) {
	proj, name, ok := strings.Cut(repo, "/")
	if !ok || proj == "" || name == "" || strings.Contains(name, "/") {
		return "", fmt.Errorf("azuredevopstest: repository %q must be project/repo", repo)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.createProject(proj, false)
	full := p.Name + "/" + name
	if _, err := s.store.CreateRepo(full, defaultBranch, true, files); err != nil {
		return "", err
	}
	ri := &repoInfo{ID: s.guid("repo:" + full), Name: name, project: p, full: full, tags: map[string]string{}}
	s.repos[strings.ToLower(full)] = ri
	return ri.ID, nil
}

// DisableRepo disables a repository, as an administrator can.
func (s *Server) DisableRepo(repo string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		return fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	ri.disabled = true
	return nil
}

// RepoID returns the GUID of a repository and of its project.
func (s *Server) RepoID(repo string) (repoID, projectID string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		return "", "", fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	return ri.ID, ri.project.ID, nil
}

func (s *Server) projectJSON(p *project) map[string]any {
	state := p.State
	if state == "" {
		state = "wellFormed"
	}
	return map[string]any{
		"id": p.ID, "name": p.Name, "url": s.baseURL() + "_apis/projects/" + p.ID,
		"state": state, "revision": 11, "visibility": p.Visibility,
		"lastUpdateTime": azTime(p.Updated),
	}
}

func (s *Server) gitURL(ri *repoInfo) string {
	return s.baseURL() + url.PathEscape(ri.project.Name) + "/_git/" + url.PathEscape(ri.Name)
}

func (s *Server) repoJSON(ri *repoInfo) map[string]any {
	web := s.gitURL(ri)
	remote := web
	if s.form == formDevAzure {
		remote = strings.Replace(web, "https://", "https://"+s.org+"@", 1)
	}
	m := map[string]any{
		"id": ri.ID, "name": ri.Name,
		"url":       s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID,
		"project":   s.projectJSON(ri.project),
		"remoteUrl": remote, "webUrl": web,
		"sshUrl":          "git@ssh.dev.azure.com:v3/" + s.org + "/" + url.PathEscape(ri.project.Name) + "/" + url.PathEscape(ri.Name),
		"isDisabled":      ri.disabled,
		"isInMaintenance": false,
	}
	if r, err := s.store.Repo(ri.full); err == nil {
		m["defaultBranch"] = "refs/heads/" + r.DefaultBranch
		m["size"] = 1024
	}
	return m
}

// serveProjects is GET _apis/projects?$top=&continuationToken= (paged with
// the x-ms-continuationtoken header), the projects the user can see. It
// needs the vso.project scope.
func (s *Server) serveProjects(q *request) {
	if !q.scope(ScopeProject) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	top, _ := strconv.Atoi(q.query("$top"))
	if top <= 0 {
		top = 100
	}
	top = s.kit.PageCap(top)
	start := 0
	if tok := q.query("continuationToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(s.projects) {
			q.fail(http.StatusBadRequest, "InvalidContinuationTokenException", "The continuation token %q is not valid.", tok)
			return
		}
		start = n
	}
	end := min(start+top, len(s.projects))
	list := make([]any, 0, end-start)
	for _, p := range s.projects[start:end] {
		if p.visibleTo(q.user) {
			list = append(list, s.projectJSON(p))
		}
	}
	if end < len(s.projects) {
		q.w.Header().Set("x-ms-continuationtoken", strconv.Itoa(end))
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

func (s *Server) serveProject(q *request, id string) {
	if !q.scope(ScopeProject) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.visibleProject(q, id)
	if p == nil {
		q.fail(http.StatusNotFound, "ProjectDoesNotExistWithNameException", "TF200016: The following project does not exist: %s. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", id)
		return
	}
	q.json(http.StatusOK, s.projectJSON(p))
}

// serveListRepos is GET [{project}/]_apis/git/repositories: every
// repository of the project, or without one of every project the user
// can see ("Repositories - List": project is optional), in one answer
// ({count, value} of GitRepository, each with its project's
// TeamProjectReference; not paged). It needs the vso.code scope.
func (s *Server) serveListRepos(q *request, projectName string) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var p *project
	if projectName != "" {
		if p = s.visibleProject(q, projectName); p == nil {
			q.fail(http.StatusNotFound, "ProjectDoesNotExistWithNameException", "TF200016: The following project does not exist: %s. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", projectName)
			return
		}
	}
	var list []any
	for _, r := range s.store.Repos() {
		ri := s.repos[strings.ToLower(r.FullPath)]
		if ri == nil || (p != nil && ri.project != p) || !ri.project.visibleTo(q.user) {
			continue
		}
		list = append(list, s.repoJSON(ri))
	}
	if list == nil {
		list = []any{}
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

// findRepo resolves a project (name or ID; empty when the repository is
// addressed by ID alone) and a repository (name or ID).
func (s *Server) findRepo(q *request, projectName, repo string) (*repoInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if projectName == "" {
		if ri := s.repoByID(repo); ri != nil && ri.project.visibleTo(q.user) {
			return ri, true
		}
	} else {
		p := s.visibleProject(q, projectName)
		if p == nil {
			q.fail(http.StatusNotFound, "ProjectDoesNotExistWithNameException", "TF200016: The following project does not exist: %s. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.", projectName)
			return nil, false
		}
		for _, ri := range s.repos {
			if ri.project == p && (strings.EqualFold(ri.Name, repo) || strings.EqualFold(ri.ID, repo)) {
				if ri.disabled && q.r.Method != http.MethodGet {
					q.fail(http.StatusBadRequest, "GitRepositoryDisabledException", "TF401019: The Git repository %s is disabled.", repo)
					return nil, false
				}
				return ri, true
			}
		}
	}
	q.fail(http.StatusNotFound, "GitRepositoryNotFoundException", "TF401019: The Git repository with name or identifier %s does not exist or you do not have permissions for the operation you are attempting.", repo)
	return nil, false
}

func (s *Server) serveRepo(q *request, ri *repoInfo) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q.json(http.StatusOK, s.repoJSON(ri))
}
