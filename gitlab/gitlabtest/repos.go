package gitlabtest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// Project visibilities.
const (
	Private  = "private"
	Internal = "internal"
	Public   = "public"
)

// RepoOptions describe a project to create.
type RepoOptions struct {
	// DefaultBranch defaults to "main".
	DefaultBranch string
	// Visibility is Private (the default), Internal or Public.
	Visibility string
	// Description is the project's description.
	Description string
	// Files are committed to the default branch.
	Files map[string]string
}

// project is the GitLab state the fakegit store does not keep.
type project struct {
	id          int
	visibility  string
	description string
	members     map[int]AccessLevel
	system      map[int]bool // IDs of system notes
}

// CreateProject creates a project at a full path ("group/sub/project"),
// creating the groups on the way. A first path element that is a user's
// username is that user's namespace instead, which the user owns.
func (s *Server) CreateProject(fullPath string, o RepoOptions) (int, error) {
	fullPath = strings.Trim(fullPath, "/")
	parts := strings.Split(fullPath, "/")
	if len(parts) < 2 {
		return 0, fmt.Errorf("gitlabtest: project path %q needs a namespace", fullPath)
	}
	vis := o.Visibility
	if vis == "" {
		vis = Private
	}
	repo, err := s.store.CreateRepo(fullPath, o.DefaultBranch, vis != Public, o.Files)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &project{id: repo.ID, visibility: vis, description: o.Description, members: map[int]AccessLevel{}, system: map[int]bool{}}
	s.projects[repo.ID] = p
	if owner := s.users[strings.ToLower(parts[0])]; owner != nil && len(parts) == 2 {
		p.members[owner.ID] = Owner
		return repo.ID, nil
	}
	for i := 1; i < len(parts); i++ {
		gp := strings.Join(parts[:i], "/")
		if s.groups[strings.ToLower(gp)] == nil {
			s.groups[strings.ToLower(gp)] = &group{ID: s.newID(), FullPath: gp, members: map[int]AccessLevel{}}
		}
	}
	return repo.ID, nil
}

// access returns a user's direct project role and the role inherited from
// the project's groups.
func (s *Server) access(uid int, repo fakegit.Repo) (projectAccess, groupAccess AccessLevel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if uid == 0 {
		return 0, 0
	}
	if p := s.projects[repo.ID]; p != nil {
		projectAccess = p.members[uid]
	}
	parts := strings.Split(repo.FullPath, "/")
	for i := 1; i < len(parts); i++ {
		if g := s.groups[strings.ToLower(strings.Join(parts[:i], "/"))]; g != nil {
			groupAccess = max(groupAccess, g.members[uid])
		}
	}
	return projectAccess, groupAccess
}

// role is the caller's effective role; administrators count as Owner.
func (s *Server) role(c *caller, repo fakegit.Repo) AccessLevel {
	if c.user != nil && s.isAdmin(c.user.ID) {
		return Owner
	}
	pa, ga := s.access(c.userID(), repo)
	return max(pa, ga)
}

func (s *Server) isAdmin(uid int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByID[uid]
	return u != nil && u.Admin
}

func (s *Server) visibility(repo fakegit.Repo) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.projects[repo.ID]; p != nil {
		return p.visibility
	}
	return Private
}

// canSee reports whether the caller may see the project at all; GitLab
// answers 404 otherwise.
func (s *Server) canSee(c *caller, repo fakegit.Repo) bool {
	switch s.visibility(repo) {
	case Public:
		return true
	case Internal:
		return !c.anonymous()
	}
	return s.role(c, repo) > NoAccess
}

// canRead reports whether the caller may read code and merge requests:
// anyone who sees a public or internal project, Reporter and up on a
// private one.
func (s *Server) canRead(c *caller, repo fakegit.Repo) bool {
	if s.visibility(repo) != Private {
		return s.canSee(c, repo)
	}
	return s.role(c, repo) >= Reporter
}

