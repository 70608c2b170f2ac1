package azuredevopstest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxCommentLength is the longest comment content the fake accepts.
const MaxCommentLength = 150000

type comment struct {
	ID             int
	Parent         int
	Author         *User
	Content        string
	Type           string // "text" or "system"
	Published      time.Time
	Updated        time.Time
	ContentUpdated time.Time
	Deleted        bool
}

type thread struct {
	ID        int
	Comments  []*comment
	Status    string
	Published time.Time
	Updated   time.Time
	Deleted   bool
	// Context is a file position ("/path", line) for a code comment.
	File string
	Line int
	// System marks threads Azure writes itself (votes, pushes, status).
	System string
}

// systemThread adds a thread Azure writes itself. Callers hold mu.
func (pr *prInfo) systemThread(s *Server, u *User, text string) {
	now := s.Now()
	t := &thread{ID: s.nextThread, Status: "unknown", Published: now, Updated: now, System: "RefUpdate"}
	s.nextThread++
	t.Comments = []*comment{{ID: 1, Author: u, Content: text, Type: "system", Published: now, Updated: now, ContentUpdated: now}}
	pr.threads = append(pr.threads, t)
}

// AddThread adds a comment thread by author (empty: DefaultUser) to the
// pull request; a file makes it a code comment at line. It returns the
// thread ID.
func (s *Server) AddThread(repo string, id int, author, content, file string, line int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, err := s.pr(repo, id)
	if err != nil {
		return 0, err
	}
	now := s.Now()
	t := &thread{ID: s.nextThread, Status: "active", Published: now, Updated: now, File: file, Line: line}
	s.nextThread++
	t.Comments = []*comment{{ID: 1, Author: s.user(author), Content: content, Type: "text", Published: now, Updated: now, ContentUpdated: now}}
	pr.threads = append(pr.threads, t)
	return t.ID, nil
}

// ReplyToThread adds a reply by author (empty: DefaultUser) to a thread and
// returns the comment ID.
func (s *Server) ReplyToThread(repo string, id, threadID int, author, content string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, err := s.pr(repo, id)
	if err != nil {
		return 0, err
	}
	for _, t := range pr.threads {
		if t.ID == threadID {
			now := s.Now()
			c := &comment{ID: len(t.Comments) + 1, Parent: 1, Author: s.user(author), Content: content, Type: "text", Published: now, Updated: now, ContentUpdated: now}
			t.Comments = append(t.Comments, c)
			t.Updated = now
			return c.ID, nil
		}
	}
	return 0, errNoThread
}

// DeleteThread marks a thread and its comments deleted.
func (s *Server) DeleteThread(repo string, id, threadID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	pr, err := s.pr(repo, id)
	if err != nil {
		return err
	}
	for _, t := range pr.threads {
		if t.ID == threadID {
			t.Deleted = true
			for _, c := range t.Comments {
				c.Deleted = true
			}
			return nil
		}
	}
	return errNoThread
}

type fakeError string

func (e fakeError) Error() string { return string(e) }

const errNoThread = fakeError("azuredevopstest: no such thread")

func (s *Server) commentJSON(ri *repoInfo, pr *prInfo, t *thread, c *comment) map[string]any {
	self := s.baseURL() + ri.project.ID + "/_apis/git/repositories/" + ri.ID + "/pullRequests/" + strconv.Itoa(pr.ID) +
		"/threads/" + strconv.Itoa(t.ID) + "/comments/" + strconv.Itoa(c.ID)
	m := map[string]any{
		"id": c.ID, "parentCommentId": c.Parent, "author": identityJSON(c.Author), "content": c.Content,
		"publishedDate": azTime(c.Published), "lastUpdatedDate": azTime(c.Updated),
		"lastContentUpdatedDate": azTime(c.ContentUpdated), "commentType": c.Type, "usersLiked": []any{},
		"_links": map[string]any{"self": map[string]any{"href": self}},
	}
	if c.Deleted {
		m["isDeleted"] = true
	}
	return m
}

func (s *Server) threadJSON(ri *repoInfo, pr *prInfo, t *thread) map[string]any {
	comments := make([]any, 0, len(t.Comments))
	for _, c := range t.Comments {
		comments = append(comments, s.commentJSON(ri, pr, t, c))
	}
	m := map[string]any{
		"id": t.ID, "publishedDate": azTime(t.Published), "lastUpdatedDate": azTime(t.Updated),
		"comments": comments, "status": t.Status, "threadContext": nil, "properties": map[string]any{},
		"identities": nil, "isDeleted": t.Deleted,
	}
	if t.File != "" {
		pos := map[string]any{"line": t.Line, "offset": 1}
		m["threadContext"] = map[string]any{"filePath": t.File, "rightFileStart": pos, "rightFileEnd": pos}
	}
	if t.System != "" {
		m["properties"] = map[string]any{"CodeReviewThreadType": map[string]any{"$type": "System.String", "$value": t.System}}
	}
	return m
}

func (s *Server) serveThreads(q *request, pr *prInfo) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	list := make([]any, 0, len(pr.threads))
	for _, t := range pr.threads {
		list = append(list, s.threadJSON(pr.repo, pr, t))
	}
	q.json(http.StatusOK, map[string]any{"count": len(list), "value": list})
}

