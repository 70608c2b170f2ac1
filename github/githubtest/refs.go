package githubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// Ref actions: pushes of branches and tags, deletions, force pushes and
// drafts, delivered as GitHub delivers them. GitHub sends one push event
// per ref, with created, deleted and forced flags, base_ref (for a tag,
// the branch whose head it points at), commits, head_commit (null on a
// deletion) and pusher; see the push payload in "Webhook events and
// payloads" (docs.github.com/en/webhooks/webhook-events-and-payloads#push)
// and the push examples of @octokit/webhooks-examples. It sends no push
// event for tags when more than three tags are pushed at once.

// PushTag creates the lightweight tag at branch's head and delivers the
// push of refs/tags/tag (created true, base_ref the branch).
func (s *Server) PushTag(repo, tag, branch string) ([]*http.Request, error) {
	if err := s.store.Tag(repo, tag, branch); err != nil {
		return nil, err
	}
	sha, _ := s.store.TagSHA(repo, tag)
	return s.deliverRefPush(repo, refPush{ref: "refs/tags/" + tag, after: sha}, ownerOf(repo)), nil
}

// DeleteBranch deletes branch and delivers the push GitHub sends for it:
// deleted true, after forty zeros, head_commit null.
func (s *Server) DeleteBranch(repo, branch string) ([]*http.Request, error) {
	before, err := s.store.DeleteBranch(repo, branch)
	if err != nil {
		return nil, err
	}
	return s.deliverRefPush(repo, refPush{ref: "refs/heads/" + branch, before: before}, ownerOf(repo)), nil
}

// ForcePush replaces branch's head commit by one with files changed (as
// "git commit --amend" and "git push --force" do) and delivers the push
// (forced true) and a "synchronize" for open pull requests from branch.
func (s *Server) ForcePush(repo, branch string, files map[string]*string) (string, []*http.Request, error) {
	before, after, err := s.store.Rewrite(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	owner := ownerOf(repo)
	out := s.deliverRefPush(repo, refPush{ref: "refs/heads/" + branch, before: before, after: after, forced: true, message: "Rewrite " + branch, files: files}, owner)
	return after, append(out, s.synchronize(repo, branch, before, after, owner)...), nil
}

// PushWithTags commits files to branch and creates tags at the new head
// in one push ("git push origin branch tag…"). GitHub delivers one push
// event per ref, and none for the tags when there are more than three.
func (s *Server) PushWithTags(repo, branch string, files map[string]*string, tags ...string) (string, []*http.Request, error) {
	sha, out, err := s.Push(repo, branch, files)
	if err != nil {
		return "", nil, err
	}
	for _, tag := range tags {
		if err := s.store.Tag(repo, tag, branch); err != nil {
			return "", nil, err
		}
	}
	if len(tags) <= 3 {
		for _, tag := range tags {
			out = append(out, s.deliverRefPush(repo, refPush{ref: "refs/tags/" + tag, after: sha}, ownerOf(repo))...)
		}
	}
	return sha, out, nil
}

// SetDraft marks an open pull request as a draft ("converted_to_draft")
// or ready for review ("ready_for_review") and delivers the event.
func (s *Server) SetDraft(repo string, number int, draft bool) ([]*http.Request, error) {
	pr, err := s.store.MarkDraft(repo, number, draft)
	if err != nil {
		return nil, err
	}
	action := "ready_for_review"
	if draft {
		action = "converted_to_draft"
	}
	return s.deliverPullRequest(repo, pr, action, pr.Author), nil
}

func ownerOf(repo string) string {
	owner, _, _ := strings.Cut(repo, "/")
	return owner
}

// synchronize delivers pull_request "synchronize" for every open pull
// request from branch, with the head's before and after SHAs (required by
// the webhook's description, and sent by GitHub).
func (s *Server) synchronize(repo, branch, before, after, sender string) []*http.Request {
	var out []*http.Request
	prs, _ := s.store.PullRequests(repo)
	for _, pr := range prs {
		if pr.State == "open" && pr.SourceBranch == branch {
			out = append(out, s.deliverPullRequest(repo, pr, "synchronize", sender, "before", before, "after", after)...)
		}
	}
	return out
}

// refPush is one ref's update: before "" for a created ref, after "" for
// a deleted one; message and files describe the one new commit, if any.
type refPush struct {
	ref, before, after string
	forced             bool
	message            string
	files              map[string]*string
}

// deliverRefPush sends GitHub's push event for one ref.
func (s *Server) deliverRefPush(repo string, p refPush, sender string) []*http.Request {
	if strings.Trim(p.before, "0") == "" {
		p.before = ""
	}
	before, after := p.before, p.after
	if before == "" {
		before = fakegit.ZeroSHA
	}
	if after == "" {
		after = fakegit.ZeroSHA
	}
	web := s.web.String() + repo
	name := strings.TrimPrefix(strings.TrimPrefix(p.ref, "refs/heads/"), "refs/tags/")
	var compare string
	switch {
	case p.before == "":
		compare = web + "/compare/" + name
	case p.after == "":
		compare = web + "/compare/" + before[:12] + "^...000000000000"
	default:
		compare = web + "/compare/" + before[:12] + "..." + after[:12]
	}
	var baseRef, headCommit any
	commits := []any{}
	if p.after != "" {
		c := s.pushCommit(repo, p.before, p.after, p.message, p.files, sender)
		headCommit = c
		if p.message != "" {
			commits = append(commits, c)
		}
		if strings.HasPrefix(p.ref, "refs/tags/") {
			branches, _ := s.store.Branches(repo)
			var at []string
			for b, sha := range branches {
				if sha == p.after {
					at = append(at, b)
				}
			}
			sort.Strings(at)
			if len(at) > 0 {
				baseRef = "refs/heads/" + at[0]
			}
		}
	}
	u := s.userJSON(sender)
	body, _ := json.Marshal(map[string]any{
		"ref": p.ref, "before": before, "after": after,
		"created": p.before == "", "deleted": p.after == "", "forced": p.forced,
		"base_ref": baseRef, "compare": compare, "commits": commits, "head_commit": headCommit,
		"repository": s.repoPayload(repo),
		"pusher":     map[string]any{"name": sender, "email": fmt.Sprintf("%v+%s@users.noreply.github.com", u["id"], sender)},
		"sender":     u,
	})
	return s.deliver(repo, "push", body)
}

// pushCommit is a commit object of a push payload.
func (s *Server) pushCommit(repo, before, sha, message string, files map[string]*string, user string) map[string]any {
	tree, _ := s.store.RootTree(repo, sha)
	u := s.userJSON(user)
	who := map[string]any{"name": user, "email": fmt.Sprintf("%v+%s@users.noreply.github.com", u["id"], user), "username": user}
	added, removed, modified := []string{}, []string{}, []string{}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		_, _, err := s.store.ReadFile(repo, before, p)
		switch {
		case files[p] == nil:
			removed = append(removed, p)
		case before == "" || err != nil:
			added = append(added, p)
		default:
			modified = append(modified, p)
		}
	}
	if message == "" {
		message = "Commit " + sha[:7]
	}
	return map[string]any{
		"id": sha, "tree_id": tree, "distinct": true, "message": message, "timestamp": ts(s.Now()),
		"url": s.web.String() + repo + "/commit/" + sha, "author": who, "committer": who,
		"added": added, "removed": removed, "modified": modified,
	}
}
