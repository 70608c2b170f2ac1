package vcs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Collect gathers a sequence into a slice, stopping at the first error.
func Collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// CommentMarker returns the hidden marker UpsertComment puts at the top of
// a comment body: an HTML comment, which every host's Markdown hides.
func CommentMarker(key string) string {
	return "<!-- gitprovider:" + key + " -->"
}

// UpsertComment makes sure the pull request has exactly one comment
// carrying the hidden marker for key, with body as its text: it updates the
// comment it posted earlier, or posts a new one. Calling it again after a
// failure or a crash does not post a second comment (unless the earlier
// create failed after the host stored it and the list does not show it
// yet, which no host API can rule out).
func UpsertComment(ctx context.Context, p Provider, repo string, number int, key, body string) (*Comment, error) {
	if key == "" || strings.Contains(key, "--") || strings.ContainsAny(key, "<>\n") {
		return nil, Errorf(p.Kind(), "UpsertComment", ErrInvalidArgument, "marker key %q must be non-empty, one line, without '--', '<' or '>'", key)
	}
	marker := CommentMarker(key)
	full := marker + "\n" + body
	comments, err := p.ListComments(ctx, repo, number)
	if err != nil {
		return nil, err
	}
	var found *Comment
	for _, c := range comments {
		if strings.Contains(c.Body, marker) {
			found = c // keep the newest one
		}
	}
	if found == nil {
		return p.CreateComment(ctx, repo, number, full)
	}
	if strings.TrimSpace(found.Body) == strings.TrimSpace(full) {
		return found, nil
	}
	return p.UpdateComment(ctx, repo, number, found.ID, full)
}

// EnsureWebhook makes sure repo has exactly one webhook for opts.URL, with
// opts' secret, events and state: it updates a webhook already registered
// for the URL (hosts cannot be asked whether its secret matches, so it
// always writes it) and creates one otherwise. Retrying it never adds a
// duplicate.
//
// It converges when several replicas ensure the same URL at once: after
// creating, it lists again, keeps the oldest webhook for the URL (by
// creation time, then ID), deletes the others (its own included when
// another caller's is older) and updates the one kept. Every caller picks the
// same survivor, so the replicas end with one webhook whichever order
// their requests reach the host in. Further webhooks for the URL found on
// the update path (a crash between create and clean-up, another tool) are
// deleted too; Duplicates lists what was deleted. A create the host
// refuses as a duplicate (GitHub's 422 "Hook already exists") or an
// update of a webhook another caller deleted in between starts over, a
// few times at most.
//
// The host's list must show a webhook once its create has returned (true
// of the four supported hosts' APIs; unconfirmed under replication lag).
func EnsureWebhook(ctx context.Context, p Provider, repo string, opts WebhookOptions) (*EnsureResult, error) {
	if err := ValidateWebhookOptions(opts); err != nil {
		return nil, &Error{Provider: p.Kind(), Op: "EnsureWebhook", Kind: ErrInvalidArgument, Err: err}
	}
	const attempts = 4
	var (
		res *EnsureResult
		err error
	)
	for range attempts {
		res, err = ensureOnce(ctx, p, repo, opts)
		if err == nil || !(errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound)) || ctx.Err() != nil {
			return res, err
		}
		// Another caller created (GitHub refuses a second hook for a
		// URL) or deleted the webhook in between: look again.
	}
	return res, err
}

func ensureOnce(ctx context.Context, p Provider, repo string, opts WebhookOptions) (*EnsureResult, error) {
	hooks, err := p.ListWebhooks(ctx, repo)
	if err != nil {
		return nil, err
	}
	same := webhooksFor(hooks, opts.URL)
	res := &EnsureResult{}
	if len(same) == 0 {
		created, err := p.CreateWebhook(ctx, repo, opts)
		if err != nil {
			return nil, err
		}
		res.Webhook, res.Created = created, true
		// Callers racing for the URL each created one: keep the oldest.
		hooks, err = p.ListWebhooks(ctx, repo)
		if err != nil {
			return res, err
		}
		same = webhooksFor(hooks, opts.URL)
		if len(same) == 0 {
			return res, nil
		}
		// The survivor is written once more even when it is ours: where
		// one webhook is several host objects (Azure DevOps groups its
		// subscriptions by URL, so ListWebhooks cannot show a racer's
		// duplicates), the update removes what racing callers added.
		res.Created = same[0].ID == created.ID
	}
	keep := same[0]
	res.Duplicates, err = deleteWebhooks(ctx, p, repo, same[1:], "")
	if err != nil {
		return res, err
	}
	res.Webhook, err = p.UpdateWebhook(ctx, repo, keep.ID, opts)
	return res, err
}

// webhooksFor returns the hooks for url, oldest first: by creation time
// where both hooks have one, else by ID (numerically when both IDs are
// numbers, as hosts with numeric IDs count up).
func webhooksFor(hooks []*Webhook, url string) []*Webhook {
	var out []*Webhook
	for _, h := range hooks {
		if sameURL(h.URL, url) {
			out = append(out, h)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return olderWebhook(out[i], out[j]) })
	return out
}

func olderWebhook(a, b *Webhook) bool {
	if !a.CreatedAt.IsZero() && !b.CreatedAt.IsZero() && !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.Before(b.CreatedAt)
	}
	na, errA := strconv.ParseInt(a.ID, 10, 64)
	nb, errB := strconv.ParseInt(b.ID, 10, 64)
	if errA == nil && errB == nil {
		return na < nb
	}
	return a.ID < b.ID
}

