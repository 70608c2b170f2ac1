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
	HostID        string `json:"hostId,omitempty"`
	Name          string `json:"name"`
	DefaultBranch string `json:"defaultBranch,omitempty"`
	Private       bool   `json:"private"`
	WebURL        string `json:"webUrl,omitempty"`
	CloneURL      string `json:"cloneUrl,omitempty"`
}

// File is a file read at a ref.
type File struct {
	Path string `json:"path"`
	// Ref is the ref the file was read at, as given (empty for the
	// default branch).
	Ref string `json:"ref,omitempty"`
	// SHA is the host's blob or object ID when the host returns one.
	SHA     string `json:"sha,omitempty"`
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
	Path string    `json:"path"`
	Name string    `json:"name"`
	Type EntryType `json:"type"`
	SHA  string    `json:"sha,omitempty"`
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
)

// PullRequest is a pull request (GitLab: merge request).
type PullRequest struct {
	Number         int              `json:"number"`
	Title          string           `json:"title"`
	Description    string           `json:"description,omitempty"`
	Author         string           `json:"author"`
	State          PullRequestState `json:"state"`
	SourceBranch   string           `json:"sourceBranch"`
	TargetBranch   string           `json:"targetBranch"`
	HeadSHA        string           `json:"headSha"`
	BaseSHA        string           `json:"baseSha,omitempty"`
	MergeCommitSHA string           `json:"mergeCommitSha,omitempty"`
	WebURL         string           `json:"webUrl,omitempty"`
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
	Path string `json:"path"`
	// PreviousPath is the path before a rename.
	PreviousPath string     `json:"previousPath,omitempty"`
	Status       FileStatus `json:"status"`
	// SHA is the blob ID of the new content where the host gives it.
	SHA string `json:"sha,omitempty"`
}

// Comment is a general (not line) comment on a pull request.
type Comment struct {
	ID        string    `json:"id"`
	Body      string    `json:"body"`
	Author    string    `json:"author"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	WebURL    string    `json:"webUrl,omitempty"`
}

// WebhookEvent is an event a webhook subscribes to.
type WebhookEvent string

// Webhook events. Pull request events cover opened, updated, merged and
// closed.
const (
	WebhookEventPullRequest WebhookEvent = "pull_request"
	WebhookEventPush        WebhookEvent = "push"
)

// Webhook is a repository webhook.
type Webhook struct {
	ID     string         `json:"id"`
	URL    string         `json:"url"`
	Events []WebhookEvent `json:"events"`
	Active bool           `json:"active"`
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
