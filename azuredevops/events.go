package azuredevops

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/signature"
	"github.com/gitprovider/gitprovider/vcs"
)

// Parser verifies and parses Azure DevOps service-hook deliveries. It
// implements vcs.WebhookParser.
//
// Azure DevOps does not sign payloads. A subscription made by
// CreateWebhook sends Basic credentials with the secret as password;
// Verify compares that password (or, for a subscription configured with a
// custom "Authorization: <value>" header, the whole header value) with the
// secret in constant time.
//
// Parse reads the event from the body's eventType:
//
//	git.pullrequest.created                  -> pull_request, opened
//	git.pullrequest.updated, status active   -> pull_request, updated
//	git.pullrequest.updated, status abandoned-> pull_request, closed
//	git.pullrequest.updated, status completed-> pull_request, merged (Merged true; Azure sends it beside git.pullrequest.merged)
//	git.pullrequest.merged, status completed -> pull_request, merged (Merged true; the same MergeKey)
//	git.pullrequest.merged, other status     -> pull_request, other (a merge attempt that did not complete)
//	git.push                                 -> push, every resource.refUpdates entry in Changes
//	anything else                            -> other
//
// The repository is "project/repo" from resource.repository, the delivery
// ID is the body's id.
type Parser struct{}

var _ vcs.WebhookParser = (*Parser)(nil)

// NewParser returns an Azure DevOps webhook parser. It needs no token.
func NewParser() *Parser { return &Parser{} }

// Verify checks the delivery's Authorization header against secret: the
// password of Basic credentials, or the whole header value for any other
// scheme. It compares in constant time and never reads the body.
func (*Parser) Verify(header http.Header, _ []byte, secret string) error {
	auth := header.Get("Authorization")
	if auth == "" {
		return vcs.Errorf(vcs.KindAzureDevOps, "VerifyWebhook", vcs.ErrMissingSignature,
			"the delivery carries no Authorization header; set the subscription's basic authentication password to the webhook secret")
	}
	got := auth
	if scheme, rest, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Basic") {
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return vcs.Errorf(vcs.KindAzureDevOps, "VerifyWebhook", vcs.ErrInvalidSignature, "the Basic credentials are not valid base64")
		}
		_, pass, _ := strings.Cut(string(raw), ":")
		got = pass
	}
	if got == "" {
		return vcs.Errorf(vcs.KindAzureDevOps, "VerifyWebhook", vcs.ErrInvalidSignature, "the delivery's credentials carry no password")
	}
	return signature.VerifySecret(vcs.KindAzureDevOps, got, secret)
}

type serviceHookEvent struct {
	ID        string       `json:"id"`
	EventType string       `json:"eventType"`
	Resource  hookResource `json:"resource"`
}

// hookResource is the resource of a git.push or git.pullrequest.* event,
// decoded in the same pass as the envelope (the body is decoded once): a
// pull request's fields beside a push's refUpdates and pushedBy (both
// carry repository).
type hookResource struct {
	gitPullRequest
	IsDraft    bool `json:"isDraft"`
	RefUpdates []struct {
		Name        string `json:"name"`
		OldObjectID string `json:"oldObjectId"`
		NewObjectID string `json:"newObjectId"`
	} `json:"refUpdates"`
	PushedBy identityRef `json:"pushedBy"`
}

