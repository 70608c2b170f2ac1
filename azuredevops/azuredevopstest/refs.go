package azuredevopstest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// Ref actions, delivered as Azure DevOps delivers them: one git.push per
// push, whose resource.refUpdates lists every ref the push updated
// ({name, oldObjectId, newObjectId}, forty zeros for a created or deleted
// ref); Azure does not say whether a push was forced. See the git.push
// event of "Service hooks events" in the Azure DevOps documentation
// (learn.microsoft.com/azure/devops/service-hooks/events#git.push) and
// GitPush.refUpdates in the Git REST reference. A delivery listing several
// refs follows that schema; no published sample shows one (unconfirmed).

// refUpdate is one entry of refUpdates: old "" for a created ref, new ""
// for a deleted one.
type refUpdate struct {
	name     string // full ref
	old, new string
}

// PushTag creates the lightweight tag at branch's head and delivers the
// git.push of refs/tags/tag.
func (s *Server) PushTag(repo, tag, branch string) ([]*http.Request, error) {
	if err := s.tag(repo, tag, branch); err != nil {
		return nil, err
	}
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	sha := ri.tags[tag]
	ds := s.refsPushEvent(ri, refUpdate{name: "refs/tags/" + tag, new: sha})
	s.mu.Unlock()
	return s.deliver(ds), nil
}

// DeleteBranch deletes branch and delivers the git.push Azure DevOps
// sends for it (newObjectId forty zeros).
func (s *Server) DeleteBranch(repo, branch string) ([]*http.Request, error) {
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	old, err := s.store.DeleteBranch(ri.full, branch)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	ds := s.refsPushEvent(ri, refUpdate{name: "refs/heads/" + branch, old: old})
	s.mu.Unlock()
	return s.deliver(ds), nil
}

// ForcePush replaces branch's head commit by one with files changed and
// delivers git.push (which does not say it was forced) and
// git.pullrequest.updated for active pull requests from branch.
func (s *Server) ForcePush(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		s.mu.Unlock()
		return "", nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	before, after, err := s.store.Rewrite(ri.full, branch, files)
	if err != nil {
		s.mu.Unlock()
		return "", nil, err
	}
	ds := s.refsPushEvent(ri, refUpdate{name: "refs/heads/" + branch, old: before, new: after})
	ds = append(ds, s.updatePullRequests(ri, branch, after)...)
	s.mu.Unlock()
	return after, s.deliver(ds), nil
}

// PushWithTags commits files to branch and creates tags at the new head
// in one push: one git.push whose refUpdates lists the branch and every
// tag.
func (s *Server) PushWithTags(repo, branch string, files map[string]*string, tags ...string) (string, []*http.Request, error) {
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		s.mu.Unlock()
		return "", nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	heads, err := s.store.Branches(ri.full)
	if err != nil {
		s.mu.Unlock()
		return "", nil, err
	}
	sha, err := s.store.Commit(ri.full, branch, files)
	if err != nil {
		s.mu.Unlock()
		return "", nil, err
	}
	updates := []refUpdate{{name: "refs/heads/" + branch, old: heads[branch], new: sha}}
	for _, tag := range tags {
		if err := s.store.Tag(ri.full, tag, branch); err != nil {
			s.mu.Unlock()
			return "", nil, err
		}
		ri.tags[tag] = sha
		updates = append(updates, refUpdate{name: "refs/tags/" + tag, new: sha})
	}
	ds := s.refsPushEvent(ri, updates...)
	ds = append(ds, s.updatePullRequests(ri, branch, sha)...)
	s.mu.Unlock()
	return sha, s.deliver(ds), nil
}

