package bitbuckettest

import (
	"net/http"
	"regexp"
	"strings"
)

// scopeAccount is the OAuth consumer scope that, beside repository, the
// user's repository permission list asks for (the published description's
// security: oauth2 [account, repository]; API tokens need only
// read:repository:bitbucket, its x-atlassian-oauth2-scopes).
const scopeAccount = "account"

func init() { implied[scopeAccount] = []string{scopeAccount} }

// permissionQ is the BBQL the fake understands on the user's repository
// permission list: repository.full_name="ws/slug" or repository.name="slug"
// (the description's own example filters by repository.name).
var permissionQ = regexp.MustCompile(`^\s*repository\.(full_name|name)\s*=\s*"([^"]*)"\s*$`)

// GET /2.0/user/workspaces/{ws}/permissions/repositories[?q=repository.full_name="ws/slug"]
//
// One repository_permission object (type, user, repository, permission)
// for each repository of the workspace the caller holds a permission on,
// paged like every Bitbucket list: the description's "List repository
// permissions in a workspace for a user", which "does not return public
// repositories that the user was not granted any specific permission in".
// A workspace the caller is no member of (here: holds no permission in)
// answers 403, as the description's 403 says ("The requesting user does
// not have access to the workspace"). Access tokens have no user and are
// refused with 403 like the other /user endpoints (unconfirmed for this
// one: the description lists only API tokens and Forge OAuth as its
// credentials). OAuth tokens need the account scope too.
func (s *Server) handleUserRepoPermissions(w http.ResponseWriter, r *http.Request) {
	p, ok := userPrincipal(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	if p.tok.kind == OAuthToken && !requireScopes(w, p, scopeAccount) {
		return
	}
	if r.URL.Query().Has("sort") {
		writeError(w, http.StatusBadRequest, "Invalid sort: the fake does not sort this list")
		return
	}
	field, want := "", ""
	if q := r.URL.Query().Get("q"); q != "" {
		m := permissionQ.FindStringSubmatch(q)
		if m == nil {
			writeError(w, http.StatusBadRequest, `Invalid query: the fake supports repository.full_name="…" and repository.name="…" only`)
			return
		}
		field, want = m[1], strings.ToLower(m[2])
	}
	ws := strings.ToLower(r.PathValue("ws"))
	member := false
	var out []map[string]any
	for _, repo := range s.store.Repos() {
		full := strings.ToLower(repo.FullPath)
		rws, slug, _ := strings.Cut(full, "/")
		if rws != ws {
			continue
		}
		s.mu.Lock()
		perm := s.perms[full][p.tok.user.AccountID]
		s.mu.Unlock()
		if perm == "" {
			continue
		}
		member = true
		if (field == "full_name" && full != want) || (field == "name" && slug != want) {
			continue
		}
		out = append(out, map[string]any{
			"type":       "repository_permission",
			"user":       userJSON(p.tok.user),
			"repository": repoMini(s, repo),
			"permission": string(perm),
		})
	}
	if !member {
		writeError(w, http.StatusForbidden, "You do not have access to this workspace.")
		return
	}
	writePage(s, w, r, out)
}
