package gitlabtest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/internal/signature"
)

// hookFlags are the event switches of a project webhook.
var hookFlags = []string{
	"push_events", "issues_events", "confidential_issues_events", "merge_requests_events",
	"tag_push_events", "note_events", "confidential_note_events", "job_events", "pipeline_events",
	"wiki_page_events", "deployment_events", "releases_events", "emoji_events",
	"resource_access_token_events", "repository_update_events",
}

func (s *Server) hookJSON(repo fakegit.Repo, h fakegit.Hook) map[string]any {
	out := map[string]any{
		"id": h.ID, "url": h.URL, "name": h.Extra["name"], "description": h.Extra["description"],
		"project_id": repo.ID, "push_events_branch_filter": h.Extra["push_events_branch_filter"],
		"branch_filter_strategy": "wildcard", "enable_ssl_verification": h.Extra["enable_ssl_verification"] != "false",
		"alert_status": "executable", "disabled_until": nil, "url_variables": []any{},
		"created_at": timeOrNil(h.Created), "custom_webhook_template": "", "custom_headers": []any{},
		"token_present": h.Secret != "", "signing_token_present": h.Extra["signing_token"] != "",
	}
	for _, f := range hookFlags {
		out[f] = slices.Contains(h.Events, f)
	}
	return out
}

// hookRepo checks scope and the Maintainer role for managing webhooks.
func (s *Server) hookRepo(w http.ResponseWriter, r *http.Request, c *caller, id string) (fakegit.Repo, bool) {
	scopes := scopesRead
	if r.Method != http.MethodGet {
		scopes = scopesWrite
	}
	if !s.scopeOK(w, c, scopes...) {
		return fakegit.Repo{}, false
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return fakegit.Repo{}, false
	}
	if s.role(c, repo) < Maintainer {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return fakegit.Repo{}, false
	}
	return repo, true
}

// handleHooks serves GET and POST /projects/:id/hooks.
func (s *Server) handleHooks(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.hookRepo(w, r, c, id)
	if !ok {
		return
	}
	if r.Method == http.MethodGet {
		hooks, err := s.store.Hooks(repo.FullPath)
		if err != nil {
			storeError(w, err, "404 Project Not Found")
			return
		}
		out := make([]map[string]any, len(hooks))
		for i, h := range hooks {
			out[i] = s.hookJSON(repo, h)
		}
		fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
		return
	}
	p, err := readParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "400 Bad request - "+err.Error())
		return
	}
	if _, ok := p.str("url"); !ok {
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "url is missing"})
		return
	}
	// GitLab's defaults: push events on, SSL verification on, the rest off.
	h := fakegit.Hook{Active: true, Events: []string{"push_events"},
		Extra: map[string]string{"enable_ssl_verification": "true", "uuid": newUUID()}}
	if msg := s.applyHookParams(&h, p); msg != nil {
		writeError(w, http.StatusUnprocessableEntity, msg)
		return
	}
	stored, err := s.store.AddHook(repo.FullPath, h)
	if err != nil {
		storeError(w, err, "404 Project Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.hookJSON(repo, stored))
}

// handleHook serves GET, PUT and DELETE /projects/:id/hooks/:hook_id.
// Changing the URL resets the secret token and the signing token unless
// the same request sets them again, as GitLab does.
func (s *Server) handleHook(w http.ResponseWriter, r *http.Request, c *caller, id, hookID string) {
	repo, ok := s.hookRepo(w, r, c, id)
	if !ok {
		return
	}
	n, err := strconv.Atoi(hookID)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Not found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		h, err := s.store.Hook(repo.FullPath, n)
		if err != nil {
			writeError(w, http.StatusNotFound, "404 Not found")
			return
		}
		fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo, h))
	case http.MethodDelete:
		if err := s.store.DeleteHook(repo.FullPath, n); err != nil {
			writeError(w, http.StatusNotFound, "404 Not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPut:
		p, err := readParams(r)
		if err != nil {
			writeError(w, http.StatusBadRequest, "400 Bad request - "+err.Error())
			return
		}
		var msg any
		h, err := s.store.UpdateHook(repo.FullPath, n, func(h *fakegit.Hook) {
			before := *h
			before.Extra = map[string]string{}
			for k, v := range h.Extra {
				before.Extra[k] = v
			}
			if u, ok := p.str("url"); ok && u != h.URL {
				h.Secret = ""
				delete(h.Extra, "signing_token")
			}
			if msg = s.applyHookParams(h, p); msg != nil {
				*h = before
			}
		})
		if err != nil {
			writeError(w, http.StatusNotFound, "404 Not found")
			return
		}
		if msg != nil {
			writeError(w, http.StatusUnprocessableEntity, msg)
			return
		}
		fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo, h))
	default:
		writeError(w, http.StatusMethodNotAllowed, "405 Method Not Allowed")
	}
}

