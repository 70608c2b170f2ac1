package azuredevops

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// Webhooks are service-hook subscriptions. Azure DevOps has one
// subscription per event type, so one webhook of this library is a group
// of subscriptions of the "tfs" publisher and the "webHooks" consumer for
// the same repository and URL:
//
//	pull_request -> git.pullrequest.created, git.pullrequest.updated, git.pullrequest.merged
//	push         -> git.push
//
// The webhook ID is the ID of the group's first subscription, in the order
// above (ties: the oldest). CreateWebhook creates that one first;
// UpdateWebhook keeps it and turns it into the first event type wanted, so
// the ID stays the same for the life of the webhook. Two groups for the
// same repository and URL are one webhook to this library.
//
// The secret travels as Basic credentials: user name WebhookUsername,
// password the secret (Parser.Verify checks it).

// WebhookUsername is the Basic user name of the deliveries.
const WebhookUsername = "gitprovider"

// Event types of the "tfs" publisher used for webhooks, in the order that
// picks a group's ID.
const (
	EventPullRequestCreated = "git.pullrequest.created"
	EventPullRequestUpdated = "git.pullrequest.updated"
	EventPullRequestMerged  = "git.pullrequest.merged"
	EventPush               = "git.push"
)

var eventOrder = []string{EventPullRequestCreated, EventPullRequestUpdated, EventPullRequestMerged, EventPush}

func eventRank(t string) int {
	for i, e := range eventOrder {
		if e == t {
			return i
		}
	}
	return -1
}

// eventTypes maps webhook events to subscription event types, in order.
func eventTypes(evs []vcs.WebhookEvent) []string {
	want := map[string]bool{}
	for _, e := range evs {
		switch e {
		case vcs.WebhookEventPullRequest:
			want[EventPullRequestCreated], want[EventPullRequestUpdated], want[EventPullRequestMerged] = true, true, true
		case vcs.WebhookEventPush:
			want[EventPush] = true
		}
	}
	var out []string
	for _, t := range eventOrder {
		if want[t] {
			out = append(out, t)
		}
	}
	return out
}

type subscription struct {
	ID               string            `json:"id,omitempty"`
	Status           string            `json:"status,omitempty"`
	PublisherID      string            `json:"publisherId"`
	EventType        string            `json:"eventType"`
	ResourceVersion  string            `json:"resourceVersion"`
	ConsumerID       string            `json:"consumerId"`
	ConsumerActionID string            `json:"consumerActionId"`
	PublisherInputs  map[string]string `json:"publisherInputs"`
	ConsumerInputs   map[string]string `json:"consumerInputs"`
	CreatedDate      *azTime           `json:"createdDate,omitempty"`
}

func (s *subscription) created() time.Time {
	if s.CreatedDate != nil {
		return s.CreatedDate.Time
	}
	return time.Time{}
}

// active reports whether Azure delivers to the subscription; onProbation
// is an enabled subscription whose deliveries recently failed.
func (s *subscription) active() bool {
	return s.Status == "" || s.Status == "enabled" || s.Status == "onProbation"
}

func hookErr(op string, kind error, format string, args ...any) error {
	return vcs.Errorf(vcs.KindAzureDevOps, op, kind, format, args...)
}

const hooksPermission = "the service user needs View subscriptions and Edit subscription on the project (members of Project Administrators have them)"

// subscriptionBody is what a create or replace sends for one event type.
func subscriptionBody(r *gitRepository, eventType string, opts vcs.WebhookOptions) *subscription {
	status := "enabled"
	if opts.Inactive {
		status = "disabledByUser"
	}
	return &subscription{
		Status:           status,
		PublisherID:      "tfs",
		EventType:        eventType,
		ResourceVersion:  "1.0",
		ConsumerID:       "webHooks",
		ConsumerActionID: "httpRequest",
		PublisherInputs:  map[string]string{"projectId": r.Project.ID, "repository": r.ID},
		ConsumerInputs: map[string]string{
			"url":               opts.URL,
			"basicAuthUsername": WebhookUsername,
			"basicAuthPassword": opts.Secret,
		},
	}
}

// ours reports whether s is a webhook subscription of repository r.
func ours(s *subscription, r *gitRepository) bool {
	return s.PublisherID == "tfs" && s.ConsumerID == "webHooks" && s.ConsumerActionID == "httpRequest" &&
		eventRank(s.EventType) >= 0 &&
		strings.EqualFold(s.PublisherInputs["repository"], r.ID) &&
		(s.PublisherInputs["projectId"] == "" || strings.EqualFold(s.PublisherInputs["projectId"], r.Project.ID))
}

