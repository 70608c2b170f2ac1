package azuredevopstest

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

var gitStatusStates = []string{"notSet", "pending", "succeeded", "failed", "error", "notApplicable", "partiallySucceeded"}

// statusScope reports whether the PAT may read or write statuses: Code
// (Status), or a Code scope that includes it (the fake takes Code (Full)
// and full access to include it; whether Code (Read & write) does is
// unconfirmed, and the fake says it does not).
func (q *request) statusScope(read bool) bool {
	if q.pat.has(ScopeCodeStatus) || q.pat.has(ScopeCodeFull) || (read && q.pat.has(ScopeCode)) {
		return true
	}
	q.fail(http.StatusUnauthorized, "UnauthorizedRequestException", "TF400813: The user '%s' is not authorized to access this resource.", q.user.ID)
	return false
}

func (s *Server) statusJSON(ri *repoInfo, sha string, st fakegit.Status) map[string]any {
	genre, name := "", st.Key
	if i := strings.Index(st.Key, "\x00"); i >= 0 {
		genre, name = st.Key[:i], st.Key[i+1:]
	}
	ctx := map[string]any{"name": name}
	if genre != "" {
		ctx["genre"] = genre
	}
	out := map[string]any{
		"id": st.ID, "state": st.State, "description": st.Description, "context": ctx,
		"creationDate": azTime(st.Created), "updatedDate": azTime(st.Updated), "createdBy": identityJSON(s.user(st.Author)),
		"url": s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/commits/" + sha + "/statuses/" + strconv.Itoa(st.ID),
	}
	if st.URL != "" {
		out["targetUrl"] = st.URL
	}
	return out
}

// serveCreateStatus is POST …/commits/{commitId}/statuses {state,
// description, targetUrl, context: {name, genre}}. Azure DevOps keeps
// every status; the list with latestOnly shows the newest per context.
func (s *Server) serveCreateStatus(q *request, ri *repoInfo, commit string) {
	if !q.statusScope(false) || !q.permitted(nsGit, gitContribute, "GenericContribute", s.gitToken(ri)) {
		return
	}
	var body struct {
		State       string `json:"state"`
		Description string `json:"description"`
		TargetURL   string `json:"targetUrl"`
		Context     struct {
			Name  string `json:"name"`
			Genre string `json:"genre"`
		} `json:"context"`
	}
	if err := readJSON(q.r, &body); err != nil || body.Context.Name == "" || !slices.Contains(gitStatusStates, body.State) {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The status must have a context name and a valid state.")
		return
	}
	if body.TargetURL != "" {
		if u, err := url.Parse(body.TargetURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The target URL must be an absolute http(s) URL.")
			return
		}
	}
	key := body.Context.Name
	if body.Context.Genre != "" {
		key = body.Context.Genre + "\x00" + key
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.store.SetStatus(ri.full, commit, fakegit.Status{Key: key, State: body.State, Description: body.Description, URL: body.TargetURL, Author: q.user.UniqueName}, false)
	if err != nil {
		q.fail(http.StatusNotFound, "GitObjectNotFoundException", "TF401174: The item %s could not be found in the repository.", commit)
		return
	}
	_, full, _ := s.store.Statuses(ri.full, commit)
	q.json(http.StatusCreated, s.statusJSON(ri, full, st))
}

// serveStatuses is GET …/commits/{commitId}/statuses?latestOnly=&$top=&$skip=,
// newest first.
func (s *Server) serveStatuses(q *request, ri *repoInfo, commit string) {
	if !q.statusScope(true) || !q.permitted(nsGit, gitRead, "Read", s.gitToken(ri)) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	all, full, err := s.store.Statuses(ri.full, commit)
	if err != nil {
		q.fail(http.StatusNotFound, "GitObjectNotFoundException", "TF401174: The item %s could not be found in the repository.", commit)
		return
	}
	if strings.EqualFold(q.query("latestOnly"), "true") {
		all = fakegit.LatestStatuses(all)
	}
	slices.Reverse(all)
	top, skip := 1000, 0
	if v := q.query("$top"); v != "" {
		top, _ = strconv.Atoi(v)
	}
	if v := q.query("$skip"); v != "" {
		skip, _ = strconv.Atoi(v)
	}
	top = s.kit.PageCap(max(top, 1))
	start, end := min(skip, len(all)), min(skip+top, len(all))
	out := []map[string]any{}
	for _, st := range all[start:end] {
		out = append(out, s.statusJSON(ri, full, st))
	}
	q.json(http.StatusOK, map[string]any{"value": out, "count": len(out)})
}
