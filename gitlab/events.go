package gitlab

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
)

// Headers of GitLab webhook deliveries.
const (
	// HeaderEvent names the hook: "Merge Request Hook", "Push Hook", …
	HeaderEvent = "X-Gitlab-Event"
	// HeaderToken carries the webhook's secret token in plain text.
	HeaderToken = "X-Gitlab-Token"
	// HeaderEventUUID identifies the event (GitLab 15.5+).
	HeaderEventUUID = "X-Gitlab-Event-UUID"
	// HeaderWebhookUUID identifies the webhook (GitLab 16.11+).
	HeaderWebhookUUID = "X-Gitlab-Webhook-UUID"
	// HeaderIdempotencyKey is the same for every retry of a delivery
	// (GitLab 17.4+).
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderWebhookID, HeaderWebhookTimestamp and HeaderWebhookSignature
	// are the Standard Webhooks signature of GitLab 19+; the ID equals the
	// Idempotency-Key.
	HeaderWebhookID        = "Webhook-Id"
	HeaderWebhookTimestamp = "Webhook-Timestamp"
	HeaderWebhookSignature = "Webhook-Signature"
)

// DefaultTolerance is how far a signed delivery's webhook-timestamp may be
// from the receiver's clock before Verify rejects it as a replay.
const DefaultTolerance = 5 * time.Minute

// SigningToken returns the GitLab 19+ webhook signing token that
// CreateWebhook and UpdateWebhook configure for a webhook secret: secret
// itself when it already is such a token ("whsec_" and the base64 of a
// 32-byte key), else "whsec_" and the base64 of HMAC-SHA256 keyed with
// secret over the fixed message "gitprovider gitlab webhook signing token
// v1". Parser.Verify derives the same key from the secret. Paste it into
// the signing token field of a hook made by hand in GitLab's UI to have its
// deliveries signed for the same secret.
func SigningToken(secret string) string {
	if b64, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if key, err := base64.StdEncoding.DecodeString(b64); err == nil && len(key) == 32 {
			return secret
		}
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("gitprovider gitlab webhook signing token v1"))
	return "whsec_" + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Parser verifies and parses GitLab webhook deliveries. The zero value is
// ready to use; it needs no token.
type Parser struct {
	// Tolerance bounds the age of a signed delivery; 0 means
	// DefaultTolerance.
	Tolerance time.Duration
	// RequireSignature rejects deliveries that carry only X-Gitlab-Token
	// (GitLab before 19.0 sends nothing else); with it set a stolen token
	// cannot forge a delivery.
	RequireSignature bool
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

var _ vcs.WebhookParser = (*Parser)(nil)

// NewParser returns a parser with the default tolerance.
func NewParser() *Parser { return &Parser{} }

// Verify checks a delivery against the webhook's secret. A delivery with a
// webhook-signature header (GitLab 19+, Standard Webhooks) must carry a
// valid HMAC-SHA256 signature of webhook-id, webhook-timestamp and the raw
// body, under SigningToken(secret), within the tolerance; secret may also
// be the whsec_ signing token itself. Otherwise the X-Gitlab-Token header
// must equal secret (compared in constant time). A delivery with neither
// matches vcs.ErrMissingSignature.
func (p *Parser) Verify(header http.Header, body []byte, secret string) error {
	if secret == "" {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrInvalidSignature, "no webhook secret configured")
	}
	if sig := header.Get(HeaderWebhookSignature); sig != "" {
		now := time.Now()
		if p.Now != nil {
			now = p.Now()
		}
		tol := p.Tolerance
		if tol <= 0 {
			tol = DefaultTolerance
		}
		return signature.VerifyStandardWebhook(kind, header.Get(HeaderWebhookID), header.Get(HeaderWebhookTimestamp),
			sig, SigningToken(secret), body, now, tol)
	}
	if p.RequireSignature {
		return vcs.Errorf(kind, "VerifyWebhook", vcs.ErrMissingSignature,
			"the delivery has no webhook-signature header; set a signing token on the webhook (GitLab 19+) or turn RequireSignature off")
	}
	return signature.VerifySecret(kind, header.Get(HeaderToken), secret)
}

type hookUser struct {
	Username string `json:"username"`
}

type hookProject struct {
	PathWithNamespace string `json:"path_with_namespace"`
	WebURL            string `json:"web_url"`
}

type hookMergeRequest struct {
	IID            int    `json:"iid"`
	Title          string `json:"title"`
	State          string `json:"state"`
	Action         string `json:"action"`
	SourceBranch   string `json:"source_branch"`
	TargetBranch   string `json:"target_branch"`
	MergeCommitSHA string `json:"merge_commit_sha"`
	URL            string `json:"url"`
	Draft          bool   `json:"draft"`
	// WorkInProgress is the name of draft before GitLab 13.
	WorkInProgress bool `json:"work_in_progress"`
	LastCommit     struct {
		ID string `json:"id"`
	} `json:"last_commit"`
}

type hookPayload struct {
	ObjectKind string       `json:"object_kind"`
	User       *hookUser    `json:"user"`
	Project    *hookProject `json:"project"`
	// ObjectAttributes is decoded as a merge request's in the same pass
	// as the rest (the body is decoded once); another hook's attributes
	// fill the fields of the same names.
	ObjectAttributes *hookMergeRequest `json:"object_attributes"`
	MergeRequest     *hookMergeRequest `json:"merge_request"`
	// Push Hook fields.
	Ref          string `json:"ref"`
	Before       string `json:"before"`
	After        string `json:"after"`
	UserUsername string `json:"user_username"`
}