// findProject resolves the :id of a route (numeric ID or full path) and
// answers 404 when the caller cannot see it.
func (s *Server) findProject(w http.ResponseWriter, c *caller, id string) (fakegit.Repo, bool) {
	var repo fakegit.Repo
	var err error
	if n, convErr := strconv.Atoi(id); convErr == nil {
		repo, err = s.store.RepoByID(n)
	} else {
		repo, err = s.store.Repo(id)
	}
	if err != nil || !s.canSee(c, repo) {
		writeError(w, http.StatusNotFound, "404 Project Not Found")
		return fakegit.Repo{}, false
	}
	return repo, true
}

func (s *Server) projectJSON(repo fakegit.Repo, c *caller, perms bool) *projectObject {
	parts := strings.Split(repo.FullPath, "/")
	ns := strings.Join(parts[:len(parts)-1], "/")
	name := parts[len(parts)-1]
	s.mu.Lock()
	p := s.projects[repo.ID]
	kind, nsID := "group", 0
	if g := s.groups[strings.ToLower(ns)]; g != nil {
		nsID = g.ID
	} else if u := s.users[strings.ToLower(ns)]; u != nil {
		kind, nsID = "user", u.ID
	}
	s.mu.Unlock()
	created := repo.Created.UTC().Format(time.RFC3339Nano)
	web := s.webURL(repo.FullPath)
	out := &projectObject{
		ID: repo.ID, Description: p.description, Name: name, Path: name,
		NameWithNamespace: strings.ReplaceAll(repo.FullPath, "/", " / "),
		PathWithNamespace: repo.FullPath, DefaultBranch: repo.DefaultBranch,
		Visibility: p.visibility, CreatedAt: created, LastActivityAt: created,
		WebURL: web, HTTPURLToRepo: web + ".git",
		SSHURLToRepo: "git@" + s.base.Hostname() + ":" + repo.FullPath + ".git",
		Namespace:    namespaceObject{ID: nsID, Name: path.Base(ns), Path: path.Base(ns), Kind: kind, FullPath: ns, WebURL: s.webURL(ns)},
	}
	if perms {
		pa, ga := s.access(c.userID(), repo)
		level := func(a AccessLevel) *accessObject {
			if a == NoAccess {
				return nil
			}
			return &accessObject{AccessLevel: int(a), NotificationLevel: 3}
		}
		out.Permissions = &permissionsObject{ProjectAccess: level(pa), GroupAccess: level(ga)}
	}
	return out
}

// projectObject is the project GitLab answers (API_Entities_BasicProjectDetails
// in lists, API_Entities_ProjectWithAccess with permissions for one
// project), the fields the fake models. A struct, not a map: a list of
// 10,000 projects is rendered 100 at a time, and maps cost the fake's
// share of a benchmark's CPU.
type projectObject struct {
	ID                int                `json:"id"`
	Description       string             `json:"description"`
	Name              string             `json:"name"`
	Path              string             `json:"path"`
	NameWithNamespace string             `json:"name_with_namespace"`
	PathWithNamespace string             `json:"path_with_namespace"`
	DefaultBranch     string             `json:"default_branch"`
	Visibility        string             `json:"visibility"`
	Archived          bool               `json:"archived"`
	EmptyRepo         bool               `json:"empty_repo"`
	CreatedAt         string             `json:"created_at"`
	LastActivityAt    string             `json:"last_activity_at"`
	WebURL            string             `json:"web_url"`
	HTTPURLToRepo     string             `json:"http_url_to_repo"`
	SSHURLToRepo      string             `json:"ssh_url_to_repo"`
	Namespace         namespaceObject    `json:"namespace"`
	Permissions       *permissionsObject `json:"permissions,omitempty"`
}

type namespaceObject struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	Path     string `json:"path"`
	Kind     string `json:"kind"`
	FullPath string `json:"full_path"`
	WebURL   string `json:"web_url"`
}

type permissionsObject struct {
	ProjectAccess *accessObject `json:"project_access"`
	GroupAccess   *accessObject `json:"group_access"`
}

type accessObject struct {
	AccessLevel       int `json:"access_level"`
	NotificationLevel int `json:"notification_level"`
}

// handleProject serves GET /projects/:id.
func (s *Server) handleProject(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	if !s.scopeOK(w, c, scopesRead...) {
		return
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.projectJSON(repo, c, true))
}

