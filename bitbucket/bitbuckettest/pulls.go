package bitbuckettest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// short is Bitbucket's 12-character form of a hash, used in pull request
// objects and webhook payloads.
func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func prKey(full string, n int) string { return strings.ToLower(full) + "#" + strconv.Itoa(n) }

// MergePullRequest merges an open pull request (a merge commit on the
// destination branch) and delivers pullrequest:fulfilled, then repo:push
// for the destination branch. It returns the deliveries.
func (s *Server) MergePullRequest(full string, number int) ([]*http.Request, error) {
	before, err := s.store.PullRequest(full, number)
	if err != nil {
		return nil, err
	}
	branches, _ := s.store.Branches(full)
	old := branches[before.TargetBranch]
	pr, err := s.store.MergePullRequest(full, number)
	if err != nil {
		return nil, err
	}
	out := s.deliverPull(full, number, "pullrequest:fulfilled")
	out = append(out, s.deliverPush(full, pr.TargetBranch, old, pr.MergeSHA, false, s.prAuthor(full, number))...)
	return out, nil
}

// DeclinePullRequest declines (closes without merging) an open pull
// request and delivers pullrequest:rejected. Bitbucket cannot reopen a
// declined pull request, so the fake has no ReopenPullRequest.
func (s *Server) DeclinePullRequest(full string, number int) ([]*http.Request, error) {
	if _, err := s.store.ClosePullRequest(full, number); err != nil {
		return nil, err
	}
	return s.deliverPull(full, number, "pullrequest:rejected"), nil
}

// ClosePullRequest is DeclinePullRequest, under the name the other fakes
// use.
func (s *Server) ClosePullRequest(full string, number int) ([]*http.Request, error) {
	return s.DeclinePullRequest(full, number)
}

func (s *Server) prAuthor(full string, n int) *User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prUsers[prKey(full, n)]
}

var prStates = map[string]string{"open": "OPEN", "merged": "MERGED", "closed": "DECLINED"}

func (s *Server) prJSON(repo fakegit.Repo, pr fakegit.PullRequest) map[string]any {
	html := "https://bitbucket.org/" + repo.FullPath + "/pull-requests/" + strconv.Itoa(pr.Number)
	self := APIRoot + "/repositories/" + repo.FullPath + "/pullrequests/" + strconv.Itoa(pr.Number)
	side := func(branch, sha string) map[string]any {
		return map[string]any{
			"branch":     map[string]any{"name": branch},
			"commit":     map[string]any{"type": "commit", "hash": short(sha)},
			"repository": repoMini(s, repo),
		}
	}
	author := s.prAuthor(repo.FullPath, pr.Number)
	var merge, closedBy any
	if pr.MergeSHA != "" {
		merge = map[string]any{"type": "commit", "hash": short(pr.MergeSHA)}
	}
	if pr.State != "open" {
		closedBy = userJSON(author)
	}
	comments, _ := s.store.Comments(repo.FullPath, pr.Number)
	return map[string]any{
		"type": "pullrequest", "id": pr.Number, "title": pr.Title, "description": pr.Description,
		"summary": map[string]any{"type": "rendered", "raw": pr.Description, "markup": "markdown", "html": "<p>" + pr.Description + "</p>"},
		"state":   prStates[pr.State], "author": userJSON(author), "reason": "", "close_source_branch": false,
		"source": side(pr.SourceBranch, pr.HeadSHA), "destination": side(pr.TargetBranch, pr.BaseSHA),
		"merge_commit": merge, "closed_by": closedBy, "comment_count": len(comments), "task_count": 0, "draft": pr.Draft,
		"created_on": timestamp(pr.Created), "updated_on": timestamp(pr.Updated),
		"links": map[string]any{
			"self":     map[string]any{"href": self},
			"html":     map[string]any{"href": html},
			"diffstat": map[string]any{"href": self + "/diffstat"},
			"comments": map[string]any{"href": self + "/comments"},
		},
	}
}

