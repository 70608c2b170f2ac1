package vcs

import (
	"context"
	"errors"
	"iter"
	"sync"
)

// ChangedFileLister is implemented by providers that yield a pull
// request's changed files as the host's pages arrive, so that reads can
// start before the list is complete (StreamChangedFiles). A list the host
// cut ends with an error matching ErrTruncated after the files it listed.
type ChangedFileLister interface {
	// PullRequestFiles yields the pull request's changed files.
	PullRequestFiles(ctx context.Context, repo string, number int) iter.Seq2[*ChangedFile, error]
}

// CollectFiles gathers a changed-file sequence into a slice. On an error
// matching ErrTruncated it returns the files listed together with the
// error; on any other error it returns only the error.
func CollectFiles(seq iter.Seq2[*ChangedFile, error]) ([]*ChangedFile, error) {
	out, err := Collect(seq)
	if err != nil && !errors.Is(err, ErrTruncated) {
		return nil, err
	}
	return out, err
}

// StreamChangedFiles reads the files a pull request changed at its head
// and yields each one as soon as its read completes (not in the host's
// order); removed files are yielded without content. Reads start while
// later pages of the file list are still arriving (where the provider is
// a ChangedFileLister), at most opts.Concurrency at once, and a file's
// content is held only until it is yielded: the memory a 3,000-file pull
// request needs is that of Concurrency files, not of 3,000 (with a
// BatchReader and no Concurrency: at most DefaultBatchHeld files and
// about DefaultBatchHeldBytes of content). Stop ranging to stop the
// work; every request has ended when the range ends.
//
// The first failure ends the sequence with that error (requests in
// flight are cancelled, and the cancellation they report is not
// yielded). When the host cut the file list (ErrTruncated), the files it
// listed are yielded and the sequence ends with that error.
func StreamChangedFiles(ctx context.Context, p Provider, repo string, number int, opts ReadChangedFilesOptions) iter.Seq2[*ChangedFileContent, error] {
	return func(yield func(*ChangedFileContent, error) bool) {
		streamChangedFiles(ctx, p, repo, number, opts, DefaultBatchHeldBytes, func(_ int, fc *ChangedFileContent, err error) bool {
			return yield(fc, err)
		})
	}
}

