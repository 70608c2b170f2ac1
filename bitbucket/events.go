package bitbucket

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
)

// Headers of a Bitbucket Cloud webhook delivery.
const (
	// HeaderEventKey names the event, e.g. "pullrequest:fulfilled".
	HeaderEventKey = "X-Event-Key"
	// HeaderRequestUUID identifies the delivery; redeliveries keep it.
	HeaderRequestUUID = "X-Request-UUID"
	// HeaderHookUUID is the webhook's UUID (without braces).
	HeaderHookUUID = "X-Hook-UUID"
	// HeaderAttemptNumber counts delivery attempts.
	HeaderAttemptNumber = "X-Attempt-Number"
	// HeaderSignature is "sha256=" + hex(HMAC-SHA256(secret, body)), sent
	// when the webhook has a secret.
	HeaderSignature = "X-Hub-Signature"
)

// Parser verifies and parses Bitbucket Cloud webhook deliveries. It needs
// no token. It implements vcs.WebhookParser.
type Parser struct{}

var _ vcs.WebhookParser = (*Parser)(nil)

// NewParser returns a Bitbucket webhook parser.
func NewParser() *Parser { return &Parser{} }

// Verify checks the X-Hub-Signature header, "sha256=" + hex(HMAC-SHA256(
// secret, body)), which Bitbucket sends when the webhook has a secret. It
// compares in constant time.
func (*Parser) Verify(header http.Header, body []byte, secret string) error {
	return signature.VerifyHMACHex(vcs.KindBitbucket, header.Get(HeaderSignature), "sha256=", secret, body)
}

// actions maps pull request event keys to portable actions.
var actions = map[string]vcs.Action{
	"pullrequest:created":   vcs.ActionOpened,
	"pullrequest:updated":   vcs.ActionUpdated,
	"pullrequest:fulfilled": vcs.ActionMerged,
	"pullrequest:rejected":  vcs.ActionClosed,
}

type hookPayload struct {
	Repository *struct {
		FullName string `json:"full_name"`
	} `json:"repository"`
	Actor       *account     `json:"actor"`
	PullRequest *pullRequest `json:"pullrequest"`
	Push        *struct {
		Changes []pushChange `json:"changes"`
	} `json:"push"`
}

// pushChange is one entry of a repo:push's push.changes: old is null when
// the ref was created (created true), new is null when it was deleted
// (closed true); forced says a push rewrote history.
type pushChange struct {
	New     *pushRef `json:"new"`
	Old     *pushRef `json:"old"`
	Created bool     `json:"created"`
	Closed  bool     `json:"closed"`
	Forced  bool     `json:"forced"`
}

// refChange turns a change into a vcs.RefChange with the full ref.
func (c *pushChange) refChange() vcs.RefChange {
	var rc vcs.RefChange
	if c.Old != nil {
		rc.Ref, rc.Before = c.Old.fullRef(), c.Old.Target.Hash
	}
	if c.New != nil {
		rc.Ref, rc.After = c.New.fullRef(), c.New.Target.Hash
	}
	rc.Created = c.Created || (c.Old == nil && c.New != nil)
	rc.Deleted = c.Closed || (c.New == nil && c.Old != nil)
	rc.Forced = c.Forced
	if rc.Deleted {
		rc.After, rc.Created = "", false
	}
	return rc
}

// fullRef is the ref's full name: Bitbucket sends the short name and a
// type, "branch" (or "named_branch") or "tag" ("annotated_tag" is
// accepted too).
func (r *pushRef) fullRef() string {
	switch r.Type {
	case "tag", "annotated_tag":
		return vcs.TagRefPrefix + r.Name
	default:
		return vcs.BranchRefPrefix + r.Name
	}
}

type pushRef struct {
	Type   string `json:"type"`
	Name   string `json:"name"`
	Target struct {
		Hash string `json:"hash"`
	} `json:"target"`
}

// Parse turns a verified delivery into an Event, from the X-Event-Key
// header and the JSON body: pullrequest:created → opened, :updated →
// updated, :fulfilled → merged, :rejected (declined) → closed, other
// pull request keys (approved, comment_created, …) → ActionOther;
// repo:push → EventPush with every entry of push.changes in Changes
// (branches and tags; a push of one ref also sets Ref, TargetBranch for a
// branch, and HeadSHA); diagnostics:ping → EventPing; anything else
// EventOther. DeliveryID is the X-Request-UUID header.
func (*Parser) Parse(header http.Header, body []byte) (*vcs.Event, error) {
	key := strings.TrimSpace(header.Get(HeaderEventKey))
	if key == "" {
		return nil, vcs.Errorf(vcs.KindBitbucket, "ParseWebhook", vcs.ErrInvalidPayload, "the delivery has no X-Event-Key header; is it from Bitbucket Cloud?")
	}
	var pl hookPayload
	if err := json.Unmarshal(body, &pl); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindBitbucket, Op: "ParseWebhook", Kind: vcs.ErrInvalidPayload, Message: "the body is not Bitbucket's JSON", Err: err}
	}
	ev := &vcs.Event{Provider: vcs.KindBitbucket, HostEvent: key, DeliveryID: header.Get(HeaderRequestUUID), Payload: json.RawMessage(body)}
	if pl.Repository != nil {
		ev.Repository = pl.Repository.FullName
	}
	category, action, _ := strings.Cut(key, ":")
	switch {
	case category == "pullrequest" || (pl.PullRequest != nil && key != "repo:push"):
		if pl.PullRequest == nil || pl.PullRequest.ID <= 0 {
			return nil, vcs.Errorf(vcs.KindBitbucket, "ParseWebhook", vcs.ErrInvalidPayload, "%s delivery has no pullrequest object", key)
		}
		pr := pl.PullRequest
		ev.Kind, ev.HostAction = vcs.EventPullRequest, action
		ev.Action = actions[key]
		if ev.Action == "" {
			ev.Action = vcs.ActionOther
		}
		ev.Number, ev.Title, ev.Author, ev.WebURL = pr.ID, pr.Title, pr.Author.name(), pr.Links.HTML.Href
		ev.SourceBranch, ev.TargetBranch, ev.HeadSHA = pr.Source.Branch.Name, pr.Destination.Branch.Name, pr.Source.hash()
		if ev.Action == vcs.ActionMerged {
			ev.Merged, ev.MergeCommitSHA = true, pr.mergeHash()
		}
		var draft struct {
			PullRequest struct {
				Draft bool `json:"draft"`
			} `json:"pullrequest"`
		}
		_ = json.Unmarshal(body, &draft) // the body parsed above
		ev.Draft = draft.PullRequest.Draft
		if ev.Repository == "" && pr.Destination.Repository != nil {
			ev.Repository = pr.Destination.Repository.FullName
		}
	case key == "repo:push":
		ev.Kind = vcs.EventPush
		// One delivery lists every ref the push changed.
		if pl.Push != nil {
			changes := make([]vcs.RefChange, 0, len(pl.Push.Changes))
			for i := range pl.Push.Changes {
				if c := pl.Push.Changes[i].refChange(); c.Ref != "" {
					changes = append(changes, c)
				}
			}
			ev.SetRefChanges(changes...)
		}
		ev.Author = pl.Actor.name()
	case key == "diagnostics:ping":
		ev.Kind = vcs.EventPing
	default:
		ev.Kind = vcs.EventOther
	}
	return ev, nil
}
