package githubtest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

var statusStates = []string{"pending", "success", "failure", "error"}

func (s *Server) statusJSON(repo, sha string, st fakegit.Status) map[string]any {
	var target any
	if st.URL != "" {
		target = st.URL
	}
	return map[string]any{
		"url":        s.api.String() + "repos/" + repo + "/statuses/" + sha,
		"avatar_url": s.web.String() + st.Author + ".png",
		"id":         st.ID, "node_id": "SC_" + strconv.Itoa(st.ID), "state": st.State, "description": st.Description,
		"target_url": target, "context": st.Key, "creator": s.userJSON(st.Author),
		"created_at": st.Created.UTC().Format("2006-01-02T15:04:05Z"), "updated_at": st.Updated.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

// handleCreateStatus answers POST /repos/{owner}/{repo}/statuses/{sha}
// {state, target_url, description, context}. GitHub keeps every status;
// the combined status shows the latest per context.
func (s *Server) handleCreateStatus(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needStatusesWrite)
	if !ok {
		return
	}
	var in struct {
		State       string `json:"state"`
		TargetURL   string `json:"target_url"`
		Description string `json:"description"`
		Context     string `json:"context"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if !slices.Contains(statusStates, in.State) {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Status", Field: "state", Code: "custom", Message: "state is not included in the list"})
		return
	}
	if in.TargetURL != "" {
		if u, err := url.Parse(in.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Status", Field: "target_url", Code: "custom", Message: "target_url must use http(s) scheme"})
			return
		}
	}
	if in.Context == "" {
		in.Context = "default"
	}
	st, err := s.store.SetStatus(repo.FullPath, r.PathValue("sha"), fakegit.Status{Key: in.Context, State: in.State, Description: in.Description, URL: in.TargetURL, Author: c.user}, false)
	if err != nil {
		writeErrors(w, http.StatusUnprocessableEntity, "No commit found for SHA: "+r.PathValue("sha"))
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.statusJSON(repo.FullPath, r.PathValue("sha"), st))
}

// handleCombinedStatus answers GET /repos/{owner}/{repo}/commits/{ref}/status:
// the latest status per context, paged with per_page and page.
func (s *Server) handleCombinedStatus(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needStatusesRead)
	if !ok {
		return
	}
	sha, err := s.store.Resolve(repo.FullPath, r.PathValue("ref"))
	if err != nil {
		writeError(w, http.StatusNotFound, "No commit found for SHA: "+r.PathValue("ref"))
		return
	}
	all, _, _ := s.store.Statuses(repo.FullPath, sha)
	latest := fakegit.LatestStatuses(all)
	state := "success"
	for _, st := range latest {
		switch {
		case st.State == "failure" || st.State == "error":
			state = "failure"
		case st.State == "pending" && state != "failure":
			state = "pending"
		}
	}
	if len(latest) == 0 {
		state = "pending"
	}
	page, per := s.pageParams(r)
	start, end := fakehttp.Bounds(page, per, len(latest))
	s.setLink(w, r, page, per, len(latest))
	list := make([]any, 0, end-start)
	for _, st := range latest[start:end] {
		list = append(list, s.statusJSON(repo.FullPath, sha, st))
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{
		"state": state, "statuses": list, "sha": sha, "total_count": len(latest),
		"repository": s.repoPayload(repo.FullPath), "commit_url": s.api.String() + "repos/" + repo.FullPath + "/commits/" + sha,
		"url": s.api.String() + "repos/" + repo.FullPath + "/commits/" + sha + "/status",
	})
}
