package bitbuckettest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/internal/signature"
)

// HookEvents are the event keys a Bitbucket repository webhook may
// subscribe to.
var HookEvents = []string{
	"repo:push", "repo:fork", "repo:updated", "repo:commit_comment_created",
	"repo:commit_status_created", "repo:commit_status_updated",
	"issue:created", "issue:updated", "issue:comment_created",
	"pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled", "pullrequest:rejected",
	"pullrequest:approved", "pullrequest:unapproved",
	"pullrequest:changes_request_created", "pullrequest:changes_request_removed",
	"pullrequest:comment_created", "pullrequest:comment_updated", "pullrequest:comment_deleted",
	"pullrequest:comment_resolved", "pullrequest:comment_reopened",
}

func trimBraces(s string) string { return strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}") }

func (s *Server) hookJSON(repo fakegit.Repo, h fakegit.Hook) map[string]any {
	return map[string]any{
		"type": "webhook_subscription", "uuid": h.Extra["uuid"], "url": h.URL, "description": h.Extra["description"],
		"subject_type": "repository", "subject": repoMini(s, repo), "active": h.Active,
		"created_at": timestamp(h.Created), "events": h.Events, "secret_set": h.Secret != "",
		"links": map[string]any{"self": map[string]any{"href": APIRoot + "/repositories/" + repo.FullPath + "/hooks/" + url.PathEscape(h.Extra["uuid"])}},
	}
}

// hookAdmin checks the principal may manage the repository's webhooks:
// the webhook scopes, and admin permission on the repository (for an
// access token, its repository:admin scope on a repository it covers).
func (s *Server) hookAdmin(w http.ResponseWriter, r *http.Request, scopes ...string) (fakegit.Repo, bool) {
	repo, p, perm, ok := s.repoFor(w, r, scopes...)
	if !ok {
		return repo, false
	}
	if perm != PermissionAdmin {
		if p.tok.kind.isAccessToken() {
			w.Header().Set("X-Accepted-OAuth-Scopes", "repository:admin")
		}
		writeError(w, http.StatusForbidden, "You must be an administrator of this repository to manage its webhooks.")
		return repo, false
	}
	return repo, true
}

func (s *Server) findHook(full, uid string) (fakegit.Hook, bool) {
	hooks, _ := s.store.Hooks(full)
	for _, h := range hooks {
		if trimBraces(h.Extra["uuid"]) == trimBraces(uid) {
			return h, true
		}
	}
	return fakegit.Hook{}, false
}

// GET /2.0/repositories/{ws}/{slug}/hooks
func (s *Server) handleListHooks(w http.ResponseWriter, r *http.Request) {
	repo, ok := s.hookAdmin(w, r, ScopeReadWebhook)
	if !ok {
		return
	}
	hooks, _ := s.store.Hooks(repo.FullPath)
	out := make([]map[string]any, len(hooks))
	for i, h := range hooks {
		out[i] = s.hookJSON(repo, h)
	}
	writePage(s, w, r, out)
}

// GET /2.0/repositories/{ws}/{slug}/hooks/{uid}
func (s *Server) handleGetHook(w http.ResponseWriter, r *http.Request) {
	repo, ok := s.hookAdmin(w, r, ScopeReadWebhook)
	if !ok {
		return
	}
	h, found := s.findHook(repo.FullPath, r.PathValue("uid"))
	if !found {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo, h))
}

type hookRequest struct {
	Description string          `json:"description"`
	URL         string          `json:"url"`
	Active      *bool           `json:"active"`
	Events      []string        `json:"events"`
	Secret      json.RawMessage `json:"secret"`
}

// validate checks a hook body the way Bitbucket does and returns the
// error to answer with.
func (h *hookRequest) validate() map[string]any {
	fields := map[string]any{}
	if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fields["url"] = []string{"Enter a valid URL."}
	}
	if len(h.Events) == 0 {
		fields["events"] = []string{"This field is required."}
	}
	for _, e := range h.Events {
		if !slices.Contains(HookEvents, e) {
			fields["events"] = []string{"Invalid event: " + e}
		}
	}
	// The description's webhook_subscription.secret: maxLength 128.
	if sec, _ := h.secret(); utf8.RuneCountInString(sec) > 128 {
		fields["secret"] = []string{"Ensure this field has no more than 128 characters."}
	}
	if len(fields) == 0 {
		return nil
	}
	return map[string]any{"message": "Bad request", "fields": fields}
}

// secret returns the secret the body sets and whether it sets one at all
// (absent keeps the current secret; null or "" removes it).
func (h *hookRequest) secret() (string, bool) {
	if len(h.Secret) == 0 {
		return "", false
	}
	var s *string
	_ = json.Unmarshal(h.Secret, &s)
	if s == nil {
		return "", true
	}
	return *s, true
}

// readHookRequest decodes and validates a create or update body,
// answering 400 as Bitbucket does when it is not acceptable.
func readHookRequest(w http.ResponseWriter, r *http.Request) (hookRequest, bool) {
	var req hookRequest
	if err := fakehttp.ReadJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return req, false
	}
	if e := req.validate(); e != nil {
		writeJSONError(w, http.StatusBadRequest, e)
		return req, false
	}
	return req, true
}

