package vcs

import "time"

// Kind names a Git host software. GitHub.com, GitHub Enterprise Server and
// GHE.com share KindGitHub; the instance URL tells them apart. Likewise
// for GitLab.com and self-managed GitLab.
type Kind string

// The kinds this module provides drivers for.
const (
	KindGitHub      Kind = "github"
	KindGitLab      Kind = "gitlab"
	KindBitbucket   Kind = "bitbucket"
	KindAzureDevOps Kind = "azuredevops"
)

// Repository is a repository the token can see.
type Repository struct {
	// ID is the full path used to address the repository in every call.
	ID string `json:"id"`
	// HostID is the host's own (usually numeric or GUID) identifier.
	HostID string `json:"hostId,omitempty"`
	// Name is the repository's display name (its last path segment on
	// most hosts).
	Name string `json:"name"`
	// DefaultBranch is the branch an empty ref reads from; empty for an
	// empty repository.
	DefaultBranch string `json:"defaultBranch,omitempty"`
	// Private is true for repositories not visible to everyone.
	Private bool `json:"private"`
	// WebURL is the repository's page in the host's web UI.
	WebURL string `json:"webUrl,omitempty"`
	// CloneURL is the HTTPS clone URL, where the host gives one.
	CloneURL string `json:"cloneUrl,omitempty"`
}

// File is a file read at a ref.
type File struct {
	// Path is the path as requested, relative to the repository root.
	Path string `json:"path"`
	// Ref is the ref the file was read at, as given (empty for the
	// default branch).
	Ref string `json:"ref,omitempty"`
	// SHA is the host's blob or object ID when the host returns one.
	SHA string `json:"sha,omitempty"`
	// Content is the whole file, decoded (never base64, never cut).
	Content []byte `json:"content"`
}

// EntryType tells files from directories in a listing.
type EntryType string

// Entry types.
const (
	EntryFile      EntryType = "file"
	EntryDirectory EntryType = "dir"
	EntrySymlink   EntryType = "symlink"
	EntrySubmodule EntryType = "submodule"
)

// TreeEntry is one entry of a directory listing.
type TreeEntry struct {
	// Path is relative to the repository root, without a leading slash.
	Path string `json:"path"`
	// Name is the last element of Path.
	Name string    `json:"name"`
	Type EntryType `json:"type"` // File, directory, symbolic link or submodule.
	// SHA is the host's blob or tree ID where it gives one.
	SHA string `json:"sha,omitempty"`
	// Size is the file size in bytes where the host tells it, else -1.
	Size int64 `json:"size"`
}

// PullRequestState is the state of a pull request.
type PullRequestState string

// Pull request states.
const (
	PullRequestOpen   PullRequestState = "open"
	PullRequestClosed PullRequestState = "closed"
	PullRequestMerged PullRequestState = "merged"
	// PullRequestAll is a filter for ListPullRequestsOptions.State only:
	// every state. No pull request is in it.
	PullRequestAll PullRequestState = "all"
)

// PullRequest is a pull request (GitLab: merge request).
type PullRequest struct {
	// Number is the number shown in the web UI (GitLab's IID).
	Number      int    `json:"number"`
	Title       string `json:"title"`                 // The title.
	Description string `json:"description,omitempty"` // The Markdown description.
	// Author is the login (user name) of the pull request's author.
	Author string           `json:"author"`
	State  PullRequestState `json:"state"` // Open, closed or merged.
	// SourceBranch is the branch with the changes; TargetBranch the one
	// they merge into. Both are short names, without refs/heads/.
	SourceBranch string `json:"sourceBranch"`
	TargetBranch string `json:"targetBranch"` // The branch it merges into.
	// HeadSHA is the source branch's commit the pull request shows;
	// ReadChangedFiles reads files there.
	HeadSHA string `json:"headSha"`
	// BaseSHA is the target commit the changes are compared with, where
	// the host tells.
	BaseSHA string `json:"baseSha,omitempty"`
	// MergeCommitSHA is the commit a merge created, once merged and where
	// the host tells.
	MergeCommitSHA string `json:"mergeCommitSha,omitempty"`
	// WebURL is the pull request's page in the host's web UI.
	WebURL string `json:"webUrl,omitempty"`
	// UpdatedAt is when the pull request last changed, where the host
	// tells (Azure DevOps keeps no such time: there it is the closing
	// time, or the creation time of an open pull request).
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// MergedAt is when the pull request was merged; zero unless merged.
	MergedAt time.Time `json:"mergedAt,omitzero"`
}

// Merged reports whether the pull request was merged.
func (pr *PullRequest) Merged() bool { return pr.State == PullRequestMerged }

// FileStatus says how a pull request changed a file.
type FileStatus string

// File statuses.
const (
	FileAdded    FileStatus = "added"
	FileModified FileStatus = "modified"
	FileRemoved  FileStatus = "removed"
	FileRenamed  FileStatus = "renamed"
)

// ChangedFile is a file a pull request changed.
type ChangedFile struct {
	// Path is the file's path after the change (for a removed file, the
	// path it had).
	Path string `json:"path"`
	// PreviousPath is the path before a rename.
	PreviousPath string     `json:"previousPath,omitempty"`
	Status       FileStatus `json:"status"` // How the file changed.
	// SHA is the blob ID of the new content where the host gives it.
	SHA string `json:"sha,omitempty"`
}

// Comment is a general (not line) comment on a pull request.
type Comment struct {
	// ID is the host's comment ID, to pass to UpdateComment.
	ID string `json:"id"`
	// Body is the comment's Markdown source.
	Body string `json:"body"`
	// Author is the login of the comment's author.
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"createdAt"` // When the comment was written.
	UpdatedAt time.Time `json:"updatedAt"` // When it was last edited.
	// WebURL links to the comment where the host gives a link.
	WebURL string `json:"webUrl,omitempty"`
}

// WebhookEvent is an event a webhook subscribes to.
type WebhookEvent string

// Webhook events. Pull request events cover opened, updated, merged and
// closed; push events cover branch and tag pushes (on GitLab, push and
// tag push events).
const (
	WebhookEventPullRequest WebhookEvent = "pull_request"
	WebhookEventPush        WebhookEvent = "push"
)

// Webhook is a repository webhook.
type Webhook struct {
	// ID is the host's webhook ID, to pass to UpdateWebhook and
	// DeleteWebhook.
	ID string `json:"id"`
	// URL receives the deliveries.
	URL string `json:"url"`
	// Events are the events the webhook subscribes to, of those this
	// package models.
	Events []WebhookEvent `json:"events"`
	// Active is false for a webhook the host will not deliver to.
	Active bool `json:"active"`
	// CreatedAt is when the webhook was created, where the host tells;
	// EnsureWebhook keeps the oldest of several for one URL.
	CreatedAt time.Time `json:"createdAt,omitzero"`
}

// WebhookOptions describe the webhook to create or the state to update it
// to. Updates replace every field.
type WebhookOptions struct {
	// URL receives the deliveries. It must be absolute http(s).
	URL string
	// Secret signs (or, on hosts without signatures, authenticates) every
	// delivery. Required: hosts cannot be asked for it later.
	Secret string
	// Events defaults to pull request events.
	Events []WebhookEvent
	// Inactive creates or leaves the webhook switched off.
	Inactive bool
}
