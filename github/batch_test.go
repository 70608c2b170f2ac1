package github_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gitprovider/gitprovider/github/githubtest"
	"github.com/gitprovider/gitprovider/internal/apispec"
	"github.com/gitprovider/gitprovider/vcs"
	"github.com/gitprovider/gitprovider/vcs/vcstest"
)

func TestReadChangedFilesBatchesOverGraphQL(t *testing.T) {
	for _, tc := range []struct {
		name, endpoint string
		opt            []githubtest.Option
	}{
		{"GitHub.com", "POST /graphql", nil},
		{"GHE.com", "POST /graphql", []githubtest.Option{githubtest.Tenant("acme")}},
		{"GHES", "POST /api/graphql", []githubtest.Option{githubtest.Enterprise("ghe.example.com")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := githubtest.New(tc.opt...)
			if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"README.md": "hi"}}); err != nil {
				t.Fatal(err)
			}
			tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
			const n = 150
			files := map[string]*string{"data.bin": str("bytes\x00more")}
			for i := range n {
				files[fmt.Sprintf("m/%03d.sql", i)] = str(fmt.Sprintf("select %d;", i))
			}
			number := openPullRequest(t, srv, "octo/app", "feature", files)
			before := len(srv.RequestLog())
			got, err := vcs.ReadChangedFiles(ctx, open(t, srv, tok), "octo/app", number, vcs.ReadChangedFilesOptions{Concurrency: 2 * vcs.MaxBatchRead})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != n+1 {
				t.Fatalf("%d files, want %d", len(got), n+1)
			}
			for _, fc := range got {
				want := *files[fc.Path]
				if string(fc.Content) != want {
					t.Fatalf("%s = %q, want %q", fc.Path, fc.Content, want)
				}
			}
			var graphql, contents []string
			for _, line := range srv.RequestLog()[before:] {
				switch {
				case line == tc.endpoint:
					graphql = append(graphql, line)
				case strings.Contains(line, "/contents/"):
					contents = append(contents, line)
				}
			}
			// More slots than files, so that no batch goes out early for
			// want of a slot (how many do then depends on scheduling):
			// 151 files are one full batch of MaxBatchRead and the rest
			// when the list ends.
			if len(graphql) != 2 {
				t.Errorf("%d GraphQL requests for %d files, want 2 (a full batch of %d and the rest); log: %v", len(graphql), n+1, vcs.MaxBatchRead, srv.RequestLog()[before:])
			}
			if len(contents) != 1 || !strings.Contains(contents[0], "/contents/data.bin") {
				t.Errorf("REST reads %v, want only the binary data.bin", contents)
			}
		})
	}
}

// post sends a GraphQL document to the fake and decodes its answer.
func post(t *testing.T, srv *githubtest.Server, tok, query string, vars map[string]any) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, "https://api.github.com/graphql", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %s: %v", raw, err)
	}
	return resp.StatusCode, out
}

func TestFakeGraphQLErrors(t *testing.T) {
	srv := githubtest.New()
	if err := srv.CreateRepository("octo/app", vcstest.RepositoryOptions{Files: map[string]string{"a.sql": "select 1;"}}); err != nil {
		t.Fatal(err)
	}
	tok := srv.AddToken(githubtest.Token{User: "octo", Scopes: []string{"repo"}})
	firstError := func(out map[string]any) map[string]any {
		errs, _ := out["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("answer %v has no errors", out)
		}
		e, _ := errs[0].(map[string]any)
		return e
	}
	t.Run("Refused", func(t *testing.T) {
		// Queries GitHub refuses, sent on purpose: the API checker would
		// report them as the provider's mistakes.
		apispec.Exempt(t, http.MethodPost, "/graphql", http.StatusOK, "a syntax error and a field outside the schema, sent to see the fake refuse them as GitHub does")
		// A syntax error: 200, errors[] with a location, no data.
		status, out := post(t, srv, tok, "query { repository(owner: \"octo\" {", nil)
		if e := firstError(out); status != 200 || out["data"] != nil || e["locations"] == nil {
			t.Errorf("syntax error answered %d %v", status, out)
		}
		// An unknown field: undefinedField.
		_, out = post(t, srv, tok, `query { viewer { login } }`, nil)
		if e := firstError(out); !strings.Contains(fmt.Sprint(e["extensions"]), "undefinedField") {
			t.Errorf("unknown field answered %v", out)
		}
	})
	q := `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { f0: object(expression: "main:a.sql") { ... on Blob { text oid } } } }`
	// No such repository: NOT_FOUND, repository null.
	_, out := post(t, srv, tok, q, map[string]any{"o": "octo", "n": "nope"})
	if e := firstError(out); e["type"] != "NOT_FOUND" {
		t.Errorf("missing repository answered %v", out)
	}
	// A fine-grained token without contents read: FORBIDDEN.
	fine := srv.AddToken(githubtest.Token{User: "octo", FineGrained: true, Permissions: map[string]string{"metadata": "read"}})
	_, out = post(t, srv, fine, q, map[string]any{"o": "octo", "n": "app"})
	if e := firstError(out); e["type"] != "FORBIDDEN" {
		t.Errorf("token without contents answered %v", out)
	}
	// And the provider reports it as the REST read does.
	_, err := open(t, srv, fine).ReadFiles(ctx, "octo/app", "main", []string{"a.sql"})
	wantKind(t, "ReadFiles without contents permission", err, vcs.ErrPermissionDenied)
	// A good read.
	_, out = post(t, srv, tok, q, map[string]any{"o": "octo", "n": "app"})
	data, _ := out["data"].(map[string]any)
	repo, _ := data["repository"].(map[string]any)
	blob, _ := repo["f0"].(map[string]any)
	if blob["text"] != "select 1;" || len(fmt.Sprint(blob["oid"])) != 40 {
		t.Errorf("read answered %v", out)
	}
}
