package vcstest

import (
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// Host is what the four fake hosts (githubtest, gitlabtest, bitbuckettest
// and azuredevopstest) have in common: the same names and signatures for
// the same actions, so that a test of a server built on this library can
// range over the four hosts in one table:
//
//	for _, h := range []vcstest.Host{githubtest.New(), gitlabtest.New(), bitbuckettest.New(), azuredevopstest.New()} {
//		h.CreateRepository("acme/app", vcstest.RepositoryOptions{Files: files})
//		token, _ := h.IssueToken("bot", vcstest.TokenOptions{})
//		h.Grant("acme/app", "bot", vcstest.RoleAdmin)
//		p, _ := vcs.New(ctx, h.Config(token))
//		…
//	}
//
// Repositories are named the way the host names them ("owner/name",
// "group/subgroup/project", "workspace/slug", "Project/repo"); users by
// their login (Bitbucket and Azure DevOps accept an email too). Users are
// created on first use: AddUser is only needed for a user with no role.
// Every action that makes the host send webhook deliveries returns them
// (also kept by Deliveries), signed as the host signs them; their bodies
// can be read again and again (GetBody is set). What a fake offers beyond
// Host keeps the host's own names (githubtest.Server.AddToken,
// gitlabtest.Server.CreateProjectAccessToken, …).
type Host interface {
	// Kind is the provider kind the fake stands for.
	Kind() vcs.Kind
	// Config returns a config for the fake with token: Kind, URL,
	// HTTPClient (the fake's transport), Clock (the fake's clock), and
	// Username where the host's credentials need one.
	Config(token string) vcs.Config
	// URL is the instance URL an admin would enter.
	URL() string
	// Client is an HTTP client whose transport the fake answers.
	Client() *http.Client
	// Now is the fake's clock.
	Now() time.Time
	// Advance moves the fake's clock (and its configs' Clock) forward.
	Advance(d time.Duration)
	// SetLatency delays every answer by d.
	SetLatency(d time.Duration)
	// SetPageSize caps every list the fake pages at n items (0: the
	// host's own limits).
	SetPageSize(n int)
	// SetWebhookClient makes the fake send its deliveries with c (for
	// instance a client whose transport serves the server under test);
	// nil only records them.
	SetWebhookClient(c *http.Client)
	// Deliveries returns every delivery made so far, oldest first, each
	// with a fresh body.
	Deliveries() []*http.Request
	// DeliveryErrors returns the failures of deliveries sent through the
	// webhook client (transport errors and answers of 300 or more).
	DeliveryErrors() []error

	// CreateRepository creates a private repository with o.Files
	// committed to o.DefaultBranch.
	CreateRepository(repo string, o RepositoryOptions) error
	// AddUser adds a user (an account of the host) with no role.
	AddUser(user string) error
	// Grant gives user role on repo, adding the user when new. It fails
	// when repo does not exist.
	Grant(repo, user string, role Role) error
	// IssueToken issues a token of user (added when new) with the host's
	// scopes for o.
	IssueToken(user string, o TokenOptions) (string, error)
	// RevokeToken makes the host refuse token from now on.
	RevokeToken(token string) error
	// Push commits files to branch (created from the default branch when
	// new; a nil content deletes the file), as a git push would, and
	// returns the commit's SHA and the deliveries of the push (and of the
	// update of any open pull request from branch).
	Push(repo, branch string, files map[string]*string) (sha string, deliveries []*http.Request, err error)
	// OpenPullRequest opens a pull request and returns its number and
	// the deliveries of its opening.
	OpenPullRequest(repo string, o PullRequestOptions) (number int, deliveries []*http.Request, err error)
	// MergePullRequest merges an open pull request.
	MergePullRequest(repo string, number int) ([]*http.Request, error)
	// ClosePullRequest closes an open pull request without merging.
	ClosePullRequest(repo string, number int) ([]*http.Request, error)
	// ReopenPullRequest reopens a closed pull request.
	ReopenPullRequest(repo string, number int) ([]*http.Request, error)
	// Redeliver makes the host send again the deliveries of the pull
	// request's action, as the host's redelivery does (ActionOpened,
	// ActionUpdated, ActionClosed, ActionMerged, ActionReopened; the
	// pull request must be in the state the action left it in).
	Redeliver(repo string, number int, action vcs.Action) ([]*http.Request, error)
	// Comments returns the pull request's comments, oldest first.
	Comments(repo string, number int) ([]vcs.Comment, error)
	// Webhooks returns the repository's webhooks, secrets included.
	Webhooks(repo string) ([]Webhook, error)
	// FailNext makes the next n API requests answer status with the
	// host's error body and, when retryAfter > 0, a Retry-After header.
	FailNext(n, status int, retryAfter time.Duration)
	// RefHost: tag pushes, branch deletion, force pushes, pushes of a
	// branch and tags together, drafts (see RefHost).
	RefHost
}

// Role is a user's role on a repository, in portable terms. Each fake
// maps it to the host's own role (see the fakes' Grant).
type Role string

// Roles.
const (
	// RoleRead may read the code and the pull requests.
	RoleRead Role = "read"
	// RoleWrite may also push and comment.
	RoleWrite Role = "write"
	// RoleAdmin may also manage webhooks.
	RoleAdmin Role = "admin"
)

// RepositoryOptions describe a new repository.
type RepositoryOptions struct {
	// DefaultBranch is the branch Files are committed to; empty means
	// "main".
	DefaultBranch string
	// Files maps paths to contents.
	Files map[string]string
	// Public makes the repository public (where the host has public
	// repositories); repositories are private by default.
	Public bool
}

// TokenOptions describe a new token. The zero value is a token with
// everything the workflow needs (read the repository, manage its
// webhooks, comment on its pull requests) that does not expire.
type TokenOptions struct {
	// Without lists the permissions the token must lack. The fake picks
	// the host's scopes for the rest; where the host cannot tell the
	// permissions apart by scope (a GitLab token's webhooks follow its
	// user's role) IssueToken says so in its error.
	Without []vcs.Permission
	// Scopes, when set, are the host's own scope names and replace what
	// Without would choose.
	Scopes []string
	// ExpiresAt is the token's expiry; zero means the host's default
	// (no expiry where the host allows it).
	ExpiresAt time.Time
}

// Lacks reports whether o asks for a token without p.
func (o TokenOptions) Lacks(p vcs.Permission) bool {
	for _, w := range o.Without {
		if w == p {
			return true
		}
	}
	return false
}

// PullRequestOptions describe a new pull request.
type PullRequestOptions struct {
	// Source is the branch with the changes.
	Source string
	// Target is the branch to merge into; empty means the default
	// branch.
	Target string
	// Title and Description of the pull request.
	Title, Description string
	// Author is the user who opens it; empty means the host's default
	// user.
	Author string
}

// Webhook is a repository webhook as the fake stores it.
type Webhook struct {
	// ID is the webhook's ID in the host's API.
	ID string
	// URL receives the deliveries.
	URL string
	// Secret signs (or authenticates) the deliveries.
	Secret string
	// Events are the host's own names of the events it subscribes to.
	Events []string
	// Active is false for a disabled webhook.
	Active bool
	// Settings are the host's other settings of the webhook, by the
	// host's API names (GitHub's "content_type" and "insecure_ssl",
	// GitLab's "enable_ssl_verification", …).
	Settings map[string]string
}

// HandlerClient returns an HTTP client that serves every request with h
// in the calling goroutine, without a network: give it to a fake's
// SetWebhookClient to deliver webhooks straight to the server under
// test. A 4xx or 5xx answer from h is a delivery error of the fake.
func HandlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: handlerTransport{h}}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
