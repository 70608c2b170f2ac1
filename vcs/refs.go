package vcs

import "strings"

// Ref prefixes of branches and tags.
const (
	BranchRefPrefix = "refs/heads/"
	TagRefPrefix    = "refs/tags/"
)

// RefChange is one ref that a push delivery changed.
//
// Created, Deleted and Forced are set where the host tells: GitHub and
// Bitbucket say all three; GitLab and Azure DevOps say only whether a ref
// was created or deleted (an all-zero SHA on one side), never whether a
// push was forced.
type RefChange struct {
	// Ref is the full ref, e.g. "refs/heads/main" or "refs/tags/v1.2.0".
	Ref string `json:"ref"`
	// Before is the commit (or tag object) the ref pointed at before the
	// push; empty when the ref was created or the host does not say.
	Before string `json:"before,omitempty"`
	// After is what the ref points at now; empty when it was deleted.
	After string `json:"after,omitempty"`
	// Created is true when the push created the ref.
	Created bool `json:"created,omitempty"`
	// Deleted is true when the push deleted the ref; After is empty.
	Deleted bool `json:"deleted,omitempty"`
	// Forced is true when the push rewrote history (a force push), on
	// hosts that tell.
	Forced bool `json:"forced,omitempty"`
}

// Branch returns the branch name of a refs/heads/ ref.
func (c RefChange) Branch() (string, bool) { return strings.CutPrefix(c.Ref, BranchRefPrefix) }

// Tag returns the tag name of a refs/tags/ ref.
func (c RefChange) Tag() (string, bool) { return strings.CutPrefix(c.Ref, TagRefPrefix) }

// NewRefChange returns the change of ref from before to after, for parser
// authors. An empty or all-zero SHA (Git's "no object": forty zeros, or
// sixty-four in a SHA-256 repository) on the before side means the ref was
// created, on the after side that it was deleted; both are stored empty.
func NewRefChange(ref, before, after string) RefChange {
	c := RefChange{Ref: ref, Before: before, After: after}
	if isZeroSHA(before) {
		c.Before, c.Created = "", true
	}
	if isZeroSHA(after) {
		c.After, c.Deleted, c.Created = "", true, false
	}
	return c
}

func isZeroSHA(s string) bool {
	return strings.Trim(s, "0") == ""
}

// SetRefChanges records the ref changes of a push delivery on e, for
// parser authors: Changes gets them all, and when there is exactly one the
// top-level Ref, TargetBranch (branches only), HeadSHA, Created, Deleted
// and Forced describe it. With several changes the top-level fields stay
// empty: read Changes.
func (e *Event) SetRefChanges(changes ...RefChange) {
	e.Changes = changes
	if len(changes) != 1 {
		return
	}
	c := changes[0]
	e.Ref, e.HeadSHA = c.Ref, c.After
	e.Created, e.Deleted, e.Forced = c.Created, c.Deleted, c.Forced
	if b, ok := c.Branch(); ok {
		e.TargetBranch = b
	}
}

// Branches returns the branch changes of a push (every change, single or
// several), skipping tags and other refs.
func (e *Event) Branches() []RefChange {
	var out []RefChange
	for _, c := range e.Changes {
		if _, ok := c.Branch(); ok {
			out = append(out, c)
		}
	}
	return out
}
