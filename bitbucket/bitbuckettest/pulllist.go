package bitbuckettest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gitprovider/gitprovider/internal/fakegit"
)

// MaxPullRequestPageLen is the largest pagelen the fake accepts for pull
// request lists (more is a 400); Bitbucket is said to cap them at 50
// (unconfirmed).
const MaxPullRequestPageLen = 50

// bbqlTime is the one BBQL form the fake understands in q: a comparison
// of updated_on or created_on with an ISO 8601 datetime (or date), e.g.
// updated_on >= 2025-01-02T03:04:05.000000+00:00, joined by AND.
var bbqlTime = regexp.MustCompile(`^\s*(updated_on|created_on)\s*(>=|<=|>|<)\s*"?([0-9T:.+\-Z]+)"?\s*$`)

// handleListPulls answers GET /2.0/repositories/{ws}/{slug}/pullrequests:
// only OPEN pull requests unless state (repeatable: OPEN, MERGED,
// DECLINED, SUPERSEDED) says otherwise; q filters with BBQL (the fake
// knows comparisons of updated_on and created_on, joined by AND; any
// other query is a 400 as Bitbucket answers a query it cannot parse);
// sort orders by id, created_on or updated_on, "-" for descending (by id
// without one: unconfirmed). The pullrequest scope is needed, as for a
// single pull request.
//
// Bitbucket API docs: "List pull requests", and "Filtering and sorting"
// (https://developer.atlassian.com/cloud/bitbucket/rest/intro/#filtering).
func (s *Server) handleListPulls(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	q := r.URL.Query()
	if v := q.Get("pagelen"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > MaxPullRequestPageLen {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("Invalid pagelen: %d exceeds the maximum of %d", n, MaxPullRequestPageLen))
			return
		}
	}
	states := map[string]bool{}
	for _, st := range q["state"] {
		switch st {
		case "OPEN", "MERGED", "DECLINED", "SUPERSEDED":
			states[st] = true
		default:
			writeError(w, http.StatusBadRequest, "Invalid state: "+st)
			return
		}
	}
	if len(states) == 0 {
		states["OPEN"] = true
	}
	type cond struct {
		field, op string
		t         time.Time
	}
	var conds []cond
	if expr := strings.TrimSpace(q.Get("q")); expr != "" {
		for _, part := range regexp.MustCompile(`(?i)\s+AND\s+`).Split(expr, -1) {
			m := bbqlTime.FindStringSubmatch(part)
			var t time.Time
			var err error
			if m != nil {
				if t, err = time.Parse(time.RFC3339Nano, m[3]); err != nil {
					t, err = time.Parse("2006-01-02", m[3])
				}
			}
			if m == nil || err != nil {
				writeError(w, http.StatusBadRequest, "Invalid query: "+part)
				return
			}
			conds = append(conds, cond{m[1], m[2], t})
		}
	}
	sortBy := q.Get("sort")
	desc := strings.HasPrefix(sortBy, "-")
	field := strings.TrimPrefix(sortBy, "-")
	if field != "" && field != "id" && field != "created_on" && field != "updated_on" {
		writeError(w, http.StatusBadRequest, "Invalid sort field: "+field)
		return
	}
	prs, err := s.store.PullRequests(repo.FullPath)
	if err != nil {
		storeError(w, err, "Repository")
		return
	}
	prs = slices.DeleteFunc(prs, func(pr fakegit.PullRequest) bool {
		if !states[prStates[pr.State]] {
			return true
		}
		for _, c := range conds {
			v := pr.Updated
			if c.field == "created_on" {
				v = pr.Created
			}
			// Bitbucket keeps microseconds, as timestamp writes them.
			v = v.Truncate(time.Microsecond)
			keep := map[string]bool{">": v.After(c.t), ">=": !v.Before(c.t), "<": v.Before(c.t), "<=": !v.After(c.t)}[c.op]
			if !keep {
				return true
			}
		}
		return false
	})
	key := func(pr fakegit.PullRequest) time.Time {
		switch field {
		case "created_on":
			return pr.Created
		case "updated_on":
			return pr.Updated
		}
		return time.Unix(int64(pr.Number), 0)
	}
	sort.SliceStable(prs, func(i, j int) bool {
		a, b := key(prs[i]), key(prs[j])
		less := a.Before(b) || a.Equal(b) && prs[i].Number < prs[j].Number
		if desc {
			return !less
		}
		return less
	})
	out := make([]map[string]any, len(prs))
	for i, pr := range prs {
		out[i] = s.prJSON(repo, pr)
	}
	writePage(s, w, r, out)
}
