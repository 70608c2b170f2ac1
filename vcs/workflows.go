package vcs

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
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

// EnsureWebhook makes sure repo has one webhook for opts.URL with opts'
// secret, events and state: it updates a webhook already registered for
// the URL (hosts cannot be asked whether its secret matches, so it always
// writes it) and creates one otherwise. Retrying it never adds a duplicate.
// Webhooks for the same URL beyond the first are left alone; Duplicates in
// the result lists them so the caller may delete them.
func EnsureWebhook(ctx context.Context, p Provider, repo string, opts WebhookOptions) (*EnsureResult, error) {
	if err := ValidateWebhookOptions(opts); err != nil {
		return nil, &Error{Provider: p.Kind(), Op: "EnsureWebhook", Kind: ErrInvalidArgument, Err: err}
	}
	hooks, err := p.ListWebhooks(ctx, repo)
	if err != nil {
		return nil, err
	}
	res := &EnsureResult{}
	for _, h := range hooks {
		if !sameURL(h.URL, opts.URL) {
			continue
		}
		if res.Webhook == nil {
			res.Webhook = h
		} else {
			res.Duplicates = append(res.Duplicates, h)
		}
	}
	if res.Webhook == nil {
		res.Webhook, err = p.CreateWebhook(ctx, repo, opts)
		res.Created = err == nil
		return res, err
	}
	res.Webhook, err = p.UpdateWebhook(ctx, repo, res.Webhook.ID, opts)
	return res, err
}

// EnsureResult is what EnsureWebhook did.
type EnsureResult struct {
	Webhook *Webhook
	// Created is true when no webhook for the URL existed.
	Created bool
	// Duplicates are further webhooks for the same URL found on the
	// repository (left by other tools or older versions).
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
	Content []byte
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
	// Concurrency bounds the reads in flight. Zero means
	// DefaultReadConcurrency, or the provider's MaxConcurrency if lower.
	Concurrency int
}

// ReadChangedFiles lists the files a pull request changed and reads their
// contents at its head. Reads run concurrently over the provider's pooled
// connections, so a 50-file pull request takes about as long as three
// sequential requests rather than fifty-two. Removed files are returned
// without content. The result keeps the host's file order.
//
// The first failure stops the work: requests in flight are cancelled, no
// new ones start, and that failure is returned (not the cancellation it
// caused in the other requests). Every goroutine has ended when it
// returns. When the host truncated the file list (ErrTruncated), the files
// it did list are read and returned together with that error.
func ReadChangedFiles(ctx context.Context, p Provider, repo string, number int, opts ReadChangedFilesOptions) ([]*ChangedFileContent, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	first := &firstError{cancel: cancel}

	ref := opts.Ref
	var wg sync.WaitGroup
	if ref == "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pr, err := p.GetPullRequest(ctx, repo, number)
			if err != nil {
				first.record(err)
				return
			}
			ref = pr.HeadSHA
		}()
	}
	files, listErr := p.ListPullRequestFiles(ctx, repo, number)
	if listErr != nil && !errors.Is(listErr, ErrTruncated) {
		first.record(listErr) // also cancels the pull request fetch
		listErr = nil
	}
	wg.Wait()
	if err := first.get(); err != nil {
		return nil, err
	}
	// From here on listErr is nil or ErrTruncated: read what the host
	// listed and report the truncation at the end.

	limit := opts.Concurrency
	if limit <= 0 {
		limit = DefaultReadConcurrency
		if cl, ok := p.(ConcurrencyLimiter); ok && cl.MaxConcurrency() > 0 && cl.MaxConcurrency() < limit {
			limit = cl.MaxConcurrency()
		}
	}
	out := make([]*ChangedFileContent, 0, len(files))
	sem := make(chan struct{}, limit)
launch:
	for _, f := range files {
		if opts.Filter != nil && !opts.Filter(f) {
			continue
		}
		fc := &ChangedFileContent{ChangedFile: *f}
		out = append(out, fc)
		if f.Status == FileRemoved {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break launch
		}
		if ctx.Err() != nil {
			// A read failed (or the caller gave up) while this one
			// waited for a slot: start nothing more.
			<-sem
			break launch
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			file, err := p.ReadFile(ctx, repo, fc.Path, ref)
			if err != nil {
				first.record(err)
				return
			}
			fc.Content = file.Content
		}()
	}
	wg.Wait()
	if err := first.get(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended before every read was started.
		return nil, err
	}
	return out, listErr
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