// streamChangedFiles is StreamChangedFiles with each file's position in
// the host's list, so that ReadChangedFiles can restore the order, and
// the byte bound of a BatchReader's default (0: none, for
// ReadChangedFiles, which keeps every file anyway).
func streamChangedFiles(ctx context.Context, p Provider, repo string, number int, opts ReadChangedFilesOptions, heldBytes int, yield func(int, *ChangedFileContent, error) bool) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	first := &firstError{cancel: cancel}

	// The head SHA, unless given, is fetched while the list arrives;
	// reads wait for it.
	ref := opts.Ref
	refReady := make(chan struct{})
	if ref == "" {
		wg.Go(func() {
			defer close(refReady)
			pr, err := p.GetPullRequest(ctx, repo, number)
			if err != nil {
				first.record(err)
				return
			}
			ref = pr.HeadSHA
		})
	} else {
		close(refReady)
	}

	limit := readLimit(p, opts.Concurrency)
	// A BatchReader reads MaxBatchRead files a request: by default the
	// stream then holds up to DefaultBatchHeld files (10 batches in
	// flight) and about DefaultBatchHeldBytes of content, not
	// Concurrency; a Concurrency given bounds the files held alone.
	br, _ := p.(BatchReader)
	var budget *byteBudget
	if br != nil && opts.Concurrency <= 0 {
		limit = max(limit, DefaultBatchHeld)
		if heldBytes > 0 {
			budget = newByteBudget(heldBytes)
		}
	}
	type result struct {
		i  int
		fc *ChangedFileContent
	}
	// A slot is taken before a file is started and given back when the
	// consumer has taken its result: at most limit files are held, and
	// no sender ever blocks on results.
	sem := make(chan struct{}, limit)
	results := make(chan result, limit)
	var listErr error // ErrTruncated, reported after the files
	wg.Go(func() {
		var readers sync.WaitGroup
		defer func() {
			readers.Wait()
			close(results)
		}()
		waitRef := func() bool {
			select {
			case <-refReady:
			case <-ctx.Done():
				return false
			}
			return ctx.Err() == nil
		}
		// With a BatchReader, files wait in pending (each holding its
		// slot) until a batch is full or the list ends; then one
		// request reads them all.
		most := min(limit, MaxBatchRead)
		batch := func() int { return min(most, budget.batch()) }
		var pending []result
		// flush sends the first batch of pending (when the byte budget
		// allows; all of pending when it fits) and reports false when
		// the context ended first.
		flush := func() bool {
			n := budget.wait(ctx, min(len(pending), most))
			if n == 0 {
				return false
			}
			b := pending[:n:n]
			pending = append([]result(nil), pending[n:]...)
			readers.Go(func() {
				if !waitRef() {
					return
				}
				paths := make([]string, len(b))
				for k, r := range b {
					paths[k] = r.fc.Path
				}
				files, err := br.ReadFiles(ctx, repo, ref, paths)
				if err == nil && len(files) != len(b) {
					err = &Error{Op: "ReadFiles", Kind: ErrInvalidPayload, Message: "a batch read answered a different number of files than asked for", Hint: "report this as a bug in the provider"}
				}
				if err != nil {
					first.record(err)
					return
				}
				n := 0
				for k, r := range b {
					r.fc.Content = files[k].Content
					n += len(r.fc.Content)
				}
				budget.landed(len(b), n)
				for _, r := range b {
					results <- r
				}
			})
			return true
		}
		i := 0
		for f, err := range changedFiles(ctx, p, repo, number) {
			if err != nil {
				if errors.Is(err, ErrTruncated) {
					listErr = err
					for len(pending) > 0 && flush() {
						// the files listed are still read
					}
				} else {
					first.record(err)
				}
				return
			}
			if opts.Filter != nil && !opts.Filter(f) {
				continue
			}
			// Out of slots, wait for one rather than send the pending
			// batch early (a slow consumer would otherwise get a batch
			// for every slot it gives back): every slot not held in
			// pending belongs to a read in flight, a result queued or
			// the file the consumer holds, and comes back when the
			// consumer takes that file. pending never holds them all,
			// as a batch goes out as soon as it is full and a batch is
			// at most the limit. The range ending or the context
			// ending ends the wait.
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			if ctx.Err() != nil {
				// A read failed (or the caller gave up) while this one
				// waited for a slot: start nothing more.
				return
			}
			fc := &ChangedFileContent{ChangedFile: *f}
			at := i
			i++
			if f.Status == FileRemoved {
				results <- result{at, fc}
				continue
			}
			if br == nil {
				readers.Go(func() {
					if !waitRef() {
						return
					}
					file, err := p.ReadFile(ctx, repo, fc.Path, ref)
					if err != nil {
						first.record(err)
						return
					}
					fc.Content = file.Content
					results <- result{at, fc}
				})
				continue
			}
			pending = append(pending, result{at, fc})
			for len(pending) >= batch() {
				if !flush() {
					return
				}
			}
		}
		for len(pending) > 0 && flush() {
			// the last batches, however short
		}
	})
	for r := range results {
		if first.get() != nil {
			break
		}
		if !yield(r.i, r.fc, nil) {
			return
		}
		<-sem // the consumer is done with this file
		budget.taken(len(r.fc.Content))
	}
	if err := first.get(); err != nil {
		yield(-1, nil, err)
		return
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended before every read was started.
		yield(-1, nil, err)
		return
	}
	if listErr != nil {
		yield(-1, nil, listErr)
	}
}

// MaxBatchRead is the most paths StreamChangedFiles gives a BatchReader
// at once (fewer when the read concurrency is lower, or when the files
// are so large that DefaultBatchHeldBytes holds fewer).
const MaxBatchRead = 100

// DefaultBatchHeld is how many files StreamChangedFiles holds at most,
// by default, when the provider is a BatchReader: ten batches of
// MaxBatchRead in flight at once (ten requests), so that the 2,900 files
// after the first page of a 3,000-file list are read in three rounds of
// requests (five with the list and the first batch; GitHub's secondary
// limit allows 100 requests in flight). Fewer batches cost rounds: five
// in flight read the same list in eight rounds, three in twelve.
const DefaultBatchHeld = 1000

// DefaultBatchHeldBytes bounds the content StreamChangedFiles holds, by
// default, when the provider is a BatchReader, whatever the pull
// request's size. Once a first batch has landed, a batch asks for half
// the bound's worth of files at the mean size of the files read so far
// (at most MaxBatchRead, at least one), so that one batch can be read
// while the consumer takes another, and goes out only if the content
// read and not yet taken by the consumer, the batches in flight and this
// one fit in the bound at that mean. The first batch (up to MaxBatchRead
// files, sizes unknown) goes alone, and a batch always goes when nothing
// is held or in flight, so a file larger than the bound is still read.
// The bound holds as far as the files read so far predict the rest.
//
// Up to 16 KiB a file the DefaultBatchHeld bound (1,000 files) binds
// first: 3,000 files of 4 KiB take the same round trips as with the file
// bound alone and hold at most 4 MiB. At 64 KiB two batches of 100 (12.5
// MiB) are out at once, and at 1 MiB two of eight: a slow consumer holds
// 16 MiB where the file bound alone would let 1,000 files of any size
// pile up, at the cost of more round trips for big files. Set
// ReadChangedFilesOptions.Concurrency to bound the files alone.
// ReadChangedFiles has no byte bound: it keeps every file until it
// returns, so the bound would cost it round trips and save nothing.
const DefaultBatchHeldBytes = 16 << 20

