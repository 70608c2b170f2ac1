package azuredevops

import (
	"context"
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/gitprovider/gitprovider/vcs"
)

// MaxCommentLength is the longest comment body CreateComment and
// UpdateComment send, in characters. Azure DevOps documents it: the body
// of "Pull Request Thread Comments - Create" and "- Update" says "Comments
// can be up to 150,000 characters" (vsts-rest-api-specs, git 7.1). A longer
// body is refused here with vcs.ErrTooLarge before any request.
const MaxCommentLength = 150_000

// checkBody refuses an empty or oversized comment body before any request.
func checkBody(op, body string) error {
	return vcs.CheckCommentBody(vcs.KindAzureDevOps, op, body, MaxCommentLength)
}

// Comment IDs: Azure DevOps keeps pull request comments in threads. A
// general comment of this library is a thread without a file context, and
// its ID is the thread ID ("42"). UpdateComment also takes
// "threadID/commentID" ("42/3") to edit a reply in a thread.

type prComment struct {
	ID                     int         `json:"id"`
	ParentCommentID        int         `json:"parentCommentId"`
	Author                 identityRef `json:"author"`
	Content                string      `json:"content"`
	PublishedDate          azTime      `json:"publishedDate"`
	LastUpdatedDate        azTime      `json:"lastUpdatedDate"`
	LastContentUpdatedDate azTime      `json:"lastContentUpdatedDate"`
	CommentType            commentType `json:"commentType"`
	IsDeleted              bool        `json:"isDeleted"`
}

// commentType is Azure's CommentType enum, which it may send as a name
// ("text", "codeChange", "system") or as its number.
type commentType string

func (c *commentType) UnmarshalJSON(b []byte) error {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		*c = commentType([]string{"unknown", "text", "codeChange", "system"}[min(max(n, 0), 3)])
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*c = commentType(s)
	return nil
}

type prThread struct {
	ID            int             `json:"id"`
	Comments      []prComment     `json:"comments"`
	ThreadContext json.RawMessage `json:"threadContext"`
	IsDeleted     bool            `json:"isDeleted"`
}

// first returns the thread's opening comment.
func (t *prThread) first() *prComment {
	var f *prComment
	for i := range t.Comments {
		c := &t.Comments[i]
		if c.ParentCommentID == 0 && (f == nil || c.ID < f.ID) {
			f = c
		}
	}
	return f
}

// general reports whether the thread is a general comment a person wrote:
// not a file or line comment, not a system message (votes, pushes, status
// changes), not deleted.
func (t *prThread) general() bool {
	if t.IsDeleted || (len(t.ThreadContext) > 0 && string(t.ThreadContext) != "null") {
		return false
	}
	f := t.first()
	return f != nil && !f.IsDeleted && (f.CommentType == "" || f.CommentType == "text")
}

func (p *Provider) threadsPath(r repoRef, number int) string {
	return r.gitPath("pullRequests", strconv.Itoa(number), "threads")
}

func (p *Provider) commentWebURL(r repoRef, number, thread int) string {
	return p.inst.BaseURL.String() + seg(r.Project) + "/_git/" + seg(r.Repo) + "/pullrequest/" + strconv.Itoa(number) + "?discussionId=" + strconv.Itoa(thread)
}

func (p *Provider) toComment(r repoRef, number int, id string, thread int, c *prComment) *vcs.Comment {
	updated := c.LastContentUpdatedDate.Time
	if updated.IsZero() {
		updated = c.LastUpdatedDate.Time
	}
	return &vcs.Comment{
		ID:        id,
		Body:      c.Content,
		Author:    c.Author.login(),
		CreatedAt: c.PublishedDate.Time,
		UpdatedAt: updated,
		WebURL:    p.commentWebURL(r, number, thread),
	}
}

// ListComments lists the pull request's general comments, oldest first:
// the first comment of every thread that is not attached to a file, not a
// system message and not deleted. Replies in threads are not listed.
//
// Azure answers every thread at once (the threads API does not page).
//
// Azure DevOps API docs: GET {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads
func (p *Provider) ListComments(ctx context.Context, repo string, number int) ([]*vcs.Comment, error) {
	const op = "ListComments"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	var threads collection[prThread]
	if _, err := p.do(ctx, call{Op: op, URL: p.threadsPath(r, number), Scope: scopeCodeRead}, &threads); err != nil {
		return nil, err
	}
	sort.SliceStable(threads.Value, func(i, j int) bool { return threads.Value[i].ID < threads.Value[j].ID })
	out := []*vcs.Comment{}
	for i := range threads.Value {
		t := &threads.Value[i]
		if !t.general() {
			continue
		}
		out = append(out, p.toComment(r, number, strconv.Itoa(t.ID), t.ID, t.first()))
	}
	return out, nil
}

