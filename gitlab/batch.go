package gitlab

import (
	"context"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/gitprovider/gitprovider/internal/batchread"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

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
	b, err := batchread.Plan(kind, op, p.files, repo, ref, paths)
	if err != nil {
		return nil, err
	}
	if len(b.Ask) > 0 {
		ask := make([]string, len(b.Ask))
		for k, i := range b.Ask {
			ask[k] = b.Path(i)
		}
		blobs, err := p.queryBlobs(ctx, id, ref, ask)
		if batchread.Fatal(ctx, err) {
			return nil, err
		}
		for _, i := range b.Ask {
			if blob, ok := blobs[b.Path(i)]; ok && blob.RawTextBlob != nil && len(blob.OID) == 40 && !batchread.IsLFSPointer([]byte(*blob.RawTextBlob)) {
				b.Accept(i, blob.OID, []byte(*blob.RawTextBlob))
			}
		}
	}
	return b.Finish(ctx, func(ctx context.Context, path string) (*vcs.File, error) { return p.ReadFile(ctx, repo, path, ref) })
}

type blobNode struct {
	Path        string          `json:"path"`
	OID         string          `json:"oid"`
	RawTextBlob *httpx.BlobText `json:"rawTextBlob"` // decoded into bytes in one copy
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