// pullFor resolves the request's repository and pull request.
func (s *Server) pullFor(w http.ResponseWriter, r *http.Request, scopes ...string) (fakegit.Repo, fakegit.PullRequest, *principal, Permission, bool) {
	repo, p, perm, ok := s.repoFor(w, r, scopes...)
	if !ok {
		return repo, fakegit.PullRequest{}, nil, "", false
	}
	n, err := strconv.Atoi(r.PathValue("id"))
	if err != nil || n < 1 {
		writeError(w, http.StatusNotFound, "Pull request not found")
		return repo, fakegit.PullRequest{}, nil, "", false
	}
	pr, err := s.store.PullRequest(repo.FullPath, n)
	if err != nil {
		writeError(w, http.StatusNotFound, fmt.Sprintf("Pull request %d not found", n))
		return repo, fakegit.PullRequest{}, nil, "", false
	}
	return repo, pr, p, perm, true
}

// GET /2.0/repositories/{ws}/{slug}/pullrequests/{id}
func (s *Server) handleGetPull(w http.ResponseWriter, r *http.Request) {
	repo, pr, _, _, ok := s.pullFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.prJSON(repo, pr))
}

// GET /2.0/repositories/{ws}/{slug}/pullrequests/{id}/diffstat answers, as
// on Bitbucket, with a 302 to the repository diffstat of the pull
// request's commits: /diffstat/{ws}/{slug}:{head}%0D{base}?from_pullrequest_id=…
func (s *Server) handlePullDiffstat(w http.ResponseWriter, r *http.Request) {
	repo, pr, _, _, ok := s.pullFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	u, _ := url.Parse(baseURL(r))
	u.Path = "/2.0/repositories/" + repo.FullPath + "/diffstat/" + repo.FullPath + ":" + short(pr.HeadSHA) + "\r" + short(pr.BaseSHA)
	q := r.URL.Query()
	q.Set("from_pullrequest_id", strconv.Itoa(pr.Number))
	q.Set("topic", "true")
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// GET /2.0/repositories/{ws}/{slug}/diffstat/{spec}: the spec is
// "{ws}/{slug}:{head}\r{base}" (as the pull request redirect builds it)
// or "{head}..{base}". The fake computes diffstats of pull requests only:
// the spec must name a pull request's head and base.
func (s *Server) handleDiffstat(w http.ResponseWriter, r *http.Request) {
	repo, _, _, ok := s.repoFor(w, r, ScopeReadRepository)
	if !ok {
		return
	}
	spec := r.PathValue("spec")
	if i := strings.LastIndex(spec, ":"); i >= 0 {
		spec = spec[i+1:]
	}
	head, base, found := strings.Cut(spec, "\r")
	if !found {
		head, base, found = strings.Cut(spec, "..")
	}
	if !found || !isHex(head) || !isHex(base) {
		writeError(w, http.StatusNotFound, "Invalid diffstat spec")
		return
	}
	prs, _ := s.store.PullRequests(repo.FullPath)
	number := 0
	if v := r.URL.Query().Get("from_pullrequest_id"); v != "" {
		number, _ = strconv.Atoi(v)
	}
	var pr *fakegit.PullRequest
	for i := range prs {
		if (number == 0 || prs[i].Number == number) && strings.HasPrefix(prs[i].HeadSHA, head) && strings.HasPrefix(prs[i].BaseSHA, base) {
			pr = &prs[i]
			break
		}
	}
	if pr == nil {
		writeError(w, http.StatusNotFound, "Commit not found")
		return
	}
	changes, err := s.store.Changes(repo.FullPath, pr.Number)
	if err != nil {
		storeError(w, err, "Pull request")
		return
	}
	out := make([]map[string]any, 0, len(changes))
	for _, c := range changes {
		side := func(p string) any {
			if p == "" {
				return nil
			}
			return map[string]any{"type": "commit_file", "path": p, "escaped_path": escapePath(p)}
		}
		oldPath, newPath := c.OldPath, c.Path
		switch c.Status {
		case "modified":
			oldPath = c.Path
		case "removed":
			oldPath, newPath = c.Path, ""
		}
		added, removed := fakegit.LineChanges(c.Old, c.Content)
		out = append(out, map[string]any{
			"type": "diffstat", "status": c.Status, "lines_added": added, "lines_removed": removed,
			"old": side(oldPath), "new": side(newPath),
		})
	}
	writePage(s, w, r, out)
}