// Parse turns a verified delivery into an Event.
func (*Parser) Parse(_ http.Header, body []byte) (*vcs.Event, error) {
	var ev serviceHookEvent
	resErr := json.Unmarshal(body, &ev)
	if resErr != nil {
		// Either not a service hook event, or a resource that is not a
		// push's or a pull request's (another event type's resource may
		// hold other types under the same names): decode the envelope
		// alone to tell which.
		var env struct {
			ID        string          `json:"id"`
			EventType string          `json:"eventType"`
			Resource  json.RawMessage `json:"resource"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, &vcs.Error{Provider: vcs.KindAzureDevOps, Op: "ParseWebhook", Kind: vcs.ErrInvalidPayload, Message: "the body is not a service hook event", Err: err}
		}
		ev = serviceHookEvent{ID: env.ID, EventType: env.EventType}
	}
	if ev.EventType == "" {
		return nil, vcs.Errorf(vcs.KindAzureDevOps, "ParseWebhook", vcs.ErrInvalidPayload, "the body has no eventType")
	}
	out := &vcs.Event{
		Provider:   vcs.KindAzureDevOps,
		Kind:       vcs.EventOther,
		HostEvent:  ev.EventType,
		DeliveryID: ev.ID,
		Payload:    json.RawMessage(body),
	}
	bad := func(err error) error {
		return &vcs.Error{Provider: vcs.KindAzureDevOps, Op: "ParseWebhook", Kind: vcs.ErrInvalidPayload, Message: "the " + ev.EventType + " resource is malformed", Err: err}
	}
	switch {
	case ev.EventType == EventPush:
		if resErr != nil {
			return nil, bad(resErr)
		}
		res := &ev.Resource
		out.Kind = vcs.EventPush
		out.Repository = repoID(&res.Repository)
		out.Author = res.PushedBy.login()
		// One delivery lists every ref the push updated; Azure does not
		// say whether a push was forced.
		changes := make([]vcs.RefChange, 0, len(res.RefUpdates))
		for _, u := range res.RefUpdates {
			changes = append(changes, vcs.NewRefChange(u.Name, u.OldObjectID, u.NewObjectID))
		}
		out.SetRefChanges(changes...)
		out.WebURL = res.Repository.WebURL
	case strings.HasPrefix(ev.EventType, "git.pullrequest."):
		if resErr != nil {
			return nil, bad(resErr)
		}
		pr := &ev.Resource.gitPullRequest
		out.Kind = vcs.EventPullRequest
		out.Repository = repoID(&pr.Repository)
		out.Number = pr.PullRequestID
		out.Title = pr.Title
		out.Author = pr.CreatedBy.login()
		out.SourceBranch = shortBranch(pr.SourceRefName)
		out.TargetBranch = shortBranch(pr.TargetRefName)
		if pr.LastMergeSourceCommit != nil {
			out.HeadSHA = pr.LastMergeSourceCommit.CommitID
		}
		out.WebURL = pullRequestWebURL(pr)
		out.HostAction = pr.Status
		out.Action = prAction(ev.EventType, pr)
		out.Draft = ev.Resource.IsDraft
		if out.Action == vcs.ActionMerged {
			out.Merged = true
			if pr.LastMergeCommit != nil {
				out.MergeCommitSHA = pr.LastMergeCommit.CommitID
			}
		}
		if ev.EventType == EventPullRequestMerged && pr.MergeStatus != "" {
			out.HostAction = pr.Status + "/" + pr.MergeStatus
		}
	}
	return out, nil
}

// prAction maps an event type and the pull request's status to an action.
// A completed pull request is merged, whichever of the two events Azure
// sends at completion carried it (git.pullrequest.updated and
// git.pullrequest.merged, in no guaranteed order; a subscription may hold
// only one of them): Event.MergeKey is the same for both, so that
// vcs.Deduplicator handles the merge once. git.pullrequest.merged of a
// pull request that is not completed is a merge attempt (Azure makes one
// for every active pull request, and one that stops at a conflict):
// ActionOther.
func prAction(eventType string, pr *gitPullRequest) vcs.Action {
	switch eventType {
	case EventPullRequestCreated:
		return vcs.ActionOpened
	case EventPullRequestMerged, EventPullRequestUpdated:
		switch {
		case pr.Status == "completed" && !mergeFailed[pr.MergeStatus]:
			return vcs.ActionMerged
		case eventType == EventPullRequestMerged:
			return vcs.ActionOther
		case pr.Status == "abandoned":
			return vcs.ActionClosed
		case pr.Status == "active":
			return vcs.ActionUpdated
		}
	}
	return vcs.ActionOther
}

// mergeFailed are the mergeStatus values of a merge that did not succeed
// (GitPullRequestMergeStatus in the Azure DevOps REST reference); a
// completed pull request does not carry them, and one that did would not
// be taken for a merge.
var mergeFailed = map[string]bool{"conflicts": true, "failure": true, "rejectedByPolicy": true}

func repoID(r *gitRepository) string {
	if r.Project.Name == "" || r.Name == "" {
		return ""
	}
	return r.Project.Name + "/" + r.Name
}
