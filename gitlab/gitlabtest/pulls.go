package gitlabtest

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// MergePullRequest merges an open merge request, adds the "merged" system
// note and delivers the "merge" Merge Request Hook (and a Push Hook of the
// target branch to hooks with push events). It returns the deliveries.
func (s *Server) MergePullRequest(repo string, iid int) ([]*http.Request, error) {
	before, _ := s.store.PullRequest(repo, iid)
	oldTarget, _ := s.store.Resolve(repo, before.TargetBranch)
	pr, err := s.store.MergePullRequest(repo, iid)
	if err != nil {
		return nil, err
	}
	s.systemNote(repo, pr, "merged")
	out := s.deliverMergeRequest(repo, iid, "merge", "")
	out = append(out, s.deliverPush(repo, pr.TargetBranch, oldTarget, pr.MergeSHA)...)
	return out, nil
}

// ClosePullRequest closes an open merge request without merging it and
// delivers the "close" Merge Request Hook.
func (s *Server) ClosePullRequest(repo string, iid int) ([]*http.Request, error) {
	pr, err := s.store.ClosePullRequest(repo, iid)
	if err != nil {
		return nil, err
	}
	s.systemNote(repo, pr, "closed")
	return s.deliverMergeRequest(repo, iid, "close", ""), nil
}

// ReopenPullRequest reopens a closed merge request and delivers the
// "reopen" Merge Request Hook.
func (s *Server) ReopenPullRequest(repo string, iid int) ([]*http.Request, error) {
	pr, err := s.store.ReopenPullRequest(repo, iid)
	if err != nil {
		return nil, err
	}
	s.systemNote(repo, pr, "reopened")
	return s.deliverMergeRequest(repo, iid, "reopen", ""), nil
}

func (s *Server) systemNote(repo string, pr fakegit.PullRequest, body string) {
	c, err := s.store.AddComment(repo, pr.Number, pr.Author, body)
	if err != nil {
		return
	}
	r, _ := s.store.Repo(repo)
	s.mu.Lock()
	s.projects[r.ID].system[c.ID] = true
	s.mu.Unlock()
}

func (s *Server) userJSON(username string) map[string]any {
	s.mu.Lock()
	u := s.users[strings.ToLower(username)]
	s.mu.Unlock()
	id := 0
	if u != nil {
		id = u.ID
	}
	return map[string]any{
		"id": id, "username": username, "name": username, "state": "active",
		"avatar_url": nil, "web_url": s.webURL(username),
	}
}

func mrState(st string) string {
	if st == "open" {
		return "opened"
	}
	return st
}

func timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// diffFiles returns the changed files GitLab keeps in a merge request's
// diff, capped by the diff file limit, and its changes_count ("N", or
// "limit+" when files were left out).
func (s *Server) diffFiles(repo fakegit.Repo, pr fakegit.PullRequest) ([]fakegit.Change, string, error) {
	changes, err := s.store.Changes(repo.FullPath, pr.Number)
	if err != nil {
		return nil, "", err
	}
	s.mu.Lock()
	limit := s.maxDiffFiles
	s.mu.Unlock()
	if limit > 0 && len(changes) > limit {
		return changes[:limit], strconv.Itoa(limit) + "+", nil
	}
	return changes, strconv.Itoa(len(changes)), nil
}

func (s *Server) mergeRequestJSON(repo fakegit.Repo, pr fakegit.PullRequest) map[string]any {
	var mergeSHA any
	if pr.MergeSHA != "" {
		mergeSHA = pr.MergeSHA
	}
	status := "can_be_merged"
	if pr.State != "open" {
		status = "not_open"
	}
	return map[string]any{
		"id": repo.ID*1000 + pr.Number, "iid": pr.Number, "project_id": repo.ID,
		"title": pr.Title, "description": pr.Description, "state": mrState(pr.State),
		"created_at": timeOrNil(pr.Created), "updated_at": timeOrNil(pr.Updated),
		"merged_at": timeOrNil(pr.MergedAt), "closed_at": timeOrNil(pr.ClosedAt),
		"target_branch": pr.TargetBranch, "source_branch": pr.SourceBranch,
		"source_project_id": repo.ID, "target_project_id": repo.ID,
		"author": s.userJSON(pr.Author), "draft": isDraft(pr), "work_in_progress": isDraft(pr),
		"merge_status": status, "detailed_merge_status": status,
		"sha": pr.HeadSHA, "merge_commit_sha": mergeSHA, "squash_commit_sha": nil,
		"diff_refs":  map[string]string{"base_sha": pr.BaseSHA, "head_sha": pr.HeadSHA, "start_sha": pr.BaseSHA},
		"web_url":    s.webURL(repo.FullPath + "/-/merge_requests/" + strconv.Itoa(pr.Number)),
		"references": map[string]string{"short": "!" + strconv.Itoa(pr.Number), "relative": "!" + strconv.Itoa(pr.Number), "full": repo.FullPath + "!" + strconv.Itoa(pr.Number)},
	}
}

// handleMergeRequest serves GET /projects/:id/merge_requests/:iid, which,
// unlike the list, carries changes_count.
func (s *Server) handleMergeRequest(w http.ResponseWriter, r *http.Request, c *caller, id, iid string) {
	repo, pr, ok := s.findMergeRequest(w, c, id, iid, scopesRead)
	if !ok {
		return
	}
	out := s.mergeRequestJSON(repo, pr)
	out["changes_count"] = nil // GitLab's value while the diff is not yet computed
	if _, count, err := s.diffFiles(repo, pr); err == nil {
		out["changes_count"] = count
	}
	fakehttp.WriteJSON(w, http.StatusOK, out)
}

