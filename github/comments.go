package github

import (
	"context"
	"strconv"

	gh "github.com/google/go-github/v93/github"

	"github.com/gitprovider/gitprovider/internal/pager"
	"github.com/gitprovider/gitprovider/vcs"
)

// MaxCommentLength is the most characters GitHub accepts in a comment.
const MaxCommentLength = 65536

// ListComments lists the pull request's conversation comments (GitHub
// keeps them on the pull request's issue), oldest first, 100 a page.
//
// GitHub API docs: GET /repos/{owner}/{repo}/issues/{issue_number}/comments
func (p *Provider) ListComments(ctx context.Context, repo string, number int) ([]*vcs.Comment, error) {
	const op = "ListComments"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	return pager.All(ctx, func(ctx context.Context, cursor string) ([]*vcs.Comment, string, error) {
		opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{Page: atoi(cursor), PerPage: 100}}
		cs, resp, err := p.client.Issues.ListComments(ctx, owner, name, number, opts)
		if err != nil {
			return nil, "", p.wrap(op, err)
		}
		out := make([]*vcs.Comment, len(cs))
		for i, c := range cs {
			out[i] = toComment(c)
		}
		return out, nextPage(resp), nil
	})
}

// CreateComment posts a conversation comment. It is never retried.
//
// GitHub API docs: POST /repos/{owner}/{repo}/issues/{issue_number}/comments
func (p *Provider) CreateComment(ctx context.Context, repo string, number int, body string) (*vcs.Comment, error) {
	const op = "CreateComment"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	c, _, err := p.client.Issues.CreateComment(ctx, owner, name, number, gh.IssueCommentRequest{Body: body})
	if err != nil {
		return nil, p.wrap(op, err)
	}
	out := toComment(c)
	if err := vcs.CheckCreated(vcs.KindGitHub, op, "comment", out.ID); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateComment replaces a comment's body. GitHub addresses comments by ID
// alone; number is checked but not sent.
//
// GitHub API docs: PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}
func (p *Provider) UpdateComment(ctx context.Context, repo string, number int, commentID, body string) (*vcs.Comment, error) {
	const op = "UpdateComment"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	if err := checkNumber(op, number); err != nil {
		return nil, err
	}
	if err := checkBody(op, body); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(commentID, 10, 64)
	if err != nil || id <= 0 {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "comment ID %q is not a GitHub comment ID", commentID)
	}
	c, _, err := p.client.Issues.UpdateComment(ctx, owner, name, id, gh.IssueCommentRequest{Body: body})
	if err != nil {
		return nil, p.wrap(op, err)
	}
	return toComment(c), nil
}

func checkBody(op, body string) error {
	return vcs.CheckCommentBody(vcs.KindGitHub, op, body, MaxCommentLength)
}

func toComment(c *gh.IssueComment) *vcs.Comment {
	return &vcs.Comment{
		ID:        strconv.FormatInt(c.GetID(), 10),
		Body:      c.GetBody(),
		Author:    c.GetUser().GetLogin(),
		CreatedAt: c.GetCreatedAt().Time,
		UpdatedAt: c.GetUpdatedAt().Time,
		WebURL:    c.GetHTMLURL(),
	}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }
