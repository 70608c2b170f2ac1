package githubtest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
	"github.com/gitprovider/gitprovider/internal/signature"
)

// maxHooksPerEvent is how many of a repository's webhooks may subscribe to
// one event on GitHub.com.
const maxHooksPerEvent = 20

var knownEvents = map[string]bool{"push": true, "pull_request": true, "issues": true, "issue_comment": true, "pull_request_review": true, "*": true}

type hookIn struct {
	Name   *string  `json:"name"`
	Events []string `json:"events"`
	Active *bool    `json:"active"`
	Config *struct {
		URL         *string `json:"url"`
		ContentType *string `json:"content_type"`
		Secret      *string `json:"secret"`
		InsecureSSL any     `json:"insecure_ssl"`
	} `json:"config"`
}

func (s *Server) handleListHooks(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needHooksRead)
	if !ok {
		return
	}
	hooks, _ := s.store.Hooks(repo.FullPath)
	list := make([]any, len(hooks))
	for i, h := range hooks {
		list[i] = s.hookJSON(repo.FullPath, h)
	}
	s.writePage(w, r, list)
}

func (s *Server) handleGetHook(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needHooksRead)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	h, err := s.store.Hook(repo.FullPath, id)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo.FullPath, h))
}

func (s *Server) handleCreateHook(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needHooksWrite)
	if !ok {
		return
	}
	var in hookIn
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	if in.Config == nil || in.Config.URL == nil || *in.Config.URL == "" {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "Hook", Field: "config", Code: "missing_field", Message: "url is missing"})
		return
	}
	h := fakegit.Hook{Active: true, Events: []string{"push"}, Extra: map[string]string{"content_type": "form", "insecure_ssl": "0"}}
	if fe, ok := applyHook(&h, in); !ok {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fe)
		return
	}
	hooks, _ := s.store.Hooks(repo.FullPath)
	if fe, ok := hookConflict(hooks, h); !ok {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fe)
		return
	}
	h, err := s.store.AddHook(repo.FullPath, h)
	if err != nil {
		writeError(w, storeStatus(err), err.Error())
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.hookJSON(repo.FullPath, h))
}

func (s *Server) handleEditHook(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needHooksWrite)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	var in hookIn
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	hooks, _ := s.store.Hooks(repo.FullPath)
	var (
		fe    fieldError
		valid = true
	)
	h, err := s.store.UpdateHook(repo.FullPath, id, func(h *fakegit.Hook) {
		next := *h
		next.Extra = maps.Clone(h.Extra)
		if fe, valid = applyHook(&next, in); valid {
			if fe, valid = hookConflict(hooks, next); valid {
				*h = next
			}
		}
	})
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if !valid {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fe)
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.hookJSON(repo.FullPath, h))
}

// applyHook applies a create or edit request to h; a field GitHub would
// refuse comes back as the errors[] entry of its 422.
func applyHook(h *fakegit.Hook, in hookIn) (fieldError, bool) {
	if in.Events != nil {
		for _, e := range in.Events {
			if !knownEvents[e] {
				return fieldError{Resource: "Hook", Field: "events", Code: "invalid", Message: e + " is not a valid event name"}, false
			}
		}
		h.Events = append([]string(nil), in.Events...)
	}
	if in.Active != nil {
		h.Active = *in.Active
	}
	if in.Config != nil {
		if in.Config.URL != nil {
			h.URL = *in.Config.URL
		}
		if in.Config.Secret != nil {
			h.Secret = *in.Config.Secret
		}
		if in.Config.ContentType != nil {
			h.Extra["content_type"] = *in.Config.ContentType
		}
		if in.Config.InsecureSSL != nil {
			h.Extra["insecure_ssl"] = fmt.Sprint(in.Config.InsecureSSL)
		}
	}
	return fieldError{}, true
}

// hookConflict checks h against the repository's other webhooks as GitHub
// does: one webhook per URL, and at most maxHooksPerEvent per event.
func hookConflict(hooks []fakegit.Hook, h fakegit.Hook) (fieldError, bool) {
	perEvent := map[string]int{}
	for _, o := range hooks {
		if o.ID == h.ID {
			continue
		}
		if o.URL == h.URL {
			return fieldError{Resource: "Hook", Code: "custom", Message: "Hook already exists on this repository"}, false
		}
		for _, e := range o.Events {
			perEvent[e]++
		}
	}
	for _, e := range h.Events {
		if perEvent[e] >= maxHooksPerEvent {
			return fieldError{Resource: "Hook", Code: "custom", Message: fmt.Sprintf("The %q event cannot have more than %d hooks", e, maxHooksPerEvent)}, false
		}
	}
	return fieldError{}, true
}

