package githubtest

import (
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// MergePullRequest merges a pull request and returns the webhook
// deliveries it made (a "closed" pull_request event with merged true, and
// a push to the target branch for hooks that subscribe to pushes).
func (s *Server) MergePullRequest(repo string, number int) ([]*http.Request, error) {
	pr, err := s.store.MergePullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	reqs := s.deliverPullRequest(repo, pr, "closed", pr.Author)
	return append(reqs, s.deliverPush(repo, pr.TargetBranch, pr.BaseSHA, pr.MergeSHA, pr.Author)...), nil
}

// ClosePullRequest closes a pull request without merging and returns the
// deliveries ("closed" with merged false).
func (s *Server) ClosePullRequest(repo string, number int) ([]*http.Request, error) {
	pr, err := s.store.ClosePullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	return s.deliverPullRequest(repo, pr, "closed", pr.Author), nil
}

// ReopenPullRequest reopens a closed pull request and returns the
// deliveries ("reopened").
func (s *Server) ReopenPullRequest(repo string, number int) ([]*http.Request, error) {
	pr, err := s.store.ReopenPullRequest(repo, number)
	if err != nil {
		return nil, err
	}
	return s.deliverPullRequest(repo, pr, "reopened", pr.Author), nil
}

// SetPullRequestFileLimit caps the files GET pulls/{n}/files lists (GitHub
// lists at most 3,000); changed_files still counts them all.
func (s *Server) SetPullRequestFileLimit(n int) {
	s.mu.Lock()
	s.prFiles = n
	s.mu.Unlock()
}

// pull resolves the repository (checking that the caller may do what n
// says) and the {number} of a pull request route.
func (s *Server) pull(w http.ResponseWriter, r *http.Request, c *call, n need) (fakegit.Repo, int, bool) {
	repo, ok := s.repo(w, r, c, n)
	if !ok {
		return repo, 0, false
	}
	number, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || number <= 0 {
		writeError(w, http.StatusNotFound, "Not Found")
		return repo, 0, false
	}
	return repo, number, true
}

// handlePulls answers GET /repos/{owner}/{repo}/pulls with GitHub's
// filters: state open (the default), closed (merged or not) or all, and
// sort created (the default), updated, popularity or long-running, in
// direction desc by default when sorted by creation, asc otherwise (GitHub
// API docs, "List pull requests"). popularity and long-running are sorted
// by creation here (unconfirmed: the fake keeps no comment counts).
func (s *Server) handlePulls(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needPulls)
	if !ok {
		return
	}
	q := r.URL.Query()
	state := q.Get("state")
	if state == "" {
		state = "open"
	}
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = "created"
	}
	dir := q.Get("direction")
	if dir == "" {
		dir = "asc"
		if sortBy == "created" {
			dir = "desc"
		}
	}
	if (state != "open" && state != "closed" && state != "all") ||
		(sortBy != "created" && sortBy != "updated" && sortBy != "popularity" && sortBy != "long-running") ||
		(dir != "asc" && dir != "desc") {
		writeErrors(w, http.StatusUnprocessableEntity, "Validation Failed", fieldError{Resource: "PullRequest", Field: "state", Code: "invalid"})
		return
	}
	prs, _ := s.store.PullRequests(repo.FullPath)
	prs = slices.DeleteFunc(prs, func(pr fakegit.PullRequest) bool {
		return state == "open" && pr.State != "open" || state == "closed" && pr.State == "open"
	})
	key := func(pr fakegit.PullRequest) time.Time {
		if sortBy == "updated" {
			return pr.Updated
		}
		return pr.Created
	}
	sort.SliceStable(prs, func(i, j int) bool {
		a, b := key(prs[i]), key(prs[j])
		if a.Equal(b) {
			a, b = time.Unix(int64(prs[i].Number), 0), time.Unix(int64(prs[j].Number), 0)
		}
		if dir == "desc" {
			return a.After(b)
		}
		return a.Before(b)
	})
	list := make([]any, 0, len(prs))
	for _, pr := range prs {
		list = append(list, s.pullJSON(repo.FullPath, pr))
	}
	s.writePage(w, r, list)
}

