package github

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/gitprovider/gitprovider/internal/batchread"
	"github.com/gitprovider/gitprovider/internal/httpx"
	"github.com/gitprovider/gitprovider/vcs"
)

// graphQLURL is the GraphQL endpoint beside the REST root: GitHub.com
// https://api.github.com/graphql, GHE.com https://api.TENANT.ghe.com/graphql,
// GitHub Enterprise Server https://HOST/api/graphql
// (https://docs.github.com/en/graphql/guides/forming-calls-with-graphql#the-graphql-endpoint,
// and the same page in the GHES docs).
func (p *Provider) graphQLURL() string {
	u := *p.api
	if strings.HasSuffix(u.Path, "/api/v3/") {
		u.Path = strings.TrimSuffix(u.Path, "v3/") + "graphql"
	} else {
		u.Path = strings.TrimSuffix(u.Path, "/") + "/graphql"
	}
	return u.String()
}

// blobFields is what a batched read asks of each file.
type blobFields struct {
	Text        *httpx.BlobText `json:"text"` // decoded into bytes in one copy
	ByteSize    int64           `json:"byteSize"`
	IsBinary    bool            `json:"isBinary"`
	IsTruncated bool            `json:"isTruncated"`
	OID         string          `json:"oid"`
}

type graphQLError struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// ReadFiles reads many files at ref in one GraphQL query per call, one
// aliased object(expression: "REF:path") field per path, and returns them
// in the order of paths (vcs.BatchReader; vcs.StreamChangedFiles and
// vcs.ReadChangedFiles call it with at most vcs.MaxBatchRead paths).
// Each text is checked against its blob's oid (the git blob SHA-1). A
// file the query cannot carry — binary, truncated by GitHub, without
// text, not matching its oid, or missing — is read with ReadFile, which
// also gives the REST errors (vcs.ErrNotFound, vcs.ErrTooLarge). When the
// query itself fails for any reason but the rate limit or the caller's
// context, every file is read with ReadFile. Files at a commit SHA are
// answered from the same cache as ReadFile.
//
// Cost (https://docs.github.com/en/graphql/overview/rate-limits-and-node-limits-for-the-graphql-api):
// object(expression:) is no connection, so a batch requests a node per
// path, far below the 500,000-node limit, and its primary-limit score is
// 1 point; for the secondary limits a GraphQL request without mutations
// costs 1 point (of 2,000 a minute for GraphQL), like the single REST GET
// it replaces for each of up to vcs.MaxBatchRead files. It shares
// the provider's pacing and 90-in-flight cap with REST requests.
//
// GitHub API docs: POST /graphql, repository(owner:, name:) { object(expression:) { ... on Blob } }
func (p *Provider) ReadFiles(ctx context.Context, repo, ref string, paths []string) ([]*vcs.File, error) {
	const op = "ReadFiles"
	owner, name, err := splitRepo(op, repo)
	if err != nil {
		return nil, err
	}
	b, err := batchread.Plan(vcs.KindGitHub, op, p.files, repo, ref, paths)
	if err != nil {
		return nil, err
	}
	if len(b.Ask) > 0 {
		blobs, err := p.queryBlobs(ctx, owner, name, ref, b)
		if batchread.Fatal(ctx, err) {
			return nil, err
		}
		for k, i := range b.Ask {
			if blob := blobs.at(k); blob != nil && blob.Text != nil && !blob.IsBinary && !blob.IsTruncated && int64(len(*blob.Text)) == blob.ByteSize {
				b.Accept(i, blob.OID, []byte(*blob.Text)) // no copy: BlobText is the bytes
			}
		}
	}
	return b.Finish(ctx, func(ctx context.Context, path string) (*vcs.File, error) { return p.ReadFile(ctx, repo, path, ref) })
}

// blobList is a batch's answer in the order of its Ask (nil where GitHub
// answered null); a failed batch has none.
type blobList []*blobFields

func (l blobList) at(k int) *blobFields {
	if k < len(l) {
		return l[k]
	}
	return nil
}

// queryBlobs sends one query for the batch's Ask and returns the blob
// fields in that order.
func (p *Provider) queryBlobs(ctx context.Context, owner, name, ref string, b *batchread.Batch) (blobList, error) {
	const op = "ReadFiles"
	rev := ref
	if rev == "" {
		rev = "HEAD"
	}
	var q strings.Builder
	q.WriteString("query($owner: String!, $name: String!")
	vars := map[string]any{"owner": owner, "name": name}
	for k := range b.Ask {
		fmt.Fprintf(&q, ", $e%d: String!", k)
	}
	q.WriteString(") { repository(owner: $owner, name: $name) {")
	for k, i := range b.Ask {
		vars[fmt.Sprintf("e%d", k)] = rev + ":" + b.Path(i)
		fmt.Fprintf(&q, " f%d: object(expression: $e%d) { ... on Blob { text byteSize isBinary isTruncated oid } }", k, k)
	}
	q.WriteString(" } }")
	body := map[string]any{"query": q.String(), "variables": vars}
	req, err := p.client.NewRequest(httpx.WithResponseLimit(ctx, 4*MaxFileSize), http.MethodPost, p.graphQLURL(), body)
	if err != nil {
		return nil, vcs.Errorf(vcs.KindGitHub, op, vcs.ErrInvalidArgument, "%v", err)
	}
	var resp struct {
		Data struct {
			Repository map[string]*blobFields `json:"repository"`
		} `json:"data"`
		Errors []graphQLError `json:"errors"`
	}
	if _, err := p.client.Do(req, &resp); err != nil {
		return nil, p.wrap(op, err)
	}
	if len(resp.Errors) > 0 {
		e := resp.Errors[0]
		kind := vcs.ErrInvalidArgument
		switch e.Type {
		case "NOT_FOUND":
			kind = vcs.ErrNotFound
		case "FORBIDDEN":
			kind = vcs.ErrPermissionDenied
		case "RATE_LIMITED":
			kind = vcs.ErrRateLimited
		}
		return nil, vcs.Errorf(vcs.KindGitHub, op, kind, "GraphQL: %s", e.Message)
	}
	out := make(blobList, len(b.Ask))
	for k := range b.Ask {
		out[k] = resp.Data.Repository[fmt.Sprintf("f%d", k)]
	}
	return out, nil
}

var _ vcs.BatchReader = (*Provider)(nil)
