package pager

import (
	"context"
	"iter"
	"sync"

	"github.com/gitprovider/gitprovider/vcs"
)

// DefaultConcurrency is how many pages Pages fetches at once once the
// first page has told how many there are: 10,000 items at 100 a page
// arrive in three round trips (the first page, then two waves). It is
// half of GitHub's documented ceiling of 100 concurrent requests; the
// provider's rate budget (internal/httpx) keeps the total in flight below
// each host's limit whatever the callers do.
const DefaultConcurrency = 50

// Numbered returns page number page (1-based) of a list whose pages are
// addressed by number, the number of the page after it (0 when it was the
// last) and the number of the last page when the host tells it (GitHub's
// and GitLab's Link rel="last" or x-total-pages, Bitbucket's size and
// pagelen), 0 when it does not.
type Numbered[T any] func(ctx context.Context, page int) (items []T, next, last int, err error)

// Pages yields every item of every page in order. When the first page
// tells the last page's number, the other pages are fetched concurrently,
// at most concurrency at once (0 means DefaultConcurrency), and at most
// that many pages are held ahead of the consumer, so memory stays bounded
// however long the list. Otherwise the pages are followed one at a time.
// Should the list grow while it is read (the last page points further),
// the rest is followed one at a time.
//
// Like Seq, it stops at the first error, which it yields once, and when
// the consumer stops ranging; every request it started has ended when the
// range ends. A next page number that does not move forward ends the
// sequence with an error matching vcs.ErrTruncated.
func Pages[T any](ctx context.Context, concurrency int, fetch Numbered[T]) iter.Seq2[T, error] {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	return func(yield func(T, error) bool) {
		var zero T
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		emit := func(items []T) bool {
			for _, it := range items {
				if !yield(it, nil) {
					return false
				}
			}
			return true
		}
		page := 1
		items, next, last, err := fetch(ctx, page)
		if err != nil {
			yield(zero, err)
			return
		}
		if !emit(items) {
			return
		}
		if next != 0 && last >= next && concurrency > 1 {
			next, err = fetchConcurrently(ctx, &wg, concurrency, next, last, fetch, emit)
			if err != nil {
				yield(zero, err)
				return
			}
			if next < 0 {
				return // the consumer stopped
			}
			page = last
		}
		for next != 0 {
			if next <= page {
				yield(zero, &vcs.Error{Op: "List", Kind: vcs.ErrTruncated, Message: "the host returned a next-page number that does not move forward; the list is incomplete"})
				return
			}
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			page = next
			items, next, _, err = fetch(ctx, page)
			if err != nil {
				yield(zero, err)
				return
			}
			if !emit(items) {
				return
			}
		}
	}
}

// fetchConcurrently fetches pages first..last with at most limit pages
// fetched but not yet emitted, emits them in order and returns the next
// page number the last one gave (-1 when emit asked to stop).
func fetchConcurrently[T any](ctx context.Context, wg *sync.WaitGroup, limit, first, last int, fetch Numbered[T], emit func([]T) bool) (int, error) {
	type result struct {
		items []T
		next  int
		err   error
	}
	n := last - first + 1
	slots := make([]chan result, n)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	sem := make(chan struct{}, limit)
	wg.Go(func() {
		for i := range n {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				items, next, _, err := fetch(ctx, first+i)
				slots[i] <- result{items, next, err}
			})
		}
	})
	next := 0
	for i := range n {
		var r result
		select {
		case r = <-slots[i]:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		<-sem // this page is consumed: the launcher may start another
		if r.err != nil {
			return 0, r.err
		}
		if !emit(r.items) {
			return -1, nil
		}
		next = r.next
	}
	return next, nil
}

// Map yields, in the order of in, the items fn returns for each item of
// in, running fn for up to concurrency items at once (0 means
// DefaultConcurrency) and holding at most that many results ahead of the
// consumer. It serves lists of lists, such as the repositories of every
// project. An error from in or fn is yielded once, in order, and ends the
// sequence; every call of fn has ended when the range ends.
func Map[T, U any](ctx context.Context, in iter.Seq2[T, error], concurrency int, fn func(context.Context, T) ([]U, error)) iter.Seq2[U, error] {
	if concurrency <= 0 {
		concurrency = DefaultConcurrency
	}
	type result struct {
		items []U
		err   error
	}
	return func(yield func(U, error) bool) {
		var zero U
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		sem := make(chan struct{}, concurrency)
		queue := make(chan chan result, concurrency)
		wg.Go(func() {
			defer close(queue)
			for v, err := range in {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				slot := make(chan result, 1)
				queue <- slot // never blocks: the semaphore bounds the queue
				if err != nil {
					slot <- result{err: err}
					return
				}
				wg.Go(func() {
					items, err := fn(ctx, v)
					slot <- result{items, err}
				})
			}
		})
		for slot := range queue {
			var r result
			select {
			case r = <-slot:
			case <-ctx.Done():
				yield(zero, ctx.Err())
				return
			}
			<-sem
			if r.err != nil {
				yield(zero, r.err)
				return
			}
			for _, it := range r.items {
				if !yield(it, nil) {
					return
				}
			}
		}
		if err := ctx.Err(); err != nil {
			yield(zero, err) // the caller's context ended the input
		}
	}
}
