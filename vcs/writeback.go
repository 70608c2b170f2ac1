package vcs

import (
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// This file holds the types and argument checks of the write-back half of
// the Provider interface: branches, commits of several files, pull request
// creation and commit statuses.

// Branch is a branch and the commit it points to.
type Branch struct {
	// Name is the short name, without refs/heads/.
	Name string `json:"name"`
	// SHA is the full ID of the commit the branch points to.
	SHA string `json:"sha"`
	// Protected is true where the host says the branch is protected.
	Protected bool `json:"protected,omitempty"`
	// Default is true for the repository's default branch, where the host
	// says so in the branch listing.
	Default bool `json:"default,omitempty"`
}

// FileAction says what a commit does to one file.
type FileAction string

// File actions.
const (
	// FileCreate adds a file that does not exist yet.
	FileCreate FileAction = "create"
	// FileUpdate replaces the content of an existing file.
	FileUpdate FileAction = "update"
	// FileDelete removes an existing file.
	FileDelete FileAction = "delete"
)

// FileChange is one file of a commit.
type FileChange struct {
	Action FileAction `json:"action"` // What to do with the file.
	// Path is relative to the repository root: no leading slash, no "."
	// or ".." segments, no empty segments.
	Path string `json:"path"`
	// Content is the whole new content (ignored for FileDelete).
	Content []byte `json:"content,omitempty"`
}

// CommitOptions describe one commit of several files on a branch.
type CommitOptions struct {
	// Branch is the existing branch to commit to (short name).
	Branch string
	// BaseSHA is the commit the caller read the branch at: the new commit
	// gets it as its parent, and if the branch no longer points to it the
	// commit is refused with ErrConflict instead of overwriting whatever
	// moved the branch. Required, a full commit ID.
	BaseSHA string
	// Message is the commit message. Required.
	Message string
	// Files are the changes, at least one, each path at most once.
	Files []FileChange
}

// Commit is a commit a provider created.
type Commit struct {
	// SHA is the new commit's full ID.
	SHA string `json:"sha"`
	// Branch now points to SHA.
	Branch string `json:"branch"`
	// ParentSHA is the commit's parent (CommitOptions.BaseSHA).
	ParentSHA string `json:"parentSha"`
	// WebURL is the commit's page, where the host gives one.
	WebURL string `json:"webUrl,omitempty"`
}

// PullRequestOptions describe a pull request to open.
type PullRequestOptions struct {
	// Title is required.
	Title string
	// Description is the Markdown body.
	Description string
	// SourceBranch holds the changes; TargetBranch receives them. Short
	// names, both required and different.
	SourceBranch string
	TargetBranch string // The branch to merge into.
	// Draft opens the pull request as a draft: GitHub's, Bitbucket's and
	// Azure DevOps' draft flag, GitLab's "Draft: " title prefix.
	Draft bool
}

// StatusState is the state of a commit status.
type StatusState string

// Commit status states. Hosts name them differently; each provider maps
// them both ways (its doc comment says how).
const (
	StatusPending StatusState = "pending"
	StatusSuccess StatusState = "success"
	StatusFailure StatusState = "failure"
	StatusError   StatusState = "error"
)

// StatusOptions describe a commit status to set.
type StatusOptions struct {
	// Key identifies the status on the commit (GitHub's and GitLab's
	// context / name, Bitbucket's key, Azure DevOps' context name):
	// setting a status with the same key again replaces it. Required.
	Key string
	// State is one of the StatusState constants.
	State StatusState
	// Description is a short summary shown next to the status.
	Description string
	// TargetURL links to the details; empty or absolute http(s).
	TargetURL string
}

// CommitStatus is a status on a commit.
type CommitStatus struct {
	Key         string      `json:"key"`                   // Names the status among the commit's statuses.
	State       StatusState `json:"state"`                 // Pending, success, failure or error.
	Description string      `json:"description,omitempty"` // A short sentence shown next to the status.
	TargetURL   string      `json:"targetUrl,omitempty"`   // A link to details.
	// CreatedAt and UpdatedAt are the host's times, where it gives them.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"` // When the host last changed it.
}

// CheckBranchName returns an ErrInvalidArgument error for a branch name Git
// would refuse (git check-ref-format), before any request.
func CheckBranchName(k Kind, op, name string) error {
	bad := func(why string) error {
		return Errorf(k, op, ErrInvalidArgument, "branch name %q %s", name, why)
	}
	switch {
	case name == "":
		return Errorf(k, op, ErrInvalidArgument, "branch name is empty")
	case strings.HasPrefix(name, "refs/"):
		return bad("must be a short name, without refs/")
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//"):
		return bad("has an empty path segment")
	case strings.HasPrefix(name, "-"):
		return bad("must not start with '-'")
	case strings.HasSuffix(name, ".") || strings.HasSuffix(name, ".lock"):
		return bad("must not end with '.' or '.lock'")
	case strings.Contains(name, "..") || strings.Contains(name, "@{") || name == "@":
		return bad("must not contain '..' or '@{'")
	case !utf8.ValidString(name):
		return bad("is not valid UTF-8")
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return bad("contains a character Git does not allow in a ref name")
		}
	}
	for _, seg := range strings.Split(name, "/") {
		if strings.HasPrefix(seg, ".") {
			return bad("has a segment starting with '.'")
		}
	}
	return nil
}

