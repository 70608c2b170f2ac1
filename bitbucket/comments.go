package bitbucket

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/gitprovider/gitprovider/internal/rest"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxCommentLength is the most characters CreateComment and UpdateComment
// send; a longer body is vcs.ErrTooLarge before any request. Bitbucket
// Cloud documents no limit on a comment's content.raw (unconfirmed: none
// found in the REST API reference or Atlassian's support pages), so this
// is the library's own guard, GitLab's documented 1,000,000, well above
// any report a workflow posts.
const MaxCommentLength = 1_000_000

// checkBody rejects an empty or oversized comment body.
func checkBody(op, body string) error {
	return vcs.CheckCommentBody(vcs.KindBitbucket, op, body, MaxCommentLength)
}

// comment is Bitbucket's pull request comment.
type comment struct {
	ID      int `json:"id"`
	Content struct {
		Raw string `json:"raw"`
	} `json:"content"`
	User      *account  `json:"user"`
	CreatedOn time.Time `json:"created_on"`
	UpdatedOn time.Time `json:"updated_on"`
	Deleted   bool      `json:"deleted"`
	// Inline is set on comments on a line of the diff.
	Inline *struct {
		Path string `json:"path"`
	} `json:"inline"`
	Links struct {
		HTML link `json:"html"`
	} `json:"links"`
}

func (c *comment) toVCS() *vcs.Comment {
	return &vcs.Comment{
		ID: strconv.Itoa(c.ID), Body: c.Content.Raw, Author: c.User.name(),
		CreatedAt: c.CreatedOn, UpdatedAt: c.UpdatedOn, WebURL: c.Links.HTML.Href,
	}
}

type commentBody struct {
	Content struct {
		Raw string `json:"raw"`
	} `json:"content"`
}

func newCommentBody(raw string) commentBody {
	var b commentBody
	b.Content.Raw = raw
	return b
}

// ListComments lists the pull request's general comments, oldest first:
// inline (diff) comments and deleted comments are left out.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}/pullrequests/{id}/comments?sort=created_on
func (p *Provider) ListComments(ctx context.Context, repo string, number int) ([]*vcs.Comment, error) {
	path, err := pullPath("ListComments", repo, number)
	if err != nil {
		return nil, err
	}
	all, err := listAll[comment](ctx, p.client, "ListComments", path+"/comments", url.Values{"sort": {"created_on"}})
	if err != nil {
		return nil, err
	}
	var out []*vcs.Comment
	for i := range all {
		if all[i].Deleted || all[i].Inline != nil {
			continue
		}
		out = append(out, all[i].toVCS())
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// CreateComment posts a comment on the pull request. It is never retried.
//
// Bitbucket API docs: POST /repositories/{workspace}/{repo_slug}/pullrequests/{id}/comments
// {"content": {"raw": body}}
func (p *Provider) CreateComment(ctx context.Context, repo string, number int, body string) (*vcs.Comment, error) {
	path, err := pullPath("CreateComment", repo, number)
	if err != nil {
		return nil, err
	}
	if err := checkBody("CreateComment", body); err != nil {
		return nil, err
	}
	var c comment
	if _, err := p.client.do(ctx, rest.Request{Op: "CreateComment", Method: http.MethodPost, Path: path + "/comments", Body: newCommentBody(body)}, &c); err != nil {
		return nil, err
	}
	out := c.toVCS()
	if err := vcs.CheckCreated(vcs.KindBitbucket, "CreateComment", "comment", out.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateComment replaces the body of a comment the token's user wrote.
//
// Bitbucket API docs: PUT /repositories/{workspace}/{repo_slug}/pullrequests/{id}/comments/{comment_id}
// {"content": {"raw": body}}
func (p *Provider) UpdateComment(ctx context.Context, repo string, number int, commentID, body string) (*vcs.Comment, error) {
	path, err := pullPath("UpdateComment", repo, number)
	if err != nil {
		return nil, err
	}
	id, err := strconv.Atoi(commentID)
	if err != nil || id <= 0 {
		return nil, vcs.Errorf(vcs.KindBitbucket, "UpdateComment", vcs.ErrInvalidArgument, "comment ID %q is not a Bitbucket comment ID (a positive number)", commentID)
	}
	if err := checkBody("UpdateComment", body); err != nil {
		return nil, err
	}
	var c comment
	if _, err := p.client.do(ctx, rest.Request{Op: "UpdateComment", Method: http.MethodPut, Path: path + "/comments/" + strconv.Itoa(id), Body: newCommentBody(body)}, &c); err != nil {
		return nil, err
	}
	return c.toVCS(), nil
}
