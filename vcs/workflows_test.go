package vcs_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

// fakeProvider is a vcs.Provider whose methods the tests script. Unset
// methods fail the call with an error naming the method.
type fakeProvider struct {
	getPR     func(ctx context.Context, number int) (*vcs.PullRequest, error)
	listFiles func(ctx context.Context, number int) ([]*vcs.ChangedFile, error)
	readFile  func(ctx context.Context, path, ref string) (*vcs.File, error)
	maxConc   int

	mu       sync.Mutex
	comments []*vcs.Comment
	hooks    []*vcs.Webhook
	calls    []string
	nextID   int

	running atomic.Int64 // calls in progress
}

var _ vcs.Provider = (*fakeProvider)(nil)

func (f *fakeProvider) called(s string) {
	f.mu.Lock()
	f.calls = append(f.calls, s)
	f.mu.Unlock()
}

func (f *fakeProvider) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeProvider) Kind() vcs.Kind { return "fake" }
func (f *fakeProvider) CheckAccess(context.Context, string) (*vcs.AccessReport, error) {
	return nil, errors.New("CheckAccess not scripted")
}
func (f *fakeProvider) ListRepositories(context.Context) iter.Seq2[*vcs.Repository, error] {
	return func(yield func(*vcs.Repository, error) bool) {
		for _, id := range []string{"a/one", "a/two", "a/three"} {
			if !yield(&vcs.Repository{ID: id}, nil) {
				return
			}
		}
		yield(nil, errors.New("page 2 failed"))
	}
}
func (f *fakeProvider) GetRepository(context.Context, string) (*vcs.Repository, error) {
	return nil, errors.New("GetRepository not scripted")
}
func (f *fakeProvider) ReadFile(ctx context.Context, _, path, ref string) (*vcs.File, error) {
	f.running.Add(1)
	defer f.running.Add(-1)
	f.called("ReadFile " + path + "@" + ref)
	return f.readFile(ctx, path, ref)
}
func (f *fakeProvider) ListDirectory(context.Context, string, string, string, bool) ([]*vcs.TreeEntry, error) {
	return nil, errors.New("ListDirectory not scripted")
}
func (f *fakeProvider) GetPullRequest(ctx context.Context, _ string, number int) (*vcs.PullRequest, error) {
	f.running.Add(1)
	defer f.running.Add(-1)
	f.called("GetPullRequest")
	return f.getPR(ctx, number)
}
func (f *fakeProvider) ListPullRequests(context.Context, string, vcs.ListPullRequestsOptions) iter.Seq2[*vcs.PullRequest, error] {
	return vcs.FailedSeq[*vcs.PullRequest](errors.New("ListPullRequests not scripted"))
}
func (f *fakeProvider) ListPullRequestFiles(ctx context.Context, _ string, number int) ([]*vcs.ChangedFile, error) {
	f.running.Add(1)
	defer f.running.Add(-1)
	f.called("ListPullRequestFiles")
	return f.listFiles(ctx, number)
}
func (f *fakeProvider) ListComments(context.Context, string, int) ([]*vcs.Comment, error) {
	f.called("ListComments")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*vcs.Comment, len(f.comments))
	for i, c := range f.comments {
		cp := *c
		out[i] = &cp
	}
	return out, nil
}
func (f *fakeProvider) CreateComment(_ context.Context, _ string, _ int, body string) (*vcs.Comment, error) {
	f.called("CreateComment")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	c := &vcs.Comment{ID: fmt.Sprint(f.nextID), Body: body}
	f.comments = append(f.comments, c)
	cp := *c
	return &cp, nil
}
func (f *fakeProvider) UpdateComment(_ context.Context, _ string, _ int, id, body string) (*vcs.Comment, error) {
	f.called("UpdateComment " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.comments {
		if c.ID == id {
			c.Body = body
			cp := *c
			return &cp, nil
		}
	}
	return nil, vcs.Errorf("fake", "UpdateComment", vcs.ErrNotFound, "comment %s", id)
}
func (f *fakeProvider) ListWebhooks(context.Context, string) ([]*vcs.Webhook, error) {
	f.called("ListWebhooks")
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*vcs.Webhook, len(f.hooks))
	for i, h := range f.hooks {
		cp := *h
		out[i] = &cp
	}
	return out, nil
}
func (f *fakeProvider) CreateWebhook(_ context.Context, _ string, o vcs.WebhookOptions) (*vcs.Webhook, error) {
	f.called("CreateWebhook")
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	h := &vcs.Webhook{ID: fmt.Sprint(f.nextID), URL: o.URL, Events: vcs.WebhookEvents(o), Active: !o.Inactive}
	f.hooks = append(f.hooks, h)
	cp := *h
	return &cp, nil
}
func (f *fakeProvider) UpdateWebhook(_ context.Context, _ string, id string, o vcs.WebhookOptions) (*vcs.Webhook, error) {
	f.called("UpdateWebhook " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hooks {
		if h.ID == id {
			h.URL, h.Events, h.Active = o.URL, vcs.WebhookEvents(o), !o.Inactive
			cp := *h
			return &cp, nil
		}
	}
	return nil, vcs.Errorf("fake", "UpdateWebhook", vcs.ErrNotFound, "hook %s", id)
}
func (f *fakeProvider) DeleteWebhook(_ context.Context, _ string, id string) error {
	f.called("DeleteWebhook " + id)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, h := range f.hooks {
		if h.ID == id {
			f.hooks = slices.Delete(f.hooks, i, i+1)
			return nil
		}
	}
	return vcs.Errorf("fake", "DeleteWebhook", vcs.ErrNotFound, "hook %s", id)
}
func (f *fakeProvider) SetToken(string) error { return nil }

// limited adds the optional ConcurrencyLimiter to a fakeProvider.
type limited struct{ *fakeProvider }

func (l limited) MaxConcurrency() int { return l.maxConc }

func changed(paths ...string) []*vcs.ChangedFile {
	out := make([]*vcs.ChangedFile, len(paths))
	for i, p := range paths {
		st := vcs.FileModified
		if strings.HasPrefix(p, "-") {
			p, st = p[1:], vcs.FileRemoved
		}
		out[i] = &vcs.ChangedFile{Path: p, Status: st}
	}
	return out
}

func headPR(context.Context, int) (*vcs.PullRequest, error) {
	return &vcs.PullRequest{Number: 7, HeadSHA: "head1"}, nil
}

func contentOf(_ context.Context, path, ref string) (*vcs.File, error) {
	return &vcs.File{Path: path, Ref: ref, Content: []byte(path + "@" + ref)}, nil
}

func TestReadChangedFilesReadsAtHead(t *testing.T) {
	p := &fakeProvider{
		getPR: headPR,
		listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) {
			return changed("b.sql", "-gone.sql", "a.sql", "README.md"), nil
		},
		readFile: contentOf,
	}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 7, vcs.ReadChangedFilesOptions{
		Filter: func(f *vcs.ChangedFile) bool { return strings.HasSuffix(f.Path, ".sql") },
	})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range got {
		lines = append(lines, fmt.Sprintf("%s %s %q", f.Path, f.Status, f.Content))
	}
	want := []string{`b.sql modified "b.sql@head1"`, `gone.sql removed ""`, `a.sql modified "a.sql@head1"`}
	if !slices.Equal(lines, want) {
		t.Errorf("got %q\nwant %q (host order, filter applied, removed files unread)", lines, want)
	}
	if slices.Contains(p.Calls(), "ReadFile README.md@head1") || slices.Contains(p.Calls(), "ReadFile gone.sql@head1") {
		t.Errorf("read a filtered-out or removed file: %v", p.Calls())
	}

	// With a Ref the pull request is not fetched.
	p = &fakeProvider{listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return changed("a.sql"), nil }, readFile: contentOf}
	got, err = vcs.ReadChangedFiles(context.Background(), p, "o/r", 7, vcs.ReadChangedFilesOptions{Ref: "abc"})
	if err != nil || len(got) != 1 || string(got[0].Content) != "a.sql@abc" {
		t.Fatalf("with Ref: %v, %v", got, err)
	}
	if slices.Contains(p.Calls(), "GetPullRequest") {
		t.Error("GetPullRequest called although Ref was given")
	}
}