// POST /2.0/repositories/{ws}/{slug}/hooks
func (s *Server) handleCreateHook(w http.ResponseWriter, r *http.Request) {
	repo, ok := s.hookAdmin(w, r, ScopeReadWebhook, ScopeWriteWebhook)
	if !ok {
		return
	}
	req, ok := readHookRequest(w, r)
	if !ok {
		return
	}
	secret, _ := req.secret()
	h, err := s.store.AddHook(repo.FullPath, fakegit.Hook{
		URL: req.URL, Secret: secret, Events: req.Events, Active: req.Active == nil || *req.Active,
		Extra: map[string]string{"uuid": s.uuid(true), "description": req.Description},
	})
	if err != nil {
		storeError(w, err, "Repository")
		return
	}
	body := s.hookJSON(repo, h)
	w.Header().Set("Location", body["links"].(map[string]any)["self"].(map[string]any)["href"].(string))
	fakehttp.WriteJSON(w, http.StatusCreated, body)
}

// PUT /2.0/repositories/{ws}/{slug}/hooks/{uid}
func (s *Server) handleUpdateHook(w http.ResponseWriter, r *http.Request) {
	repo, ok := s.hookAdmin(w, r, ScopeReadWebhook, ScopeWriteWebhook)
	if !ok {
		return
	}
	h, found := s.findHook(repo.FullPath, r.PathValue("uid"))
	if !found {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	req, ok := readHookRequest(w, r)
	if !ok {
		return
	}
	secret, setSecret := req.secret()
	h, err := s.store.UpdateHook(repo.FullPath, h.ID, func(h *fakegit.Hook) {
		h.URL, h.Events = req.URL, append([]string(nil), req.Events...)
		if req.Active != nil {
			h.Active = *req.Active
		}
		h.Extra["description"] = req.Description
		if setSecret {
			h.Secret = secret
		}
	})
	if err != nil {
		storeError(w, err, "Webhook")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo, h))
}

// DELETE /2.0/repositories/{ws}/{slug}/hooks/{uid} takes
// delete:webhook:bitbucket alone (the published description's scopes).
func (s *Server) handleDeleteHook(w http.ResponseWriter, r *http.Request) {
	repo, ok := s.hookAdmin(w, r, ScopeDeleteWebhook)
	if !ok {
		return
	}
	h, found := s.findHook(repo.FullPath, r.PathValue("uid"))
	if !found {
		writeError(w, http.StatusNotFound, "Webhook not found")
		return
	}
	if err := s.store.DeleteHook(repo.FullPath, h.ID); err != nil {
		storeError(w, err, "Webhook")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deliver POSTs payload for eventKey to every active hook of the
// repository subscribed to it, signed with the hook's secret the way
// Bitbucket signs (X-Hub-Signature: sha256=HEX), and returns the
// deliveries.
func (s *Server) deliver(full, eventKey string, payload map[string]any) []*http.Request {
	hooks, err := s.store.Hooks(full)
	if err != nil {
		return nil
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil
	}
	var out []*http.Request
	for _, h := range hooks {
		if !h.Active || !slices.Contains(h.Events, eventKey) {
			continue
		}
		header := http.Header{}
		header.Set("User-Agent", "Bitbucket-Webhooks/2.0")
		header.Set("X-Event-Key", eventKey)
		header.Set("X-Hook-UUID", trimBraces(h.Extra["uuid"]))
		header.Set("X-Request-UUID", s.uuid(false))
		header.Set("X-Attempt-Number", "1")
		if h.Secret != "" {
			header.Set("X-Hub-Signature", "sha256="+signature.HMACSHA256Hex(h.Secret, body))
		}
		req, err := fakehttp.NewDelivery(h.URL, body, header)
		if err != nil {
			continue
		}
		out = append(out, s.kit.Deliver(req, body))
	}
	return out
}

func (s *Server) deliverPull(full string, number int, eventKey string) []*http.Request {
	repo, err := s.store.Repo(full)
	if err != nil {
		return nil
	}
	pr, err := s.store.PullRequest(full, number)
	if err != nil {
		return nil
	}
	return s.deliver(full, eventKey, map[string]any{
		"actor":       userJSON(s.prAuthor(full, number)),
		"repository":  s.repoJSON(repo),
		"pullrequest": s.prJSON(repo, pr),
	})
}

// pusher is who a push made through the test kit is by (a push always has
// an actor): the first account with write or admin permission on the
// repository, else the first account, else the workspace itself.
func (s *Server) pusher(full string) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	perms := s.perms[strings.ToLower(full)]
	for _, u := range s.users {
		if p := perms[u.AccountID]; p == PermissionWrite || p == PermissionAdmin {
			return u
		}
	}
	if len(s.users) > 0 {
		return s.users[0]
	}
	ws, _, _ := strings.Cut(full, "/")
	return &User{AccountID: "workspace:" + ws, UUID: "{00000000-0000-4000-8000-000000000000}", Nickname: ws, DisplayName: ws}
}

func (s *Server) deliverPush(full, branch, oldSHA, newSHA string, created bool, actor *User) []*http.Request {
	if created {
		oldSHA = ""
	}
	return s.deliverChanges(full, actor, refChange{kind: "branch", name: branch, before: oldSHA, after: newSHA})
}