// newComment and newThread send Azure's enums by name ("text",
// "active"), as the description's CommentType and CommentThreadStatus
// spell them; the host also takes their numbers, which its own request
// examples send.
type newComment struct {
	ParentCommentID int    `json:"parentCommentId"`
	Content         string `json:"content"`
	CommentType     string `json:"commentType"`
}

type newThread struct {
	Comments []newComment `json:"comments"`
	Status   string       `json:"status"`
}

// CreateComment opens a new thread with body as its only comment (comment
// type text, thread status active). The POST is never retried. A body
// longer than MaxCommentLength is vcs.ErrTooLarge before any request.
//
// Azure DevOps API docs: POST {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads
func (p *Provider) CreateComment(ctx context.Context, repo string, number int, body string) (*vcs.Comment, error) {
	const op = "CreateComment"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	req := newThread{Comments: []newComment{{ParentCommentID: 0, Content: body, CommentType: "text"}}, Status: "active"}
	var t prThread
	if _, err := p.do(ctx, call{Op: op, Method: "POST", URL: p.threadsPath(r, number), Body: req, Scope: scopeCodeWrite,
		Permission: "the service user needs Contribute to pull requests on the repository (Project settings > Repositories > Security)"}, &t); err != nil {
		return nil, err
	}
	if err := vcs.CheckCreated(vcs.KindAzureDevOps, op, "comment thread", strconv.Itoa(t.ID)); err != nil {
		return nil, err
	}
	f := t.first()
	if f == nil {
		return nil, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrUnavailable, "the created thread %d has no comment", t.ID)
	}
	return p.toComment(r, number, strconv.Itoa(t.ID), t.ID, f), nil
}

// parseCommentID reads "threadID" or "threadID/commentID"; commentID is 0
// when not given.
func parseCommentID(op, id string) (thread, comment int, err error) {
	ts, cs, hasComment := strings.Cut(id, "/")
	thread, err1 := strconv.Atoi(ts)
	if hasComment {
		comment, err = strconv.Atoi(cs)
	}
	if err1 != nil || err != nil || thread <= 0 || (hasComment && comment <= 0) {
		return 0, 0, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrInvalidArgument, "comment ID %q must be \"threadID\" or \"threadID/commentID\"", id)
	}
	return thread, comment, nil
}

// UpdateComment replaces a comment's text. commentID is a thread ID (its
// first comment is edited) or "threadID/commentID". A body longer than
// MaxCommentLength is vcs.ErrTooLarge before any request.
//
// Azure DevOps API docs:
//   - GET {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads/{threadID} (for a bare thread ID: its first comment)
//   - PATCH {org}/{project}/_apis/git/repositories/{repo}/pullRequests/{id}/threads/{threadID}/comments/{commentID} {"content": body}
func (p *Provider) UpdateComment(ctx context.Context, repo string, number int, commentID, body string) (*vcs.Comment, error) {
	const op = "UpdateComment"
	r, err := parseRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	thread, comment, err := parseCommentID(op, commentID)
	if err != nil {
		return nil, err
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	threadPath := p.threadsPath(r, number) + "/" + strconv.Itoa(thread)
	if comment == 0 {
		var t prThread
		if _, err := p.do(ctx, call{Op: op, URL: threadPath, Scope: scopeCodeRead}, &t); err != nil {
			return nil, err
		}
		f := t.first()
		if f == nil || t.IsDeleted {
			return nil, vcs.Errorf(vcs.KindAzureDevOps, op, vcs.ErrNotFound, "thread %d has no comment", thread)
		}
		comment = f.ID
	}
	var c prComment
	if _, err := p.do(ctx, call{Op: op, Method: "PATCH", URL: threadPath + "/comments/" + strconv.Itoa(comment),
		Body: map[string]string{"content": body}, Scope: scopeCodeWrite,
		Permission: "only the comment's author can edit it, with Contribute to pull requests on the repository"}, &c); err != nil {
		return nil, err
	}
	return p.toComment(r, number, commentID, thread, &c), nil
}
