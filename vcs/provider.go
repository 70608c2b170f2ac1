package vcs

import (
	"context"
	"iter"
)

// Provider is the portable API every Git host implements. All methods take
// a context first, follow every page of a list, and return errors that
// match the sentinels in this package with errors.Is.
//
// Repository IDs are the host's full path: "owner/name" (GitHub),
// "group/sub/project" (GitLab), "workspace/slug" (Bitbucket) and
// "project/repo" (Azure DevOps). Pull request numbers are the numbers users
// see in the host's web UI (GitLab's IID). Comment and webhook IDs are
// opaque strings.
//
// A Provider is safe for concurrent use.
type Provider interface {
	// Kind names the host software.
	Kind() Kind

	// CheckAccess reports who the token belongs to, what is known about it
	// (kind, scopes, expiry) and whether it grants the three permissions
	// the workflow needs on repo. A missing permission is reported in the
	// AccessReport, not as an error; an invalid or expired token is an
	// error (ErrUnauthorized, ErrTokenExpired).
	CheckAccess(ctx context.Context, repo string) (*AccessReport, error)

	// ListRepositories yields every repository the token may connect,
	// following every page. Stop ranging to stop fetching.
	ListRepositories(ctx context.Context) iter.Seq2[*Repository, error]
	// GetRepository returns one repository.
	GetRepository(ctx context.Context, repo string) (*Repository, error)

	// ReadFile returns the whole content of the file at path on ref (a
	// branch, tag or commit SHA; empty means the default branch). A file
	// larger than the host or library allows is ErrTooLarge, never a
	// truncated read.
	ReadFile(ctx context.Context, repo, path, ref string) (*File, error)
	// ListDirectory lists the entries below dir ("" is the root) on ref.
	// With recursive set it descends into every subdirectory. The listing
	// is complete: where the host truncates a listing the provider walks
	// it piece by piece, and where it cannot, it returns what it has with
	// an error matching ErrTruncated.
	ListDirectory(ctx context.Context, repo, dir, ref string, recursive bool) ([]*TreeEntry, error)

	// GetPullRequest returns a pull (merge) request.
	GetPullRequest(ctx context.Context, repo string, number int) (*PullRequest, error)
	// ListPullRequests yields the repository's pull requests in
	// opts.State that changed since opts.UpdatedSince, following every
	// page, most recently updated first where the host sorts so. Stop
	// ranging to stop fetching. Where a host cannot filter exactly it
	// yields more (never fewer) pull requests than asked for; the
	// reconciliation sweep (Reconciler) relies on that.
	ListPullRequests(ctx context.Context, repo string, opts ListPullRequestsOptions) iter.Seq2[*PullRequest, error]
	// ListPullRequestFiles lists every file the pull request changes.
	ListPullRequestFiles(ctx context.Context, repo string, number int) ([]*ChangedFile, error)

	// ListComments lists the pull request's general comments, oldest
	// first.
	ListComments(ctx context.Context, repo string, number int) ([]*Comment, error)
	// CreateComment posts a comment on the pull request. It is never
	// retried: a failed call may or may not have posted (use UpsertComment
	// for a retry-safe post).
	CreateComment(ctx context.Context, repo string, number int, body string) (*Comment, error)
	// UpdateComment replaces the body of a comment.
	UpdateComment(ctx context.Context, repo string, number int, commentID, body string) (*Comment, error)

	// ListWebhooks lists the repository's webhooks.
	ListWebhooks(ctx context.Context, repo string) ([]*Webhook, error)
	// CreateWebhook creates a repository webhook. Like CreateComment it is
	// never retried; EnsureWebhook is the retry-safe form.
	CreateWebhook(ctx context.Context, repo string, opts WebhookOptions) (*Webhook, error)
	// UpdateWebhook replaces a webhook's URL, secret, events and state.
	UpdateWebhook(ctx context.Context, repo, id string, opts WebhookOptions) (*Webhook, error)
	// DeleteWebhook deletes a webhook. Deleting one that is already gone
	// returns an error matching ErrNotFound.
	DeleteWebhook(ctx context.Context, repo, id string) error

	// GetBranch returns a branch and the commit it points to.
	GetBranch(ctx context.Context, repo, name string) (*Branch, error)
	// ListBranches yields every branch, following every page.
	ListBranches(ctx context.Context, repo string) iter.Seq2[*Branch, error]
	// CreateBranch creates branch name at the commit sha (a full commit
	// ID). A branch that exists already is ErrConflict.
	CreateBranch(ctx context.Context, repo, name, sha string) (*Branch, error)
	// CommitFiles creates, updates and deletes several files on an
	// existing branch in one commit whose parent is opts.BaseSHA. When the
	// branch no longer points to BaseSHA the commit is refused with
	// ErrConflict (nothing is written to the branch). Never retried.
	CommitFiles(ctx context.Context, repo string, opts CommitOptions) (*Commit, error)
	// CreatePullRequest opens a pull request. Never retried.
	CreatePullRequest(ctx context.Context, repo string, opts PullRequestOptions) (*PullRequest, error)
	// SetCommitStatus sets the status opts.Key on the commit sha; setting
	// the same key again replaces it.
	SetCommitStatus(ctx context.Context, repo, sha string, opts StatusOptions) (*CommitStatus, error)
	// ListCommitStatuses lists the commit's statuses, the latest one per
	// key, sorted by key.
	ListCommitStatuses(ctx context.Context, repo, sha string) ([]*CommitStatus, error)

	// SetToken replaces the static token. Requests that start after it
	// returns use the new token; it is safe to call while other calls are
	// in flight. A provider built with a TokenSource asks the source on
	// every request instead, and its SetToken returns an error.
	SetToken(token string) error
}

// ConcurrencyLimiter is implemented by providers whose host limits how many
// requests a client may have in flight. Workflows that fan out (such as
// ReadChangedFiles) stay below the limit.
type ConcurrencyLimiter interface {
	// MaxConcurrency is the most requests to have in flight at once.
	MaxConcurrency() int
}
