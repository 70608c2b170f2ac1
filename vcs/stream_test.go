package vcs_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// paged adds a ChangedFileLister to a fakeProvider: the list arrives in
// pages, and the test sees when each page is asked for.
type paged struct {
	*fakeProvider
	pages [][]*vcs.ChangedFile
	gate  chan struct{} // when set, a page after the first waits for it
	err   error         // after the last page
}

func (p paged) PullRequestFiles(ctx context.Context, _ string, _ int) iter.Seq2[*vcs.ChangedFile, error] {
	return func(yield func(*vcs.ChangedFile, error) bool) {
		for i, pg := range p.pages {
			if i > 0 && p.gate != nil {
				select {
				case <-p.gate:
				case <-ctx.Done():
					yield(nil, ctx.Err())
					return
				}
			}
			for _, f := range pg {
				if !yield(f, nil) {
					return
				}
			}
		}
		if p.err != nil {
			yield(nil, p.err)
		}
	}
}

func TestStreamChangedFilesReadsBeforeTheListEnds(t *testing.T) {
	// The second page arrives only after a file of the first was read: a
	// stream that waited for the whole list would wait for ever (here,
	// until the timeout).
	gate := make(chan struct{}, 10)
	fp := &fakeProvider{readFile: func(ctx context.Context, path, ref string) (*vcs.File, error) {
		gate <- struct{}{}
		return contentOf(ctx, path, ref)
	}}
	p := paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed("a.sql"), changed("b.sql")}, gate: gate}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var seen []string
	for fc, err := range vcs.StreamChangedFiles(ctx, p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"}) {
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, fmt.Sprintf("%s=%s", fc.Path, fc.Content))
	}
	if !slices.Equal(seen, []string{"a.sql=a.sql@h", "b.sql=b.sql@h"}) {
		t.Fatalf("yielded %v, want both files read at h", seen)
	}
}

func TestStreamChangedFilesHoldsAtMostTheConcurrency(t *testing.T) {
	const files, limit = 200, 4
	var started, consumed, most atomic.Int64
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	fp := &fakeProvider{readFile: func(ctx context.Context, path, ref string) (*vcs.File, error) {
		n := started.Add(1) - consumed.Load()
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		return contentOf(ctx, path, ref)
	}}
	p := paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths[:100]...), changed(paths[100:]...)}}
	n := 0
	for _, err := range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h", Concurrency: limit}) {
		if err != nil {
			t.Fatal(err)
		}
		consumed.Add(1)
		n++
	}
	if n != files {
		t.Fatalf("%d files, want %d", n, files)
	}
	if m := most.Load(); m > limit {
		t.Errorf("%d files read but not yet consumed at once, want at most %d", m, limit)
	}
}

func TestStreamChangedFilesEndsWithTruncation(t *testing.T) {
	trunc := vcs.Errorf("fake", "ListPullRequestFiles", vcs.ErrTruncated, "cut")
	p := paged{fakeProvider: &fakeProvider{readFile: contentOf}, pages: [][]*vcs.ChangedFile{changed("a.sql", "b.sql")}, err: trunc}
	n := 0
	var last error
	for fc, err := range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"}) {
		if err != nil {
			last = err
			continue
		}
		if fc.Content == nil {
			t.Errorf("%s has no content", fc.Path)
		}
		n++
	}
	if n != 2 || !errors.Is(last, vcs.ErrTruncated) {
		t.Fatalf("%d files then %v, want 2 then ErrTruncated", n, last)
	}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"})
	if len(got) != 2 || !errors.Is(err, vcs.ErrTruncated) || got[0].Path != "a.sql" {
		t.Fatalf("ReadChangedFiles = %d files, %v", len(got), err)
	}
}

func TestStreamChangedFilesStopsWhenTheConsumerStops(t *testing.T) {
	var reads atomic.Int64
	paths := make([]string, 100)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	fp := &fakeProvider{readFile: func(ctx context.Context, path, ref string) (*vcs.File, error) {
		reads.Add(1)
		return contentOf(ctx, path, ref)
	}}
	p := paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths...)}}
	for range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h", Concurrency: 2}) {
		break
	}
	if n := reads.Load(); n > 4 {
		t.Errorf("%d reads after the consumer stopped at the first file, want no more than the concurrency allows", n)
	}
}

// batching adds a BatchReader to a paged provider and records each batch.
type batching struct {
	paged
	batches atomic.Int64
	most    atomic.Int64
}

func (b *batching) ReadFiles(ctx context.Context, _ string, ref string, paths []string) ([]*vcs.File, error) {
	b.batches.Add(1)
	for {
		m := b.most.Load()
		if int64(len(paths)) <= m || b.most.CompareAndSwap(m, int64(len(paths))) {
			break
		}
	}
	out := make([]*vcs.File, len(paths))
	for i, p := range paths {
		f, err := contentOf(ctx, p, ref)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func TestStreamChangedFilesReadsInBatches(t *testing.T) {
	const files, limit = 250, 64
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths[:100]...), changed(paths[100:200]...), changed(paths[200:]...)}}}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h", Concurrency: limit})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != files {
		t.Fatalf("%d files, want %d", len(got), files)
	}
	for i, fc := range got {
		if fc.Path != paths[i] || string(fc.Content) != paths[i]+"@h" {
			t.Fatalf("file %d = %s %q, want %s in the host's order", i, fc.Path, fc.Content, paths[i])
		}
	}
	// A batch also goes out early when the slots run out, so how many go
	// out depends on how fast the caller consumes (under -race, up to 14
	// in 100 runs, against 4 full ones): check only that reading is
	// batched at all, not the count.
	if n := p.batches.Load(); n > files/4 {
		t.Errorf("%d batches for %d files at concurrency %d, want far fewer than one per file (about %d)", n, files, limit, (files+limit-1)/limit)
	}
	if m := p.most.Load(); m > limit {
		t.Errorf("a batch of %d paths, want at most the concurrency %d", m, limit)
	}
}

func TestStreamChangedFilesBatchesOfMaxBatchReadByDefault(t *testing.T) {
	paths := make([]string, 1000)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%04d.sql", i)
	}
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths...)}}}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"})
	if err != nil || len(got) != len(paths) {
		t.Fatalf("%d files, %v", len(got), err)
	}
	if n, m := p.batches.Load(), p.most.Load(); n != 10 || m != vcs.MaxBatchRead {
		t.Errorf("%d batches of at most %d, want 10 of %d", n, m, vcs.MaxBatchRead)
	}
}

func TestStreamChangedFilesReadsTheBatchBeforeTruncation(t *testing.T) {
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	cut := &vcs.Error{Kind: vcs.ErrTruncated, Message: "cut"}
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed("a.sql", "b.sql")}, err: cut}}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"})
	if !errors.Is(err, vcs.ErrTruncated) || len(got) != 2 {
		t.Fatalf("ReadChangedFiles = %d files, %v; want 2 and ErrTruncated", len(got), err)
	}
}
