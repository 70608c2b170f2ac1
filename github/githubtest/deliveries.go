package githubtest

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// handleListDeliveries answers GET /repos/{owner}/{repo}/hooks/{id}/deliveries:
// the hook's delivery attempts, newest first, per_page (30 by default, at
// most 100) a page, paged with an opaque cursor in the Link header's next
// URL, as GitHub pages this list. Each attempt has GitHub's fields: id,
// guid, delivered_at, redelivery, duration, status ("OK", "Invalid HTTP
// Response: 503", "failed to connect to host"), status_code, event,
// action, installation_id, repository_id. Without a webhook client
// (SetWebhookClient) nothing was sent: the attempt shows status_code 0
// and status "pending" (a fake's state; GitHub has none such).
func (s *Server) handleListDeliveries(w http.ResponseWriter, r *http.Request, c *call) {
	repo, id, ok := s.hookOf(w, r, c, needHooksRead)
	if !ok {
		return
	}
	_, per := s.pageParams(r)
	start := 0
	if cur := r.URL.Query().Get("cursor"); cur != "" {
		n, err := strconv.Atoi(cur)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "Invalid cursor")
			return
		}
		start = n
	}
	all := s.kit.LoggedDeliveries(strconv.Itoa(id))
	start = min(start, len(all))
	end := min(start+per, len(all))
	if end < len(all) {
		next := *r.URL
		next.Scheme, next.Host = s.api.Scheme, s.api.Host
		if p := s.api.Path; len(p) > 1 {
			next.Path = p[:len(p)-1] + r.URL.Path
		}
		q := url.Values{"per_page": {strconv.Itoa(per)}, "cursor": {strconv.Itoa(end)}}
		next.RawQuery = q.Encode()
		w.Header().Set("Link", "<"+next.String()+`>; rel="next"`)
	}
	r2, _ := s.store.Repo(repo.FullPath)
	list := make([]any, 0, end-start)
	for _, d := range all[start:end] {
		status := "OK"
		switch {
		case !d.Outcome.Sent:
			status = "pending"
		case d.Outcome.StatusCode == 0:
			status = "failed to connect to host"
		case d.Outcome.StatusCode >= 300:
			status = "Invalid HTTP Response: " + strconv.Itoa(d.Outcome.StatusCode)
		}
		var action any
		if d.Action != "" {
			action = d.Action
		}
		list = append(list, map[string]any{
			"id": d.ID, "guid": d.GUID, "delivered_at": ts(d.At), "redelivery": d.Redelivery,
			"duration": d.Outcome.Duration.Seconds(), "status": status, "status_code": d.Outcome.StatusCode,
			"event": d.Event, "action": action, "installation_id": nil, "repository_id": r2.ID, "throttled_at": nil,
		})
	}
	fakehttp.WriteJSON(w, http.StatusOK, list)
}

// handleRedeliver answers POST
// /repos/{owner}/{repo}/hooks/{id}/deliveries/{delivery}/attempts: it
// sends the logged attempt again, with the same headers (the same
// X-GitHub-Delivery GUID) and body, logs it as a redelivery and answers
// 202 Accepted, as GitHub does.
func (s *Server) handleRedeliver(w http.ResponseWriter, r *http.Request, c *call) {
	_, id, ok := s.hookOf(w, r, c, needHooksWrite)
	if !ok {
		return
	}
	did, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if _, _, err := s.kit.Resend(strconv.Itoa(id), did); err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusAccepted, map[string]any{})
}

// hookOf resolves a hook route's repository (with the permission n)
// and hook ID, answering 404 for a hook the repository does not have.
func (s *Server) hookOf(w http.ResponseWriter, r *http.Request, c *call, n need) (fakegit.Repo, int, bool) {
	repo, ok := s.repo(w, r, c, n)
	if !ok {
		return fakegit.Repo{}, 0, false
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	if _, err := s.store.Hook(repo.FullPath, id); err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return fakegit.Repo{}, 0, false
	}
	return repo, id, true
}
