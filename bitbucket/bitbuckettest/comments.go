package bitbuckettest

import (
	"fmt"
	"html"
	"net/http"
	"sort"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// commentMeta is the state Bitbucket keeps on a comment beyond fakegit's.
type commentMeta struct {
	user    *User
	inline  map[string]any // {"path", "to"} for inline (diff) comments
	deleted bool
	parent  int
}

// AddComment posts a general comment on a pull request as the user (email
// or nickname) and returns its ID.
func (s *Server) AddComment(full string, number int, user, body string) (int, error) {
	return s.addComment(full, number, user, body, nil)
}

// AddInlineComment posts a comment on line `line` of path in the pull
// request's diff (an inline comment, which the provider's ListComments
// leaves out).
func (s *Server) AddInlineComment(full string, number int, user, path string, line int, body string) (int, error) {
	return s.addComment(full, number, user, body, map[string]any{"path": path, "to": line, "from": nil})
}

func (s *Server) addComment(full string, number int, user, body string, inline map[string]any) (int, error) {
	s.mu.Lock()
	u := s.userLocked(user)
	s.mu.Unlock()
	if u == nil {
		return 0, fmt.Errorf("bitbuckettest: no user %q", user)
	}
	c, err := s.store.AddComment(full, number, u.Nickname, body)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	s.comments[c.ID] = &commentMeta{user: u, inline: inline}
	s.mu.Unlock()
	return c.ID, nil
}

// DeleteComment deletes a comment. Bitbucket keeps deleted comments in
// the list with "deleted": true and no content.
func (s *Server) DeleteComment(full string, id int) error {
	if _, _, err := s.store.Comment(full, id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.comments[id]; m != nil {
		m.deleted = true
	}
	return nil
}

func (s *Server) commentJSON(repo fakegit.Repo, number int, c fakegit.Comment) map[string]any {
	s.mu.Lock()
	m := s.comments[c.ID]
	s.mu.Unlock()
	if m == nil {
		m = &commentMeta{}
	}
	body := c.Body
	if m.deleted {
		body = ""
	}
	self := fmt.Sprintf("%s/repositories/%s/pullrequests/%d/comments/%d", APIRoot, repo.FullPath, number, c.ID)
	out := map[string]any{
		"type": "pullrequest_comment", "id": c.ID,
		"content":    map[string]any{"type": "rendered", "raw": body, "markup": "markdown", "html": "<p>" + html.EscapeString(body) + "</p>"},
		"user":       userJSON(m.user),
		"created_on": timestamp(c.Created), "updated_on": timestamp(c.Updated),
		"deleted": m.deleted, "pending": false,
		"pullrequest": map[string]any{"type": "pullrequest", "id": number},
		"links": map[string]any{
			"self": map[string]any{"href": self},
			"html": map[string]any{"href": fmt.Sprintf("https://bitbucket.org/%s/pull-requests/%d/_/diff#comment-%d", repo.FullPath, number, c.ID)},
		},
	}
	if m.inline != nil {
		out["inline"] = m.inline
	}
	if m.parent != 0 {
		out["parent"] = map[string]any{"id": m.parent}
	}
	return out
}

// GET /2.0/repositories/{ws}/{slug}/pullrequests/{id}/comments[?sort=created_on]
// lists every comment, inline and deleted ones included, as Bitbucket
// does.
func (s *Server) handleListComments(w http.ResponseWriter, r *http.Request) {
	repo, pr, _, _, ok := s.pullFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	cs, err := s.store.Comments(repo.FullPath, pr.Number)
	if err != nil {
		storeError(w, err, "Pull request")
		return
	}
	switch sortBy := r.URL.Query().Get("sort"); sortBy {
	case "", "id", "created_on":
	case "-id", "-created_on":
		sort.SliceStable(cs, func(i, j int) bool { return cs[i].ID > cs[j].ID })
	default:
		writeError(w, http.StatusBadRequest, "Invalid sort field: "+sortBy)
		return
	}
	out := make([]map[string]any, len(cs))
	for i, c := range cs {
		out[i] = s.commentJSON(repo, pr.Number, c)
	}
	writePage(s, w, r, out)
}

type commentRequest struct {
	Content *struct {
		Raw string `json:"raw"`
	} `json:"content"`
	Inline map[string]any `json:"inline"`
	Parent *struct {
		ID int `json:"id"`
	} `json:"parent"`
}

// POST /2.0/repositories/{ws}/{slug}/pullrequests/{id}/comments {"content": {"raw": …}}
func (s *Server) handleCreateComment(w http.ResponseWriter, r *http.Request) {
	repo, pr, p, _, ok := s.pullFor(w, r, ScopeReadPullRequest) // commenting takes read:pullrequest (the description's scopes)
	if !ok {
		return
	}
	var req commentRequest
	if err := fakehttp.ReadJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return
	}
	if req.Content == nil || req.Content.Raw == "" {
		writeJSONError(w, http.StatusBadRequest, map[string]any{"message": "Bad request", "fields": map[string]any{"content": []string{"This field is required."}}})
		return
	}
	u := p.actor()
	c, err := s.store.AddComment(repo.FullPath, pr.Number, u.Nickname, req.Content.Raw)
	if err != nil {
		storeError(w, err, "Pull request")
		return
	}
	meta := &commentMeta{user: u, inline: req.Inline}
	if req.Parent != nil {
		meta.parent = req.Parent.ID
	}
	s.mu.Lock()
	s.comments[c.ID] = meta
	s.mu.Unlock()
	body := s.commentJSON(repo, pr.Number, c)
	w.Header().Set("Location", body["links"].(map[string]any)["self"].(map[string]any)["href"].(string))
	fakehttp.WriteJSON(w, http.StatusCreated, body)
}

// commentFor finds the comment of the request on its pull request.
func (s *Server) commentFor(w http.ResponseWriter, r *http.Request, scopes ...string) (fakegit.Repo, int, fakegit.Comment, *principal, bool) {
	repo, pr, p, _, ok := s.pullFor(w, r, scopes...)
	if !ok {
		return repo, 0, fakegit.Comment{}, nil, false
	}
	id, err := strconv.Atoi(r.PathValue("cid"))
	if err != nil {
		writeError(w, http.StatusNotFound, "Comment not found")
		return repo, 0, fakegit.Comment{}, nil, false
	}
	c, n, err := s.store.Comment(repo.FullPath, id)
	if err != nil || n != pr.Number {
		writeError(w, http.StatusNotFound, "Comment not found")
		return repo, 0, fakegit.Comment{}, nil, false
	}
	return repo, pr.Number, c, p, true
}

// ownComment answers 404 for a deleted comment and 403 for another
// user's, which only its author may edit or delete.
func (s *Server) ownComment(w http.ResponseWriter, id int, p *principal, verb string) bool {
	s.mu.Lock()
	m := s.comments[id]
	s.mu.Unlock()
	if m == nil || m.deleted {
		writeError(w, http.StatusNotFound, "Comment not found")
		return false
	}
	if m.user == nil || m.user.AccountID != p.actor().AccountID {
		writeError(w, http.StatusForbidden, "You can only "+verb+" your own comments.")
		return false
	}
	return true
}

// GET /2.0/repositories/{ws}/{slug}/pullrequests/{id}/comments/{cid}
func (s *Server) handleGetComment(w http.ResponseWriter, r *http.Request) {
	repo, n, c, _, ok := s.commentFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.commentJSON(repo, n, c))
}

