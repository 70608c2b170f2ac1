package gitlabtest

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// handleCreateCommit serves POST /projects/:id/repository/commits
// {branch, commit_message, actions: [{action, file_path, content,
// encoding, last_commit_id}]} on an existing branch. GitLab's refusals,
// each 400: "A file with this name already exists" (create),
// "A file with this name doesn't exist" (update, delete) and "You are
// attempting to update a file that has changed since you started editing
// it." (an update or delete whose file changed since last_commit_id; GitLab
// compares the file's last commits, the fake compares its content).
func (s *Server) handleCreateCommit(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.writer(w, c, id)
	if !ok {
		return
	}
	var in struct {
		Branch        string `json:"branch"`
		CommitMessage string `json:"commit_message"`
		StartBranch   string `json:"start_branch"`
		StartSHA      string `json:"start_sha"`
		Actions       []struct {
			Action       string `json:"action"`
			FilePath     string `json:"file_path"`
			Content      string `json:"content"`
			Encoding     string `json:"encoding"`
			LastCommitID string `json:"last_commit_id"`
		} `json:"actions"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "400 Bad request - malformed JSON")
		return
	}
	if in.Branch == "" || in.CommitMessage == "" || len(in.Actions) == 0 {
		writeError(w, http.StatusBadRequest, "branch is missing, commit_message is missing, actions is empty")
		return
	}
	if in.StartBranch != "" || in.StartSHA != "" {
		writeError(w, http.StatusBadRequest, "gitlabtest: start_branch and start_sha are not modelled")
		return
	}
	since := ""
	changes := make([]fakegit.FileChange, 0, len(in.Actions))
	for _, a := range in.Actions {
		path := strings.TrimPrefix(a.FilePath, "/")
		ch := fakegit.FileChange{Path: path, Action: a.Action}
		switch a.Action {
		case "create", "update":
			b := []byte(a.Content)
			if a.Encoding == "base64" {
				var err error
				if b, err = base64.StdEncoding.DecodeString(a.Content); err != nil {
					writeError(w, http.StatusBadRequest, "actions[content] is invalid base64")
					return
				}
			}
			ch.Content = b
		case "delete":
		default:
			writeError(w, http.StatusBadRequest, "actions[action] does not have a valid value")
			return
		}
		if a.LastCommitID != "" && a.Action != "create" {
			since = a.LastCommitID // the provider sends one base for all
		}
		changes = append(changes, ch)
	}
	sha, old, err := s.store.CommitChanges(repo.FullPath, in.Branch, changes, fakegit.CommitOptions{Strict: true, UnchangedSince: since})
	var ce *fakegit.ChangeError
	switch {
	case errors.As(err, &ce) && ce.Reason == "exists":
		writeError(w, http.StatusBadRequest, "A file with this name already exists")
		return
	case errors.As(err, &ce) && ce.Reason == "missing":
		writeError(w, http.StatusBadRequest, "A file with this name doesn't exist")
		return
	case errors.As(err, &ce) && ce.Reason == "changed":
		writeError(w, http.StatusBadRequest, "You are attempting to update a file that has changed since you started editing it.")
		return
	case errors.Is(err, fakegit.ErrNotFound):
		writeError(w, http.StatusBadRequest, "You can only create or edit files when you are on a branch")
		return
	case err != nil:
		storeError(w, err, "404 Project Not Found")
		return
	}
	s.deliverPush(repo.FullPath, in.Branch, old, sha)
	fakehttp.WriteJSON(w, http.StatusCreated, s.commitJSON(repo, sha, old, in.CommitMessage, s.Now()))
}

// isDraft: GitLab marks a draft by a title prefix ("Draft:", "[Draft]",
// "(Draft)"; the older "WIP:" too).
func isDraft(pr fakegit.PullRequest) bool {
	t := strings.ToLower(pr.Title)
	for _, p := range []string{"draft:", "[draft]", "(draft)", "wip:", "[wip]"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return pr.Draft
}

// handleCreateMergeRequest serves POST /projects/:id/merge_requests
// {source_branch, target_branch, title, description} and delivers the
// "open" hook. GitLab answers 409 for a second open merge request of the
// same branches and 400 for a missing branch.
func (s *Server) handleCreateMergeRequest(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.writer(w, c, id)
	if !ok {
		return
	}
	in := writeParams(r)
	source, target, title := str(in, "source_branch"), str(in, "target_branch"), str(in, "title")
	if source == "" || target == "" || title == "" {
		writeError(w, http.StatusBadRequest, "source_branch is missing, target_branch is missing, title is missing")
		return
	}
	if existing, open := s.store.OpenPullRequestFor(repo.FullPath, source, target); open {
		writeError(w, http.StatusConflict, []string{"Another open merge request already exists for this source branch: !" + itoa(existing.Number)})
		return
	}
	pr, err := s.store.OpenPullRequest(repo.FullPath, source, target, title, str(in, "description"), c.user.Username)
	if err != nil {
		writeError(w, http.StatusBadRequest, map[string][]string{"source_branch": {"is invalid"}})
		return
	}
	s.deliverMergeRequest(repo.FullPath, pr.Number, "open", "")
	fakehttp.WriteJSON(w, http.StatusCreated, s.mergeRequestJSON(repo, pr))
}
