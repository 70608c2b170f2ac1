package githubtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// maxGraphQLText is the size past which the fake answers a blob's text
// truncated (isTruncated: true). GitHub does not document the size at
// which Blob.text is cut: unconfirmed, chosen at 512 KiB.
const maxGraphQLText = 512 << 10

// graphQLRoutes serves the GraphQL endpoint: POST /graphql (GitHub.com,
// GHE.com) and POST /api/graphql (GitHub Enterprise Server), see
// https://docs.github.com/en/graphql/guides/forming-calls-with-graphql#the-graphql-endpoint.
// It answers the part of the schema the provider reads — repository(owner:,
// name:) { ALIAS: object(expression: "REV:path") { ... on Blob { text
// byteSize isBinary isTruncated oid } } } — from the git store. The query
// document is parsed with gqlparser (a syntax error is answered as GitHub
// does: 200 with errors[] and no data); a field the fake does not know is
// GitHub's undefinedField error. Permissions are those of the contents
// API: a repository the token cannot see is a NOT_FOUND error, a
// fine-grained token without contents read is FORBIDDEN.
func (s *Server) graphQLRoutes(mux *http.ServeMux) {
	h := s.authed(s.handleGraphQL)
	mux.Handle("POST /graphql", h)
	mux.Handle("POST /api/graphql", h)
}

func gqlError(pos *ast.Position, path ast.Path, typ, format string, args ...any) *gqlerror.Error {
	e := gqlerror.ErrorPosf(pos, format, args...)
	e.Path = path
	if typ != "" {
		e.Extensions = map[string]any{"type": typ}
	}
	return e
}

// gqlErrorsJSON adds GitHub's top-level "type" (NOT_FOUND, FORBIDDEN) that
// GitHub puts beside message, locations and path.
func gqlErrorsJSON(errs []*gqlerror.Error) []map[string]any {
	out := make([]map[string]any, 0, len(errs))
	for _, e := range errs {
		m := map[string]any{"message": e.Message}
		if len(e.Locations) > 0 {
			m["locations"] = e.Locations
		}
		if len(e.Path) > 0 {
			m["path"] = e.Path
		}
		if t, ok := e.Extensions["type"]; ok {
			m["type"] = t
		} else if len(e.Extensions) > 0 {
			m["extensions"] = e.Extensions
		}
		out = append(out, m)
	}
	return out
}

