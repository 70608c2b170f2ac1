package vcs

import (
	"context"
	"errors"
	"iter"
)

// ChangedFileLister is implemented by providers that yield a pull
// request's changed files as the host's pages arrive, so that reads can
// start before the list is complete (StreamChangedFiles). A list the host
// cut ends with an error matching ErrTruncated after the files it listed.
type ChangedFileLister interface {
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