// handleProjects serves GET /projects with membership, min_access_level,
// visibility, id_after and id_before, and offset or keyset
// (pagination=keyset&order_by=id) pagination.
func (s *Server) handleProjects(w http.ResponseWriter, r *http.Request, c *caller) {
	if !s.scopeOK(w, c, scopesRead...) {
		return
	}
	q := r.URL.Query()
	membership := q.Get("membership") == "true"
	minLevel, _ := strconv.Atoi(q.Get("min_access_level"))
	repos := s.listable(c, membership, minLevel, q.Get("visibility"))
	orderBy, desc := q.Get("order_by"), q.Get("sort") != "asc"
	if orderBy == "" {
		orderBy = "created_at"
	}
	less := func(a, b *fakegit.Repo) bool { return a.ID < b.ID }
	switch orderBy {
	case "id", "created_at", "updated_at", "last_activity_at", "star_count":
	case "name", "path":
		less = func(a, b *fakegit.Repo) bool { return path.Base(a.FullPath) < path.Base(b.FullPath) }
	default:
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "order_by does not have a valid value"})
		return
	}
	before := func(i, j int) bool {
		if desc {
			return less(repos[j], repos[i])
		}
		return less(repos[i], repos[j])
	}
	if !sort.SliceIsSorted(repos, before) { // the store keeps ID order
		sort.SliceStable(repos, before)
	}
	// id_after and id_before filter by ID whatever the pagination
	// (docs.gitlab.com/api/projects/#list-all-projects).
	if v, err := strconv.Atoi(q.Get("id_after")); err == nil {
		repos = slices.DeleteFunc(repos, func(r *fakegit.Repo) bool { return r.ID <= v })
	}
	if v, err := strconv.Atoi(q.Get("id_before")); err == nil {
		repos = slices.DeleteFunc(repos, func(r *fakegit.Repo) bool { return r.ID >= v })
	}
	if q.Get("pagination") == "keyset" {
		if orderBy != "id" {
			writeError(w, http.StatusMethodNotAllowed, "405 Method Not Allowed - Keyset pagination is only supported for order_by=id")
			return
		}
		_, per := s.perPage(r)
		hasAfter := "id_after"
		if desc {
			hasAfter = "id_before"
		}
		page := repos[:min(per, len(repos))]
		if len(repos) > per {
			next := keysetLink(r, map[string]string{hasAfter: strconv.Itoa(page[len(page)-1].ID)})
			w.Header().Set("Link", "<"+next+`>; rel="next"`)
		}
		out := make([]*projectObject, len(page))
		for i, repo := range page {
			out[i] = s.projectJSON(*repo, c, false)
		}
		fakehttp.WriteJSON(w, http.StatusOK, out)
		return
	}
	page := paginate(s, w, r, repos)
	out := make([]*projectObject, len(page))
	for i, repo := range page {
		out[i] = s.projectJSON(*repo, c, false)
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// listable returns the projects GET /projects lists for the caller, in
// the store's order (pointers into the store's snapshot, not to be
// written): what canSee allows, filtered by membership,
// min_access_level and visibility. It is canSee and access in one pass
// under one lock, with each namespace's group role worked out once, so
// that a list over many projects costs little per request.
func (s *Server) listable(c *caller, membership bool, minLevel int, visibility string) []*fakegit.Repo {
	all := s.store.Repos()
	s.mu.Lock()
	defer s.mu.Unlock()
	uid := c.userID()
	admin := false
	if c.user != nil {
		if u := s.userByID[uid]; u != nil {
			admin = u.Admin
		}
	}
	groupRole := map[string]AccessLevel{} // by namespace full path
	inherited := func(ns string) AccessLevel {
		if r, ok := groupRole[ns]; ok {
			return r
		}
		var r AccessLevel
		parts := strings.Split(ns, "/")
		for i := 1; i <= len(parts); i++ {
			if g := s.groups[strings.ToLower(strings.Join(parts[:i], "/"))]; g != nil {
				r = max(r, g.members[uid])
			}
		}
		groupRole[ns] = r
		return r
	}
	out := make([]*fakegit.Repo, 0, len(all))
	for i := range all {
		repo := &all[i]
		vis, pa := Private, NoAccess
		if p := s.projects[repo.ID]; p != nil {
			vis = p.visibility
			if uid != 0 {
				pa = p.members[uid]
			}
		}
		var ga AccessLevel
		if uid != 0 {
			if i := strings.LastIndexByte(repo.FullPath, '/'); i > 0 {
				ga = inherited(repo.FullPath[:i])
			}
		}
		// Membership filters count real memberships, even for admins.
		role := max(pa, ga)
		switch vis {
		case Public:
		case Internal:
			if c.anonymous() {
				continue
			}
		default:
			if !admin && role == NoAccess {
				continue
			}
		}
		if membership && role == NoAccess || minLevel > 0 && int(role) < minLevel || visibility != "" && vis != visibility {
			continue
		}
		out = append(out, repo)
	}
	return out
}

// keysetLink is the request's own URL with some query values replaced,
// for keyset "next" links.
func keysetLink(r *http.Request, set map[string]string) string {
	u := *publicBase(r)
	u.Path, u.RawPath = r.URL.Path, r.URL.RawPath
	q := r.URL.Query()
	for k, v := range set {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// DefaultCountLimit is how many items an offset-paginated list may hold
// for GitLab to tell its size: above it, GitLab leaves out x-total,
// x-total-pages and the Link rel="last" ("For performance reasons, if a
// query returns more than 10,000 records, GitLab doesn't return the
// following headers", docs.gitlab.com/api/rest/#pagination-response-headers).
const DefaultCountLimit = 10000

// SetCountLimit lowers (or raises) the number of items above which offset
// pages leave out x-total, x-total-pages and Link rel="last", for every
// offset-paginated list, so that a test can cross GitLab's 10,000 with a
// few pages; 0 restores DefaultCountLimit.
func (s *Server) SetCountLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.countLimit = max(n, 0)
}

func (s *Server) countLimitOrDefault() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.countLimit > 0 {
		return s.countLimit
	}
	return DefaultCountLimit
}

// paginate cuts one offset page out of items and sets GitLab's x-page,
// x-per-page, x-next-page, x-prev-page, x-total, x-total-pages and Link
// headers (GitLab leaves out the totals and rel="last" above 10,000 items,
// SetCountLimit).
func paginate[T any](s *Server, w http.ResponseWriter, r *http.Request, items []T) []T {
	page, per := s.perPage(r)
	total := len(items)
	start, end := fakehttp.Bounds(page, per, total)
	pages := max((total+per-1)/per, 1)
	h := w.Header()
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(per))
	next, prev := "", ""
	if page < pages {
		next = strconv.Itoa(page + 1)
	}
	if page > 1 {
		prev = strconv.Itoa(page - 1)
	}
	h.Set("X-Next-Page", next)
	h.Set("X-Prev-Page", prev)
	counted := total <= s.countLimitOrDefault()
	if counted {
		h.Set("X-Total", strconv.Itoa(total))
		h.Set("X-Total-Pages", strconv.Itoa(pages))
	}
	fakehttp.SetLinkHeader(w, r, publicBase(r), page, per, total)
	if !counted {
		var keep []string
		for part := range strings.SplitSeq(h.Get("Link"), ", ") {
			if part != "" && !strings.HasSuffix(part, `rel="last"`) {
				keep = append(keep, part)
			}
		}
		h.Del("Link")
		if len(keep) > 0 {
			h.Set("Link", strings.Join(keep, ", "))
		}
	}
	return items[start:end]
}

// writeError answers with GitLab's {"message": …} error body.
func writeError(w http.ResponseWriter, status int, msg any) {
	fakehttp.WriteJSON(w, status, map[string]any{"message": msg})
}

// storeError maps a fakegit error to GitLab's answer.
func storeError(w http.ResponseWriter, err error, notFound string) {
	switch {
	case errors.Is(err, fakegit.ErrNotFound):
		writeError(w, http.StatusNotFound, notFound)
	case errors.Is(err, fakegit.ErrConflict):
		writeError(w, http.StatusConflict, err.Error())
	default:
		writeError(w, http.StatusInternalServerError, "500 Internal Server Error")
	}
}

// unescape decodes one path segment of a route.
func unescape(seg string) string {
	if s, err := url.PathUnescape(seg); err == nil {
		return s
	}
	return seg
}
