package azuredevopstest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// servePush is POST …/pushes {refUpdates: [{name, oldObjectId}], commits:
// [{comment, changes: [{changeType: add|edit|delete, item: {path},
// newContent: {content, contentType: rawtext|base64encoded}}]}]}: one
// commit on one existing branch. A branch no longer at oldObjectId is a
// 409 (TF401028); an add of an existing path or an edit or delete of a
// missing one a 400. It needs Contribute.
func (s *Server) servePush(q *request, ri *repoInfo) {
	if !q.scope(ScopeCodeWrite) || !q.permitted(nsGit, gitContribute, "GenericContribute", s.gitToken(ri)) {
		return
	}
	var body struct {
		RefUpdates []struct {
			Name        string `json:"name"`
			OldObjectID string `json:"oldObjectId"`
		} `json:"refUpdates"`
		Commits []struct {
			Comment string `json:"comment"`
			Changes []struct {
				ChangeType string `json:"changeType"`
				Item       struct {
					Path string `json:"path"`
				} `json:"item"`
				NewContent *struct {
					Content     string `json:"content"`
					ContentType string `json:"contentType"`
				} `json:"newContent"`
			} `json:"changes"`
		} `json:"commits"`
	}
	if err := readJSON(q.r, &body); err != nil || len(body.RefUpdates) != 1 || len(body.Commits) != 1 {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "azuredevopstest: a push of one commit to one ref is modelled")
		return
	}
	ref, cm := body.RefUpdates[0], body.Commits[0]
	branch, ok := strings.CutPrefix(ref.Name, "refs/heads/")
	if !ok || ref.OldObjectID == "" || ref.OldObjectID == zeroID {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "azuredevopstest: a push to an existing branch is modelled")
		return
	}
	var changes []fakegit.FileChange
	actions := map[string]string{"add": "create", "edit": "update", "delete": "delete"}
	for _, ch := range cm.Changes {
		path := strings.TrimPrefix(ch.Item.Path, "/")
		fc := fakegit.FileChange{Path: path, Action: actions[ch.ChangeType]}
		if fc.Action == "" {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The change type %q is not supported.", ch.ChangeType)
			return
		}
		if fc.Action != "delete" {
			if ch.NewContent == nil {
				q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The change of %s has no newContent.", ch.Item.Path)
				return
			}
			fc.Content = []byte(ch.NewContent.Content)
			if strings.EqualFold(ch.NewContent.ContentType, "base64encoded") {
				b, err := base64.StdEncoding.DecodeString(ch.NewContent.Content)
				if err != nil {
					q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The content of %s is not valid base64.", ch.Item.Path)
					return
				}
				fc.Content = b
			}
		}
		changes = append(changes, fc)
	}
	s.mu.Lock()
	sha, old, err := s.store.CommitChanges(ri.full, branch, changes, fakegit.CommitOptions{ExpectHead: ref.OldObjectID, Strict: true})
	var ce *fakegit.ChangeError
	switch {
	case errors.As(err, &ce) && ce.Reason == "exists":
		s.mu.Unlock()
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The path '/%s' specified in the add operation already exists. Please specify a new path.", ce.Path)
		return
	case errors.As(err, &ce):
		s.mu.Unlock()
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The item '/%s' does not exist at the version of the branch.", ce.Path)
		return
	case isConflict(err):
		s.mu.Unlock()
		q.fail(http.StatusConflict, "GitReferenceStaleException", "TF401028: The reference '%s' has already been updated by another client, so you cannot update it. Please try again.", ref.Name)
		return
	case err != nil:
		s.mu.Unlock()
		q.fail(http.StatusNotFound, "GitItemNotFoundException", "TF401175: The version descriptor <Branch: %s > could not be resolved to a version commit.", branch)
		return
	}
	ds := s.pushEvent(ri, branch, old, sha)
	s.notification++
	out := map[string]any{
		"commits":    []any{map[string]any{"commitId": sha, "comment": cm.Comment, "url": s.commitJSON(ri, sha)["url"]}},
		"refUpdates": []any{map[string]any{"name": ref.Name, "oldObjectId": old, "newObjectId": sha, "repositoryId": ri.ID}},
		"repository": s.repoJSON(ri), "pushedBy": identityJSON(q.user), "pushId": s.notification, "date": azTime(s.Now()),
		"url": s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/pushes/" + strconv.Itoa(s.notification),
	}
	s.mu.Unlock()
	s.deliver(ds)
	q.json(http.StatusCreated, out)
}

// serveCreatePR is POST …/pullrequests {sourceRefName, targetRefName,
// title, description, isDraft}: it sends git.pullrequest.created. An
// active pull request for the same branches is a 409 (TF401179). It needs
// Contribute to pull requests.
func (s *Server) serveCreatePR(q *request, ri *repoInfo) {
	if !q.scope(ScopeCodeWrite) || !q.permitted(nsGit, gitPRContribute, "PullRequestContribute", s.gitToken(ri)) {
		return
	}
	var body struct {
		SourceRefName, TargetRefName, Title, Description string
		IsDraft                                          bool
	}
	if err := readJSON(q.r, &body); err != nil || body.Title == "" {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The pull request must have a title.")
		return
	}
	source, ok1 := strings.CutPrefix(body.SourceRefName, "refs/heads/")
	target, ok2 := strings.CutPrefix(body.TargetRefName, "refs/heads/")
	if !ok1 || !ok2 {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The source and target must be branches (refs/heads/…).")
		return
	}
	if _, open := s.store.OpenPullRequestFor(ri.full, source, target); open {
		q.fail(http.StatusConflict, "GitPullRequestExistsException", "TF401179: An active pull request for the source and target branch already exists.")
		return
	}
	id, _, err := s.openPullRequest(ri.project.Name+"/"+ri.Name, source, target, body.Title, body.Description, q.user.UniqueName)
	if err != nil {
		q.fail(http.StatusNotFound, "GitRefNotFoundException", "TF401398: The pull request cannot be activated because the source and/or the target branch no longer exists.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.prs[id]
	if body.IsDraft {
		_ = s.store.SetDraft(ri.full, pr.num, true)
	}
	q.json(http.StatusCreated, s.prJSON(pr))
}
