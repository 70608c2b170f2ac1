package gitlabtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// Ref actions, delivered as GitLab delivers them: one hook per ref, a
// Push Hook for a branch (push_events) and a Tag Push Hook for a tag
// (tag_push_events), with before or after forty zeros for a created or
// deleted ref (checkout_sha null and no commits on a deletion); GitLab
// does not say whether a push was forced. When one push changes more refs
// than the instance's push_event_hooks_limit (3 by default) GitLab runs no
// project hook for it at all (gitlab-org/gitlab!17874, "Don't execute
// webhooks/services when above limit"). See "Webhook events" in GitLab's
// documentation (docs.gitlab.com/user/project/integrations/webhook_events,
// push and tag events).

// PushEventHooksLimit is GitLab's default push_event_hooks_limit.
const PushEventHooksLimit = 3

// PushTag creates the lightweight tag at branch's head and delivers a Tag
// Push Hook.
func (s *Server) PushTag(repo, tag, branch string) ([]*http.Request, error) {
	if err := s.store.Tag(repo, tag, branch); err != nil {
		return nil, err
	}
	sha, _ := s.store.TagSHA(repo, tag)
	return s.deliverRefPush(repo, "refs/tags/"+tag, "", sha), nil
}

// DeleteBranch deletes branch and delivers the Push Hook GitLab sends for
// it (after forty zeros).
func (s *Server) DeleteBranch(repo, branch string) ([]*http.Request, error) {
	before, err := s.store.DeleteBranch(repo, branch)
	if err != nil {
		return nil, err
	}
	return s.deliverRefPush(repo, "refs/heads/"+branch, before, ""), nil
}

// ForcePush replaces branch's head commit by one with files changed and
// delivers the Push Hook (which does not say it was forced) and an
// "update" of open merge requests from branch.
func (s *Server) ForcePush(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	before, after, err := s.store.Rewrite(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	out := s.deliverRefPush(repo, "refs/heads/"+branch, before, after)
	return after, append(out, s.updateMergeRequests(repo, branch, before)...), nil
}

// PushWithTags commits files to branch and creates tags at the new head
// in one push. GitLab delivers a Push Hook and a Tag Push Hook per tag,
// or nothing at all when the push changes more than PushEventHooksLimit
// refs.
func (s *Server) PushWithTags(repo, branch string, files map[string]*string, tags ...string) (string, []*http.Request, error) {
	branches, err := s.store.Branches(repo)
	if err != nil {
		return "", nil, err
	}
	before := branches[branch]
	sha, err := s.store.Commit(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	for _, tag := range tags {
		if err := s.store.Tag(repo, tag, branch); err != nil {
			return "", nil, err
		}
	}
	if 1+len(tags) > PushEventHooksLimit {
		return sha, nil, nil
	}
	out := s.deliverRefPush(repo, "refs/heads/"+branch, before, sha)
	for _, tag := range tags {
		out = append(out, s.deliverRefPush(repo, "refs/tags/"+tag, "", sha)...)
	}
	return sha, append(out, s.updateMergeRequests(repo, branch, before)...), nil
}

// SetDraft marks an open merge request as a draft or ready and delivers
// the Merge Request Hook "update" GitLab sends, with changes.draft (and
// the title's "Draft: " prefix added or removed).
func (s *Server) SetDraft(repo string, iid int, draft bool) ([]*http.Request, error) {
	old, err := s.store.PullRequest(repo, iid)
	if err != nil {
		return nil, err
	}
	pr, err := s.store.MarkDraft(repo, iid, draft)
	if err != nil {
		return nil, err
	}
	r, _ := s.store.Repo(repo)
	attrs := s.mergeRequestAttributes(r, pr)
	attrs["action"] = "update"
	title := strings.TrimPrefix(pr.Title, "Draft: ")
	oldTitle := title
	if old.Draft {
		oldTitle = "Draft: " + title
	}
	if draft {
		title = "Draft: " + title
	}
	attrs["title"] = title
	body, _ := json.Marshal(map[string]any{
		"object_kind": "merge_request", "event_type": "merge_request",
		"user": s.hookUser(pr.Author), "project": s.hookProject(r),
		"object_attributes": attrs, "labels": []any{},
		"changes": map[string]any{
			"draft":      map[string]bool{"previous": old.Draft, "current": draft},
			"title":      map[string]string{"previous": oldTitle, "current": title},
			"updated_at": map[string]string{"previous": hookTime(old.Updated), "current": hookTime(pr.Updated)},
		},
		"repository": s.hookRepository(r),
	})
	return s.deliver(repo, "merge_requests_events", "Merge Request Hook", body), nil
}

func (s *Server) updateMergeRequests(repo, branch, before string) []*http.Request {
	var out []*http.Request
	prs, _ := s.store.PullRequests(repo)
	for _, pr := range prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			out = append(out, s.deliverMergeRequest(repo, pr.Number, "update", before)...)
		}
	}
	return out
}

// deliverRefPush sends the Push Hook (a branch) or Tag Push Hook (a tag)
// of ref moving from before to after ("" for none).
func (s *Server) deliverRefPush(repoPath, ref, before, after string) []*http.Request {
	repo, err := s.store.Repo(repoPath)
	if err != nil {
		return nil
	}
	kind, flag, event := "push", "push_events", "Push Hook"
	if strings.HasPrefix(ref, "refs/tags/") {
		kind, flag, event = "tag_push", "tag_push_events", "Tag Push Hook"
	}
	name := strings.TrimPrefix(strings.TrimPrefix(ref, "refs/heads/"), "refs/tags/")
	web := s.webURL(repo.FullPath)
	commits := []any{}
	var checkout any
	if after != "" {
		checkout = after
		if kind == "push" {
			commits = append(commits, map[string]any{
				"id": after, "message": "update " + name + "\n", "title": "update " + name,
				"timestamp": s.Now().UTC().Format(time.RFC3339), "url": web + "/-/commit/" + after,
				"author": map[string]string{"name": "gitlabtest", "email": "gitlabtest@example.test"},
				"added":  []string{}, "modified": []string{}, "removed": []string{},
			})
		}
	}
	if before == "" {
		before = fakegit.ZeroSHA
	}
	if after == "" {
		after = fakegit.ZeroSHA
	}
	body, _ := json.Marshal(map[string]any{
		"object_kind": kind, "event_name": kind, "before": before, "after": after,
		"ref": ref, "ref_protected": kind == "push" && name == repo.DefaultBranch, "checkout_sha": checkout,
		"message": nil, "user_id": 0, "user_name": "gitlabtest", "user_username": "gitlabtest",
		"user_email": "", "user_avatar": nil, "project_id": repo.ID, "project": s.hookProject(repo),
		"commits": commits, "total_commits_count": len(commits), "push_options": map[string]any{},
		"repository": s.pushRepository(repo),
	})
	return s.deliver(repoPath, flag, event, body)
}

// UpdateMergeRequest delivers the Merge Request Hook "update" GitLab sends
// when a merge request's title, description or labels change, in whatever
// state it is: also after it was merged or closed.
func (s *Server) UpdateMergeRequest(repo string, iid int) ([]*http.Request, error) {
	if _, err := s.store.PullRequest(repo, iid); err != nil {
		return nil, err
	}
	return s.deliverMergeRequest(repo, iid, "update", ""), nil
}
