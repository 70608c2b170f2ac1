package githubtest

import (
	"net/http"
	"strconv"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

func (s *Server) handleListComments(w http.ResponseWriter, r *http.Request, c *call) {
	repo, n, ok := s.pull(w, r, c, needPulls)
	if !ok {
		return
	}
	cs, err := s.store.Comments(repo.FullPath, n)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	list := make([]any, len(cs))
	for i, cm := range cs {
		list[i] = s.commentJSON(repo.FullPath, n, cm)
	}
	s.writePage(w, r, list)
}

func (s *Server) handleCreateComment(w http.ResponseWriter, r *http.Request, c *call) {
	repo, n, ok := s.pull(w, r, c, needCommentWrite)
	if !ok {
		return
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil || in.Body == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed: body is missing")
		return
	}
	cm, err := s.store.AddComment(repo.FullPath, n, c.user, in.Body)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusCreated, s.commentJSON(repo.FullPath, n, cm))
}

func (s *Server) handleEditComment(w http.ResponseWriter, r *http.Request, c *call) {
	repo, ok := s.repo(w, r, c, needCommentWrite)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.PathValue("id"))
	var in struct {
		Body string `json:"body"`
	}
	if err := fakehttp.ReadJSON(r, &in); err != nil {
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	_, n, err := s.store.Comment(repo.FullPath, id)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	if in.Body == "" {
		writeError(w, http.StatusUnprocessableEntity, "Validation Failed: body is missing")
		return
	}
	cm, err := s.store.UpdateComment(repo.FullPath, id, in.Body)
	if err != nil {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.commentJSON(repo.FullPath, n, cm))
}

func (s *Server) commentJSON(repo string, number int, c fakegit.Comment) map[string]any {
	return map[string]any{
		"id":                 c.ID,
		"node_id":            "IC_" + strconv.Itoa(c.ID),
		"url":                s.api.String() + "repos/" + repo + "/issues/comments/" + strconv.Itoa(c.ID),
		"author_association": "CONTRIBUTOR",
		"body":               c.Body,
		"user":               s.userJSON(c.Author),
		"created_at":         ts(c.Created),
		"updated_at":         ts(c.Updated),
		"html_url":           s.web.String() + repo + "/pull/" + strconv.Itoa(number) + "#issuecomment-" + strconv.Itoa(c.ID),
		"issue_url":          s.api.String() + "repos/" + repo + "/issues/" + strconv.Itoa(number),
	}
}