// PUT /2.0/repositories/{ws}/{slug}/pullrequests/{id}/comments/{cid}: only
// the comment's author may edit it.
func (s *Server) handleUpdateComment(w http.ResponseWriter, r *http.Request) {
	repo, n, c, p, ok := s.commentFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	if !s.ownComment(w, c.ID, p, "edit") {
		return
	}
	var req commentRequest
	if err := fakehttp.ReadJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid JSON: "+err.Error())
		return
	}
	if req.Content == nil || req.Content.Raw == "" {
		writeJSONError(w, http.StatusBadRequest, map[string]any{"message": "Bad request", "fields": map[string]any{"content": []string{"This field is required."}}})
		return
	}
	c, err := s.store.UpdateComment(repo.FullPath, c.ID, req.Content.Raw)
	if err != nil {
		storeError(w, err, "Comment")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.commentJSON(repo, n, c))
}

// DELETE /2.0/repositories/{ws}/{slug}/pullrequests/{id}/comments/{cid}
func (s *Server) handleDeleteComment(w http.ResponseWriter, r *http.Request) {
	repo, _, c, p, ok := s.commentFor(w, r, ScopeReadPullRequest)
	if !ok {
		return
	}
	if !s.ownComment(w, c.ID, p, "delete") {
		return
	}
	_ = s.DeleteComment(repo.FullPath, c.ID)
	w.WriteHeader(http.StatusNoContent)
}
