package github

import (
	"encoding/json"
	"net/http"

	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
)

// Webhook delivery headers GitHub sends.
const (
	HeaderEvent       = "X-GitHub-Event"
	HeaderDelivery    = "X-GitHub-Delivery"
	HeaderHookID      = "X-GitHub-Hook-ID"
	HeaderSignature   = "X-Hub-Signature-256"
	signaturePrefix   = "sha256="
	eventPullRequest  = "pull_request"
	eventPush         = "push"
	eventPing         = "ping"
	actionClosed      = "closed"
	actionSynchronize = "synchronize"
)

// Parser verifies and parses GitHub webhook deliveries. The zero value is
// ready to use.
type Parser struct{}

var _ vcs.WebhookParser = (*Parser)(nil)

// NewParser returns a GitHub webhook parser.
func NewParser() *Parser { return &Parser{} }

// Verify checks X-Hub-Signature-256, the hex HMAC-SHA256 of the raw body
// keyed with the webhook secret.
func (*Parser) Verify(header http.Header, body []byte, secret string) error {
	return signature.VerifyHMACHex(vcs.KindGitHub, header.Get(HeaderSignature), signaturePrefix, secret, body)
}

type ghUser struct {
	Login string `json:"login"`
}

type ghRef struct {
	Ref string `json:"ref"`
	SHA string `json:"sha"`
}

type payload struct {
	Action      string `json:"action"`
	Number      int    `json:"number"`
	Ref         string `json:"ref"`
	Before      string `json:"before"`
	After       string `json:"after"`
	Created     bool   `json:"created"`
	Deleted     bool   `json:"deleted"`
	Forced      bool   `json:"forced"`
	PullRequest *struct {
		Number         int     `json:"number"`
		Title          string  `json:"title"`
		HTMLURL        string  `json:"html_url"`
		Merged         bool    `json:"merged"`
		Draft          bool    `json:"draft"`
		MergeCommitSHA *string `json:"merge_commit_sha"`
		User           ghUser  `json:"user"`
		Head           ghRef   `json:"head"`
		Base           ghRef   `json:"base"`
	} `json:"pull_request"`
	Repository *struct {
		FullName string `json:"full_name"`
		HTMLURL  string `json:"html_url"`
	} `json:"repository"`
	Sender     ghUser `json:"sender"`
	HeadCommit *struct {
		URL string `json:"url"`
	} `json:"head_commit"`
	Compare string `json:"compare"`
}

// Parse turns a delivery into an Event. A pull request is merged only when
// the action is "closed" and pull_request.merged is true; "closed" with
// merged false is a pull request closed without merging. "synchronize"
// (new commits), "edited" (title, body or base branch changed),
// "ready_for_review" and "converted_to_draft" are updated; Draft is
// pull_request.draft. A push (one delivery per ref) sets Ref, Changes and,
// for a branch, TargetBranch; created, deleted and forced come from the
// payload's flags.
func (*Parser) Parse(header http.Header, body []byte) (*vcs.Event, error) {
	event := header.Get(HeaderEvent)
	if event == "" {
		return nil, vcs.Errorf(vcs.KindGitHub, "ParseWebhook", vcs.ErrInvalidPayload, "no %s header: not a GitHub delivery", HeaderEvent)
	}
	var pl payload
	if err := json.Unmarshal(body, &pl); err != nil {
		return nil, &vcs.Error{Provider: vcs.KindGitHub, Op: "ParseWebhook", Kind: vcs.ErrInvalidPayload, Message: "body is not JSON (is the webhook's content type application/json?)", Err: err}
	}
	ev := &vcs.Event{
		Provider:   vcs.KindGitHub,
		Kind:       vcs.EventOther,
		HostEvent:  event,
		HostAction: pl.Action,
		DeliveryID: header.Get(HeaderDelivery),
		Author:     pl.Sender.Login,
		Payload:    body,
	}
	if pl.Repository != nil {
		ev.Repository = pl.Repository.FullName
		ev.WebURL = pl.Repository.HTMLURL
	}
	switch event {
	case eventPing:
		ev.Kind = vcs.EventPing
	case eventPush:
		// GitHub sends one push delivery per ref, with created, deleted
		// and forced flags (and after all zeros on a deletion).
		ev.Kind = vcs.EventPush
		c := vcs.NewRefChange(pl.Ref, pl.Before, pl.After)
		c.Created = pl.Created || c.Created
		c.Deleted = pl.Deleted || c.Deleted
		c.Forced = pl.Forced
		if c.Deleted {
			c.After, c.Created = "", false
		}
		ev.SetRefChanges(c)
		ev.WebURL = pl.Compare
	case eventPullRequest:
		if pl.PullRequest == nil {
			return nil, vcs.Errorf(vcs.KindGitHub, "ParseWebhook", vcs.ErrInvalidPayload, "pull_request delivery without a pull_request object")
		}
		pr := pl.PullRequest
		ev.Kind = vcs.EventPullRequest
		ev.Number = pr.Number
		if ev.Number == 0 {
			ev.Number = pl.Number
		}
		ev.Title = pr.Title
		ev.Author = pr.User.Login
		ev.SourceBranch = pr.Head.Ref
		ev.TargetBranch = pr.Base.Ref
		ev.HeadSHA = pr.Head.SHA
		ev.WebURL = pr.HTMLURL
		ev.Draft = pr.Draft
		ev.Action = pullRequestAction(pl.Action, pr.Merged)
		if ev.Action == vcs.ActionMerged {
			ev.Merged = true
			if pr.MergeCommitSHA != nil {
				ev.MergeCommitSHA = *pr.MergeCommitSHA
			}
		}
	}
	return ev, nil
}

func pullRequestAction(action string, merged bool) vcs.Action {
	switch action {
	case "opened":
		return vcs.ActionOpened
	case actionSynchronize, "edited", "ready_for_review", "converted_to_draft":
		return vcs.ActionUpdated
	case "reopened":
		return vcs.ActionReopened
	case actionClosed:
		if merged {
			return vcs.ActionMerged
		}
		return vcs.ActionClosed
	}
	return vcs.ActionOther
}