func (s *Server) handleDeleteHook(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needHooksWrite)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	if err := s.store.DeleteHook(repo.FullPath, id); err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) hookJSON(repo string, h fakegit.Hook) map[string]any {
	cfg := map[string]any{"url": h.URL, "content_type": h.Extra["content_type"], "insecure_ssl": h.Extra["insecure_ssl"]}
	if h.Secret != "" {
		cfg["secret"] = "********" // GitHub never returns secrets
	}
	base := s.api.String() + "repos/" + repo + "/hooks/" + strconv.Itoa(h.ID)
	return map[string]any{
		"id": h.ID, "type": "Repository", "name": "web", "active": h.Active, "events": h.Events, "config": cfg,
		"created_at": ts(h.Created), "updated_at": ts(h.Created), "url": base, "test_url": base + "/test",
		"ping_url": base + "/pings", "deliveries_url": base + "/deliveries",
		"last_response": map[string]any{"code": nil, "status": "unused", "message": nil},
	}
}

func subscribed(h fakegit.Hook, event string) bool {
	for _, e := range h.Events {
		if e == event || e == "*" {
			return true
		}
	}
	return false
}

// deliver signs body for every active hook subscribed to event and hands
// it to the outbox.
func (s *Server) deliver(repo, event string, body []byte) []*http.Request {
	hooks, err := s.store.Hooks(repo)
	if err != nil {
		return nil
	}
	r, _ := s.store.Repo(repo)
	repoID := r.ID
	var out []*http.Request
	for _, h := range hooks {
		if !h.Active || !subscribed(h, event) {
			continue
		}
		guid := fmt.Sprintf("%08x-0000-4000-8000-%012d", s.nextID(), h.ID)
		header := http.Header{
			"X-GitHub-Event":                         {event},
			"X-GitHub-Delivery":                      {guid},
			"X-GitHub-Hook-ID":                       {strconv.Itoa(h.ID)},
			"X-GitHub-Hook-Installation-Target-Type": {"repository"},
			"X-GitHub-Hook-Installation-Target-ID":   {strconv.Itoa(repoID)},
			"User-Agent":                             {"GitHub-Hookshot/fake"},
		}
		if s.api.Path == "/api/v3/" {
			// GHES names itself on every delivery (docs.github.com,
			// enterprise-server: "Webhook events and payloads",
			// delivery headers).
			header.Set("X-GitHub-Enterprise-Version", EnterpriseVersion)
			header.Set("X-GitHub-Enterprise-Host", s.api.Hostname())
		}
		if h.Secret != "" {
			header.Set("X-Hub-Signature-256", "sha256="+signature.HMACSHA256Hex(h.Secret, body))
			m := hmac.New(sha1.New, []byte(h.Secret))
			m.Write(body)
			header.Set("X-Hub-Signature", "sha1="+hex.EncodeToString(m.Sum(nil)))
		}
		req, err := fakehttp.NewDelivery(h.URL, body, header)
		if err != nil {
			continue
		}
		var act struct {
			Action string `json:"action"`
		}
		_ = json.Unmarshal(body, &act)
		out = append(out, s.kit.SendLogged(req, body, strconv.Itoa(h.ID), guid, event, act.Action))
	}
	return out
}

func (s *Server) repoPayload(repo string) map[string]any {
	r, _ := s.store.Repo(repo)
	j := s.repoJSON(r, "")
	delete(j, "permissions")
	return j
}

// deliverPullRequest sends pull_request with action; extra are further
// top-level properties as name, value pairs (synchronize's before and
// after).
func (s *Server) deliverPullRequest(repo string, pr fakegit.PullRequest, action, sender string, extra ...string) []*http.Request {
	payload := map[string]any{
		"action":       action,
		"number":       pr.Number,
		"pull_request": s.pullJSON(repo, pr),
		"repository":   s.repoPayload(repo),
		"sender":       s.userJSON(sender),
	}
	for i := 0; i+1 < len(extra); i += 2 {
		payload[extra[i]] = extra[i+1]
	}
	body, _ := json.Marshal(payload)
	return s.deliver(repo, "pull_request", body)
}

func (s *Server) deliverPush(repo, branch, before, after, sender string) []*http.Request {
	return s.deliverRefPush(repo, refPush{ref: "refs/heads/" + branch, before: before, after: after, message: "Merge into " + branch}, sender)
}