// applyHookParams copies request parameters onto a hook; it returns a
// validation message (GitLab's 422 body) when one is bad.
func (s *Server) applyHookParams(h *fakegit.Hook, p params) any {
	if v, ok := p.str("url"); ok {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return map[string][]string{"url": {"is blocked: Only allowed schemes are http, https"}}
		}
		if msg := s.blockedURL(u); msg != "" {
			return map[string][]string{"url": {"is blocked: " + msg}}
		}
		h.URL = v
	}
	if v, ok := p.str("token"); ok {
		h.Secret = v
	}
	if v, ok := p.str("signing_token"); ok {
		s.mu.Lock()
		ignore := s.noSigning
		s.mu.Unlock()
		if !ignore {
			if v != "" && !validSigningToken(v) {
				return map[string][]string{"signing_token": {"must be a whsec_ prefixed, base64 encoded 32 byte key"}}
			}
			h.Extra["signing_token"] = v
		}
	}
	for _, k := range []string{"name", "description", "push_events_branch_filter"} {
		if v, ok := p.str(k); ok {
			h.Extra[k] = v
		}
	}
	if v, ok := p.boolean("enable_ssl_verification"); ok {
		h.Extra["enable_ssl_verification"] = strconv.FormatBool(v)
	}
	for _, f := range hookFlags {
		v, ok := p.boolean(f)
		if !ok {
			continue
		}
		h.Events = slices.DeleteFunc(h.Events, func(e string) bool { return e == f })
		if v {
			h.Events = append(h.Events, f)
		}
	}
	return nil
}

// blockedURL returns GitLab's reason for refusing a webhook URL in its
// local network, when BlockLocalWebhooks is set.
func (s *Server) blockedURL(u *url.URL) string {
	s.mu.Lock()
	block := s.blockLocal
	s.mu.Unlock()
	if !block {
		return ""
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	switch {
	case strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback()):
		return "Requests to localhost are not allowed"
	case ip != nil && (ip.IsPrivate() || ip.IsLinkLocalUnicast()):
		return "Requests to the local network are not allowed"
	}
	return ""
}

