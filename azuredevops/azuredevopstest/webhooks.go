package azuredevopstest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// Service-hook event types of the "tfs" publisher the fake sends.
const (
	EventPullRequestCreated = "git.pullrequest.created"
	EventPullRequestUpdated = "git.pullrequest.updated"
	EventPullRequestMerged  = "git.pullrequest.merged"
	EventPush               = "git.push"
)

var knownEvents = map[string]bool{
	EventPullRequestCreated: true, EventPullRequestUpdated: true, EventPullRequestMerged: true, EventPush: true,
	"git.pullrequest.commented": true, "ms.vss-code.git-pullrequest-comment-event": true,
}

// maskedSecret is how Azure shows a stored password.
const maskedSecret = "********"

type subscriptionRec struct {
	ID               string
	Status           string
	EventType        string
	ResourceVersion  string
	PublisherID      string
	ConsumerID       string
	ConsumerActionID string
	PublisherInputs  map[string]string
	ConsumerInputs   map[string]string
	CreatedBy        *User
	ModifiedBy       *User
	Created          time.Time
	Modified         time.Time
}

// Subscription is a stored service-hook subscription, as tests inspect it
// (the password unmasked).
type Subscription struct {
	ID              string            // The subscription's GUID.
	Status          string            // "enabled", "onProbation", "disabledBy…"
	EventType       string            // e.g. "git.pullrequest.merged"
	PublisherInputs map[string]string // ProjectId, repository, branch, ….
	ConsumerInputs  map[string]string // Url, basicAuthUsername, basicAuthPassword, ….
}

// Subscriptions returns every subscription of the organization.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.subs))
	for _, r := range s.subs {
		out = append(out, Subscription{ID: r.ID, Status: r.Status, EventType: r.EventType,
			PublisherInputs: copyMap(r.PublisherInputs), ConsumerInputs: copyMap(r.ConsumerInputs)})
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func (s *Server) subscriptionJSON(r *subscriptionRec) map[string]any {
	ci := copyMap(r.ConsumerInputs)
	if ci["basicAuthPassword"] != "" {
		ci["basicAuthPassword"] = maskedSecret
	}
	desc := "Any repository"
	if ri := s.repoByID(r.PublisherInputs["repository"]); ri != nil {
		desc = "Repository " + ri.Name
	}
	action := "To host"
	if u, err := url.Parse(ci["url"]); err == nil {
		action += " " + u.Host
	}
	return map[string]any{
		"id": r.ID, "url": s.baseURL() + "_apis/hooks/subscriptions/" + r.ID, "status": r.Status,
		"publisherId": r.PublisherID, "eventType": r.EventType, "subscriber": nil,
		"resourceVersion": r.ResourceVersion, "eventDescription": desc,
		"consumerId": r.ConsumerID, "consumerActionId": r.ConsumerActionID, "actionDescription": action,
		"createdBy": identityJSON(r.CreatedBy), "createdDate": azTime(r.Created),
		"modifiedBy": identityJSON(r.ModifiedBy), "modifiedDate": azTime(r.Modified),
		"publisherInputs": r.PublisherInputs, "consumerInputs": ci,
	}
}

func (s *Server) findSubscription(q *request, id string) *subscriptionRec {
	for _, r := range s.subs {
		if strings.EqualFold(r.ID, id) {
			return r
		}
	}
	q.fail(http.StatusNotFound, "SubscriptionNotFoundException", "VS1000209: Subscription with id '%s' does not exist.", id)
	return nil
}

// serveListSubscriptions is GET _apis/hooks/subscriptions, filtered by
// publisherId, eventType, consumerId and consumerActionId, and to the
// projects whose subscriptions the user may view.
func (s *Server) serveListSubscriptions(q *request) {
	if !q.scope(ScopeHooks) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := []any{}
	for _, r := range s.subs {
		if !filterMatch(q, "publisherId", r.PublisherID) || !filterMatch(q, "eventType", r.EventType) ||
			!filterMatch(q, "consumerId", r.ConsumerID) || !filterMatch(q, "consumerActionId", r.ConsumerActionID) {
			continue
		}
		if roleBits(q.user.Role, nsHooks)&hooksView == 0 {
			continue
		}
		list = append(list, s.subscriptionJSON(r))
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

func filterMatch(q *request, key, value string) bool {
	want := q.query(key)
	return want == "" || strings.EqualFold(want, value)
}

func (s *Server) serveGetSubscription(q *request, id string) {
	if !q.scope(ScopeHooks) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.findSubscription(q, id); r != nil {
		if !q.permitted(nsHooks, hooksView, "View subscriptions", "PublisherSecurity/"+r.PublisherInputs["projectId"]) {
			return
		}
		q.json(http.StatusOK, s.subscriptionJSON(r))
	}
}

type subscriptionBody struct {
	Status           string            `json:"status"`
	PublisherID      string            `json:"publisherId"`
	EventType        string            `json:"eventType"`
	ResourceVersion  string            `json:"resourceVersion"`
	ConsumerID       string            `json:"consumerId"`
	ConsumerActionID string            `json:"consumerActionId"`
	PublisherInputs  map[string]string `json:"publisherInputs"`
	ConsumerInputs   map[string]string `json:"consumerInputs"`
}

// validate checks a subscription the way Azure's input validation does;
// it answers and returns false when the body is not acceptable. Callers
// hold mu.
func (s *Server) validate(q *request, b *subscriptionBody) bool {
	bad := func(format string, args ...any) bool {
		q.fail(http.StatusBadRequest, "InputValidationException", format, args...)
		return false
	}
	switch {
	case b.PublisherID != "tfs":
		return bad("VS1000300: The publisher %q is not supported; use tfs.", b.PublisherID)
	case !knownEvents[b.EventType]:
		return bad("VS1000302: The event type %q is not supported by publisher tfs.", b.EventType)
	case b.ConsumerID != "webHooks" || b.ConsumerActionID != "httpRequest":
		return bad("VS1000301: The consumer %q with action %q is not supported; use webHooks / httpRequest.", b.ConsumerID, b.ConsumerActionID)
	}
	switch b.Status {
	case "", "enabled", "onProbation", "disabledByUser":
	default:
		return bad("The subscription status %q is not valid.", b.Status)
	}
	p := s.projectByID(b.PublisherInputs["projectId"])
	if p == nil {
		return bad("VS1000305: The publisher input projectId %q does not name a project.", b.PublisherInputs["projectId"])
	}
	if rid := b.PublisherInputs["repository"]; rid != "" {
		if ri := s.repoByID(rid); ri == nil || ri.project != p {
			return bad("VS1000305: The publisher input repository %q does not name a repository of project %s.", rid, p.Name)
		}
	}
	u, err := url.Parse(b.ConsumerInputs["url"])
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return bad("VS1000305: The consumer input url %q is not an absolute http(s) URL.", b.ConsumerInputs["url"])
	}
	return true
}

// readSubscription checks the write scope and decodes the request body;
// it answers and returns false when either fails.
func readSubscription(q *request) (*subscriptionBody, bool) {
	if !q.scope(ScopeHooksWrite) {
		return nil, false
	}
	var b subscriptionBody
	if err := readJSON(q.r, &b); err != nil {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The request body is not a subscription: %v", err)
		return nil, false
	}
	return &b, true
}

// serveCreateSubscription is POST _apis/hooks/subscriptions. It needs
// vso.hooks_write and Edit subscription on the project.
func (s *Server) serveCreateSubscription(q *request) {
	b, ok := readSubscription(q)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !q.permitted(nsHooks, hooksEdit, "Edit subscription", "PublisherSecurity/"+b.PublisherInputs["projectId"]) || !s.validate(q, b) {
		return
	}
	now := s.Now()
	r := &subscriptionRec{ID: s.guid("subscription"), CreatedBy: q.user, Created: now}
	r.apply(b, q.user, now, "")
	s.subs = append(s.subs, r)
	q.json(http.StatusOK, s.subscriptionJSON(r))
}

func (r *subscriptionRec) apply(b *subscriptionBody, u *User, now time.Time, oldPassword string) {
	r.Status = b.Status
	if r.Status == "" {
		r.Status = "enabled"
	}
	r.PublisherID, r.EventType, r.ConsumerID, r.ConsumerActionID = b.PublisherID, b.EventType, b.ConsumerID, b.ConsumerActionID
	r.ResourceVersion = b.ResourceVersion
	if r.ResourceVersion == "" {
		r.ResourceVersion = "1.0"
	}
	r.PublisherInputs = copyMap(b.PublisherInputs)
	r.ConsumerInputs = copyMap(b.ConsumerInputs)
	// Sending the masked password back keeps the stored one.
	if r.ConsumerInputs["basicAuthPassword"] == maskedSecret {
		r.ConsumerInputs["basicAuthPassword"] = oldPassword
	}
	r.ModifiedBy, r.Modified = u, now
}

// serveReplaceSubscription is PUT _apis/hooks/subscriptions/{id}: the whole
// subscription is replaced.
func (s *Server) serveReplaceSubscription(q *request, id string) {
	b, ok := readSubscription(q)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.findSubscription(q, id)
	if r == nil {
		return
	}
	if !q.permitted(nsHooks, hooksEdit, "Edit subscription", "PublisherSecurity/"+r.PublisherInputs["projectId"]) ||
		!q.permitted(nsHooks, hooksEdit, "Edit subscription", "PublisherSecurity/"+b.PublisherInputs["projectId"]) ||
		!s.validate(q, b) {
		return
	}
	r.apply(b, q.user, s.Now(), r.ConsumerInputs["basicAuthPassword"])
	q.json(http.StatusOK, s.subscriptionJSON(r))
}

// serveDeleteSubscription is DELETE _apis/hooks/subscriptions/{id} (204).
func (s *Server) serveDeleteSubscription(q *request, id string) {
	if !q.scope(ScopeHooksWrite) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.findSubscription(q, id)
	if r == nil {
		return
	}
	if !q.permitted(nsHooks, hooksDelete, "Delete subscriptions", "PublisherSecurity/"+r.PublisherInputs["projectId"]) {
		return
	}
	for i, x := range s.subs {
		if x == r {
			s.subs = append(s.subs[:i], s.subs[i+1:]...)
			break
		}
	}
	q.w.WriteHeader(http.StatusNoContent)
}

// delivery is a service-hook POST waiting to be sent (outside mu).
type delivery struct {
	url    string
	body   []byte
	header http.Header
}

// deliver sends deliveries through the outbox and returns them.
func (s *Server) deliver(ds []delivery) []*http.Request {
	var out []*http.Request
	for _, d := range ds {
		req, err := fakehttp.NewDelivery(d.url, d.body, d.header)
		if err != nil {
			continue
		}
		out = append(out, s.kit.Deliver(req, d.body))
	}
	return out
}

// fire builds the deliveries of one event to every enabled subscription
// of its type for the repository. Callers hold mu.
func (s *Server) fire(ri *repoInfo, eventType, branch string, message string, resource map[string]any) []delivery {
	eventID := s.guid("event")
	now := s.Now()
	var out []delivery
	for _, r := range s.subs {
		if r.EventType != eventType || (r.Status != "enabled" && r.Status != "onProbation") ||
			!strings.EqualFold(r.PublisherInputs["projectId"], ri.project.ID) {
			continue
		}
		if rid := r.PublisherInputs["repository"]; rid != "" && !strings.EqualFold(rid, ri.ID) {
			continue
		}
		if b := r.PublisherInputs["branch"]; b != "" && branch != "" && !strings.EqualFold(strings.TrimPrefix(b, "refs/heads/"), branch) {
			continue
		}
		s.notification++
		body, _ := json.Marshal(map[string]any{
			"subscriptionId":  r.ID,
			"notificationId":  s.notification,
			"id":              eventID,
			"eventType":       eventType,
			"publisherId":     "tfs",
			"scope":           "all",
			"message":         map[string]any{"text": message, "html": message, "markdown": message},
			"detailedMessage": map[string]any{"text": message, "html": message, "markdown": message},
			"resource":        resource,
			"resourceVersion": r.ResourceVersion,
			"resourceContainers": map[string]any{
				"collection": map[string]any{"id": s.instanceID, "baseUrl": s.baseURL()},
				"account":    map[string]any{"id": s.accountID, "baseUrl": s.baseURL()},
				"project":    map[string]any{"id": ri.project.ID, "baseUrl": s.baseURL()},
			},
			"createdDate": azTime(now),
		})
		h := http.Header{}
		user, pass := r.ConsumerInputs["basicAuthUsername"], r.ConsumerInputs["basicAuthPassword"]
		if user != "" || pass != "" {
			h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
		}
		// httpHeaders: one "Name:Value" per line.
		for _, line := range strings.Split(r.ConsumerInputs["httpHeaders"], "\n") {
			if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && strings.TrimSpace(k) != "" {
				h.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		out = append(out, delivery{url: r.ConsumerInputs["url"], body: body, header: h})
	}
	return out
}

// prEvent builds the deliveries of a pull request event. Callers hold mu.
func (s *Server) prEvent(pr *prInfo, eventType, message string) []delivery {
	st, _ := s.store.PullRequest(pr.repo.full, pr.num)
	res := s.prJSON(pr)
	// The service hook samples' repository also has remoteUrl.
	if repo, ok := res["repository"].(map[string]any); ok {
		repo["remoteUrl"] = s.repoJSON(pr.repo)["remoteUrl"]
	}
	return s.fire(pr.repo, eventType, st.TargetBranch, message, res)
}

// pushEvent builds the deliveries of a push of branch. Callers hold mu.
func (s *Server) pushEvent(ri *repoInfo, branch, oldSHA, newSHA string) []delivery {
	return s.refsPushEvent(ri, refUpdate{name: "refs/heads/" + branch, old: oldSHA, new: newSHA})
}
