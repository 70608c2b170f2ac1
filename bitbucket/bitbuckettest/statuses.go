package bitbuckettest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

var buildStates = []string{"INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"}

func statusJSON(repo fakegit.Repo, sha string, st fakegit.Status) map[string]any {
	self := APIRoot + "/repositories/" + repo.FullPath + "/commit/" + sha + "/statuses/build/" + url.PathEscape(st.Key)
	return map[string]any{
		"type": "build", "key": st.Key, "state": st.State, "name": st.Key, "description": st.Description, "url": st.URL,
		"refname": nil, "created_on": timestamp(st.Created), "updated_on": timestamp(st.Updated),
		"links": map[string]any{"self": map[string]any{"href": self}, "commit": map[string]any{"href": APIRoot + "/repositories/" + repo.FullPath + "/commit/" + sha}},
	}
}

// POST /2.0/repositories/{ws}/{slug}/commit/{commit}/statuses/build
// {key, state, name, description, url}: a status with the key overwrites
// the commit's existing one. key, state and url are required. The scope
// Bitbucket asks for here is taken to be write:repository:bitbucket
// (unconfirmed).
func (s *Server) handleSetStatus(w http.ResponseWriter, r *http.Request) {
	repo, p, ok := s.writer(w, r, ScopeWriteRepository)
	if !ok {
		return
	}
	var in struct {
		Key, State, Name, Description, URL string
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON")
		return
	}
	if in.Key == "" || in.URL == "" || !slices.Contains(buildStates, in.State) {
		writeError(w, http.StatusBadRequest, "key, state (INPROGRESS, SUCCESSFUL, FAILED or STOPPED) and url are required")
		return
	}
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		writeError(w, http.StatusBadRequest, "url must be an http(s) URL")
		return
	}
	st, err := s.store.SetStatus(repo.FullPath, r.PathValue("commit"), fakegit.Status{Key: in.Key, State: in.State, Description: in.Description, URL: in.URL, Author: p.actor().Nickname}, true)
	if err != nil {
		writeError(w, http.StatusNotFound, "Commit not found: "+r.PathValue("commit"))
		return
	}
	_, full, _ := s.store.Statuses(repo.FullPath, r.PathValue("commit"))
	fakehttp.WriteJSON(w, http.StatusCreated, statusJSON(repo, full, st))
}

// GET /2.0/repositories/{ws}/{slug}/commit/{commit}/statuses, paged.
func (s *Server) handleListStatuses(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	all, full, err := s.store.Statuses(repo.FullPath, strings.ToLower(r.PathValue("commit")))
	if err != nil {
		writeError(w, http.StatusNotFound, "Commit not found: "+r.PathValue("commit"))
		return
	}
	out := make([]map[string]any, len(all))
	for i, st := range all {
		out[i] = statusJSON(repo, full, st)
	}
	writePage(s, w, r, out)
}