// actions maps GitLab's object_attributes.action of a Merge Request Hook.
var actions = map[string]vcs.Action{
	"open":   vcs.ActionOpened,
	"update": vcs.ActionUpdated,
	"merge":  vcs.ActionMerged,
	"close":  vcs.ActionClosed,
	"reopen": vcs.ActionReopened,
}

// Parse turns a verified delivery into an Event. X-Gitlab-Event names the
// hook ("Merge Request Hook", "Push Hook", "Note Hook", …; a "System Hook"
// is told by its object_kind). A merge request is merged when
// object_attributes.action is "merge"; approvals and other actions are
// vcs.ActionOther, and so is an "update" of a merge request already
// merged or closed. A Push Hook and a Tag Push Hook are pushes: Ref,
// Changes, HeadSHA (empty on a deletion) and, for a branch, TargetBranch.
// Other hooks are vcs.EventOther. Author is the user who caused the event
// (GitLab's payload names a merge request's author only by ID).
// DeliveryID is the signed webhook-id header (GitLab 19+), else
// Idempotency-Key, else X-Gitlab-Event-UUID: only the first is covered by
// the signature, so a replay that changes an unsigned header cannot pass
// for a new delivery where the hook is signed.
func (p *Parser) Parse(header http.Header, body []byte) (*vcs.Event, error) {
	pl, attrsErr, err := decodeHook(body)
	if err != nil {
		return nil, &vcs.Error{Provider: kind, Op: "ParseWebhook", Kind: vcs.ErrInvalidPayload, Message: "the body is not a GitLab webhook JSON object", Err: err}
	}
	hostEvent := header.Get(HeaderEvent)
	if hostEvent == "" {
		hostEvent = pl.ObjectKind
	}
	ev := &vcs.Event{
		Provider:   kind,
		Kind:       vcs.EventOther,
		HostEvent:  hostEvent,
		DeliveryID: firstOf(header.Get(HeaderWebhookID), header.Get(HeaderIdempotencyKey), header.Get(HeaderEventUUID)),
		Payload:    json.RawMessage(body),
	}
	if pl.Project != nil {
		ev.Repository = pl.Project.PathWithNamespace
	}
	if pl.User != nil {
		ev.Author = pl.User.Username
	}
	switch pl.ObjectKind {
	case "merge_request":
		mr := pl.ObjectAttributes
		if attrsErr || mr == nil || mr.IID == 0 {
			return nil, vcs.Errorf(kind, "ParseWebhook", vcs.ErrInvalidPayload, "merge request hook without object_attributes.iid")
		}
		ev.Kind = vcs.EventPullRequest
		ev.HostAction = mr.Action
		ev.Action = vcs.ActionOther
		if a, ok := actions[mr.Action]; ok {
			ev.Action = a
		}
		if mr.Action == "update" && (mr.State == "merged" || mr.State == "closed") {
			// A label or title changed after the end: nothing to review.
			ev.Action = vcs.ActionOther
		}
		ev.Merged = mr.Action == "merge"
		ev.Draft = mr.Draft || mr.WorkInProgress
		ev.Number = mr.IID
		ev.Title = mr.Title
		ev.SourceBranch = mr.SourceBranch
		ev.TargetBranch = mr.TargetBranch
		ev.HeadSHA = mr.LastCommit.ID
		ev.MergeCommitSHA = mr.MergeCommitSHA
		ev.WebURL = mr.URL
	case "push", "tag_push":
		// One delivery per ref: a Push Hook for a branch, a Tag Push Hook
		// for a tag (the same object_kinds through a System Hook). GitLab
		// does not say whether a push was forced.
		ev.Kind = vcs.EventPush
		ev.SetRefChanges(vcs.NewRefChange(pl.Ref, pl.Before, pl.After))
		ev.Author = pl.UserUsername
		if pl.Project != nil {
			ev.WebURL = pl.Project.WebURL
		}
	case "note":
		// A comment: not modelled, but say which merge request it is on.
		if pl.MergeRequest != nil {
			ev.Number = pl.MergeRequest.IID
			ev.Title = pl.MergeRequest.Title
		}
	case "":
		if hostEvent == "" {
			return nil, vcs.Errorf(kind, "ParseWebhook", vcs.ErrInvalidPayload, "the delivery has neither an X-Gitlab-Event header nor an object_kind")
		}
	}
	return ev, nil
}

// decodeHook decodes a delivery in one pass. Where object_attributes
// holds a value of another type than a merge request's field of the same
// name (another hook's attributes, or a broken merge request), the body is
// decoded again without object_attributes, so that such a hook still
// parses as before; attrsErr then says that the attributes are not a
// merge request's.
func decodeHook(body []byte) (pl hookPayload, attrsErr bool, err error) {
	err = json.Unmarshal(body, &pl)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) || !strings.HasPrefix(te.Field, "object_attributes") {
		return pl, false, err
	}
	var rest struct {
		hookPayload
		ObjectAttributes json.RawMessage `json:"object_attributes"`
	}
	if err := json.Unmarshal(body, &rest); err != nil {
		return hookPayload{}, true, err
	}
	pl = rest.hookPayload
	pl.ObjectAttributes = nil
	return pl, true, nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