func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request, c *call) {
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Query == "" {
		// GitHub: 400 {"message": "Problems parsing JSON"} for a body
		// that is not JSON.
		writeError(w, http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	answer := func(data any, errs []*gqlerror.Error) {
		out := map[string]any{}
		if data != nil {
			out["data"] = data
		}
		if len(errs) > 0 {
			out["errors"] = gqlErrorsJSON(errs)
		}
		fakehttp.WriteJSON(w, http.StatusOK, out)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: body.Query})
	if err != nil {
		var ge *gqlerror.Error
		if e, ok := err.(*gqlerror.Error); ok {
			ge = e
		} else {
			ge = gqlerror.Errorf("%v", err)
		}
		answer(nil, []*gqlerror.Error{ge})
		return
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		answer(nil, []*gqlerror.Error{gqlerror.Errorf("the fake answers exactly one query operation")})
		return
	}
	data := map[string]any{}
	var errs []*gqlerror.Error
	for _, sel := range doc.Operations[0].SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || f.Name != "repository" {
			name := fmt.Sprintf("%T", sel)
			if ok {
				name = f.Name
			}
			answer(nil, []*gqlerror.Error{undefinedField(sel.GetPosition(), "Query", name)})
			return
		}
		owner := argString(f, "owner", body.Variables)
		name := argString(f, "name", body.Variables)
		// The permission rules of GET contents, through the REST check.
		rec := httptest.NewRecorder()
		r2 := r.Clone(r.Context())
		r2.SetPathValue("owner", owner)
		r2.SetPathValue("repo", name)
		repo, ok := s.repo(rec, r2, c, needContents)
		if !ok {
			data[f.Alias] = nil
			if rec.Code == http.StatusForbidden {
				var e struct {
					Message string `json:"message"`
				}
				_ = json.Unmarshal(rec.Body.Bytes(), &e)
				errs = append(errs, gqlError(f.Position, ast.Path{ast.PathName(f.Alias)}, "FORBIDDEN", "%s", e.Message))
			} else {
				errs = append(errs, gqlError(f.Position, ast.Path{ast.PathName(f.Alias)}, "NOT_FOUND", "Could not resolve to a Repository with the name '%s/%s'.", owner, name))
			}
			continue
		}
		fields := map[string]any{}
		for _, sel := range f.SelectionSet {
			of, ok := sel.(*ast.Field)
			if !ok || of.Name != "object" {
				name := "fragment"
				if ok {
					name = of.Name
				}
				answer(nil, []*gqlerror.Error{undefinedField(sel.GetPosition(), "Repository", name)})
				return
			}
			expr := argString(of, "expression", body.Variables)
			rev, p, _ := strings.Cut(expr, ":")
			if rev == "HEAD" || rev == "" {
				rev = repo.DefaultBranch
			}
			content, sha, err := s.store.ReadFile(repo.FullPath, rev, strings.Trim(p, "/"))
			if err != nil {
				fields[of.Alias] = nil // GitHub answers null for no such object
				continue
			}
			blob, bad := blobFields(of.SelectionSet, content, sha)
			if bad != nil {
				answer(nil, []*gqlerror.Error{bad})
				return
			}
			fields[of.Alias] = blob
		}
		data[f.Alias] = fields
	}
	answer(data, errs)
}

func undefinedField(pos *ast.Position, typ, field string) *gqlerror.Error {
	e := gqlerror.ErrorPosf(pos, "Field '%s' doesn't exist on type '%s'", field, typ)
	e.Extensions = map[string]any{"code": "undefinedField", "typeName": typ, "fieldName": field}
	return e
}

// blobFields answers the Blob fields selected (inside "... on Blob").
func blobFields(set ast.SelectionSet, content []byte, sha string) (map[string]any, *gqlerror.Error) {
	out := map[string]any{}
	for _, sel := range set {
		frag, ok := sel.(*ast.InlineFragment)
		if !ok || frag.TypeCondition != "Blob" {
			if f, ok := sel.(*ast.Field); ok && f.Name == "__typename" {
				out[f.Alias] = "Blob"
				continue
			}
			return nil, undefinedField(sel.GetPosition(), "GitObject", "selection")
		}
		binary := bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content)
		truncated := !binary && len(content) > maxGraphQLText
		for _, sel := range frag.SelectionSet {
			f, ok := sel.(*ast.Field)
			if !ok {
				return nil, undefinedField(sel.GetPosition(), "Blob", "fragment")
			}
			switch f.Name {
			case "text":
				switch {
				case binary:
					out[f.Alias] = nil
				case truncated:
					out[f.Alias] = string(content[:maxGraphQLText])
				default:
					out[f.Alias] = string(content)
				}
			case "byteSize":
				out[f.Alias] = len(content)
			case "isBinary":
				out[f.Alias] = binary
			case "isTruncated":
				out[f.Alias] = truncated
			case "oid":
				out[f.Alias] = sha
			case "__typename":
				out[f.Alias] = "Blob"
			default:
				return nil, undefinedField(f.Position, "Blob", f.Name)
			}
		}
	}
	return out, nil
}

// argString is a field's string argument, literal or variable ("" when
// absent). The document is not validated against a schema, so the
// field has no definition for ArgumentMap to read.
func argString(f *ast.Field, name string, vars map[string]any) string {
	a := f.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return ""
	}
	v, err := a.Value.Value(vars)
	if err != nil {
		return ""
	}
	s, _ := v.(string)
	return s
}
