package azuredevopstest

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// prInfo is what the fake adds to a fakegit pull request: its
// collection-wide ID, iterations, threads and who closed it.
type prInfo struct {
	ID         int
	repo       *repoInfo
	num        int // fakegit number
	author     *User
	closedBy   *User
	iterations []string // source commit of each iteration
	iterTimes  []time.Time
	threads    []*thread
}

func (s *Server) prsOf(ri *repoInfo) []*prInfo {
	var out []*prInfo
	for id := 1; id < s.nextPR; id++ {
		if pr := s.prs[id]; pr != nil && pr.repo == ri {
			out = append(out, pr)
		}
	}
	return out
}

func (s *Server) openPullRequest(repo, source, target, title, description, author string) (int, []*http.Request, error) {
	s.mu.Lock()
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		s.mu.Unlock()
		return 0, nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	u := s.user(author)
	st, err := s.store.OpenPullRequest(ri.full, source, target, title, description, u.UniqueName)
	if err != nil {
		s.mu.Unlock()
		return 0, nil, err
	}
	pr := &prInfo{ID: s.nextPR, repo: ri, num: st.Number, author: u,
		iterations: []string{st.HeadSHA}, iterTimes: []time.Time{s.Now()}}
	s.nextPR++
	s.prs[pr.ID] = pr
	d := s.prEvent(pr, EventPullRequestCreated, fmt.Sprintf("%s created pull request %d (%s)", u.DisplayName, pr.ID, title))
	d = append(d, s.speculativeMerge(pr)...)
	s.mu.Unlock()
	return pr.ID, s.deliver(d), nil
}

func (s *Server) pr(repo string, id int) (*prInfo, error) {
	ri := s.repos[strings.ToLower(repo)]
	if ri == nil {
		return nil, fmt.Errorf("azuredevopstest: no repository %q", repo)
	}
	pr := s.prs[id]
	if pr == nil || pr.repo != ri {
		return nil, fmt.Errorf("azuredevopstest: repository %q has no pull request %d", repo, id)
	}
	return pr, nil
}

// MergePullRequest completes an active pull request with a merge commit.
// It sends git.pullrequest.merged (status completed, mergeStatus
// succeeded), git.pullrequest.updated (status completed) and git.push of
// the target branch, and returns the deliveries it made.
func (s *Server) MergePullRequest(repo string, id int) ([]*http.Request, error) {
	s.mu.Lock()
	pr, err := s.pr(repo, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	before, _ := s.store.PullRequest(pr.repo.full, pr.num)
	heads, _ := s.store.Branches(pr.repo.full)
	st, err := s.store.MergePullRequest(pr.repo.full, pr.num)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("azuredevopstest: pull request %d cannot be completed: %w", id, err)
	}
	pr.closedBy = s.defaultUser
	who := s.defaultUser.DisplayName
	pr.systemThread(s, s.defaultUser, who+" set the pull request status to Completed")
	d := s.completion(map[string][]delivery{
		EventPullRequestMerged:  s.prEvent(pr, EventPullRequestMerged, fmt.Sprintf("%s has created a pull request merge commit", who)),
		EventPullRequestUpdated: s.prEvent(pr, EventPullRequestUpdated, fmt.Sprintf("%s completed pull request %d (%s)", who, pr.ID, before.Title)),
		EventPush:               s.pushEvent(pr.repo, st.TargetBranch, heads[st.TargetBranch], st.MergeSHA),
	})
	s.mu.Unlock()
	return s.deliver(d), nil
}

// ClosePullRequest abandons an active pull request. It sends
// git.pullrequest.updated with status abandoned.
func (s *Server) ClosePullRequest(repo string, id int) ([]*http.Request, error) {
	return s.setStatus(repo, id, "abandoned")
}

// ReopenPullRequest reactivates an abandoned pull request. It sends
// git.pullrequest.updated with status active.
func (s *Server) ReopenPullRequest(repo string, id int) ([]*http.Request, error) {
	return s.setStatus(repo, id, "active")
}

func (s *Server) setStatus(repo string, id int, status string) ([]*http.Request, error) {
	s.mu.Lock()
	pr, err := s.pr(repo, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var st fakegit.PullRequest
	verb := "abandoned"
	if status == "abandoned" {
		st, err = s.store.ClosePullRequest(pr.repo.full, pr.num)
		pr.closedBy = s.defaultUser
	} else {
		verb = "reactivated"
		st, err = s.store.ReopenPullRequest(pr.repo.full, pr.num)
		pr.closedBy = nil
	}
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("azuredevopstest: pull request %d cannot be %s: %w", id, verb, err)
	}
	who := s.defaultUser.DisplayName
	pr.systemThread(s, s.defaultUser, fmt.Sprintf("%s %s the pull request", who, verb))
	d := s.prEvent(pr, EventPullRequestUpdated, fmt.Sprintf("%s %s pull request %d (%s)", who, verb, pr.ID, st.Title))
	s.mu.Unlock()
	return s.deliver(d), nil
}

