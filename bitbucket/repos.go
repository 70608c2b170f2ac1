package bitbucket

import (
	"context"
	"iter"
	"net/url"

	"github.com/gitprovider/gitprovider/internal/pager"
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

// ListRepositories yields every repository the token's user is a member
// of, following every page.
//
// Bitbucket API: GET /repositories?role=member&pagelen=100, then each
// page's "next" URL.
func (p *Provider) ListRepositories(ctx context.Context) iter.Seq2[*vcs.Repository, error] {
	return p.repoSeq(ctx, "ListRepositories", "repositories", url.Values{"role": {"member"}})
}

// ListWorkspaceRepositories yields every repository of one workspace the
// token may see, following every page.
//
// Bitbucket API: GET /repositories/{workspace}?role=member&pagelen=100.
func (p *Provider) ListWorkspaceRepositories(ctx context.Context, workspace string) iter.Seq2[*vcs.Repository, error] {
	if !segmentRE.MatchString(workspace) {
		return pager.Seq(ctx, func(context.Context, string) ([]*vcs.Repository, string, error) {
			return nil, "", vcs.Errorf(vcs.KindBitbucket, "ListWorkspaceRepositories", vcs.ErrInvalidArgument, "workspace %q is not a workspace slug or ID", workspace)
		})
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
// Bitbucket API: GET /repositories/{workspace}/{repo_slug}
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
