package apispec

import (
	"encoding/json"
	"strings"
	"testing"
)

// A GraphQL request is checked against the host's schema: a wrong field,
// argument or variable type is a violation, and so is an answer whose data
// does not match the query.
func TestGraphQLChecked(t *testing.T) {
	const ghQuery = `query($owner: String!, $name: String!, $e0: String!) { repository(owner: $owner, name: $name) { f0: object(expression: $e0) { ... on Blob { text byteSize isBinary isTruncated oid } } } }`
	ghVars := map[string]any{"owner": "o", "name": "r", "e0": "main:a.sql"}
	const glQuery = `query($path: ID!, $ref: String!, $paths: [String!]!) { project(fullPath: $path) { repository { blobs(paths: $paths, ref: $ref) { nodes { path oid rawTextBlob } } } } }`
	glVars := map[string]any{"path": "g/p", "ref": "main", "paths": []string{"a.sql"}}
	ghOK := `{"data":{"repository":{"f0":{"text":"select 1;","byteSize":9,"isBinary":false,"isTruncated":false,"oid":"abc"}}}}`
	for _, tc := range []struct {
		name, target, query string
		vars                map[string]any
		resp                string
		want                string // "" for no violation
	}{
		{"GitHub batch read", "https://api.github.com/graphql", ghQuery, ghVars, ghOK, ""},
		{"GHES batch read", "https://ghe.example/api/graphql", ghQuery, ghVars, ghOK, ""},
		{"GitHub unknown field", "https://api.github.com/graphql", strings.Replace(ghQuery, "byteSize", "size", 1), ghVars, ghOK, `Cannot query field "size" on type "Blob"`},
		{"GitHub wrong variable type", "https://api.github.com/graphql", strings.Replace(ghQuery, "$name: String!", "$name: Int!", 1), ghVars, ghOK, `Variable "$name" of type "Int!" used in position expecting type "String!"`},
		{"GitHub variable value of the wrong type", "https://api.github.com/graphql", ghQuery, map[string]any{"owner": "o", "name": 7, "e0": "main:a.sql"}, ghOK, "variables:"},
		{"GitHub answer with a wrong type", "https://api.github.com/graphql", ghQuery, ghVars, strings.Replace(ghOK, `"byteSize":9`, `"byteSize":"9"`, 1), "want Int, got a string"},
		{"GitHub answer not a GraphQL response", "https://api.github.com/graphql", ghQuery, ghVars, `{"repository":{}}`, "neither data nor errors"},
		{"GitLab batch read", "https://gitlab.example/api/graphql", glQuery, glVars, `{"data":{"project":{"repository":{"blobs":{"nodes":[{"path":"a.sql","oid":"abc","rawTextBlob":"select 1;"}]}}}}}`, ""},
		{"GitLab fullPath as String!", "https://gitlab.example/api/graphql", strings.Replace(glQuery, "$path: ID!", "$path: String!", 1), glVars, `{"data":{"project":null}}`, `Variable "$path" of type "String!" used in position expecting type "ID!"`},
		{"GitLab answer missing a field", "https://gitlab.example/gitlab/api/graphql", glQuery, glVars, `{"data":{"project":{"repository":{"blobs":{"nodes":[{"path":"a.sql","rawTextBlob":"x"}]}}}}}`, "oid is missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query, "variables": tc.vars})
			x := exchange("POST", tc.target, string(body), 200, tc.resp)
			c := GitHub()
			if strings.Contains(tc.target, "gitlab") {
				c = GitLab()
			}
			c.Lenient = nil
			c.Exchange(x)
			got, _ := c.Violations()
			if tc.want == "" && len(got) > 0 {
				t.Errorf("violations %q, want none", got)
			}
			if tc.want != "" && (len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), tc.want)) {
				t.Errorf("violations %q, want one containing %q", got, tc.want)
			}
			if r := c.Report(); r.GraphQL != 1 || r.Requests != 1 {
				t.Errorf("report %+v, want one GraphQL request", r)
			}
		})
	}
}