// deleteWebhooks deletes hooks but the one with ID except; one already
// gone (another caller deleted it) is not an error.
func deleteWebhooks(ctx context.Context, p Provider, repo string, hooks []*Webhook, except string) ([]*Webhook, error) {
	var deleted []*Webhook
	for _, h := range hooks {
		if h.ID == except {
			continue
		}
		if err := p.DeleteWebhook(ctx, repo, h.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return deleted, err
		}
		deleted = append(deleted, h)
	}
	return deleted, nil
}

// EnsureResult is what EnsureWebhook did.
type EnsureResult struct {
	Webhook *Webhook // The webhook as the host now has it.
	// Created is true when this call created the webhook that remains.
	Created bool
	// Duplicates are further webhooks for the same URL that were found
	// and deleted (made by callers racing this one, or left by other
	// tools or older versions).
	Duplicates []*Webhook
}

func sameURL(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	if err1 != nil || err2 != nil {
		return a == b
	}
	norm := func(u *url.URL) string {
		scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
		// https://h:443/ and https://h/ are the same address.
		if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
			host = strings.TrimSuffix(host, ":"+port)
		}
		return scheme + "://" + host + strings.TrimSuffix(u.EscapedPath(), "/") + "?" + u.RawQuery
	}
	return norm(ua) == norm(ub)
}

// ValidateWebhookOptions checks opts before any request is made.
func ValidateWebhookOptions(opts WebhookOptions) error {
	u, err := url.Parse(opts.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("webhook URL %q must be an absolute http(s) URL", opts.URL)
	}
	if opts.Secret == "" {
		return errors.New("webhook secret is empty; deliveries could not be verified")
	}
	for _, e := range opts.Events {
		if e != WebhookEventPullRequest && e != WebhookEventPush {
			return fmt.Errorf("unknown webhook event %q", e)
		}
	}
	return nil
}

// WebhookEvents returns opts.Events, or pull request events when empty.
func WebhookEvents(opts WebhookOptions) []WebhookEvent {
	if len(opts.Events) == 0 {
		return []WebhookEvent{WebhookEventPullRequest}
	}
	return opts.Events
}

// DefaultReadConcurrency is how many reads ReadChangedFiles keeps in flight
// by default: enough for a 50-file pull request in one wave, well below
// GitHub's secondary limit of 100 concurrent requests.
const DefaultReadConcurrency = 64

// ChangedFileContent is a changed file with its content at the pull
// request's head. Content is nil for removed files.
type ChangedFileContent struct {
	ChangedFile
	Content []byte // The file at the pull request's head; nil for a removed file.
}

// ReadChangedFilesOptions tune ReadChangedFiles.
type ReadChangedFilesOptions struct {
	// Ref to read the files at. Empty means the pull request's head SHA
	// (one extra request, made concurrently with the file list). Pass the
	// webhook event's HeadSHA to skip it.
	Ref string
	// Filter selects the files to read (e.g. only *.sql under
	// migrations/). Nil reads all files that were not removed.
	Filter func(*ChangedFile) bool
	// Concurrency bounds the reads in flight (and the files held by
	// StreamChangedFiles). Zero means DefaultReadConcurrency, or the
	// provider's MaxConcurrency if lower; for a BatchReader, zero means
	// up to DefaultBatchHeld files (and, for StreamChangedFiles, about
	// DefaultBatchHeldBytes of content) held, read up to MaxBatchRead a
	// request (a Concurrency given bounds the files alone).
	Concurrency int
}

// ReadChangedFiles lists the files a pull request changed and reads their
// contents at its head. Reads run concurrently over the provider's pooled
// connections, and start while later pages of the list still arrive, so a
// 50-file pull request takes about as long as three sequential requests
// rather than fifty-two. Removed files are returned without content. The
// result keeps the host's file order. It holds every file's content until
// it returns; StreamChangedFiles holds only the files being read.
//
// The first failure stops the work: requests in flight are cancelled, no
// new ones start, and that failure is returned (not the cancellation it
// caused in the other requests). Every goroutine has ended when it
// returns. When the host truncated the file list (ErrTruncated), the files
// it did list are read and returned together with that error.
func ReadChangedFiles(ctx context.Context, p Provider, repo string, number int, opts ReadChangedFilesOptions) ([]*ChangedFileContent, error) {
	var out []*ChangedFileContent
	var err error
	// No byte bound (0): every file is kept until the end anyway.
	streamChangedFiles(ctx, p, repo, number, opts, 0, func(i int, fc *ChangedFileContent, e error) bool {
		if e != nil {
			err = e
			return false
		}
		for len(out) <= i {
			out = append(out, nil)
		}
		out[i] = fc
		return true
	})
	if err != nil && !errors.Is(err, ErrTruncated) {
		return nil, err
	}
	if out == nil {
		out = []*ChangedFileContent{}
	}
	return out, err
}

// firstError keeps the first error of concurrent calls and cancels the
// others. An error caused by the cancellation (context.Canceled or
// DeadlineExceeded) never replaces a real one recorded later.
type firstError struct {
	mu     sync.Mutex
	err    error
	cancel context.CancelFunc
}

func (f *firstError) record(err error) {
	f.mu.Lock()
	if f.err == nil || (isContextError(f.err) && !isContextError(err)) {
		f.err = err
	}
	f.mu.Unlock()
	f.cancel()
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
