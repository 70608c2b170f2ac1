package vcs

import (
	"context"
	"slices"
)

// Write-back permissions: what branches, commits, pull requests and
// commit statuses need. CheckAccess reports on the three permissions of
// the setup guide only; ask for these with CheckAccessFor.
const (
	// PermWriteContents: create branches and commit files
	// (CreateBranch, CommitFiles).
	PermWriteContents Permission = "write_contents"
	// PermOpenPullRequest: open pull requests (CreatePullRequest).
	PermOpenPullRequest Permission = "open_pull_request"
	// PermWriteStatus: set commit statuses (SetCommitStatus).
	PermWriteStatus Permission = "write_status"
)

// WriteBackPermissions lists the write-back permissions in report order.
var WriteBackPermissions = []Permission{PermWriteContents, PermOpenPullRequest, PermWriteStatus}

// AccessCheckerFor is implemented by providers that check permissions
// beyond the three of the setup guide. Every provider of this module
// implements it.
type AccessCheckerFor interface {
	// CheckAccessFor is CheckAccess plus a verdict on each of extra (for
	// example WriteBackPermissions), appended to Checks after the three
	// default ones. The extra checks may cost a few more requests; none
	// changes anything on the host.
	CheckAccessFor(ctx context.Context, repo string, extra ...Permission) (*AccessReport, error)
}

// CheckAccessFor reports on the three default permissions and extra, with
// p's CheckAccessFor; a provider without one gets an ErrInvalidArgument
// error for any extra permission.
func CheckAccessFor(ctx context.Context, p Provider, repo string, extra ...Permission) (*AccessReport, error) {
	if c, ok := p.(AccessCheckerFor); ok {
		return c.CheckAccessFor(ctx, repo, extra...)
	}
	if len(extra) > 0 {
		return nil, Errorf(p.Kind(), "CheckAccessFor", ErrInvalidArgument, "the %s provider checks only the three default permissions", p.Kind())
	}
	return p.CheckAccess(ctx, repo)
}

// OKFor reports whether every one of perms is granted.
func (r *AccessReport) OKFor(perms ...Permission) bool {
	for _, p := range perms {
		if r.Check(p).Grant != Granted {
			return false
		}
	}
	return true
}

// WantsPermission reports whether p is among extra; providers use it to
// add only the checks asked for.
func WantsPermission(extra []Permission, p Permission) bool { return slices.Contains(extra, p) }