// findMergeRequest resolves :id and :merge_request_iid for a reader.
func (s *Server) findMergeRequest(w http.ResponseWriter, c *caller, id, iid string, scopes []string) (fakegit.Repo, fakegit.PullRequest, bool) {
	if !s.scopeOK(w, c, scopes...) {
		return fakegit.Repo{}, fakegit.PullRequest{}, false
	}
	repo, ok := s.findProject(w, c, id)
	if !ok {
		return fakegit.Repo{}, fakegit.PullRequest{}, false
	}
	n, err := strconv.Atoi(iid)
	if err != nil {
		writeError(w, http.StatusBadRequest, "400 Bad request - merge_request_iid is invalid")
		return fakegit.Repo{}, fakegit.PullRequest{}, false
	}
	// GitLab hides merge requests of private projects from Guests (404).
	if !s.canRead(c, repo) {
		writeError(w, http.StatusNotFound, "404 Not found")
		return fakegit.Repo{}, fakegit.PullRequest{}, false
	}
	pr, err := s.store.PullRequest(repo.FullPath, n)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Not found")
		return fakegit.Repo{}, fakegit.PullRequest{}, false
	}
	return repo, pr, true
}

// handleMergeRequests serves GET /projects/:id/merge_requests with the
// filters GitLab documents for it ("List project merge requests"): state
// (opened, closed, locked, merged or all, the default), updated_after and
// updated_before ("on or after", ISO 8601), order_by created_at (the
// default) or updated_at, sort desc (the default) or asc. A value out of
// those is a 400 naming the parameter, as GitLab's parameter validation
// answers ({"error":"state does not have a valid value"}).
func (s *Server) handleMergeRequests(w http.ResponseWriter, r *http.Request, c *caller, id string) {
	repo, ok := s.readable(w, c, id, scopesRead)
	if !ok {
		return
	}
	prs, err := s.store.PullRequests(repo.FullPath)
	if err != nil {
		storeError(w, err, "404 Project Not Found")
		return
	}
	q := r.URL.Query()
	invalid := func(param string) {
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": param + " does not have a valid value"})
	}
	state, orderBy, dir := q.Get("state"), q.Get("order_by"), q.Get("sort")
	switch state {
	case "", "all", "opened", "closed", "locked", "merged":
	default:
		invalid("state")
		return
	}
	switch orderBy {
	case "", "created_at", "updated_at":
	default:
		invalid("order_by")
		return
	}
	if dir != "" && dir != "asc" && dir != "desc" {
		invalid("sort")
		return
	}
	var after, before time.Time
	for param, t := range map[string]*time.Time{"updated_after": &after, "updated_before": &before} {
		if v := q.Get(param); v != "" {
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": param + " is invalid"})
				return
			}
		}
	}
	prs = slices.DeleteFunc(prs, func(pr fakegit.PullRequest) bool {
		return state != "" && state != "all" && state != mrState(pr.State) ||
			!after.IsZero() && pr.Updated.Before(after) || !before.IsZero() && pr.Updated.After(before)
	})
	key := func(pr fakegit.PullRequest) time.Time {
		if orderBy == "updated_at" {
			return pr.Updated
		}
		return pr.Created
	}
	sort.SliceStable(prs, func(i, j int) bool {
		a, b := key(prs[i]), key(prs[j])
		less := a.Before(b) || a.Equal(b) && prs[i].Number < prs[j].Number
		if dir == "asc" {
			return less
		}
		return !less
	})
	out := make([]map[string]any, 0, len(prs))
	for _, pr := range prs {
		out = append(out, s.mergeRequestJSON(repo, pr))
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
}

// handleDiffs serves GET /projects/:id/merge_requests/:iid/diffs (offset
// pagination, 20 per page by default): the files of the merge request's
// stored diff, so no more than the diff file limit.
func (s *Server) handleDiffs(w http.ResponseWriter, r *http.Request, c *caller, id, iid string) {
	repo, pr, ok := s.findMergeRequest(w, c, id, iid, scopesRead)
	if !ok {
		return
	}
	changes, _, err := s.diffFiles(repo, pr)
	if err != nil {
		storeError(w, err, "404 Not found")
		return
	}
	type diff struct {
		OldPath       string `json:"old_path"`
		NewPath       string `json:"new_path"`
		AMode         string `json:"a_mode"`
		BMode         string `json:"b_mode"`
		Diff          string `json:"diff"`
		NewFile       bool   `json:"new_file"`
		RenamedFile   bool   `json:"renamed_file"`
		DeletedFile   bool   `json:"deleted_file"`
		GeneratedFile bool   `json:"generated_file"`
		Collapsed     bool   `json:"collapsed"`
		TooLarge      bool   `json:"too_large"`
	}
	out := make([]diff, len(changes))
	for i, ch := range changes {
		d := diff{OldPath: ch.Path, NewPath: ch.Path, AMode: "100644", BMode: "100644", Diff: unifiedDiff(ch.Old, ch.Content)}
		switch ch.Status {
		case "added":
			d.NewFile, d.AMode = true, "0"
		case "removed":
			d.DeletedFile, d.BMode = true, "0"
		case "renamed":
			d.RenamedFile, d.OldPath = true, ch.OldPath
		}
		out[i] = d
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
}

// unifiedDiff renders a whole-file hunk, enough for readers of the diff.
func unifiedDiff(old, cur []byte) string {
	if string(old) == string(cur) {
		return ""
	}
	lines := func(b []byte) []string {
		if len(b) == 0 {
			return nil
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	ol, nl := lines(old), lines(cur)
	var b strings.Builder
	fmt.Fprintf(&b, "@@ -%d,%d +%d,%d @@\n", min(1, len(ol)), len(ol), min(1, len(nl)), len(nl))
	for _, l := range ol {
		b.WriteString("-" + l + "\n")
	}
	for _, l := range nl {
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}
