package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gitprovider/gitprovider/vcs"
)

// written is what writeBack made.
type written struct {
	Commit      *vcs.Commit
	PullRequest *vcs.PullRequest
}

// writeBack is what a Bytebase-like server does to propose a change: a
// branch from the default branch's head, one commit of files guarded by
// that head, a pull request, and a commit status for its review.
func writeBack(ctx context.Context, p vcs.Provider, repo, branch string, files []vcs.FileChange) (*written, error) {
	r, err := p.GetRepository(ctx, repo)
	if err != nil {
		return nil, err
	}
	base, err := p.GetBranch(ctx, repo, r.DefaultBranch)
	if err != nil {
		return nil, err
	}
	if _, err := p.CreateBranch(ctx, repo, branch, base.SHA); err != nil {
		return nil, err
	}
	commit, err := p.CommitFiles(ctx, repo, vcs.CommitOptions{Branch: branch, BaseSHA: base.SHA, Message: "Add audit table (gitprovider quickstart)", Files: files})
	if err != nil {
		return nil, err
	}
	fmt.Printf("write-back: branch %s, commit %s of %d file(s) on %s\n", branch, commit.SHA[:12], len(files), base.SHA[:12])
	pr, err := p.CreatePullRequest(ctx, repo, vcs.PullRequestOptions{
		Title: "Add audit table", Description: "Proposed by the gitprovider quickstart.", SourceBranch: branch, TargetBranch: r.DefaultBranch})
	if err != nil {
		return nil, err
	}
	fmt.Printf("write-back: pull request #%d %s\n", pr.Number, pr.WebURL)
	for _, st := range []vcs.StatusState{vcs.StatusPending, vcs.StatusSuccess} {
		if _, err := p.SetCommitStatus(ctx, repo, commit.SHA, vcs.StatusOptions{Key: "gitprovider/sql-review", State: st, Description: "SQL review: " + string(st)}); err != nil {
			return nil, err
		}
	}
	statuses, err := p.ListCommitStatuses(ctx, repo, commit.SHA)
	if err != nil {
		return nil, err
	}
	for _, st := range statuses {
		fmt.Printf("write-back: status %s = %s (%s)\n", st.Key, st.State, st.Description)
	}
	return &written{Commit: commit, PullRequest: pr}, nil
}

// waitMerged waits for the merged event of pull request number.
func waitMerged(events <-chan *vcs.Event, number int) error {
	for {
		select {
		case ev := <-events:
			if ev.Kind == vcs.EventPullRequest && ev.Merged && ev.Number == number {
				fmt.Printf("webhook: %s %s #%d (delivery %s)\n", ev.Kind, ev.Action, ev.Number, ev.DeliveryID)
				return nil
			}
		case <-time.After(10 * time.Second):
			return errors.New("no merged event for the written-back pull request")
		}
	}
}