func validSigningToken(t string) bool {
	b64, ok := strings.CutPrefix(t, "whsec_")
	if !ok {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(key) == 32
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// deliver POSTs body to every hook of repo subscribed to flag, with
// GitLab's headers, and returns the deliveries.
func (s *Server) deliver(repo, flag, event string, body []byte) []*http.Request {
	hooks, err := s.store.Hooks(repo)
	if err != nil {
		return nil
	}
	eventUUID := newUUID()
	var out []*http.Request
	for _, h := range hooks {
		if !slices.Contains(h.Events, flag) {
			continue
		}
		delivery := newUUID()
		hdr := http.Header{}
		hdr.Set("User-Agent", "GitLab/"+Version)
		hdr.Set("X-Gitlab-Event", event)
		hdr.Set("X-Gitlab-Event-UUID", eventUUID)
		hdr.Set("X-Gitlab-Webhook-UUID", h.Extra["uuid"])
		hdr.Set("X-Gitlab-Instance", s.base.Scheme+"://"+s.base.Host)
		hdr.Set("Idempotency-Key", delivery)
		if h.Secret != "" {
			hdr.Set("X-Gitlab-Token", h.Secret)
		}
		if st := h.Extra["signing_token"]; st != "" {
			now := s.Now()
			hdr.Set("webhook-id", delivery)
			hdr.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
			hdr.Set("webhook-signature", signature.SignStandardWebhook(st, delivery, now, body))
		}
		req, err := fakehttp.NewDelivery(h.URL, body, hdr)
		if err != nil {
			continue
		}
		out = append(out, s.kit.SendLogged(req, body, strconv.Itoa(h.ID), delivery, hookTrigger(flag), ""))
	}
	return out
}

// hookTime is the timestamp format of webhook payloads.
func hookTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

func (s *Server) hookProject(repo fakegit.Repo) map[string]any {
	parts := strings.Split(repo.FullPath, "/")
	web := s.webURL(repo.FullPath)
	ssh := "git@" + s.base.Hostname() + ":" + repo.FullPath + ".git"
	level := 0
	switch s.visibility(repo) {
	case Internal:
		level = 10
	case Public:
		level = 20
	}
	return map[string]any{
		"id": repo.ID, "name": parts[len(parts)-1], "description": "", "web_url": web, "avatar_url": nil,
		"git_ssh_url": ssh, "git_http_url": web + ".git", "namespace": parts[0], "visibility_level": level,
		"path_with_namespace": repo.FullPath, "default_branch": repo.DefaultBranch, "ci_config_path": nil,
		"homepage": web, "url": ssh, "ssh_url": ssh, "http_url": web + ".git",
	}
}

func (s *Server) hookUser(username string) map[string]any {
	u := s.userJSON(username)
	return map[string]any{"id": u["id"], "name": username, "username": username, "avatar_url": nil, "email": "[REDACTED]"}
}

func (s *Server) hookRepository(repo fakegit.Repo) map[string]any {
	p := s.hookProject(repo)
	return map[string]any{"name": p["name"], "url": p["url"], "description": "", "homepage": p["homepage"]}
}

// pushRepository is the "repository" of push and tag push events, which
// also carries the clone URLs and visibility level (GitLab's webhook
// events docs, "Push events").
func (s *Server) pushRepository(repo fakegit.Repo) map[string]any {
	p := s.hookProject(repo)
	r := s.hookRepository(repo)
	r["git_http_url"], r["git_ssh_url"], r["visibility_level"] = p["git_http_url"], p["git_ssh_url"], p["visibility_level"]
	return r
}

// mergeRequestAttributes is a merge request event's object_attributes,
// with every field GitLab's webhook events docs show in one ("Merge
// request events"), null or zero where the fake keeps no such thing.
func (s *Server) mergeRequestAttributes(repo fakegit.Repo, pr fakegit.PullRequest) map[string]any {
	author := s.userJSON(pr.Author)
	var mergeSHA, mergeUser any
	if pr.MergeSHA != "" {
		mergeSHA = pr.MergeSHA
		mergeUser = author["id"] // the fake does not record who merged
	}
	stateID := map[string]int{"open": 1, "closed": 2, "merged": 3}[pr.State]
	web := s.webURL(repo.FullPath)
	return map[string]any{
		"id": repo.ID*1000 + pr.Number, "iid": pr.Number, "title": pr.Title, "description": pr.Description,
		"state": mrState(pr.State), "source_branch": pr.SourceBranch, "target_branch": pr.TargetBranch,
		"source_project_id": repo.ID, "target_project_id": repo.ID, "author_id": author["id"],
		"created_at": hookTime(pr.Created), "updated_at": hookTime(pr.Updated),
		"merge_commit_sha": mergeSHA, "merge_status": "can_be_merged", "detailed_merge_status": "mergeable",
		"url":    web + "/-/merge_requests/" + strconv.Itoa(pr.Number),
		"source": s.hookProject(repo), "target": s.hookProject(repo),
		"last_commit": map[string]any{
			"id": pr.HeadSHA, "message": pr.Title + "\n", "title": pr.Title,
			"timestamp": pr.Updated.UTC().Format(time.RFC3339), "url": web + "/-/commit/" + pr.HeadSHA,
			"author": map[string]string{"name": pr.Author, "email": pr.Author + "@example.test"},
		},
		"work_in_progress": isDraft(pr), "draft": isDraft(pr),
		"state_id": stateID, "assignee_id": nil, "assignee_ids": []int{}, "reviewer_ids": []int{},
		"updated_by_id": nil, "last_edited_at": nil, "last_edited_by_id": nil, "milestone_id": nil,
		"head_pipeline_id": nil, "merge_user_id": mergeUser, "merge_error": nil,
		"merge_params": map[string]any{"force_remove_source_branch": "0"}, "merge_when_pipeline_succeeds": false,
		"blocking_discussions_resolved": true, "first_contribution": false, "labels": []any{},
		"time_estimate": 0, "total_time_spent": 0, "time_change": 0,
		"human_time_estimate": nil, "human_total_time_spent": nil, "human_time_change": nil,
	}
}

// deliverMergeRequest sends a Merge Request Hook for the merge request's
// current state with action (open, update, close, reopen, merge, …).
func (s *Server) deliverMergeRequest(repoPath string, iid int, action, oldrev string) []*http.Request {
	repo, err := s.store.Repo(repoPath)
	if err != nil {
		return nil
	}
	pr, err := s.store.PullRequest(repoPath, iid)
	if err != nil {
		return nil
	}
	attrs := s.mergeRequestAttributes(repo, pr)
	attrs["action"] = action
	if oldrev != "" {
		attrs["oldrev"] = oldrev
	}
	changes := map[string]any{}
	switch action {
	case "close", "merge":
		changes["state_id"] = map[string]int{"previous": 1, "current": map[string]int{"close": 2, "merge": 3}[action]}
	case "reopen":
		changes["state_id"] = map[string]int{"previous": 2, "current": 1}
	}
	body, _ := json.Marshal(map[string]any{
		"object_kind": "merge_request", "event_type": "merge_request",
		"user": s.hookUser(pr.Author), "project": s.hookProject(repo),
		"object_attributes": attrs, "labels": []any{}, "changes": changes,
		"repository": s.hookRepository(repo),
	})
	return s.deliver(repoPath, "merge_requests_events", "Merge Request Hook", body)
}

// deliverPush sends a Push Hook for branch moving from before to after.
func (s *Server) deliverPush(repoPath, branch, before, after string) []*http.Request {
	if strings.Trim(before, "0") == "" {
		before = ""
	}
	return s.deliverRefPush(repoPath, "refs/heads/"+branch, before, after)
}

// deliverNote sends a Note Hook for a comment on a merge request.
func (s *Server) deliverNote(repo fakegit.Repo, pr fakegit.PullRequest, note fakegit.Comment, author string) {
	web := s.webURL(repo.FullPath) + "/-/merge_requests/" + strconv.Itoa(pr.Number)
	mr := s.mergeRequestAttributes(repo, pr)
	body, _ := json.Marshal(map[string]any{
		"object_kind": "note", "event_type": "note", "user": s.hookUser(author),
		"project_id": repo.ID, "project": s.hookProject(repo), "repository": s.hookRepository(repo),
		"object_attributes": map[string]any{
			"id": note.ID, "note": note.Body, "noteable_type": "MergeRequest", "author_id": s.userJSON(author)["id"],
			"created_at": hookTime(note.Created), "updated_at": hookTime(note.Updated), "project_id": repo.ID,
			"system": false, "noteable_id": mr["id"], "url": web + "#note_" + strconv.Itoa(note.ID), "action": "create",
		},
		"merge_request": mr,
	})
	s.deliver(repo.FullPath, "note_events", "Note Hook", body)
}
