package vcs_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sync"
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
	asked chan struct{} // when set, gets a value as each file is yielded (the stream asked for it)
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
				if p.asked != nil {
					p.asked <- struct{}{}
				}
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
	// block, when set, makes every batch after the first wait for the
	// context to end.
	block   bool
	running atomic.Int64 // batches being read
	mu      sync.Mutex
	sizes   []int // of every batch
	read    int   // files asked for in all batches so far
	// consumed, when set, is the files the test has taken so far:
	// heldMost is the most files read (asked for) but not yet consumed.
	consumed *atomic.Int64
	heldMost int
	// heldMostLater is heldMost over the batches after the first.
	heldMostLater int
	// content, when set, is every file's content (one array shared by
	// all, so that big files cost the test no memory).
	content []byte
}

// Sizes returns the size of every batch, largest first: batches are read
// concurrently, so the order they reach ReadFiles is not the order the
// stream sent them in.
func (b *batching) Sizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := slices.Clone(b.sizes)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

func (b *batching) ReadFiles(ctx context.Context, _ string, ref string, paths []string) ([]*vcs.File, error) {
	b.running.Add(1)
	defer b.running.Add(-1)
	b.mu.Lock()
	b.sizes = append(b.sizes, len(paths))
	first := len(b.sizes) == 1
	b.read += len(paths)
	if b.consumed != nil {
		b.heldMost = max(b.heldMost, b.read-int(b.consumed.Load()))
		if !first {
			b.heldMostLater = max(b.heldMostLater, b.read-int(b.consumed.Load()))
		}
	}
	b.mu.Unlock()
	if b.block && !first {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	b.batches.Add(1)
	for {
		m := b.most.Load()
		if int64(len(paths)) <= m || b.most.CompareAndSwap(m, int64(len(paths))) {
			break
		}
	}
	out := make([]*vcs.File, len(paths))
	for i, p := range paths {
		if b.content != nil {
			out[i] = &vcs.File{Path: p, Ref: ref, Content: b.content}
			continue
		}
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
	// Out of slots the stream waits for one rather than send a short
	// batch, so the batches are the same however fast the caller
	// consumes: full ones of the concurrency, then the rest.
	if got, want := p.Sizes(), []int{64, 64, 64, 58}; !slices.Equal(got, want) {
		t.Errorf("batches of %v for %d files at concurrency %d, want %v", got, files, limit, want)
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

// slowConsumer returns what a test's consumer calls before taking each
// file: it waits until the stream has asked the list for every file its
// slots allow (the limit, plus one for each file consumed, plus the one
// it then waits on), so that the stream always runs out of slots before
// the consumer gives one back. t fails if the stream stops asking.
func slowConsumer(t *testing.T, asked <-chan struct{}, files, limit int) (take func()) {
	seen, consumed := 0, 0
	return func() {
		t.Helper()
		want := min(files, limit+consumed+1)
		for ; seen < want; seen++ {
			select {
			case <-asked:
			case <-time.After(10 * time.Second): // a hang, not a speed check
				t.Fatalf("the stream asked for %d files with %d consumed, want %d", seen, consumed, want)
			}
		}
		consumed++
	}
}

func TestStreamChangedFilesSendsFullBatchesToASlowConsumer(t *testing.T) {
	// Whenever the consumer gives a slot back the stream is out of slots
	// with one more file listed: a stream that then sent its pending
	// batch would send a batch per slot. It waits instead for the slots
	// of the batch the consumer is taking, so every batch but the last
	// is full, however slow the consumer.
	const files, limit = 250, 64
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	asked := make(chan struct{}, files)
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths[:100]...), changed(paths[100:200]...), changed(paths[200:]...)}, asked: asked}}
	take := slowConsumer(t, asked, files, limit)
	n := 0
	for fc, err := range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h", Concurrency: limit}) {
		if err != nil {
			t.Fatal(err)
		}
		take()
		if string(fc.Content) != fc.Path+"@h" {
			t.Fatalf("%s = %q", fc.Path, fc.Content)
		}
		n++
	}
	if n != files {
		t.Fatalf("%d files, want %d", n, files)
	}
	if got, want := p.Sizes(), []int{64, 64, 64, 58}; !slices.Equal(got, want) {
		t.Errorf("batches of %v, want %v (full batches of the concurrency, then the rest)", got, want)
	}
}