func (s *Server) findThread(q *request, pr *prInfo, id string) *thread {
	n, err := strconv.Atoi(id)
	if err == nil {
		for _, t := range pr.threads {
			if t.ID == n {
				return t
			}
		}
	}
	q.fail(http.StatusNotFound, "CodeReviewThreadNotFoundException", "TF401181: The pull request thread %s was not found.", id)
	return nil
}

func (s *Server) serveThread(q *request, pr *prInfo, id string) {
	if !q.scope(ScopeCode) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.findThread(q, pr, id); t != nil {
		q.json(http.StatusOK, s.threadJSON(pr.repo, pr, t))
	}
}

// enumValue reads an enum Azure accepts as a number or a name.
func enumValue(raw json.RawMessage, names []string) (string, bool) {
	if len(raw) == 0 {
		return "", true
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		if n < 0 || n >= len(names) {
			return "", false
		}
		return names[n], true
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return "", false
	}
	for _, x := range names {
		if strings.EqualFold(x, name) {
			return x, true
		}
	}
	return "", false
}

var (
	commentTypes  = []string{"unknown", "text", "codeChange", "system"}
	threadStatues = []string{"unknown", "active", "fixed", "wontFix", "closed", "byDesign", "pending"}
)

// serveCreateThread is POST …/threads {comments:[{parentCommentId, content,
// commentType}], status}. It needs vso.code_write and Contribute to pull
// requests.
func (s *Server) serveCreateThread(q *request, pr *prInfo) {
	if !q.scope(ScopeCodeWrite) || !q.permitted(nsGit, gitPRContribute, "PullRequestContribute", "repoV2/"+pr.repo.project.ID+"/"+pr.repo.ID) {
		return
	}
	var body struct {
		Comments []struct {
			ParentCommentID int             `json:"parentCommentId"`
			Content         string          `json:"content"`
			CommentType     json.RawMessage `json:"commentType"`
		} `json:"comments"`
		Status json.RawMessage `json:"status"`
	}
	if err := readJSON(q.r, &body); err != nil {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The request body is not valid JSON: %v", err)
		return
	}
	status, ok := enumValue(body.Status, threadStatues)
	if !ok {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The thread status is not valid.")
		return
	}
	if status == "" {
		status = "active"
	}
	if len(body.Comments) == 0 {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "A thread needs at least one comment.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.Now()
	t := &thread{ID: s.nextThread, Status: status, Published: now, Updated: now}
	for i, c := range body.Comments {
		ct, ok := enumValue(c.CommentType, commentTypes)
		if !ok || ct == "system" {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The comment type is not valid.")
			return
		}
		if ct == "" {
			ct = "text"
		}
		if strings.TrimSpace(c.Content) == "" {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The comment content cannot be empty.")
			return
		}
		if len([]rune(c.Content)) > MaxCommentLength {
			q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The comment content exceeds the maximum length of %d characters.", MaxCommentLength)
			return
		}
		t.Comments = append(t.Comments, &comment{ID: i + 1, Parent: c.ParentCommentID, Author: q.user, Content: c.Content, Type: ct, Published: now, Updated: now, ContentUpdated: now})
	}
	s.nextThread++
	pr.threads = append(pr.threads, t)
	q.json(http.StatusOK, s.threadJSON(pr.repo, pr, t))
}

// serveUpdateComment is PATCH …/threads/{t}/comments/{c} {content}; only
// the comment's author may edit it.
func (s *Server) serveUpdateComment(q *request, pr *prInfo, threadID, commentID string) {
	if !q.scope(ScopeCodeWrite) || !q.permitted(nsGit, gitPRContribute, "PullRequestContribute", "repoV2/"+pr.repo.project.ID+"/"+pr.repo.ID) {
		return
	}
	var body struct {
		Content *string `json:"content"`
	}
	if err := readJSON(q.r, &body); err != nil || body.Content == nil {
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The request body must hold the comment's content.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.findThread(q, pr, threadID)
	if t == nil {
		return
	}
	n, _ := strconv.Atoi(commentID)
	var c *comment
	for _, x := range t.Comments {
		if x.ID == n && !x.Deleted {
			c = x
		}
	}
	switch {
	case c == nil:
		q.fail(http.StatusNotFound, "CodeReviewCommentNotFoundException", "TF401182: The comment %s of thread %s was not found.", commentID, threadID)
		return
	case c.Author != q.user:
		q.fail(http.StatusForbidden, "CodeReviewOperationUnauthorizedException", "TF401190: Only the author of a comment can edit it.")
		return
	case strings.TrimSpace(*body.Content) == "":
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The comment content cannot be empty.")
		return
	case len([]rune(*body.Content)) > MaxCommentLength:
		q.fail(http.StatusBadRequest, "InvalidArgumentValueException", "The comment content exceeds the maximum length of %d characters.", MaxCommentLength)
		return
	}
	now := s.Now()
	c.Content, c.Updated, c.ContentUpdated = *body.Content, now, now
	t.Updated = now
	q.json(http.StatusOK, s.commentJSON(pr.repo, pr, t, c))
}
