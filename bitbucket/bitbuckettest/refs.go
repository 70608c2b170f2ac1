package bitbuckettest

import "net/http"

// Ref actions, delivered as Bitbucket Cloud delivers them: one repo:push
// per push, whose push.changes lists every ref the push changed. Each
// change has new and old ({type "branch" or "tag", name, target}), old
// null with created true for a new ref, new null with closed true for a
// deleted one, and forced. See "Event payloads", repo:push, in the
// Bitbucket Cloud documentation
// (support.atlassian.com/bitbucket-cloud/docs/event-payloads) and the
// payloads of drone/go-scm (push_tag_create.json, push_branch_delete.json)
// and zulip (bitbucket2 fixtures more_than_one_push_event.json,
// force_push.json).

// refChange is one entry of push.changes: before "" for a created ref,
// after "" for a deleted one.
type refChange struct {
	kind, name    string // "branch" or "tag"
	before, after string
	forced        bool
}

// PushTag creates the lightweight tag at branch's head and delivers the
// repo:push of the tag.
func (s *Server) PushTag(repo, tag, branch string) ([]*http.Request, error) {
	if err := s.store.Tag(repo, tag, branch); err != nil {
		return nil, err
	}
	sha, _ := s.store.TagSHA(repo, tag)
	return s.deliverChanges(repo, nil, refChange{kind: "tag", name: tag, after: sha}), nil
}

// DeleteBranch deletes branch and delivers the repo:push Bitbucket sends
// for it (new null, closed true).
func (s *Server) DeleteBranch(repo, branch string) ([]*http.Request, error) {
	before, err := s.store.DeleteBranch(repo, branch)
	if err != nil {
		return nil, err
	}
	return s.deliverChanges(repo, nil, refChange{kind: "branch", name: branch, before: before}), nil
}

// ForcePush replaces branch's head commit by one with files changed and
// delivers repo:push with forced true, and pullrequest:updated for open
// pull requests from branch.
func (s *Server) ForcePush(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	before, after, err := s.store.Rewrite(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	out := s.deliverChanges(repo, nil, refChange{kind: "branch", name: branch, before: before, after: after, forced: true})
	return after, append(out, s.updatePullRequests(repo, branch)...), nil
}

// PushWithTags commits files to branch and creates tags at the new head
// in one push: one repo:push whose push.changes lists the branch and
// every tag.
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
	changes := []refChange{{kind: "branch", name: branch, before: before, after: sha}}
	for _, tag := range tags {
		if err := s.store.Tag(repo, tag, branch); err != nil {
			return "", nil, err
		}
		changes = append(changes, refChange{kind: "tag", name: tag, after: sha})
	}
	out := s.deliverChanges(repo, nil, changes...)
	return sha, append(out, s.updatePullRequests(repo, branch)...), nil
}

// SetDraft marks an open pull request as a draft or ready for review and
// delivers pullrequest:updated (the pullrequest object's draft field).
func (s *Server) SetDraft(repo string, number int, draft bool) ([]*http.Request, error) {
	if _, err := s.store.MarkDraft(repo, number, draft); err != nil {
		return nil, err
	}
	return s.deliverPull(repo, number, "pullrequest:updated"), nil
}

func (s *Server) updatePullRequests(repo, branch string) []*http.Request {
	var out []*http.Request
	prs, _ := s.store.PullRequests(repo)
	for _, pr := range prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			out = append(out, s.deliverPull(repo, pr.Number, "pullrequest:updated")...)
		}
	}
	return out
}

// deliverChanges sends one repo:push listing changes.
func (s *Server) deliverChanges(full string, actor *User, changes ...refChange) []*http.Request {
	repo, err := s.store.Repo(full)
	if err != nil {
		return nil
	}
	web := "https://bitbucket.org/" + repo.FullPath
	api := APIRoot + "/repositories/" + repo.FullPath
	list := make([]any, 0, len(changes))
	for _, c := range changes {
		ref := func(sha string) any {
			if sha == "" {
				return nil
			}
			kind := "branches"
			html := web + "/branch/" + c.name
			if c.kind == "tag" {
				kind, html = "tags", web+"/commits/tag/"+c.name
			}
			return map[string]any{
				"type": c.kind, "name": c.name,
				"target": map[string]any{"type": "commit", "hash": sha, "links": map[string]any{
					"self": map[string]any{"href": api + "/commit/" + sha}, "html": map[string]any{"href": web + "/commits/" + sha}}},
				"links": map[string]any{
					"self":    map[string]any{"href": api + "/refs/" + kind + "/" + c.name},
					"commits": map[string]any{"href": api + "/commits/" + c.name},
					"html":    map[string]any{"href": html},
				},
			}
		}
		commits := []any{}
		if c.after != "" && c.kind == "branch" {
			commits = append(commits, map[string]any{"type": "commit", "hash": c.after})
		}
		list = append(list, map[string]any{
			"new": ref(c.after), "old": ref(c.before),
			"created": c.before == "", "closed": c.after == "", "forced": c.forced, "truncated": false,
			"commits": commits,
			"links":   map[string]any{"commits": map[string]any{"href": api + "/commits?include=" + c.after}},
		})
	}
	if actor == nil {
		actor = s.pusher(full)
	}
	return s.deliver(full, "repo:push", map[string]any{
		"actor":      userJSON(actor),
		"repository": s.repoJSON(repo),
		"push":       map[string]any{"changes": list},
	})
}