// waitForCancel blocks until the call's context ends, like a slow host.
func waitForCancel[T any](ctx context.Context) (T, error) {
	<-ctx.Done()
	var zero T
	return zero, fmt.Errorf("slow call: %w", ctx.Err())
}

func TestReadChangedFilesFirstRealErrorWins(t *testing.T) {
	notFound := vcs.Errorf("fake", "ReadFile", vcs.ErrNotFound, "b.sql")
	listFailed := vcs.Errorf("fake", "ListPullRequestFiles", vcs.ErrPermissionDenied, "no")
	prFailed := vcs.Errorf("fake", "GetPullRequest", vcs.ErrNotFound, "no such pull request")
	files := func(context.Context, int) ([]*vcs.ChangedFile, error) {
		return changed("a.sql", "b.sql", "c.sql", "d.sql"), nil
	}
	for _, tc := range []struct {
		name string
		p    *fakeProvider
		want error
	}{
		{
			// a.sql, c.sql and d.sql hang until cancelled; b.sql fails.
			// The cancellation errors of a.sql (first in order) must not
			// mask b.sql's.
			name: "one read fails, the others hang",
			p: &fakeProvider{getPR: headPR, listFiles: files, readFile: func(ctx context.Context, path, _ string) (*vcs.File, error) {
				if path == "b.sql" {
					return nil, notFound
				}
				return waitForCancel[*vcs.File](ctx)
			}},
			want: notFound,
		},
		{
			name: "list fails while the pull request fetch hangs",
			p: &fakeProvider{getPR: waitForCancel2[*vcs.PullRequest], readFile: contentOf,
				listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return nil, listFailed }},
			want: listFailed,
		},
		{
			name: "pull request fetch fails while the list hangs",
			p: &fakeProvider{readFile: contentOf,
				getPR:     func(context.Context, int) (*vcs.PullRequest, error) { return nil, prFailed },
				listFiles: waitForCancel2[[]*vcs.ChangedFile]},
			want: prFailed,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := vcs.ReadChangedFiles(context.Background(), tc.p, "o/r", 7, vcs.ReadChangedFilesOptions{})
			if err != tc.want {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if got != nil {
				t.Errorf("files %v returned with an error", got)
			}
			if n := tc.p.running.Load(); n != 0 {
				t.Errorf("%d provider calls still running after ReadChangedFiles returned", n)
			}
		})
	}
}