func TestStreamChangedFilesBatchReaderHoldsAtMostDefaultBatchHeld(t *testing.T) {
	// With a BatchReader and no Concurrency, a consumer that lags as far
	// as it can still never has more than DefaultBatchHeld files read and
	// not yet taken, and the batches are full.
	const files = 1250
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%04d.sql", i)
	}
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	asked := make(chan struct{}, files)
	var consumed atomic.Int64
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths...)}, asked: asked}, consumed: &consumed}
	take := slowConsumer(t, asked, files, vcs.DefaultBatchHeld)
	for _, err := range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"}) {
		if err != nil {
			t.Fatal(err)
		}
		take()
		consumed.Add(1)
	}
	if int(consumed.Load()) != files {
		t.Fatalf("%d files, want %d", consumed.Load(), files)
	}
	if p.heldMost > vcs.DefaultBatchHeld {
		t.Errorf("%d files read and not yet consumed at once, want at most DefaultBatchHeld (%d)", p.heldMost, vcs.DefaultBatchHeld)
	}
	for i, n := range p.Sizes() {
		if n != vcs.MaxBatchRead && i != len(p.Sizes())-1 {
			t.Errorf("batch %d of %d files, want %d (only the last may be short): %v", i, n, vcs.MaxBatchRead, p.Sizes())
			break
		}
	}
}

func TestStreamChangedFilesBatchesEndWithTheRange(t *testing.T) {
	// The first batch is read, later ones hang until cancelled: whether
	// the consumer stops ranging or its context ends, no batch is still
	// being read when the range is over.
	paths := make([]string, 300)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	for _, stop := range []string{"break", "cancel"} {
		t.Run(stop, func(t *testing.T) {
			fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
				return nil, errors.New("ReadFile called on a BatchReader")
			}}
			p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths...)}}, block: true}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			var last error
			for _, err := range vcs.StreamChangedFiles(ctx, p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"}) {
				if err != nil {
					last = err
					continue
				}
				n++
				if stop == "break" {
					break
				}
				if n == 1 {
					cancel()
				}
			}
			if r := p.running.Load(); r != 0 {
				t.Errorf("%d batches still being read after the range ended", r)
			}
			if stop == "cancel" && !errors.Is(last, context.Canceled) {
				t.Errorf("the stream ended with %v, want context.Canceled", last)
			}
		})
	}
}

func TestStreamChangedFilesBatchReaderHoldsAboutDefaultBatchHeldBytes(t *testing.T) {
	// 400 files of 256 KiB: 100 MiB, more than six times
	// DefaultBatchHeldBytes. The first batch goes out before any size is
	// known (MaxBatchRead files); after it, a batch asks for half the
	// bytes bound at the mean size (32 files of 256 KiB) and goes out only
	// when what is held, in flight and asked for fits in the bound, so
	// however the consumer lags, no more is ever read and not yet taken.
	const files, size = 400, 256 << 10
	paths := make([]string, files)
	for i := range paths {
		paths[i] = fmt.Sprintf("f%03d.sql", i)
	}
	fp := &fakeProvider{readFile: func(context.Context, string, string) (*vcs.File, error) {
		return nil, errors.New("ReadFile called on a BatchReader")
	}}
	var consumed atomic.Int64
	p := &batching{paged: paged{fakeProvider: fp, pages: [][]*vcs.ChangedFile{changed(paths[:100]...), changed(paths[100:]...)}}, consumed: &consumed, content: make([]byte, size)}
	for fc, err := range vcs.StreamChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(fc.Content) != size {
			t.Fatalf("%s: %d bytes, want %d", fc.Path, len(fc.Content), size)
		}
		consumed.Add(1)
		runtime.Gosched() // a consumer that lags behind the reads now and then
	}
	if int(consumed.Load()) != files {
		t.Fatalf("%d files, want %d", consumed.Load(), files)
	}
	perBatch := vcs.DefaultBatchHeldBytes / size / 2
	want := []int{vcs.MaxBatchRead}
	for left := files - vcs.MaxBatchRead; left > 0; left -= perBatch {
		want = append(want, min(left, perBatch))
	}
	if got := p.Sizes(); !slices.Equal(got, want) {
		t.Errorf("batches of %v, want %v", got, want)
	}
	if held := p.heldMostLater * size; held > vcs.DefaultBatchHeldBytes {
		t.Errorf("%d bytes read and not yet consumed after the first batch, want at most DefaultBatchHeldBytes (%d)", held, vcs.DefaultBatchHeldBytes)
	}

	// ReadChangedFiles keeps every file until it returns: a byte bound
	// would only cost it round trips, so its batches stay full.
	q := &batching{paged: p.paged, content: p.content}
	got, err := vcs.ReadChangedFiles(context.Background(), q, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "h"})
	if err != nil || len(got) != files {
		t.Fatalf("ReadChangedFiles = %d files, %v", len(got), err)
	}
	if sizes := q.Sizes(); !slices.Equal(sizes, []int{100, 100, 100, 100}) {
		t.Errorf("ReadChangedFiles read batches of %v, want 4 of 100", sizes)
	}
}
