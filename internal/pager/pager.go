// Package pager turns page-at-a-time host APIs into Go iterators that
// follow every page.
package pager

import (
	"context"
	"iter"

	"github.com/gitprovider/gitprovider/vcs"
)

// Fetch returns one page of items and the cursor of the next page ("" when
// it was the last). The first call gets the empty cursor.
type Fetch[T any] func(ctx context.Context, cursor string) (items []T, next string, err error)

// Seq yields every item of every page. It stops at the first error, which
// it yields once, and when the consumer stops ranging. A next-page cursor
// the host already gave ends the sequence with an error matching
// vcs.ErrTruncated rather than looping forever or stopping silently.
func Seq[T any](ctx context.Context, fetch Fetch[T]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		seen := map[string]bool{}
		cursor := ""
		for {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, next, err := fetch(ctx, cursor)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if seen[next] {
				yield(zero, &vcs.Error{Op: "List", Kind: vcs.ErrTruncated, Message: "the host returned a next-page cursor it had already returned; the list is incomplete"})
				return
			}
			seen[next] = true
			cursor = next
		}
	}
}

// All collects every item of every page.
func All[T any](ctx context.Context, fetch Fetch[T]) ([]T, error) {
	var out []T
	for it, err := range Seq(ctx, fetch) {
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, nil
}
