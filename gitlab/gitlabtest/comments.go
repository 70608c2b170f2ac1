package gitlabtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gitprovider/gitprovider/internal/fakegit"
	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// MaxNoteLength is GitLab's limit on a note body, in characters.
const MaxNoteLength = 1_000_000

func (s *Server) isSystem(repo fakegit.Repo, id int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.projects[repo.ID].system[id]
}

func (s *Server) noteJSON(repo fakegit.Repo, pr fakegit.PullRequest, c fakegit.Comment) map[string]any {
	return map[string]any{
		"id": c.ID, "type": nil, "body": c.Body, "attachment": nil,
		"author": s.userJSON(c.Author), "created_at": timeOrNil(c.Created), "updated_at": timeOrNil(c.Updated),
		"system": s.isSystem(repo, c.ID), "noteable_id": repo.ID*1000 + pr.Number, "noteable_type": "MergeRequest",
		"noteable_iid": pr.Number, "project_id": repo.ID, "resolvable": false, "confidential": false, "internal": false,
	}
}

// handleNotes serves GET /projects/:id/merge_requests/:iid/notes with
// sort (default desc) and order_by (created_at, updated_at).
func (s *Server) handleNotes(w http.ResponseWriter, r *http.Request, c *caller, id, iid string) {
	repo, pr, ok := s.findMergeRequest(w, c, id, iid, scopesRead)
	if !ok {
		return
	}
	notes, err := s.store.Comments(repo.FullPath, pr.Number)
	if err != nil {
		storeError(w, err, "404 Not found")
		return
	}
	q := r.URL.Query()
	byUpdated := q.Get("order_by") == "updated_at"
	asc := q.Get("sort") == "asc"
	sort.SliceStable(notes, func(i, j int) bool {
		a, b := notes[i].Created, notes[j].Created
		if byUpdated {
			a, b = notes[i].Updated, notes[j].Updated
		}
		if a.Equal(b) {
			if asc {
				return notes[i].ID < notes[j].ID
			}
			return notes[i].ID > notes[j].ID
		}
		if asc {
			return a.Before(b)
		}
		return a.After(b)
	})
	out := make([]map[string]any, len(notes))
	for i, n := range notes {
		out[i] = s.noteJSON(repo, pr, n)
	}
	fakehttp.WriteJSON(w, http.StatusOK, paginate(s, w, r, out))
}

// canComment: api scope, and on a private project at least Reporter
// (anyone signed in may comment on a public or internal project).
func (s *Server) canComment(c *caller, repo fakegit.Repo) bool {
	return !c.anonymous() && s.canRead(c, repo)
}

// handleCreateNote serves POST /projects/:id/merge_requests/:iid/notes.
func (s *Server) handleCreateNote(w http.ResponseWriter, r *http.Request, c *caller, id, iid string) {
	repo, pr, ok := s.findMergeRequest(w, c, id, iid, scopesWrite)
	if !ok {
		return
	}
	if !s.canComment(c, repo) {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	body, ok := noteBody(w, r)
	if !ok {
		return
	}
	note, err := s.store.AddComment(repo.FullPath, pr.Number, c.user.Username, body)
	if err != nil {
		storeError(w, err, "404 Not found")
		return
	}
	s.deliverNote(repo, pr, note, c.user.Username)
	fakehttp.WriteJSON(w, http.StatusCreated, s.noteJSON(repo, pr, note))
}

// handleNote serves GET and PUT /projects/:id/merge_requests/:iid/notes/:note_id.
// Only a note's author may edit it.
func (s *Server) handleNote(w http.ResponseWriter, r *http.Request, c *caller, id, iid, noteID string) {
	scopes := scopesRead
	if r.Method == http.MethodPut {
		scopes = scopesWrite
	}
	repo, pr, ok := s.findMergeRequest(w, c, id, iid, scopes)
	if !ok {
		return
	}
	n, err := strconv.Atoi(noteID)
	if err != nil {
		writeError(w, http.StatusNotFound, "404 Note Not Found")
		return
	}
	note, number, err := s.store.Comment(repo.FullPath, n)
	if err != nil || number != pr.Number {
		writeError(w, http.StatusNotFound, "404 Note Not Found")
		return
	}
	if r.Method == http.MethodGet {
		fakehttp.WriteJSON(w, http.StatusOK, s.noteJSON(repo, pr, note))
		return
	}
	if c.anonymous() || !strings.EqualFold(note.Author, c.user.Username) || s.isSystem(repo, note.ID) {
		writeError(w, http.StatusForbidden, "403 Forbidden")
		return
	}
	body, ok := noteBody(w, r)
	if !ok {
		return
	}
	note, err = s.store.UpdateComment(repo.FullPath, n, body)
	if err != nil {
		storeError(w, err, "404 Note Not Found")
		return
	}
	fakehttp.WriteJSON(w, http.StatusOK, s.noteJSON(repo, pr, note))
}

// noteBody reads and checks the body parameter of a note create or
// update, answering GitLab's 400s for a missing, blank or too long one.
func noteBody(w http.ResponseWriter, r *http.Request) (string, bool) {
	params, err := readParams(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "400 Bad request - "+err.Error())
		return "", false
	}
	body, present := params.str("body")
	switch {
	case !present:
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body is missing"})
	case strings.TrimSpace(body) == "":
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "body is empty"})
	case utf8.RuneCountInString(body) > MaxNoteLength:
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`400 Bad request - Note {:note=>["is too long (maximum is %d characters)"]}`, MaxNoteLength))
	default:
		return body, true
	}
	return "", false
}

// params are request parameters from a JSON body, a form body or the
// query string, as GitLab's API accepts all three.
type params map[string]any

func readParams(r *http.Request) (params, error) {
	p := params{}
	for k, vs := range r.URL.Query() {
		p[k] = vs[0]
	}
	if r.Body == nil {
		return p, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err != nil || len(b) == 0 {
		return p, err
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(b))
		if err != nil {
			return nil, err
		}
		for k, vs := range form {
			p[k] = vs[0]
		}
		return p, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		p[k] = v
	}
	return p, nil
}

func (p params) str(k string) (string, bool) {
	v, ok := p[k]
	if !ok || v == nil {
		return "", false
	}
	switch v := v.(type) {
	case string:
		return v, true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

func (p params) boolean(k string) (value, present bool) {
	s, ok := p.str(k)
	if !ok {
		return false, false
	}
	b, err := strconv.ParseBool(s)
	return b && err == nil, true
}