// SetDraft marks an active pull request as a draft or publishes it and
// delivers git.pullrequest.updated (resource.isDraft).
func (s *Server) SetDraft(repo string, id int, draft bool) ([]*http.Request, error) {
	s.mu.Lock()
	pr, err := s.pr(repo, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if _, err := s.store.MarkDraft(pr.repo.full, pr.num, draft); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	msg := fmt.Sprintf("%s published pull request %d", s.defaultUser.DisplayName, pr.ID)
	if draft {
		msg = fmt.Sprintf("%s marked pull request %d as draft", s.defaultUser.DisplayName, pr.ID)
	}
	ds := s.prEvent(pr, EventPullRequestUpdated, msg)
	s.mu.Unlock()
	return s.deliver(ds), nil
}

// SetCompletionOrder sets the order in which MergePullRequest sends the
// three deliveries of a completion (EventPullRequestMerged,
// EventPullRequestUpdated, EventPush): Azure DevOps guarantees none, so
// a receiver must handle each order. No argument restores the default
// (merged, updated, push).
func (s *Server) SetCompletionOrder(eventTypes ...string) {
	s.mu.Lock()
	s.completionOrder = append([]string(nil), eventTypes...)
	s.mu.Unlock()
}

// completion orders a completion's deliveries by SetCompletionOrder.
// Callers hold mu.
func (s *Server) completion(byType map[string][]delivery) []delivery {
	order := s.completionOrder
	if len(order) == 0 {
		order = []string{EventPullRequestMerged, EventPullRequestUpdated, EventPush}
	}
	var out []delivery
	for _, t := range order {
		out = append(out, byType[t]...)
		delete(byType, t)
	}
	for _, t := range []string{EventPullRequestMerged, EventPullRequestUpdated, EventPush} {
		out = append(out, byType[t]...) // any left out of the order
	}
	return out
}

// updatePullRequests adds an iteration to every active pull request from
// branch and builds their git.pullrequest.updated. Callers hold mu.
func (s *Server) updatePullRequests(ri *repoInfo, branch, sha string) []delivery {
	var out []delivery
	for _, pr := range s.prsOf(ri) {
		st, err := s.store.PullRequest(ri.full, pr.num)
		if err != nil || st.State != "open" || st.SourceBranch != branch {
			continue
		}
		pr.iterations = append(pr.iterations, sha)
		pr.iterTimes = append(pr.iterTimes, s.Now())
		out = append(out, s.prEvent(pr, EventPullRequestUpdated,
			fmt.Sprintf("%s updated the source branch of pull request %d", s.defaultUser.DisplayName, pr.ID))...)
		out = append(out, s.speculativeMerge(pr)...)
	}
	return out
}

// SetSpeculativeMerges makes the fake send git.pullrequest.merged for the
// merge Azure DevOps attempts when an active pull request is created or
// its source branch moves: the event is "merge attempted", fired for the
// speculative merge of every active pull request, with status active
// (see git.pullrequest.merged in "Service hooks events"). Off by default.
func (s *Server) SetSpeculativeMerges(on bool) {
	s.mu.Lock()
	s.speculative = on
	s.mu.Unlock()
}

// speculativeMerge builds the git.pullrequest.merged of an active pull
// request's merge attempt, when SetSpeculativeMerges is on. Callers hold
// mu.
func (s *Server) speculativeMerge(pr *prInfo) []delivery {
	if !s.speculative {
		return nil
	}
	return s.prEvent(pr, EventPullRequestMerged, fmt.Sprintf("Merge attempted for pull request %d", pr.ID))
}

// refsPushEvent builds the deliveries of one git.push updating refs.
// Callers hold mu.
func (s *Server) refsPushEvent(ri *repoInfo, updates ...refUpdate) []delivery {
	u := s.defaultUser
	s.notification++ // push IDs
	refs := make([]any, 0, len(updates))
	commits := []any{}
	branch := ""
	var names []string
	for _, up := range updates {
		old, nw := up.old, up.new
		if old == "" {
			old = fakegit.ZeroSHA
		}
		if nw == "" {
			nw = fakegit.ZeroSHA
		}
		refs = append(refs, map[string]any{"name": up.name, "oldObjectId": old, "newObjectId": nw})
		short := strings.TrimPrefix(strings.TrimPrefix(up.name, "refs/heads/"), "refs/tags/")
		names = append(names, short)
		if b, ok := strings.CutPrefix(up.name, "refs/heads/"); ok {
			if branch == "" {
				branch = b
			}
			if up.new != "" {
				commits = append(commits, map[string]any{
					"commitId": up.new,
					"author":   map[string]any{"name": u.DisplayName, "email": u.UniqueName, "date": azTime(s.Now())},
					"comment":  "Update " + b,
					"url":      s.commitJSON(ri, up.new)["url"],
				})
			}
		}
	}
	resource := map[string]any{
		"commits":    commits,
		"refUpdates": refs,
		"repository": s.repoJSON(ri),
		"pushedBy":   identityJSON(u),
		"pushId":     s.notification,
		"date":       azTime(s.Now()),
		"url":        s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/pushes/" + strconv.Itoa(s.notification),
	}
	msg := u.DisplayName + " pushed updates to " + strings.Join(names, ", ") + " of repository " + ri.Name + "."
	return s.fire(ri, EventPush, branch, msg, resource)
}