// IsCommitSHA reports whether s is a full commit ID: 40 (SHA-1) or 64
// (SHA-256) hexadecimal digits.
func IsCommitSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// CheckCommitSHA returns an ErrInvalidArgument error unless sha is a full
// commit ID.
func CheckCommitSHA(k Kind, op, what, sha string) error {
	if !IsCommitSHA(sha) {
		return Errorf(k, op, ErrInvalidArgument, "%s %q must be a full commit ID (40 hexadecimal digits)", what, sha)
	}
	return nil
}

// CheckFilePath returns an ErrInvalidArgument error for a path that does
// not name a file inside the repository: empty, absolute, with "." or ".."
// or empty segments, a ".git" segment, or control characters.
func CheckFilePath(k Kind, op, p string) error {
	bad := func(why string) error {
		return Errorf(k, op, ErrInvalidArgument, "path %q %s", p, why)
	}
	if p == "" {
		return Errorf(k, op, ErrInvalidArgument, "file path is empty")
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return bad("must be relative to the repository root, with '/' separators")
	}
	if !utf8.ValidString(p) {
		return bad("is not valid UTF-8")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return bad("contains a control character")
		}
	}
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "":
			return bad("has an empty segment")
		case seg == "." || seg == "..":
			return bad("leaves the repository or has a dot segment")
		case strings.EqualFold(seg, ".git"):
			return bad("names Git's own directory")
		}
	}
	if path.Clean(p) != p {
		return bad("is not clean")
	}
	return nil
}

// CheckCommitOptions checks a commit before any request: the branch name,
// a full base commit ID, a message, at least one file, known actions, clean
// paths inside the repository, each at most once.
func CheckCommitOptions(k Kind, op string, o CommitOptions) error {
	if err := CheckBranchName(k, op, o.Branch); err != nil {
		return err
	}
	if err := CheckCommitSHA(k, op, "base commit", o.BaseSHA); err != nil {
		return err
	}
	if strings.TrimSpace(o.Message) == "" {
		return Errorf(k, op, ErrInvalidArgument, "commit message is empty")
	}
	if len(o.Files) == 0 {
		return Errorf(k, op, ErrInvalidArgument, "commit changes no file")
	}
	seen := map[string]bool{}
	for _, f := range o.Files {
		switch f.Action {
		case FileCreate, FileUpdate, FileDelete:
		default:
			return Errorf(k, op, ErrInvalidArgument, "file %q: unknown action %q (want create, update or delete)", f.Path, f.Action)
		}
		if err := CheckFilePath(k, op, f.Path); err != nil {
			return err
		}
		if seen[f.Path] {
			return Errorf(k, op, ErrInvalidArgument, "path %q appears twice in one commit", f.Path)
		}
		seen[f.Path] = true
	}
	return nil
}

// CheckPullRequestOptions checks a pull request to open before any request.
func CheckPullRequestOptions(k Kind, op string, o PullRequestOptions) error {
	if strings.TrimSpace(o.Title) == "" {
		return Errorf(k, op, ErrInvalidArgument, "pull request title is empty")
	}
	if err := CheckBranchName(k, op, o.SourceBranch); err != nil {
		return err
	}
	if err := CheckBranchName(k, op, o.TargetBranch); err != nil {
		return err
	}
	if o.SourceBranch == o.TargetBranch {
		return Errorf(k, op, ErrInvalidArgument, "source and target branch are both %q", o.SourceBranch)
	}
	return nil
}

// CheckStatusOptions checks a commit status before any request: a key, a
// known state, and a target URL that is empty or absolute http(s).
func CheckStatusOptions(k Kind, op string, o StatusOptions) error {
	if strings.TrimSpace(o.Key) == "" {
		return Errorf(k, op, ErrInvalidArgument, "status key is empty")
	}
	switch o.State {
	case StatusPending, StatusSuccess, StatusFailure, StatusError:
	default:
		return Errorf(k, op, ErrInvalidArgument, "status state %q is not one of pending, success, failure, error", o.State)
	}
	if o.TargetURL != "" {
		u, err := url.Parse(o.TargetURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return Errorf(k, op, ErrInvalidArgument, "status target URL %q must be an absolute http(s) URL", o.TargetURL)
		}
	}
	return nil
}
