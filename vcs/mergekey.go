package vcs

import (
	"strconv"
	"strings"
)

// MergeKey identifies the merge of one pull request, whichever delivery
// carried it: the host's pull request event, a second completion event
// (Azure DevOps sends two), a redelivery under a new delivery ID, or a
// reconciliation sweep that found the merge through the API. A pull
// request merges at most once, so the key is the provider, the repository
// and the number.
//
// Repository is compared without regard to case: every supported host
// treats repository paths case-insensitively, and deliveries and API
// answers do not always agree on the case.
type MergeKey struct {
	// Provider is the host kind.
	Provider Kind `json:"provider"`
	// Repository is the repository's full path, as in Event.Repository.
	Repository string `json:"repository"`
	// Number is the pull request number.
	Number int `json:"number"`
}

// NewMergeKey returns the key of pull request number in repo on provider,
// with the repository path in its canonical (lower) case.
func NewMergeKey(provider Kind, repo string, number int) MergeKey {
	return MergeKey{Provider: provider, Repository: strings.ToLower(repo), Number: number}
}

// String returns the key as "provider:repository#number", e.g.
// "github:octo/db#12"; it is what stores index merges by.
func (k MergeKey) String() string {
	return string(k.Provider) + ":" + strings.ToLower(k.Repository) + "#" + strconv.Itoa(k.Number)
}

// MergeKey returns the merge identity of a merged pull request event; ok
// is false for every other event (opened, updated, closed without merge,
// pushes, pings).
func (e *Event) MergeKey() (key MergeKey, ok bool) {
	if e == nil || e.Kind != EventPullRequest || !e.Merged || e.Repository == "" || e.Number <= 0 {
		return MergeKey{}, false
	}
	return NewMergeKey(e.Provider, e.Repository, e.Number), true
}
