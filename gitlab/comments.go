package gitlab

import (
	"context"
	"strconv"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxCommentLength is GitLab's limit on a note body, in characters
// (GitLab validates notes against its 1,000,000-character text limit).
// Longer comments are vcs.ErrTooLarge before any request.
const MaxCommentLength = 1_000_000

// ListComments lists the merge request's notes, oldest first, every page.
// System notes ("merged", "added 1 commit", …) are left out: they are
// GitLab's own records, not comments.
//
// GitLab API docs: GET /projects/:id/merge_requests/:merge_request_iid/notes?sort=asc&order_by=created_at
func (p *Provider) ListComments(ctx context.Context, repo string, number int) ([]*vcs.Comment, error) {
	const op = "ListComments"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	return pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.Comment, string, error) {
		notes, resp, err := p.client.Notes.ListMergeRequestNotes(id, int64(number), &gl.ListMergeRequestNotesOptions{
			ListOptions: gl.ListOptions{PerPage: 100, Page: pageNumber(cursor)},
			OrderBy:     gl.Ptr("created_at"),
			Sort:        gl.Ptr("asc"),
		}, reqCtx(ctx))
		if err != nil {
			return nil, "", p.fail(op, resp, err)
		}
		out := make([]*vcs.Comment, 0, len(notes))
		for _, n := range notes {
			if !n.System {
				out = append(out, p.comment(repo, number, n))
			}
		}
		return out, nextPage(resp), nil
	})
}

// CreateComment posts a note on the merge request. It is sent once, never
// retried (use vcs.UpsertComment for a retry-safe post).
//
// GitLab API docs: POST /projects/:id/merge_requests/:merge_request_iid/notes
func (p *Provider) CreateComment(ctx context.Context, repo string, number int, body string) (*vcs.Comment, error) {
	const op = "CreateComment"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	n, resp, err := p.client.Notes.CreateMergeRequestNote(id, int64(number),
		&gl.CreateMergeRequestNoteOptions{Body: gl.Ptr(body)}, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	out := p.comment(repo, number, n)
	if err := vcs.CheckCreated(kind, op, "comment", out.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateComment replaces a note's body. GitLab lets only the note's author
// edit it.
//
// GitLab API docs: PUT /projects/:id/merge_requests/:merge_request_iid/notes/:note_id
func (p *Provider) UpdateComment(ctx context.Context, repo string, number int, commentID, body string) (*vcs.Comment, error) {
	const op = "UpdateComment"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	noteID, err := strconv.ParseInt(commentID, 10, 64)
	if err != nil || noteID <= 0 {
		return nil, vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "comment ID %q is not a GitLab note ID", commentID)
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	n, resp, err := p.client.Notes.UpdateMergeRequestNote(id, int64(number), noteID,
		&gl.UpdateMergeRequestNoteOptions{Body: gl.Ptr(body)}, reqCtx(ctx))
	if err != nil {
		return nil, p.fail(op, resp, err)
	}
	return p.comment(repo, number, n), nil
}

func checkBody(op, body string) error { return vcs.CheckCommentBody(kind, op, body, MaxCommentLength) }

func (p *Provider) comment(repo string, number int, n *gl.Note) *vcs.Comment {
	c := &vcs.Comment{ID: strconv.FormatInt(n.ID, 10), Body: n.Body, Author: n.Author.Username}
	if n.CreatedAt != nil {
		c.CreatedAt = *n.CreatedAt
	}
	if n.UpdatedAt != nil {
		c.UpdatedAt = *n.UpdatedAt
	}
	// Notes carry no URL; the merge request page with the note's anchor
	// is one when the project was named by path.
	if _, err := strconv.Atoi(strings.Trim(repo, "/")); err != nil {
		c.WebURL = p.web.String() + strings.Trim(repo, "/") + "/-/merge_requests/" + strconv.Itoa(number) + "#note_" + c.ID
	}
	return c
}
