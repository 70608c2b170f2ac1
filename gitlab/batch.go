package gitlab

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// lfsPointer starts a Git LFS pointer: its blob is not the file's content.
var lfsPointer = []byte("version https://git-lfs.github.com/spec/")

// ReadFiles reads many files at ref in one GraphQL query (vcs.BatchReader):
// project(fullPath:) { repository { blobs(paths:, ref:) { nodes { path
// oid rawTextBlob } } } }, and returns them in the order of paths. Each
// text is checked against its oid (the git blob SHA-1). A file the query
// cannot carry — binary (rawTextBlob null), a Git LFS pointer, not
// matching its oid, or missing — is read with ReadFile, which also gives
// the REST errors. When the query itself fails for any reason but the
// rate limit or the caller's context (e.g. a token with only
// read_repository, which GraphQL does not accept), every file is read
// with ReadFile.
//
// GitLab API docs: POST /api/graphql (https://docs.gitlab.com/api/graphql/reference/#repositoryblobs);
// a blobs connection pages at 100 nodes, and vcs.MaxBatchRead is 100.
func (p *Provider) ReadFiles(ctx context.Context, repo, ref string, paths []string) ([]*vcs.File, error) {
	const op = "ReadFiles"
	id, err := projectID(op, repo)
	if err != nil {
		return nil, err
	}
	out := make([]*vcs.File, len(paths))
	var ask []string
	for i, fp := range paths {
		if err := vcs.CheckFileArgs(kind, op, fp, ref); err != nil {
			return nil, err
		}
		clean := strings.Trim(fp, "/")
		if clean == "" {
			return nil, vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "file path is empty")
		}
		if f := p.files.Get(repo, clean, ref); f != nil {
			out[i] = f
			continue
		}
		ask = append(ask, clean)
	}
	var blobs map[string]blobNode
	if len(ask) > 0 {
		blobs, err = p.queryBlobs(ctx, id, ref, ask)
		if err != nil && (ctx.Err() != nil || errors.Is(err, vcs.ErrRateLimited)) {
			return nil, err
		}
	}
	for i, fp := range paths {
		if out[i] != nil {
			continue
		}
		clean := strings.Trim(fp, "/")
		if b, ok := blobs[clean]; ok && b.RawTextBlob != nil && len(b.OID) == 40 {
			content := []byte(*b.RawTextBlob)
			if !bytes.HasPrefix(content, lfsPointer) && httpx.CheckBlob(kind, op, clean, b.OID, content) == nil {
				out[i] = p.files.Put(repo, clean, ref, &vcs.File{Path: clean, Ref: ref, SHA: b.OID, Content: content})
				continue
			}
		}
		f, err := p.ReadFile(ctx, repo, fp, ref)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

type blobNode struct {
	Path        string  `json:"path"`
	OID         string  `json:"oid"`
	RawTextBlob *string `json:"rawTextBlob"`
}

const blobsQuery = `query($path: ID!, $ref: String!, $paths: [String!]!) {
  project(fullPath: $path) { repository { blobs(paths: $paths, ref: $ref) { nodes { path oid rawTextBlob } } } }
}`

// queryBlobs sends one query and returns the blobs by path.
func (p *Provider) queryBlobs(ctx context.Context, id, ref string, paths []string) (map[string]blobNode, error) {
	const op = "ReadFiles"
	if ref == "" {
		ref = "HEAD"
	}
	q := gl.GraphQLQuery{Query: blobsQuery, Variables: map[string]any{"path": id, "ref": ref, "paths": paths}}
	req, err := p.client.NewRequest(http.MethodPost, "", q, []gl.RequestOptionFunc{reqCtx(httpx.WithResponseLimit(ctx, 4*maxFileSize))})
	if err != nil {
		return nil, p.errs.FromError(op, err)
	}
	// The GraphQL endpoint is /api/graphql beside /api/v4, also under a
	// relative URL root (https://host/gitlab/api/graphql).
	req.URL.Path = strings.TrimSuffix(strings.TrimSuffix(req.URL.Path, "/"), "/api/v4") + "/api/graphql"
	req.URL.RawPath = ""
	var resp struct {
		Data struct {
			Project *struct {
				Repository *struct {
					Blobs struct {
						Nodes []blobNode `json:"nodes"`
					} `json:"blobs"`
				} `json:"repository"`
			} `json:"project"`
		} `json:"data"`
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	r, err := p.client.Do(req, &resp)
	if err != nil {
		return nil, p.fail(op, r, err)
	}
	if len(resp.Errors) > 0 {
		return nil, vcs.Errorf(kind, op, vcs.ErrInvalidArgument, "GraphQL: %s", resp.Errors[0].Message)
	}
	out := map[string]blobNode{}
	if pr := resp.Data.Project; pr != nil && pr.Repository != nil {
		for _, n := range pr.Repository.Blobs.Nodes {
			out[n.Path] = n
		}
	}
	return out, nil
}

var _ vcs.BatchReader = (*Provider)(nil)
