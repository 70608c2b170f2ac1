package gitlabtest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

func itoa(n int) string { return strconv.Itoa(n) }

// GitLab's commit status states (POST accepts these; running and pending
// are unfinished).
var gitlabStates = []string{"pending", "running", "success", "failed", "canceled", "skipped"}

func finished(state string) bool { return state != "pending" && state != "running" }

// transitions are GitLab's state machine events for a state, as named in
// its "Cannot transition status via :EVENT from :STATE" errors.
var transitions = map[string]string{"pending": "enqueue", "running": "run", "success": "succeed", "failed": "drop", "canceled": "cancel", "skipped": "skip"}

func (s *Server) statusJSON(repo fakegit.Repo, sha string, st fakegit.Status) map[string]any {
	var target any
	if st.URL != "" {
		target = st.URL
	}
	var finishedAt, startedAt any
	if finished(st.State) {
		finishedAt = timeOrNil(st.Updated)
	}
	if st.State != "pending" {
		startedAt = timeOrNil(st.Updated)
	}
	return map[string]any{
		"id": st.ID, "sha": sha, "ref": "", "status": st.State, "name": st.Key, "description": st.Description,
		"target_url": target, "created_at": timeOrNil(st.Created), "started_at": startedAt, "finished_at": finishedAt,
		"allow_failure": false, "coverage": nil, "pipeline_id": 1000 + repo.ID, "author": s.userJSON(st.Author),
	}
}

// handleSetStatus serves POST /projects/:id/statuses/:sha {state, name,
// target_url, description}. While the latest status of the name is
// unfinished (pending, running) the new state moves it through GitLab's
// state machine, which refuses staying put: "Cannot transition status via
// :enqueue from :pending" (400); a finished one is followed by a new
// status.
func (s *Server) handleSetStatus(w http.ResponseWriter, r *http.Request, c *caller, id, sha string) {
	repo, ok := s.writer(w, c, id)
	if !ok {
		return
	}
	in := writeParams(r)
	state, name := str(in, "state"), str(in, "name")
	if name == "" {
		name = str(in, "context")
	}
	if name == "" {
		name = "default"
	}
	if !slices.Contains(gitlabStates, state) {
		writeError(w, http.StatusBadRequest, "state does not have a valid value")
		return
	}
	if u := str(in, "target_url"); u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
			writeError(w, http.StatusBadRequest, map[string][]string{"target_url": {"is blocked: Only allowed schemes are http, https"}})
			return
		}
	}
	all, full, err := s.store.Statuses(repo.FullPath, sha)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 References Not Found")
		return
	}
	replace := false
	for _, st := range fakegit.LatestStatuses(all) {
		if st.Key != name || finished(st.State) {
			continue
		}
		if st.State == state {
			ev := transitions[state]
			writeError(w, http.StatusBadRequest, "Cannot transition status via :"+ev+" from :"+state+" (Reason(s): Status cannot transition via \""+ev+"\")")
			return
		}
		replace = true
	}
	st, err := s.store.SetStatus(repo.FullPath, full, fakegit.Status{Key: name, State: state, Description: str(in, "description"), URL: str(in, "target_url"), Author: c.user.Username}, replace)
	if err != nil {
		storeError(w, err, "404 References Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.statusJSON(repo, full, st))
}

// handleStatuses serves GET /projects/:id/repository/commits/:sha/statuses:
// the latest status per name (all=true: every one), filtered by name,
// paged.
func (s *Server) handleStatuses(w http.ResponseWriter, r *http.Request, c *caller, id, sha string) {
	repo, ok := s.reader(w, c, id)
	if !ok {
		return
	}
	all, full, err := s.store.Statuses(repo.FullPath, sha)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Commit Not Found")
		return
	}
	q := r.URL.Query()
	list := all
	if q.Get("all") != "true" {
		list = fakegit.LatestStatuses(all)
	}
	out := []map[string]any{}
	for _, st := range list {
		if n := q.Get("name"); n != "" && st.Key != n {
			continue
		}
		out = append(out, s.statusJSON(repo, full, st))
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
}