func (s *Server) handlePull(w http.ResponseWriter, r *http.Request, c *call) {
	repo, n, ok := s.pull(w, r, c, needPulls)
	if !ok {
		return
	}
	pr, err := s.store.PullRequest(repo.FullPath, n)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.pullJSON(repo.FullPath, pr))
}

func (s *Server) handlePullFiles(w http.ResponseWriter, r *http.Request, c *call) {
	repo, n, ok := s.pull(w, r, c, needPulls)
	if !ok {
		return
	}
	changes, err := s.store.Changes(repo.FullPath, n)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	s.mu.Lock()
	limit := s.prFiles
	s.mu.Unlock()
	if len(changes) > limit {
		changes = changes[:limit]
	}
	pr, _ := s.store.PullRequest(repo.FullPath, n)
	// Only the page's entries are built (writePage answers
	// list[start:end]): a 3,000-file list read 100 at a time would
	// otherwise build 3,000 entries per page, 90,000 for the whole list,
	// and the fake's CPU would spread the scale benchmark's waves.
	page, per := s.pageParams(r)
	start, end := fakehttp.Bounds(page, per, len(changes))
	list := make([]any, len(changes))
	for i := start; i < end; i++ {
		list[i] = s.diffEntryJSON(repo.FullPath, pr.HeadSHA, changes[i])
	}
	s.writePage(w, r, list)
}

// diffEntryJSON is one entry of a pull request's file list.
func (s *Server) diffEntryJSON(full, head string, ch fakegit.Change) map[string]any {
	add, del := fakegit.LineChanges(ch.Old, ch.Content)
	f := map[string]any{"filename": ch.Path, "status": ch.Status, "sha": ch.BlobSHA, "additions": add, "deletions": del, "changes": add + del,
		"blob_url":     s.web.String() + full + "/blob/" + head + "/" + ch.Path,
		"raw_url":      s.web.String() + full + "/raw/" + head + "/" + ch.Path,
		"contents_url": s.api.String() + "repos/" + full + "/contents/" + ch.Path + "?ref=" + head}
	if ch.Status == "removed" {
		f["sha"] = ch.OldSHA
	}
	if ch.OldPath != "" {
		f["previous_filename"] = ch.OldPath
	}
	return f
}

// handleMerge answers PUT /repos/{owner}/{repo}/pulls/{number}/merge.
func (s *Server) handleMerge(w http.ResponseWriter, r *http.Request, c *call) {
	repo, n, ok := s.pull(w, r, c, needCommentWrite)
	if !ok {
		return
	}
	if _, err := s.MergePullRequest(repo.FullPath, n); err != nil {
		writeError(w, http.StatusMethodNotAllowed, "Pull Request is not mergeable")
		return
	}
	pr, _ := s.store.PullRequest(repo.FullPath, n)
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"sha": pr.MergeSHA, "merged": true, "message": "Pull Request successfully merged"})
}

