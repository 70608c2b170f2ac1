package vcs

import (
	"encoding/json"
	"net/http"
)

// EventKind is the kind of a webhook delivery.
type EventKind string

// Event kinds.
const (
	EventPullRequest EventKind = "pull_request"
	EventPush        EventKind = "push"
	EventPing        EventKind = "ping"
	// EventOther is a delivery the library does not model (an issue, a
	// review, a pipeline); Event.HostEvent names it.
	EventOther EventKind = "other"
)

// Action is what happened to a pull request.
type Action string

// Pull request actions.
const (
	ActionOpened   Action = "opened"
	ActionUpdated  Action = "updated"
	ActionMerged   Action = "merged"
	ActionClosed   Action = "closed" // closed without merging
	ActionReopened Action = "reopened"
	// ActionOther is a pull request change the library does not model (a
	// label, an approval, a review); Event.HostAction names it.
	ActionOther Action = "other"
)

// Event is a webhook delivery turned provider-neutral.
type Event struct {
	// Provider is the host kind whose parser read the delivery.
	Provider Kind `json:"provider"`
	// Kind says what happened; pull request events carry an Action.
	Kind EventKind `json:"kind"`
	// Action is set for pull request events.
	Action Action `json:"action,omitempty"`
	// HostEvent is the host's own event name, e.g. "pull_request" or
	// "Merge Request Hook".
	HostEvent string `json:"hostEvent"`
	// HostAction is the host's own action name when it has one, e.g.
	// "synchronize" or "update".
	HostAction string `json:"hostAction,omitempty"`
	// DeliveryID identifies the delivery; redeliveries of the same event
	// carry the same ID on hosts that support it. Use it to deduplicate.
	DeliveryID string `json:"deliveryId,omitempty"`
	// Repository is the full path, as used by Provider methods.
	Repository string `json:"repository"`
	// Number is the pull request number (GitLab IID).
	Number int `json:"number,omitempty"`
	// Title is the pull request's title.
	Title string `json:"title,omitempty"`
	// Author is a login: for a pull request event, the pull request's
	// author on GitHub, Bitbucket and Azure DevOps, but the user who
	// caused the event on GitLab (its payload names the author only by
	// ID; GetPullRequest gives the author on every host). For a push, the
	// pusher.
	Author string `json:"author,omitempty"`
	// SourceBranch and TargetBranch are the pull request's branches. For a
	// push of one branch, TargetBranch is the pushed branch; it is empty
	// for a tag push and for a push of several refs (see Changes).
	SourceBranch string `json:"sourceBranch,omitempty"`
	// TargetBranch: see SourceBranch.
	TargetBranch string `json:"targetBranch,omitempty"`
	// HeadSHA is the pull request's head commit, or the new head of a push
	// of one ref (empty when the push deleted it).
	HeadSHA string `json:"headSha,omitempty"`
	// Ref is the full ref of a push of one ref ("refs/heads/main",
	// "refs/tags/v1"); Created, Deleted and Forced say what happened to it
	// where the host tells (see RefChange).
	Ref string `json:"ref,omitempty"`
	// Created: see Ref.
	Created bool `json:"created,omitempty"`
	// Deleted: see Ref. A deletion has no HeadSHA.
	Deleted bool `json:"deleted,omitempty"`
	// Forced: see Ref.
	Forced bool `json:"forced,omitempty"`
	// Changes lists every ref a push changed, also when it is one.
	// Bitbucket and Azure DevOps send one delivery for a push of several
	// refs (a tag and a branch together, say): then the top-level Ref,
	// TargetBranch and HeadSHA are empty and only Changes tells (see
	// Branches). GitHub and GitLab send one delivery per ref.
	Changes []RefChange `json:"changes,omitempty"`
	// Draft is true for a draft pull request, on every host that tells.
	Draft bool `json:"draft,omitempty"`
	// MergeCommitSHA is set on merged pull requests when the host tells.
	MergeCommitSHA string `json:"mergeCommitSha,omitempty"`
	// Merged is true only for a completed merge.
	Merged bool `json:"merged"`
	// WebURL is a page in the host's web UI, when the delivery carries
	// one: the pull request's; for a push, the pushed commits or the
	// repository.
	WebURL string `json:"webUrl,omitempty"`
	// Payload is the raw delivery body.
	Payload json.RawMessage `json:"-"`
}

// WebhookParser verifies and parses one host's webhook deliveries. Parsers
// need no token; get one from the provider package or NewWebhookParser.
type WebhookParser interface {
	// Verify checks the delivery against secret over the raw body bytes,
	// in constant time. It returns an error matching ErrMissingSignature
	// when the delivery carries no signature at all, and one matching
	// ErrInvalidSignature when it does not match.
	Verify(header http.Header, body []byte, secret string) error
	// Parse turns a verified delivery into an Event. A delivery the
	// library does not model is an Event of kind EventOther (or a pull
	// request Event with ActionOther), not an error; a body that is not
	// the host's JSON is an error matching ErrInvalidPayload.
	Parse(header http.Header, body []byte) (*Event, error)
}

// ErrMissingSignature matches a delivery that carries no signature or
// secret at all. It matches ErrInvalidSignature too.
var ErrMissingSignature error = &sentinel{"webhook delivery is not signed", ErrInvalidSignature}