// BatchReader is implemented by providers that read many files at one
// ref in one request (GitHub's GraphQL API). StreamChangedFiles and
// ReadChangedFiles use it in batches of at most MaxBatchRead paths, each
// path holding one slot: DefaultBatchHeld slots (and, streaming,
// DefaultBatchHeldBytes of content) unless
// ReadChangedFilesOptions.Concurrency is set (then that many slots, and
// no byte bound). A batch goes out when it is full (min(slots,
// MaxBatchRead) paths, fewer under the byte bound) or the list has
// ended; out of slots, the stream waits for the consumer to give one
// back rather than send a short batch, so a slow consumer gets full
// batches too.
type BatchReader interface {
	// ReadFiles reads the files at paths, at ref, and returns them in
	// the order of paths. A path the host cannot carry in the batch
	// (binary, too large) is read another way; any failure fails all.
	ReadFiles(ctx context.Context, repo, ref string, paths []string) ([]*File, error)
}

// byteBudget is the DefaultBatchHeldBytes accounting of a stream over a
// BatchReader: the content held (read, not yet taken by the consumer),
// the files in flight, and what has been read so far (for the mean file
// size). A nil *byteBudget bounds nothing.
type byteBudget struct {
	limit int
	wake  chan struct{} // a value when held or inFlight went down

	mu                 sync.Mutex
	held, inFlight     int
	readBytes, readNum int
}

func newByteBudget(limit int) *byteBudget {
	return &byteBudget{limit: limit, wake: make(chan struct{}, 1)}
}

// mean is the mean size of the files read so far (0: none read yet).
func (b *byteBudget) mean() int {
	if b.readNum == 0 {
		return 0
	}
	return max(b.readBytes/b.readNum, 1)
}

// batch is how many files a batch may ask for: half the limit at the
// mean file size (at least one), so that one batch can be read while the
// consumer takes another; MaxBatchRead until a size is known.
func (b *byteBudget) batch() int {
	if b == nil {
		return MaxBatchRead
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.batchLocked()
}

func (b *byteBudget) batchLocked() int {
	if m := b.mean(); m > 0 {
		return max(b.limit/(2*m), 1)
	}
	return MaxBatchRead
}

// wait returns how many of the have files waiting may go out in a batch
// now, counting them in flight, or 0 when ctx ends first. A batch goes
// when the content held plus the batches in flight and this one, at the
// mean file size, fit in the limit, or when nothing is held or in
// flight (so a file larger than the limit is still read); with no size
// known yet (nothing has landed), one batch at a time. It cannot wait for
// ever: while it waits, content is held or in flight, the batches in
// flight land and the consumer takes what is held (or the range ends,
// which ends ctx).
func (b *byteBudget) wait(ctx context.Context, have int) int {
	if b == nil {
		return have
	}
	for {
		b.mu.Lock()
		n := min(have, b.batchLocked())
		ok := b.held == 0 && b.inFlight == 0
		if m := b.mean(); m > 0 && !ok {
			ok = b.held+(b.inFlight+n)*m <= b.limit
		}
		if ok {
			b.inFlight += n
		}
		b.mu.Unlock()
		if ok {
			return n
		}
		select {
		case <-b.wake:
		case <-ctx.Done():
			return 0
		}
	}
}

// landed counts a batch of n files and size bytes read.
func (b *byteBudget) landed(n, size int) {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.inFlight -= n
	b.held += size
	b.readNum += n
	b.readBytes += size
	b.mu.Unlock()
	b.signal()
}

// taken counts size bytes the consumer is done with.
func (b *byteBudget) taken(size int) {
	if b == nil || size == 0 {
		return
	}
	b.mu.Lock()
	b.held -= size
	b.mu.Unlock()
	b.signal()
}

func (b *byteBudget) signal() {
	select {
	case b.wake <- struct{}{}:
	default: // a wake-up is already waiting
	}
}

// changedFiles yields the pull request's changed files: page by page from
// a ChangedFileLister, else from ListPullRequestFiles.
func changedFiles(ctx context.Context, p Provider, repo string, number int) iter.Seq2[*ChangedFile, error] {
	if l, ok := p.(ChangedFileLister); ok {
		return l.PullRequestFiles(ctx, repo, number)
	}
	return func(yield func(*ChangedFile, error) bool) {
		files, err := p.ListPullRequestFiles(ctx, repo, number)
		for _, f := range files {
			if !yield(f, nil) {
				return
			}
		}
		if err != nil {
			yield(nil, err)
		}
	}
}

// readLimit is the concurrency asked for, or DefaultReadConcurrency
// lowered to the provider's MaxConcurrency.
func readLimit(p Provider, asked int) int {
	if asked > 0 {
		return asked
	}
	limit := DefaultReadConcurrency
	if cl, ok := p.(ConcurrencyLimiter); ok && cl.MaxConcurrency() > 0 && cl.MaxConcurrency() < limit {
		limit = cl.MaxConcurrency()
	}
	return limit
}
