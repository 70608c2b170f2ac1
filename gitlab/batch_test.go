package gitlab_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/internal/apispec"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestReadChangedFilesBatchesOverGraphQL(t *testing.T) {
	s := newSeeded(t)
	const n = 150
	files := map[string]*string{"data.bin": new("bytes\x00more")}
	for i := range n {
		files[fmt.Sprintf("m/%03d.sql", i)] = new(fmt.Sprintf("select %d;", i))
	}
	if _, _, err := s.srv.Push(s.repo, "feature/big", files); err != nil {
		t.Fatal(err)
	}
	mr, _, err := s.srv.OpenPullRequest(s.repo, vcstest.PullRequestOptions{Source: "feature/big", Target: "main", Title: "Big", Author: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	before := len(s.srv.RequestLog())
	got, err := vcs.ReadChangedFiles(testCtx(t), s.provider(t, s.tok), s.repo, mr, vcs.ReadChangedFilesOptions{Concurrency: 2 * vcs.MaxBatchRead})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != n+1 {
		t.Fatalf("%d files, want %d", len(got), n+1)
	}
	for _, fc := range got {
		if string(fc.Content) != *files[fc.Path] {
			t.Fatalf("%s = %q, want %q", fc.Path, fc.Content, *files[fc.Path])
		}
	}
	var graphql, raw []string
	for _, line := range s.srv.RequestLog()[before:] {
		switch {
		case strings.HasPrefix(line, "POST /api/graphql"):
			graphql = append(graphql, line)
		case strings.Contains(line, "/repository/files/"):
			raw = append(raw, line)
		}
	}
	// More slots than files, so that no batch goes out early for want of
	// a slot (how many do then depends on scheduling): 151 files are one
	// full batch of MaxBatchRead and the rest when the list ends.
	if len(graphql) != 2 {
		t.Errorf("%d GraphQL requests for %d files, want 2 (a full batch of %d and the rest)", len(graphql), n+1, vcs.MaxBatchRead)
	}
	if len(raw) != 1 || !strings.Contains(raw[0], "/files/data%2Ebin/") {
		t.Errorf("REST reads %v, want only the binary data.bin", raw)
	}

	// A read_repository token is not accepted by GraphQL: every file is
	// read over REST, and the read still succeeds.
	tok, err := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_repository"}})
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.provider(t, tok).ReadFiles(testCtx(t), s.repo, "feature/big", []string{"m/000.sql", "data.bin"})
	if err != nil || string(read[0].Content) != "select 0;" || string(read[1].Content) != "bytes\x00more" {
		t.Fatalf("ReadFiles with read_repository = %v, %v", read, err)
	}
}

func TestFakeGraphQLErrors(t *testing.T) {
	s := newSeeded(t)
	post := func(tok, query string, vars map[string]any) (int, map[string]any) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req, _ := http.NewRequest(http.MethodPost, s.srv.URL()+"/api/graphql", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	t.Run("Refused", func(t *testing.T) {
		// Queries GitLab refuses, sent on purpose: the API checker would
		// report them as the provider's mistakes.
		apispec.Exempt(t, http.MethodPost, "/api/graphql", http.StatusOK, "a syntax error and a field outside the schema, sent to see the fake refuse them as GitLab does")
		if status, out := post(s.tok, "query { project(fullPath: \"x\" {", nil); status != 200 || out["data"] != nil || out["errors"] == nil {
			t.Errorf("syntax error answered %d %v", status, out)
		}
		if _, out := post(s.tok, `query { currentUser { username } }`, nil); !strings.Contains(fmt.Sprint(out["errors"]), "undefinedField") {
			t.Errorf("unknown field answered %v", out)
		}
	})
	q := `query($p: ID!) { project(fullPath: $p) { repository { blobs(paths: ["README.md"], ref: "main") { nodes { path oid rawTextBlob } } } } }`
	if _, out := post(s.tok, q, map[string]any{"p": "acme/nope"}); fmt.Sprint(out["data"]) != "map[project:<nil>]" {
		t.Errorf("missing project answered %v", out)
	}
	if _, out := post(s.tok, q, map[string]any{"p": s.repo}); !strings.Contains(fmt.Sprint(out["data"]), "rawTextBlob:# db") {
		t.Errorf("read answered %v", out)
	}
	tok, err := s.srv.IssueToken("bytebase-bot", vcstest.TokenOptions{Scopes: []string{"read_repository"}})
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := post(tok, q, map[string]any{"p": s.repo}); status != http.StatusForbidden {
		t.Errorf("read_repository token answered %d, want 403", status)
	}
}