// urlKey normalizes a URL for grouping.
func urlKey(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host) + strings.TrimSuffix(u.EscapedPath(), "/") + "?" + u.RawQuery
}

// before orders a group's subscriptions: the first one names the group.
func before(a, b *subscription) bool {
	if ra, rb := eventRank(a.EventType), eventRank(b.EventType); ra != rb {
		return ra < rb
	}
	if ca, cb := a.created(), b.created(); !ca.Equal(cb) {
		return ca.Before(cb)
	}
	return a.ID < b.ID
}

// listSubscriptions is GET {org}/_apis/hooks/subscriptions filtered to the
// web hooks of repository r.
func (p *Provider) listSubscriptions(ctx context.Context, op string, r *gitRepository) ([]*subscription, error) {
	var all collection[subscription]
	q := url.Values{"publisherId": {"tfs"}, "consumerId": {"webHooks"}, "consumerActionId": {"httpRequest"}}
	if _, err := p.do(ctx, call{Op: op, URL: "_apis/hooks/subscriptions", Query: q, Scope: scopeHooksRead, Permission: hooksPermission}, &all); err != nil {
		return nil, err
	}
	var out []*subscription
	for i := range all.Value {
		if ours(&all.Value[i], r) {
			out = append(out, &all.Value[i])
		}
	}
	return out, nil
}

// groups splits subscriptions into webhooks by URL, each sorted with its
// naming subscription first, in the order the webhooks were created.
func groups(subs []*subscription) [][]*subscription {
	byURL := map[string][]*subscription{}
	var keys []string
	for _, s := range subs {
		k := urlKey(s.ConsumerInputs["url"])
		if _, ok := byURL[k]; !ok {
			keys = append(keys, k)
		}
		byURL[k] = append(byURL[k], s)
	}
	out := make([][]*subscription, 0, len(keys))
	for _, k := range keys {
		g := byURL[k]
		sort.Slice(g, func(i, j int) bool { return before(g[i], g[j]) })
		out = append(out, g)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i][0].created().Before(out[j][0].created())
	})
	return out
}

func toWebhook(g []*subscription) *vcs.Webhook {
	h := &vcs.Webhook{ID: g[0].ID, URL: g[0].ConsumerInputs["url"], Active: true, CreatedAt: g[0].created()}
	types := make([]string, 0, len(g))
	for _, s := range g {
		types = append(types, s.EventType)
		if !s.active() {
			h.Active = false
		}
	}
	h.Events = webhookEvents(types)
	return h
}

// webhookEvents maps subscription event types back to webhook events.
func webhookEvents(types []string) []vcs.WebhookEvent {
	var pr, push bool
	for _, t := range types {
		switch t {
		case EventPush:
			push = true
		case EventPullRequestCreated, EventPullRequestUpdated, EventPullRequestMerged:
			pr = true
		}
	}
	var out []vcs.WebhookEvent
	if pr {
		out = append(out, vcs.WebhookEventPullRequest)
	}
	if push {
		out = append(out, vcs.WebhookEventPush)
	}
	return out
}

// ListWebhooks lists the repository's webhooks: its service-hook
// subscriptions to web hooks, grouped by URL (see the package notes on
// webhook IDs).
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo} (the repository and project IDs)
//   - GET {org}/_apis/hooks/subscriptions?publisherId=tfs&consumerId=webHooks&consumerActionId=httpRequest
func (p *Provider) ListWebhooks(ctx context.Context, repo string) ([]*vcs.Webhook, error) {
	const op = "ListWebhooks"
	r, err := p.getRepo(ctx, op, repo)
	if err != nil {
		return nil, err
	}
	subs, err := p.listSubscriptions(ctx, op, r)
	if err != nil {
		return nil, err
	}
	out := []*vcs.Webhook{}
	for _, g := range groups(subs) {
		out = append(out, toWebhook(g))
	}
	return out, nil
}

func (p *Provider) createSubscription(ctx context.Context, op string, s *subscription) (*subscription, error) {
	var got subscription
	if _, err := p.do(ctx, call{Op: op, Method: "POST", URL: "_apis/hooks/subscriptions", Body: s, Scope: scopeHooksWrite, Permission: hooksPermission}, &got); err != nil {
		return nil, err
	}
	return &got, nil
}

func (p *Provider) replaceSubscription(ctx context.Context, op, id string, s *subscription) error {
	return p.doNoBody(ctx, call{Op: op, Method: "PUT", URL: "_apis/hooks/subscriptions/" + seg(id), Body: s, Scope: scopeHooksWrite, Permission: hooksPermission})
}