// Notify sends the service-hook event eventType (e.g.
// "git.pullrequest.created") for the pull request as it is now, to every
// matching subscription, as Azure's "Test" and resend do, and returns the
// deliveries.
func (s *Server) Notify(repo string, id int, eventType string) ([]*http.Request, error) {
	s.mu.Lock()
	pr, err := s.pr(repo, id)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	d := s.prEvent(pr, eventType, fmt.Sprintf("%s sent %s for pull request %d", s.defaultUser.DisplayName, eventType, pr.ID))
	s.mu.Unlock()
	return s.deliver(d), nil
}

// azStatus maps the fakegit state to Azure's pull request status.
func azStatus(state string) string {
	switch state {
	case "merged":
		return "completed"
	case "closed":
		return "abandoned"
	}
	return "active"
}

func sha1Hex(parts ...string) string {
	h := sha1.Sum([]byte(strings.Join(parts, ":")))
	return hex.EncodeToString(h[:])
}

func (s *Server) commitJSON(ri *repoInfo, sha string) map[string]any {
	return map[string]any{"commitId": sha, "url": s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/commits/" + sha}
}

// prJSON is a GitPullRequest as the REST API and service hooks show it.
// prRepoJSON is a pull request's repository as Azure answers it in a pull
// request: id, name, url and project only (no webUrl or remoteUrl).
func (s *Server) prRepoJSON(ri *repoInfo) map[string]any {
	full := s.repoJSON(ri)
	return map[string]any{"id": full["id"], "name": full["name"], "url": full["url"], "project": full["project"]}
}

func (s *Server) prJSON(pr *prInfo) map[string]any {
	st, _ := s.store.PullRequest(pr.repo.full, pr.num)
	status := azStatus(st.State)
	ri := pr.repo
	m := map[string]any{
		"repository":            s.prRepoJSON(ri),
		"pullRequestId":         pr.ID,
		"codeReviewId":          pr.ID,
		"status":                status,
		"createdBy":             identityJSON(pr.author),
		"creationDate":          azTime(st.Created),
		"title":                 st.Title,
		"description":           st.Description,
		"sourceRefName":         "refs/heads/" + st.SourceBranch,
		"targetRefName":         "refs/heads/" + st.TargetBranch,
		"mergeStatus":           "succeeded",
		"isDraft":               st.Draft,
		"mergeId":               s.guidFor("merge", pr.ID),
		"lastMergeSourceCommit": s.commitJSON(ri, st.HeadSHA),
		"lastMergeTargetCommit": s.commitJSON(ri, st.BaseSHA),
		"reviewers":             []any{},
		"supportsIterations":    true,
		"url":                   s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/pullRequests/" + strconv.Itoa(pr.ID),
	}
	if status == "completed" {
		m["lastMergeCommit"] = s.commitJSON(ri, st.MergeSHA)
		m["closedDate"] = azTime(st.MergedAt)
	} else {
		// The trial merge Azure keeps for an active pull request.
		m["lastMergeCommit"] = s.commitJSON(ri, sha1Hex("trial-merge", st.BaseSHA, st.HeadSHA))
	}
	if status == "abandoned" {
		m["closedDate"] = azTime(st.ClosedAt)
	}
	if pr.closedBy != nil {
		m["closedBy"] = identityJSON(pr.closedBy)
	}
	return m
}

// guidFor is a stable GUID for an object (no sequence number involved).
func (s *Server) guidFor(kind string, n int) string {
	x := sha1Hex(s.org, kind, strconv.Itoa(n))
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// findPR resolves a pull request ID within a repository.
func (s *Server) findPR(q *request, ri *repoInfo, id int) (*prInfo, bool) {
	s.mu.Lock()
	pr := s.prs[id]
	s.mu.Unlock()
	if pr == nil || pr.repo != ri {
		q.fail(http.StatusNotFound, "GitPullRequestNotFoundException", "TF401180: The requested pull request was not found.")
		return nil, false
	}
	return pr, true
}

func (s *Server) servePR(q *request, pr *prInfo) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	q.json(http.StatusOK, s.prJSON(pr))
}

func (s *Server) serveIterations(q *request, pr *prInfo) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, _ := s.store.PullRequest(pr.repo.full, pr.num)
	list := make([]any, 0, len(pr.iterations))
	for i, head := range pr.iterations {
		reason := "push"
		if i == 0 {
			reason = "create"
		}
		list = append(list, map[string]any{
			"id": i + 1, "description": st.Title, "author": identityJSON(pr.author),
			"createdDate": azTime(pr.iterTimes[i]), "updatedDate": azTime(pr.iterTimes[i]),
			"sourceRefCommit": map[string]any{"commitId": head},
			"targetRefCommit": map[string]any{"commitId": st.BaseSHA},
			"commonRefCommit": map[string]any{"commitId": st.BaseSHA},
			"hasMoreCommits":  false, "reason": reason,
		})
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

type change struct {
	path, oldPath, kind, objectID, oldObjectID string
	folder                                     bool
}

// diff compares two commits the way Azure lists pull request changes:
// files added, edited, deleted and renamed (a deleted file whose exact
// content reappears under a new path), plus folders that appear.
func (s *Server) diff(full, from, to string) ([]change, error) {
	list := func(sha string) (map[string]string, map[string]bool, error) {
		files, dirs := map[string]string{}, map[string]bool{}
		entries, err := s.store.Tree(full, sha, "", true)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range entries {
			if e.Type == "dir" {
				dirs[e.Path] = true
			} else {
				files[e.Path] = e.SHA
			}
		}
		return files, dirs, nil
	}
	oldFiles, oldDirs, err := list(from)
	if err != nil {
		return nil, err
	}
	newFiles, newDirs, err := list(to)
	if err != nil {
		return nil, err
	}
	var out, added, removed []change
	for p, sha := range newFiles {
		old, ok := oldFiles[p]
		switch {
		case !ok:
			added = append(added, change{path: p, kind: "add", objectID: sha})
		case old != sha:
			out = append(out, change{path: p, kind: "edit", objectID: sha, oldObjectID: old})
		}
	}
	for p, sha := range oldFiles {
		if _, ok := newFiles[p]; !ok {
			removed = append(removed, change{path: p, kind: "delete", oldObjectID: sha})
		}
	}
	sort.Slice(added, func(i, j int) bool { return added[i].path < added[j].path })
	sort.Slice(removed, func(i, j int) bool { return removed[i].path < removed[j].path })
	for _, rm := range removed {
		renamed := false
		for i := range added {
			if added[i].kind == "add" && added[i].objectID == rm.oldObjectID {
				added[i].kind, added[i].oldPath, added[i].oldObjectID = "rename", rm.path, rm.oldObjectID
				renamed = true
				break
			}
		}
		if !renamed {
			out = append(out, rm)
		}
	}
	out = append(out, added...)
	for d := range newDirs {
		if !oldDirs[d] {
			out = append(out, change{path: d, kind: "add", folder: true})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// serveChanges is GET …/iterations/{id}/changes?$top=&$skip=&$compareTo=:
// the changes of the iteration against the merge base ($compareTo=0) or
// another iteration, paged with nextSkip/nextTop (0 on the last page).
func (s *Server) serveChanges(q *request, pr *prInfo, it int) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if it < 1 || it > len(pr.iterations) {
		q.fail(http.StatusNotFound, "GitPullRequestIterationNotFoundException", "The pull request iteration %d was not found.", it)
		return
	}
	st, _ := s.store.PullRequest(pr.repo.full, pr.num)
	from := st.BaseSHA
	if c := q.query("$compareTo"); c != "" && c != "0" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 0 || n > len(pr.iterations) {
			q.fail(http.StatusBadRequest, "ArgumentException", "The compareTo iteration %q is not valid.", c)
			return
		}
		from = pr.iterations[n-1]
	}
	changes, err := s.diff(pr.repo.full, from, pr.iterations[it-1])
	if err != nil {
		q.fail(http.StatusInternalServerError, "Exception", "%v", err)
		return
	}
	top, skip := 100, 0
	if v := q.query("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			q.fail(http.StatusBadRequest, "ArgumentException", "$top %q is not valid.", v)
			return
		}
		top = n
	}
	if v := q.query("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			q.fail(http.StatusBadRequest, "ArgumentException", "$skip %q is not valid.", v)
			return
		}
		skip = n
	}
	top = min(top, 2000)
	top = s.kit.PageCap(top)
	start, end := min(skip, len(changes)), min(skip+top, len(changes))
	entries := make([]any, 0, end-start)
	for i, c := range changes[start:end] {
		item := map[string]any{"path": "/" + c.path}
		if c.folder {
			item["isFolder"], item["gitObjectType"] = true, "tree"
		} else {
			item["gitObjectType"] = "blob"
			if c.objectID != "" {
				item["objectId"] = c.objectID
			}
			if c.oldObjectID != "" {
				item["originalObjectId"] = c.oldObjectID
			}
		}
		e := map[string]any{"changeTrackingId": start + i + 1, "changeId": start + i + 1, "item": item, "changeType": c.kind}
		if c.kind == "rename" {
			e["originalPath"] = "/" + c.oldPath
			e["sourceServerItem"] = "/" + c.oldPath
		}
		entries = append(entries, e)
	}
	nextSkip, nextTop := 0, 0
	if end < len(changes) {
		nextSkip, nextTop = end, top
	}
	q.json(http.StatusOK, map[string]any{"changeEntries": entries, "nextSkip": nextSkip, "nextTop": nextTop})
}
