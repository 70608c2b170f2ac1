package vcs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
)

// ListPullRequestsOptions select the pull requests ListPullRequests
// yields.
type ListPullRequestsOptions struct {
	// State is PullRequestOpen, PullRequestClosed (closed without
	// merging), PullRequestMerged, or PullRequestAll; empty means all.
	State PullRequestState
	// UpdatedSince, when not zero, leaves out pull requests that have not
	// changed since then. Hosts compare with their own clock; a provider
	// that cannot filter exactly yields more, never fewer.
	UpdatedSince time.Time
}

// CheckListPullRequestsOptions returns an ErrInvalidArgument error for an
// unknown state; drivers call it before any request.
func CheckListPullRequestsOptions(k Kind, op string, opts ListPullRequestsOptions) error {
	switch opts.State {
	case "", PullRequestAll, PullRequestOpen, PullRequestClosed, PullRequestMerged:
		return nil
	}
	return Errorf(k, op, ErrInvalidArgument, "pull request state %q is not one of open, closed, merged, all", opts.State)
}

// FailedSeq returns a sequence that yields err once: what a list method
// returns for an argument it refuses before any request.
func FailedSeq[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// EventRecorder records events durably (a delivery store does). Record
// returns recorded false, and no error, when an event of the same identity
// (its merge identity, MergeKey, for a merge; else its delivery ID) was
// recorded before: the event is then not processed a second time.
type EventRecorder interface {
	// Record records ev once per identity.
	Record(ctx context.Context, ev *Event) (recorded bool, err error)
}

// CheckpointStore keeps the Reconciler's checkpoints: per key, the time up
// to which a repository has been swept. Checkpoint returns the zero time
// for a key never set.
type CheckpointStore interface {
	// Checkpoint returns the time key was swept up to.
	Checkpoint(ctx context.Context, key string) (time.Time, error)
	// SetCheckpoint moves key's checkpoint to t.
	SetCheckpoint(ctx context.Context, key string, t time.Time) error
}

// DefaultReconcileOverlap is how far before its checkpoint a sweep starts
// listing when Reconciler.Overlap is zero: it covers hosts whose lists
// show a change a little late and clocks that disagree.
const DefaultReconcileOverlap = 10 * time.Minute

// ReconcileHostEvent is the Event.HostEvent of the events a Reconciler
// records, and ReconcileDeliveryPrefix starts their DeliveryID.
const (
	ReconcileHostEvent      = "reconciliation"
	ReconcileDeliveryPrefix = "reconcile:"
)

// Reconciler finds merges that no webhook delivery brought (the server was
// down, the host gave up, the delivery failed and GitHub does not retry)
// and records them with the same merge identity as the webhook would:
// for each repository it lists the merged pull requests updated since the
// repository's checkpoint (less Overlap) and passes each, as a merged
// pull request Event, to Recorder. Merges recorded before (by a delivery
// or an earlier sweep) are not recorded again. The checkpoint moves
// forward only when every merge listed was recorded, so a failed sweep
// is repeated in full by the next one.
//
// Several replicas may sweep the same repositories at once: the recorder
// keeps one record per merge. A Reconciler is safe for concurrent use if
// its Recorder and Checkpoints are.
type Reconciler struct {
	// Provider lists the pull requests.
	Provider Provider
	// Repositories are the watched repositories' full paths.
	Repositories []string
	// Recorder records the merges found.
	Recorder EventRecorder
	// Checkpoints keep, per repository, how far it has been swept.
	Checkpoints CheckpointStore
	// Name tells apart the checkpoints of reconcilers over different
	// instances of the same host kind (e.g. GitHub.com and an
	// Enterprise Server); it may be empty when there is one instance per
	// kind.
	Name string
	// Overlap is how far before the checkpoint a sweep starts;
	// DefaultReconcileOverlap when zero. Make it longer than the skew
	// between this machine's clock and the host's.
	Overlap time.Duration
	// Since is where a repository without a checkpoint starts. When it is
	// zero, the first sweep of a repository records nothing and only sets
	// its checkpoint to the current time, so that connecting a
	// repository never replays its history.
	Since time.Time
	// Clock returns the current time; time.Now when nil.
	Clock func() time.Time
}

// SweepResult is what a sweep of one repository did.
type SweepResult struct {
	// Repository is the repository swept.
	Repository string
	// From is the time the listing started at (checkpoint less overlap);
	// zero on a first sweep that only set the checkpoint.
	From time.Time
	// Listed counts the merged pull requests listed; Recorded those of
	// them that were new to the recorder.
	Listed, Recorded int
	// Checkpoint is the repository's checkpoint after the sweep.
	Checkpoint time.Time
}

// CheckpointKey returns the key under which the repository's checkpoint is
// kept: "reconcile/KIND/NAME/repository", the repository lower-cased.
func (r *Reconciler) CheckpointKey(repo string) string {
	return "reconcile/" + string(r.Provider.Kind()) + "/" + r.Name + "/" + strings.ToLower(repo)
}

// Sweep sweeps every repository once, in order, and returns what each
// sweep did. A repository that fails does not stop the others; the
// errors are joined.
func (r *Reconciler) Sweep(ctx context.Context) ([]SweepResult, error) {
	var out []SweepResult
	var errs []error
	for _, repo := range r.Repositories {
		if err := ctx.Err(); err != nil {
			return out, errors.Join(append(errs, err)...)
		}
		res, err := r.SweepRepository(ctx, repo)
		out = append(out, res)
		if err != nil {
			errs = append(errs, fmt.Errorf("reconcile %s: %w", repo, err))
		}
	}
	return out, errors.Join(errs...)
}

// SweepRepository sweeps one repository: it lists the merged pull
// requests updated since the checkpoint less Overlap, records each, and,
// when all were recorded, moves the checkpoint to the latest update time
// listed (the host's clock; never backwards).
//
// Provider API: ListPullRequests with State merged, UpdatedSince set.
func (r *Reconciler) SweepRepository(ctx context.Context, repo string) (SweepResult, error) {
	res := SweepResult{Repository: repo}
	if r.Provider == nil || r.Recorder == nil || r.Checkpoints == nil {
		return res, Errorf("", "Reconcile", ErrInvalidConfig, "Reconciler needs a Provider, a Recorder and Checkpoints")
	}
	key := r.CheckpointKey(repo)
	cp, err := r.Checkpoints.Checkpoint(ctx, key)
	if err != nil {
		return res, err
	}
	res.Checkpoint = cp
	if cp.IsZero() {
		cp = r.Since
		if cp.IsZero() {
			now := r.now()
			if err := r.Checkpoints.SetCheckpoint(ctx, key, now); err != nil {
				return res, err
			}
			res.Checkpoint = now
			return res, nil
		}
	}
	overlap := r.Overlap
	if overlap <= 0 {
		overlap = DefaultReconcileOverlap
	}
	res.From = cp.Add(-overlap)
	next := cp
	for pr, err := range r.Provider.ListPullRequests(ctx, repo, ListPullRequestsOptions{State: PullRequestMerged, UpdatedSince: res.From}) {
		if err != nil {
			return res, err
		}
		if !pr.Merged() {
			continue // a provider yielding more than asked
		}
		res.Listed++
		recorded, err := r.Recorder.Record(ctx, MergeEvent(r.Provider.Kind(), repo, pr))
		if err != nil {
			return res, err
		}
		if recorded {
			res.Recorded++
		}
		for _, t := range []time.Time{pr.UpdatedAt, pr.MergedAt} {
			if t.After(next) {
				next = t
			}
		}
	}
	if !next.Equal(res.Checkpoint) {
		if err := r.Checkpoints.SetCheckpoint(ctx, key, next); err != nil {
			return res, err
		}
		res.Checkpoint = next
	}
	return res, nil
}

// Run sweeps every repository now and then every interval until ctx ends,
// passing each sweep's error (if any) to onError, which may be nil. It
// returns ctx's error.
func (r *Reconciler) Run(ctx context.Context, interval time.Duration, onError func(error)) error {
	if interval <= 0 {
		return Errorf("", "Reconcile", ErrInvalidArgument, "sweep interval %s must be positive", interval)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Sweep(ctx); err != nil && onError != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (r *Reconciler) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

// MergeEvent returns the event a Reconciler records for a merged pull
// request of repo found through the API: a merged pull request Event with
// the same MergeKey as the host's webhook delivery of that merge, HostEvent
// ReconcileHostEvent, a DeliveryID "reconcile:" followed by the merge key
// (the same for every sweep that finds it), and the pull request as JSON
// in Payload.
func MergeEvent(kind Kind, repo string, pr *PullRequest) *Event {
	key := NewMergeKey(kind, repo, pr.Number)
	payload, _ := json.Marshal(pr) // a PullRequest always marshals
	return &Event{
		Provider:       kind,
		Kind:           EventPullRequest,
		Action:         ActionMerged,
		HostEvent:      ReconcileHostEvent,
		DeliveryID:     ReconcileDeliveryPrefix + key.String(),
		Repository:     repo,
		Number:         pr.Number,
		Title:          pr.Title,
		Author:         pr.Author,
		SourceBranch:   pr.SourceBranch,
		TargetBranch:   pr.TargetBranch,
		HeadSHA:        pr.HeadSHA,
		MergeCommitSHA: pr.MergeCommitSHA,
		Merged:         true,
		WebURL:         pr.WebURL,
		Payload:        payload,
	}
}
