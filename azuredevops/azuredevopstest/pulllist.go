package azuredevopstest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// servePRList is GET …/_apis/git/repositories/{repo}/pullrequests, with
// the search criteria Azure DevOps documents ("Pull Requests - Get Pull
// Requests", api-version 7.1): searchCriteria.status (active, the
// default; abandoned, completed, all, notSet), and
// searchCriteria.minTime / maxTime compared with the creation date, or
// with the closing date when searchCriteria.queryTimeRangeType is closed
// (an open pull request then has none and is left out). Newest first,
// paged with $top (101 by default, unconfirmed) and $skip. The minTime
// bound is taken as inclusive (unconfirmed). It needs the Code (read)
// scope.
func (s *Server) servePRList(q *request, ri *repoInfo) {
	if !q.scope(ScopeCode) {
		return
	}
	status := strings.ToLower(q.query("searchCriteria.status"))
	switch status {
	case "":
		status = "active"
	case "active", "abandoned", "completed", "all", "notset":
	default:
		q.fail(http.StatusBadRequest, "ArgumentException", "The searchCriteria.status %q is not valid.", q.query("searchCriteria.status"))
		return
	}
	rangeType := strings.ToLower(q.query("searchCriteria.queryTimeRangeType"))
	if rangeType != "" && rangeType != "created" && rangeType != "closed" {
		q.fail(http.StatusBadRequest, "ArgumentException", "The searchCriteria.queryTimeRangeType %q is not valid.", q.query("searchCriteria.queryTimeRangeType"))
		return
	}
	var minT, maxT time.Time
	for name, t := range map[string]*time.Time{"searchCriteria.minTime": &minT, "searchCriteria.maxTime": &maxT} {
		if v := q.query(name); v != "" {
			var err error
			if *t, err = time.Parse(time.RFC3339Nano, v); err != nil {
				q.fail(http.StatusBadRequest, "ArgumentException", "The %s %q is not a valid date.", name, v)
				return
			}
		}
	}
	top, skip := 101, 0
	for name, n := range map[string]*int{"$top": &top, "$skip": &skip} {
		if v := q.query(name); v != "" {
			var err error
			if *n, err = strconv.Atoi(v); err != nil || *n < 0 {
				q.fail(http.StatusBadRequest, "ArgumentException", "%s %q is not valid.", name, v)
				return
			}
		}
	}
	top = s.kit.PageCap(top)
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []any
	prs := s.prsOf(ri)
	for i := len(prs) - 1; i >= 0; i-- {
		pr := prs[i]
		st, err := s.store.PullRequest(pr.repo.full, pr.num)
		if err != nil {
			continue
		}
		if status != "all" && status != "notset" && azStatus(st.State) != status {
			continue
		}
		if !minT.IsZero() || !maxT.IsZero() {
			at := st.Created
			if rangeType == "closed" {
				at = st.ClosedAt
				if st.State == "merged" {
					at = st.MergedAt
				}
				if at.IsZero() {
					continue
				}
			}
			if !minT.IsZero() && at.Before(minT) || !maxT.IsZero() && at.After(maxT) {
				continue
			}
		}
		list = append(list, s.prJSON(pr))
	}
	start, end := min(skip, len(list)), min(skip+top, len(list))
	page := list[start:end]
	if page == nil {
		page = []any{}
	}
	q.json(http.StatusOK, map[string]any{"count": len(page), "value": page})
}
