package pager

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/gitprovider/gitprovider/vcs"
)

func pages(n, per int, calls *int) Fetch[int] {
	return func(_ context.Context, cursor string) ([]int, string, error) {
		*calls++
		start, _ := strconv.Atoi(cursor)
		var items []int
		for i := start; i < min(start+per, n); i++ {
			items = append(items, i)
		}
		next := ""
		if start+per < n {
			next = strconv.Itoa(start + per)
		}
		return items, next, nil
	}
}

func TestAllFollowsEveryPage(t *testing.T) {
	calls := 0
	got, err := All(context.Background(), pages(25, 10, &calls))
	if err != nil || len(got) != 25 || got[24] != 24 || calls != 3 {
		t.Errorf("All = %d items, %v, %d calls", len(got), err, calls)
	}
}

func TestSeqStopsEarly(t *testing.T) {
	calls := 0
	n := 0
	for v, err := range Seq(context.Background(), pages(100, 10, &calls)) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; v == 12 {
			break
		}
	}
	if calls != 2 || n != 13 {
		t.Errorf("stopping at item 12 fetched %d pages, yielded %d", calls, n)
	}
}

func TestSeqErrorsAndLoops(t *testing.T) {
	boom := errors.New("boom")
	_, err := All(context.Background(), func(context.Context, string) ([]int, string, error) { return nil, "", boom })
	if !errors.Is(err, boom) {
		t.Errorf("error = %v", err)
	}
	calls := 0
	_, err = All(context.Background(), func(context.Context, string) ([]int, string, error) {
		calls++
		return []int{calls}, "same", nil
	})
	if !errors.Is(err, vcs.ErrTruncated) || calls != 2 {
		t.Errorf("repeating cursor: %v after %d calls, want ErrTruncated after 2", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := All(ctx, pages(5, 1, new(int))); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled context: %v", err)
	}
}
