package bitbucket

import (
	"context"
	"iter"
	"net/url"

	"github.com/gitprovider/gitprovider/vcs"
)

// repository is Bitbucket's repository object.
type repository struct {
	UUID       string `json:"uuid"`
	FullName   string `json:"full_name"`
	Name       string `json:"name"`
	Slug       string `json:"slug"`
	IsPrivate  bool   `json:"is_private"`
	Mainbranch *struct {
		Name string `json:"name"`
	} `json:"mainbranch"`
	Project *struct {
		Key string `json:"key"`
	} `json:"project"`
	Links struct {
		HTML  link `json:"html"`
		Clone []struct {
			Name string `json:"name"`
			Href string `json:"href"`
		} `json:"clone"`
	} `json:"links"`
}

type link struct {
	Href string `json:"href"`
}

func (r *repository) toVCS() *vcs.Repository {
	out := &vcs.Repository{ID: r.FullName, HostID: r.UUID, Name: r.Name, Private: r.IsPrivate, WebURL: r.Links.HTML.Href}
	if out.Name == "" {
		out.Name = r.Slug
	}
	if r.Mainbranch != nil {
		out.DefaultBranch = r.Mainbranch.Name
	}
	for _, c := range r.Links.Clone {
		if c.Name == "https" {
			out.CloneURL = c.Href
		}
	}
	return out
}

// workspaceAccess is one entry of GET /user/workspaces.
type workspaceAccess struct {
	Workspace struct {
		Slug string `json:"slug"`
	} `json:"workspace"`
}

// ListRepositories yields every repository the token's user is a member
// of, workspace by workspace, following every page of both lists.
//
// Atlassian removed the cross-workspace GET /2.0/repositories in 2026
// (CHANGE-2770); the user's workspaces come from GET /user/workspaces
// instead. Repository, project and workspace access tokens have no user,
// so Bitbucket cannot list their workspaces: give such a provider the
// workspace's URL, https://bitbucket.org/WORKSPACE, and ListRepositories
// lists the repositories of that workspace the token reaches (Bitbucket
// narrows the workspace's list to them), as it does for any credential
// when the URL names a workspace. ListWorkspaceRepositories lists a
// workspace the caller names.
//
// Bitbucket API docs: GET /user/workspaces?pagelen=100, then
// GET /repositories/{workspace}?role=member&pagelen=100 for each
// workspace, each followed through its pages' "next" URLs. With a
// workspace URL: GET /repositories/{workspace}?pagelen=100 alone, with
// role=member for an Atlassian API token (Bearer tokens, which may be
// access tokens that are no member of anything, go without the role
// filter; that the role filter would hide an access token's repositories
// is unconfirmed, so it is not risked).
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	const op = "ListRepositories"
	if p.workspace != "" {
		q := url.Values{}
		if p.creds.Username() != "" {
			q.Set("role", "member")
		}
		return p.repoSeq(ctx, op, "repositories/"+p.workspace, q)
	}
	return func(yield func(*vcs.Repository, error) bool) {
		for ws, err := range list[workspaceAccess](ctx, p.client, op, "user/workspaces", nil) {
			if err != nil {
				p.client.noUserHint(err)
				yield(nil, err)
				return
			}
			if !segmentRE.MatchString(ws.Workspace.Slug) {
				continue
			}
			for r, err := range p.repoSeq(ctx, op, "repositories/"+ws.Workspace.Slug, url.Values{"role": {"member"}}) {
				if !yield(r, err) || err != nil {
					return
				}
			}
		}
	}
}

// ListWorkspaceRepositories yields every repository of one workspace the
// token may see, following every page. It works with every kind of
// credential, access tokens included.
//
// Bitbucket API docs: GET /repositories/{workspace}?role=member&pagelen=100
func (p *Provider) ListWorkspaceRepositories(ctx context.Context, workspace string) iter.Seq2[*vcs.Repository, error] {
	if !segmentRE.MatchString(workspace) {
		return func(yield func(*vcs.Repository, error) bool) {
			yield(nil, vcs.Errorf(vcs.KindBitbucket, "ListWorkspaceRepositories", vcs.ErrInvalidArgument, "workspace %q is not a workspace slug", workspace))
		}
	}
	return p.repoSeq(ctx, "ListWorkspaceRepositories", "repositories/"+workspace, url.Values{"role": {"member"}})
}

func (p *Provider) repoSeq(ctx context.Context, op, path string, q url.Values) iter.Seq2[*vcs.Repository, error] {
	return func(yield func(*vcs.Repository, error) bool) {
		for r, err := range list[repository](ctx, p.client, op, path, q) {
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(r.toVCS(), nil) {
				return
			}
		}
	}
}

// GetRepository returns one repository.
//
// Bitbucket API docs: GET /repositories/{workspace}/{repo_slug}
func (p *Provider) GetRepository(ctx context.Context, repo string) (*vcs.Repository, error) {
	path, err := repoPath("GetRepository", repo)
	if err != nil {
		return nil, err
	}
	var r repository
	if _, err := p.client.get(ctx, "GetRepository", path, nil, &r); err != nil {
		return nil, err
	}
	return r.toVCS(), nil
}