func (p *Provider) deleteSubscription(ctx context.Context, op, id string) error {
	return p.doNoBody(ctx, call{Op: op, Method: "DELETE", URL: "_apis/hooks/subscriptions/" + seg(id), Scope: scopeHooksWrite, Permission: hooksPermission})
}

func (p *Provider) doNoBody(ctx context.Context, c call) error {
	_, err := p.do(ctx, c, nil)
	return err
}

// CreateWebhook creates one subscription per event type for the
// repository, with the secret as the Basic password. The POSTs are never
// retried; if one fails, the subscriptions already created are deleted
// again, and an error names any that could not be. The webhook's ID is its
// first subscription's ID.
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo}
//   - POST {org}/_apis/hooks/subscriptions (one per event type)
//   - DELETE {org}/_apis/hooks/subscriptions/{id} (only to undo a partial create)
func (p *Provider) CreateWebhook(ctx context.Context, repo string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "CreateWebhook"
	if _, err := parseRepo(op, repo); err != nil {
		return nil, err
	}
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	r, err := p.getRepo(ctx, op, repo)
	if err != nil {
		return nil, err
	}
	var created []*subscription
	p.creds.RedactAlso(opts.Secret) // a 400 may echo the request
	for _, t := range eventTypes(vcs.WebhookEvents(opts)) {
		s, err := p.createSubscription(ctx, op, subscriptionBody(r, t, opts))
		if err == nil {
			err = vcs.CheckCreated(vcs.KindAzureDevOps, op, "service hook subscription", s.ID)
		}
		if err != nil {
			return nil, p.undo(ctx, op, created, err)
		}
		created = append(created, s)
	}
	h := toWebhook(created)
	h.URL = opts.URL
	return h, nil
}

// undo deletes the subscriptions of a failed create and reports what is
// left over.
func (p *Provider) undo(ctx context.Context, op string, created []*subscription, cause error) error {
	var left []string
	for _, s := range created {
		if err := p.deleteSubscription(context.WithoutCancel(ctx), op, s.ID); err != nil && !errors.Is(err, vcs.ErrNotFound) {
			left = append(left, s.ID)
		}
	}
	if len(left) > 0 {
		var ve *vcs.Error
		if errors.As(cause, &ve) {
			cp := *ve
			cp.Message = strings.TrimSpace(cp.Message + fmt.Sprintf(" (subscriptions %s were created and could not be removed; delete them under Project settings > Service hooks)", strings.Join(left, ", ")))
			return &cp
		}
	}
	return cause
}

// findGroup returns the webhook (group of subscriptions) that id names or
// belongs to, and every group of the repository.
func (p *Provider) findGroup(ctx context.Context, op string, r *gitRepository, id string) ([]*subscription, [][]*subscription, error) {
	subs, err := p.listSubscriptions(ctx, op, r)
	if err != nil {
		return nil, nil, err
	}
	all := groups(subs)
	for _, g := range all {
		for _, s := range g {
			// The ID of a member that does not name its group still
			// finds the group.
			if strings.EqualFold(s.ID, id) {
				return g, all, nil
			}
		}
	}
	return nil, nil, hookErr(op, vcs.ErrNotFound, "repository %s/%s has no webhook %q", r.Project.Name, r.Name, id)
}

