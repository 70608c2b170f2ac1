package github

import (
	"context"
	"sort"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// GitHub's commit status states are this package's: pending, success,
// failure and error.

func toStatus(s *gh.RepoStatus) *vcs.CommitStatus {
	return &vcs.CommitStatus{Key: s.GetContext(), State: vcs.StatusState(s.GetState()), Description: s.GetDescription(),
		TargetURL: s.GetTargetURL(), CreatedAt: s.GetCreatedAt().Time, UpdatedAt: s.GetUpdatedAt().Time}
}

// SetCommitStatus sets the status opts.Key (GitHub's context) on a commit.
// GitHub keeps every status it is sent and shows the latest per context;
// ListCommitStatuses reads those.
//
// GitHub API docs: POST /repos/{owner}/{repo}/statuses/{sha}
func (p *Provider) SetCommitStatus(ctx context.Context, repo, sha string, opts vcs.StatusOptions) (*vcs.CommitStatus, error) {
	const op = "SetCommitStatus"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindGitHub, op, "commit", sha); err != nil {
		return nil, err
	}
	if err := vcs.CheckStatusOptions(vcs.KindGitHub, op, opts); err != nil {
		return nil, err
	}
	st := gh.RepoStatus{State: new(string(opts.State)), Context: new(opts.Key), Description: new(opts.Description)}
	if opts.TargetURL != "" {
		st.TargetURL = new(opts.TargetURL)
	}
	out, _, err := p.client.Repositories.CreateStatus(ctx, owner, name, sha, st)
	if err != nil {
		return nil, p.wrap(op, err)
	}
	return toStatus(out), nil
}

// ListCommitStatuses lists the latest status per context of a commit, 100
// a page.
//
// GitHub API docs: GET /repos/{owner}/{repo}/commits/{ref}/status
func (p *Provider) ListCommitStatuses(ctx context.Context, repo, sha string) ([]*vcs.CommitStatus, error) {
	const op = "ListCommitStatuses"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := vcs.CheckCommitSHA(vcs.KindGitHub, op, "commit", sha); err != nil {
		return nil, err
	}
	out, err := pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.CommitStatus, string, error) {
		cs, resp, err := p.client.Repositories.GetCombinedStatus(ctx, owner, name, sha, &gh.ListOptions{Page: atoi(cursor), PerPage: 100})
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		page := make([]*vcs.CommitStatus, len(cs.Statuses))
		for i, s := range cs.Statuses {
			page[i] = toStatus(s)
		}
		return page, nextPage(resp), nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}