func waitForCancel2[T any](ctx context.Context, _ int) (T, error) { return waitForCancel[T](ctx) }

func TestReadChangedFilesStopsStartingReads(t *testing.T) {
	failed := vcs.Errorf("fake", "ReadFile", vcs.ErrUnavailable, "boom")
	p := &fakeProvider{
		listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return changed("a", "b", "c", "d"), nil },
		readFile:  func(context.Context, string, string) (*vcs.File, error) { return nil, failed },
	}
	_, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "x", Concurrency: 1})
	if err != failed {
		t.Fatalf("error %v, want %v", err, failed)
	}
	if calls := p.Calls(); len(calls) != 2 { // the list and the one failed read
		t.Errorf("calls after the first failure: %v; want no read started after it", calls)
	}
}

func TestReadChangedFilesCallerCancels(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := &fakeProvider{
		listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return changed("a", "b", "c"), nil },
		readFile: func(rctx context.Context, path, _ string) (*vcs.File, error) {
			cancel() // the caller gives up during the first read
			return waitForCancel[*vcs.File](rctx)
		},
	}
	got, err := vcs.ReadChangedFiles(ctx, p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "x", Concurrency: 1})
	if !errors.Is(err, context.Canceled) || got != nil {
		t.Fatalf("got %v, %v; want context.Canceled", got, err)
	}
	if p.running.Load() != 0 || len(p.Calls()) != 2 {
		t.Errorf("calls %v (running %d); want the list and one read, all ended", p.Calls(), p.running.Load())
	}
}