// UpdateWebhook sets the URL, secret, events and state of every
// subscription of the webhook: it replaces the ones still wanted (the one
// naming the webhook first, so the ID stays), creates the event types that
// are missing and deletes the ones no longer wanted. Every PUT carries the
// secret, so none is lost. A call that fails half way leaves a group that
// calling UpdateWebhook again with the same ID repairs.
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo}
//   - GET {org}/_apis/hooks/subscriptions?publisherId=tfs&consumerId=webHooks&consumerActionId=httpRequest
//   - PUT {org}/_apis/hooks/subscriptions/{id}
//   - POST {org}/_apis/hooks/subscriptions (event types added)
//   - GET {org}/_apis/hooks/subscriptions?… again after adding event types:
//     a caller racing this one (vcs.EnsureWebhook on another replica) may
//     have added the same types, and only the oldest of each is kept
//   - DELETE {org}/_apis/hooks/subscriptions/{id} (event types dropped, duplicates)
func (p *Provider) UpdateWebhook(ctx context.Context, repo, id string, opts vcs.WebhookOptions) (*vcs.Webhook, error) {
	const op = "UpdateWebhook"
	if _, err := parseRepo(op, repo); err != nil {
		return nil, err
	}
	if err := vcs.ValidateWebhookOptions(opts); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: op, Kind: vcs.ErrInvalidArgument, Err: err}
	}
	if id == "" {
		return nil, hookErr(op, vcs.ErrInvalidArgument, "webhook ID is empty")
	}
	r, err := p.getRepo(ctx, op, repo)
	if err != nil {
		return nil, err
	}
	p.creds.RedactAlso(opts.Secret) // a 400 may echo the request
	g, all, err := p.findGroup(ctx, op, r, id)
	if err != nil {
		return nil, err
	}
	anchor := g[0]
	// Subscriptions already at the new URL (left by an update that failed
	// half way, or made by another tool) join the group: one webhook
	// remains for the URL.
	for _, other := range all {
		if other[0] != anchor && urlKey(other[0].ConsumerInputs["url"]) == urlKey(opts.URL) {
			g = append(g, other...)
		}
	}
	want := eventTypes(vcs.WebhookEvents(opts))
	// The anchor takes the first wanted type; the others keep their type
	// where it is wanted.
	keep := map[string]*subscription{want[0]: anchor}
	var extra []*subscription
	for _, s := range g[1:] {
		if _, taken := keep[s.EventType]; !taken && contains(want, s.EventType) {
			keep[s.EventType] = s
		} else {
			extra = append(extra, s)
		}
	}
	// The anchor is written last: if a call fails half way, the anchor
	// and with it the ID still stand at the old URL, and calling
	// UpdateWebhook again with the same ID gathers both halves.
	added := false
	for _, t := range want[1:] {
		if s, ok := keep[t]; ok {
			if err := p.replaceSubscription(ctx, op, s.ID, subscriptionBody(r, t, opts)); err != nil {
				return nil, err
			}
			continue
		}
		if _, err := p.createSubscription(ctx, op, subscriptionBody(r, t, opts)); err != nil {
			return nil, err
		}
		added = true
	}
	if added {
		// Another caller may be creating subscriptions for the same URL
		// right now (EnsureWebhook racing on several replicas): look again
		// and keep only the oldest subscription of each event type, as
		// every caller does, so that the group converges.
		more, err := p.raceDuplicates(ctx, op, r, anchor.ID, want[0], opts.URL)
		if err != nil {
			return nil, err
		}
		extra = append(extra, more...)
	}
	for _, s := range extra {
		if err := p.deleteSubscription(ctx, op, s.ID); err != nil && !errors.Is(err, vcs.ErrNotFound) {
			return nil, err
		}
	}
	if err := p.replaceSubscription(ctx, op, anchor.ID, subscriptionBody(r, want[0], opts)); err != nil {
		return nil, err
	}
	return &vcs.Webhook{ID: anchor.ID, URL: opts.URL, Active: !opts.Inactive, Events: webhookEvents(want)}, nil
}

// raceDuplicates lists the subscriptions for url again and returns all but
// the oldest of each event type, the anchor (of type anchorType) always
// kept.
func (p *Provider) raceDuplicates(ctx context.Context, op string, r *gitRepository, anchorID, anchorType, url string) ([]*subscription, error) {
	subs, err := p.listSubscriptions(ctx, op, r)
	if err != nil {
		return nil, err
	}
	var g []*subscription
	for _, s := range subs {
		if urlKey(s.ConsumerInputs["url"]) == urlKey(url) && !strings.EqualFold(s.ID, anchorID) {
			g = append(g, s)
		}
	}
	sort.Slice(g, func(i, j int) bool { return before(g[i], g[j]) })
	seen := map[string]bool{anchorType: true}
	var dup []*subscription
	for _, s := range g {
		if seen[s.EventType] {
			dup = append(dup, s)
			continue
		}
		seen[s.EventType] = true
	}
	return dup, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// DeleteWebhook deletes every subscription of the webhook, the one naming
// it last (so that a failed delete can be retried with the same ID).
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo}
//   - GET {org}/_apis/hooks/subscriptions?publisherId=tfs&consumerId=webHooks&consumerActionId=httpRequest
//   - DELETE {org}/_apis/hooks/subscriptions/{id} (per subscription)
func (p *Provider) DeleteWebhook(ctx context.Context, repo, id string) error {
	const op = "DeleteWebhook"
	if _, err := parseRepo(op, repo); err != nil {
		return err
	}
	if id == "" {
		return hookErr(op, vcs.ErrInvalidArgument, "webhook ID is empty")
	}
	r, err := p.getRepo(ctx, op, repo)
	if err != nil {
		return err
	}
	g, _, err := p.findGroup(ctx, op, r, id)
	if err != nil {
		return err
	}
	for i := len(g) - 1; i >= 0; i-- {
		if err := p.deleteSubscription(ctx, op, g[i].ID); err != nil && !errors.Is(err, vcs.ErrNotFound) {
			return err
		}
	}
	return nil
}
