package azuredevopstest

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// zeroID is Azure DevOps' object ID of "no ref".
const zeroID = "0000000000000000000000000000000000000000"

// ScopeCodeStatus is the PAT scope Code (Status): read and write commit and
// pull request statuses.
const ScopeCodeStatus = "vso.code_status"

// routeWriteBack routes the refs, pushes, pull request creation and commit
// status endpoints of a repository; it reports whether it answered.
func (s *Server) routeWriteBack(q *request, ri *repoInfo, rest []string) bool {
	m := q.r.Method
	is := func(i int, name string) bool { return len(rest) > i && strings.EqualFold(rest[i], name) }
	switch {
	case len(rest) == 1 && is(0, "refs") && m == http.MethodGet:
		s.serveRefs(q, ri)
	case len(rest) == 1 && is(0, "refs") && m == http.MethodPost:
		s.serveUpdateRefs(q, ri)
	case len(rest) == 1 && is(0, "pushes") && m == http.MethodPost:
		s.servePush(q, ri)
	case len(rest) == 1 && is(0, "pullrequests") && m == http.MethodPost:
		s.serveCreatePR(q, ri)
	case len(rest) == 3 && is(0, "commits") && is(2, "statuses") && m == http.MethodPost:
		s.serveCreateStatus(q, ri, rest[1])
	case len(rest) == 3 && is(0, "commits") && is(2, "statuses") && m == http.MethodGet:
		s.serveStatuses(q, ri, rest[1])
	default:
		return false
	}
	return true
}

func (s *Server) gitToken(ri *repoInfo) string { return "repoV2/" + ri.project.ID + "/" + ri.ID }

func (s *Server) refJSON(ri *repoInfo, name, sha string) map[string]any {
	return map[string]any{
		"name": name, "objectId": sha, "creator": identityJSON(s.defaultUser), "isLocked": false,
		"url": s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/refs?filter=" + strings.TrimPrefix(name, "refs/"),
	}
}

// serveRefs is GET …/refs?filter=PREFIX&$top=&continuationToken=: the
// branches (and tags) whose name without refs/ starts with the filter,
// sorted, paged with the x-ms-continuationtoken header.
func (s *Server) serveRefs(q *request, ri *repoInfo) {
	if !q.scope(ScopeCode) || !q.permitted(nsGit, gitRead, "Read", s.gitToken(ri)) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	heads, _ := s.store.Branches(ri.full)
	names, _ := s.store.BranchNames(ri.full)
	filter := strings.TrimPrefix(q.query("filter"), "refs/")
	var all []map[string]any
	for _, n := range names {
		if strings.HasPrefix("heads/"+n, filter) {
			all = append(all, s.refJSON(ri, "refs/heads/"+n, heads[n]))
		}
	}
	top := 1000
	if v := q.query("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The value of $top is not valid.")
			return
		}
		top = n
	}
	top = s.kit.PageCap(top)
	start := 0
	if v := q.query("continuationToken"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > len(all) {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The continuation token is not valid.")
			return
		}
		start = n
	}
	end := min(start+top, len(all))
	if end < len(all) {
		q.w.Header().Set("x-ms-continuationtoken", strconv.Itoa(end))
	}
	page := all[start:end]
	if page == nil {
		page = []map[string]any{}
	}
	q.json(http.StatusOK, map[string]any{"value": page, "count": len(page)})
}

// serveUpdateRefs is POST …/refs [{name, oldObjectId, newObjectId}]: each
// update succeeds only when the ref is at oldObjectId (the zero ID: the
// ref does not exist); a failed one reports success false and
// updateStatus staleOldObjectId in a 200 answer. Creating a branch needs
// Create branch.
func (s *Server) serveUpdateRefs(q *request, ri *repoInfo) {
	if !q.scope(ScopeCodeWrite) || !q.permitted(nsGit, gitCreateBranch, "CreateBranch", s.gitToken(ri)) {
		return
	}
	var body []struct {
		Name        string `json:"name"`
		OldObjectID string `json:"oldObjectId"`
		NewObjectID string `json:"newObjectId"`
	}
	if err := readJSON(q.r, &body); err != nil || len(body) == 0 {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The ref updates are not valid.")
		return
	}
	s.mu.Lock()
	var out []map[string]any
	var ds []delivery
	for _, u := range body {
		branch, ok := strings.CutPrefix(u.Name, "refs/heads/")
		res := map[string]any{"name": u.Name, "oldObjectId": u.OldObjectID, "newObjectId": u.NewObjectID, "repositoryId": ri.ID,
			"isLocked": false, "rejectedBy": nil, "customMessage": nil, "success": false, "updateStatus": "invalidRefName"}
		if ok && u.OldObjectID == zeroID {
			sha, err := s.store.CreateBranch(ri.full, branch, u.NewObjectID)
			switch {
			case err == nil:
				res["success"], res["updateStatus"], res["newObjectId"] = true, "succeeded", sha
				ds = append(ds, s.pushEvent(ri, branch, zeroID, sha)...)
			case isConflict(err):
				res["updateStatus"] = "staleOldObjectId"
			default:
				res["updateStatus"] = "invalidRefName"
			}
		} else if ok {
			res["updateStatus"] = "staleOldObjectId" // only creations are modelled
		}
		out = append(out, res)
	}
	s.mu.Unlock()
	s.deliver(ds)
	q.json(http.StatusOK, map[string]any{"value": out, "count": len(out)})
}

func isConflict(err error) bool { return errors.Is(err, fakegit.ErrConflict) }