func TestReadChangedFilesTruncatedList(t *testing.T) {
	truncated := vcs.Errorf("fake", "ListPullRequestFiles", vcs.ErrTruncated, "3,000 files at most")
	p := &fakeProvider{
		listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return changed("a", "b"), truncated },
		readFile:  contentOf,
	}
	got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, vcs.ReadChangedFilesOptions{Ref: "x"})
	if !errors.Is(err, vcs.ErrTruncated) || len(got) != 2 || string(got[1].Content) != "b@x" {
		t.Errorf("got %d files, %v; want the two listed files read and ErrTruncated", len(got), err)
	}
}

// TestReadChangedFilesConcurrency checks that reads overlap up to the
// limit and never beyond it: the first limit reads wait until limit reads
// are in flight at once.
func TestReadChangedFilesConcurrency(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  vcs.ReadChangedFilesOptions
		max   int // provider's MaxConcurrency, 0 for none
		files int
		want  int
	}{
		{"option", vcs.ReadChangedFilesOptions{Concurrency: 3}, 0, 10, 3},
		{"provider limit below the default", vcs.ReadChangedFilesOptions{}, 4, 10, 4},
		{"default", vcs.ReadChangedFilesOptions{}, 0, vcs.DefaultReadConcurrency + 5, vcs.DefaultReadConcurrency},
		{"option beats the provider limit", vcs.ReadChangedFilesOptions{Concurrency: 2}, 5, 6, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var inFlight, most atomic.Int64
			full := make(chan struct{})
			var once sync.Once
			paths := make([]string, tc.files)
			for i := range paths {
				paths[i] = fmt.Sprintf("f%03d", i)
			}
			fp := &fakeProvider{
				maxConc:   tc.max,
				listFiles: func(context.Context, int) ([]*vcs.ChangedFile, error) { return changed(paths...), nil },
				readFile: func(ctx context.Context, path, ref string) (*vcs.File, error) {
					n := inFlight.Add(1)
					defer inFlight.Add(-1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					if n >= int64(tc.want) {
						once.Do(func() { close(full) })
					}
					select {
					case <-full:
					case <-ctx.Done():
						return nil, ctx.Err()
					}
					return contentOf(ctx, path, ref)
				},
			}
			var p vcs.Provider = fp
			if tc.max > 0 {
				p = limited{fp}
			}
			opts := tc.opts
			opts.Ref = "x"
			got, err := vcs.ReadChangedFiles(context.Background(), p, "o/r", 1, opts)
			if err != nil || len(got) != tc.files {
				t.Fatalf("%d files, %v", len(got), err)
			}
			if most.Load() != int64(tc.want) {
				t.Errorf("at most %d reads in flight, want %d", most.Load(), tc.want)
			}
		})
	}
}