// link is the description's link object ({"href": …}).
func link(href string) map[string]string { return map[string]string{"href": href} }

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Server) pullJSON(repo string, pr fakegit.PullRequest) map[string]any {
	state := "open"
	if pr.State != "open" {
		state = "closed"
	}
	changes, _ := s.store.Changes(repo, pr.Number)
	additions, deletions := 0, 0
	for _, ch := range changes {
		add, del := fakegit.LineChanges(ch.Old, ch.Content)
		additions += add
		deletions += del
	}
	mergeable, rebaseable, mergeableState := s.mergeability(repo, pr)
	var mergeSHA any
	if pr.MergeSHA != "" {
		mergeSHA = pr.MergeSHA
	}
	r, _ := s.store.Repo(repo)
	owner, _, _ := strings.Cut(repo, "/")
	base := s.api.String() + "repos/" + repo
	web := s.web.String() + repo + "/pull/" + strconv.Itoa(pr.Number)
	var mergedBy any
	if pr.State == "merged" {
		mergedBy = s.userJSON(pr.Author)
	}
	side := func(ref, sha string) map[string]any {
		return map[string]any{"ref": ref, "sha": sha, "label": owner + ":" + ref, "user": s.userJSON(owner), "repo": s.repoPayload(repo)}
	}
	return map[string]any{
		"id":                  r.ID*1000 + pr.Number,
		"node_id":             "PR_" + strconv.Itoa(r.ID*1000+pr.Number),
		"number":              pr.Number,
		"title":               pr.Title,
		"body":                pr.Description,
		"state":               state,
		"locked":              false,
		"active_lock_reason":  nil,
		"draft":               pr.Draft,
		"merged":              pr.State == "merged",
		"merged_by":           mergedBy,
		"mergeable":           mergeable,
		"merged_at":           ts(pr.MergedAt),
		"closed_at":           ts(pr.ClosedAt),
		"created_at":          ts(pr.Created),
		"updated_at":          ts(pr.Updated),
		"merge_commit_sha":    mergeSHA,
		"user":                s.userJSON(pr.Author),
		"author_association":  "CONTRIBUTOR",
		"assignee":            nil,
		"assignees":           []any{},
		"requested_reviewers": []any{},
		"requested_teams":     []any{},
		"labels":              []any{},
		"milestone":           nil,
		"head":                side(pr.SourceBranch, pr.HeadSHA),
		"base":                side(pr.TargetBranch, pr.BaseSHA),
		"html_url":            web,
		"diff_url":            web + ".diff",
		"patch_url":           web + ".patch",
		"url":                 base + "/pulls/" + strconv.Itoa(pr.Number),
		"issue_url":           base + "/issues/" + strconv.Itoa(pr.Number),
		"comments_url":        base + "/issues/" + strconv.Itoa(pr.Number) + "/comments",
		"commits_url":         base + "/pulls/" + strconv.Itoa(pr.Number) + "/commits",
		"review_comments_url": base + "/pulls/" + strconv.Itoa(pr.Number) + "/comments",
		"statuses_url":        base + "/statuses/" + pr.HeadSHA,
		"review_comment_url":  base + "/pulls/comments{/number}",
		"auto_merge":          nil,
		"mergeable_state":     mergeableState,
		"rebaseable":          rebaseable,
		"_links": map[string]any{
			"self":            link(base + "/pulls/" + strconv.Itoa(pr.Number)),
			"html":            link(web),
			"issue":           link(base + "/issues/" + strconv.Itoa(pr.Number)),
			"comments":        link(base + "/issues/" + strconv.Itoa(pr.Number) + "/comments"),
			"review_comments": link(base + "/pulls/" + strconv.Itoa(pr.Number) + "/comments"),
			"review_comment":  link(base + "/pulls/comments{/number}"),
			"commits":         link(base + "/pulls/" + strconv.Itoa(pr.Number) + "/commits"),
			"statuses":        link(base + "/statuses/" + pr.HeadSHA),
		},
		"comments":              0,
		"review_comments":       0,
		"commits":               s.commitCount(repo, pr),
		"additions":             additions,
		"deletions":             deletions,
		"changed_files":         len(changes),
		"maintainer_can_modify": false,
	}
}

// mergeability is what GitHub reports once it has computed a pull
// request's mergeability: for an open one, mergeable and rebaseable
// (the fake's branches never conflict) and a mergeable_state of "draft",
// "unstable" (a commit status at the head is not success) or "clean";
// for a closed or merged one, null and "unknown", as GitHub answers.
// GitHub computes these in the background and may answer null first
// (REST docs, "Get a pull request"); the fake has always finished.
func (s *Server) mergeability(repo string, pr fakegit.PullRequest) (mergeable, rebaseable any, state string) {
	if pr.State != "open" {
		return nil, nil, "unknown"
	}
	switch {
	case pr.Draft:
		state = "draft"
	default:
		state = "clean"
		all, _, _ := s.store.Statuses(repo, pr.HeadSHA)
		for _, st := range fakegit.LatestStatuses(all) {
			if st.State != "success" {
				state = "unstable"
				break
			}
		}
	}
	return true, true, state
}

// commitCount counts the commits from the pull request's head back to
// its base along first parents (the fake's pull requests are linear).
func (s *Server) commitCount(repo string, pr fakegit.PullRequest) int {
	n := 0
	for sha := pr.HeadSHA; sha != "" && sha != pr.BaseSHA && n < 10000; n++ {
		info, err := s.store.CommitInfo(repo, sha)
		if err != nil || len(info.Parents) == 0 {
			return n + 1
		}
		sha = info.Parents[0]
	}
	return max(n, 1)
}