func TestUpsertComment(t *testing.T) {
	ctx := context.Background()
	p := &fakeProvider{}
	p.comments = []*vcs.Comment{{ID: "old", Body: "unrelated"}, {ID: "other", Body: vcs.CommentMarker("migration-report-v2") + "\nnot ours"}}
	p.nextID = 10
	c, err := vcs.UpsertComment(ctx, p, "o/r", 1, "migration-report", "first")
	if err != nil || c.ID != "11" || c.Body != vcs.CommentMarker("migration-report")+"\nfirst" {
		t.Fatalf("first upsert: %+v, %v", c, err)
	}
	c, err = vcs.UpsertComment(ctx, p, "o/r", 1, "migration-report", "second")
	if err != nil || c.ID != "11" || !strings.HasSuffix(c.Body, "\nsecond") {
		t.Fatalf("second upsert: %+v, %v", c, err)
	}
	if _, err := vcs.UpsertComment(ctx, p, "o/r", 1, "migration-report", "second"); err != nil {
		t.Fatal(err)
	}
	want := []string{"ListComments", "CreateComment", "ListComments", "UpdateComment 11", "ListComments"}
	if !slices.Equal(p.Calls(), want) {
		t.Errorf("calls %v, want %v (create once, update once, then nothing: same body)", p.Calls(), want)
	}
	if len(p.comments) != 3 || p.comments[1].Body != vcs.CommentMarker("migration-report-v2")+"\nnot ours" {
		t.Errorf("comments changed beyond ours: %+v", p.comments)
	}
	for _, key := range []string{"", "a--b", "a>b", "two\nlines"} {
		if _, err := vcs.UpsertComment(ctx, p, "o/r", 1, key, "x"); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("key %q: %v, want ErrInvalidArgument", key, err)
		}
	}
}

func TestEnsureWebhook(t *testing.T) {
	ctx := context.Background()
	p := &fakeProvider{}
	p.hooks = []*vcs.Webhook{{ID: "h1", URL: "https://other.example/hook"}}
	p.nextID = 1
	opts := vcs.WebhookOptions{URL: "https://ci.example/hook", Secret: "s"}
	res, err := vcs.EnsureWebhook(ctx, p, "o/r", opts)
	if err != nil || !res.Created || res.Webhook.ID != "2" {
		t.Fatalf("create: %+v, %v", res, err)
	}
	// The same URL written differently is the same webhook.
	p.hooks = append(p.hooks, &vcs.Webhook{ID: "dup", URL: "HTTPS://CI.example:443/hook/"})
	opts.URL = "https://ci.example/hook/"
	res, err = vcs.EnsureWebhook(ctx, p, "o/r", opts)
	if err != nil || res.Created || res.Webhook.ID != "2" {
		t.Fatalf("update: %+v, %v", res, err)
	}
	if len(res.Duplicates) != 1 || res.Duplicates[0].ID != "dup" {
		t.Errorf("Duplicates = %+v, want the hook with ID dup", res.Duplicates)
	}
	if len(p.hooks) != 2 || p.hooks[1].ID != "2" {
		t.Errorf("hooks after the update = %+v, want h1 and 2 (the duplicate deleted)", p.hooks)
	}
	if c := p.Calls(); !slices.Equal(c, []string{"ListWebhooks", "CreateWebhook", "ListWebhooks", "UpdateWebhook 2", "ListWebhooks", "DeleteWebhook dup", "UpdateWebhook 2"}) {
		t.Errorf("calls %v", c)
	}
	for name, bad := range map[string]vcs.WebhookOptions{
		"relative URL": {URL: "/hook", Secret: "s"},
		"ftp URL":      {URL: "ftp://x.example/hook", Secret: "s"},
		"no secret":    {URL: "https://x.example/hook"},
		"odd event":    {URL: "https://x.example/hook", Secret: "s", Events: []vcs.WebhookEvent{"issues"}},
	} {
		if _, err := vcs.EnsureWebhook(ctx, p, "o/r", bad); !errors.Is(err, vcs.ErrInvalidArgument) {
			t.Errorf("%s: %v, want ErrInvalidArgument", name, err)
		}
	}
	if got := vcs.WebhookEvents(vcs.WebhookOptions{}); !slices.Equal(got, []vcs.WebhookEvent{vcs.WebhookEventPullRequest}) {
		t.Errorf("default events %v", got)
	}
}

func TestCollect(t *testing.T) {
	got, err := vcs.Collect((&fakeProvider{}).ListRepositories(context.Background()))
	if err == nil || len(got) != 3 || got[2].ID != "a/three" {
		t.Errorf("Collect = %d items, %v; want the 3 items before the error, and the error", len(got), err)
	}
}
