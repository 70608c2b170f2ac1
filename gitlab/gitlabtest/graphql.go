package gitlabtest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"unicode/utf8"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// handleGraphQL serves POST /api/graphql for the part of GitLab's schema
// the provider reads: project(fullPath:) { repository { blobs(paths:,
// ref:) { nodes { path oid rawTextBlob } } } }
// (https://docs.gitlab.com/api/graphql/reference/#repositoryblobs). The
// document is parsed with gqlparser; a syntax error or an unknown field
// is answered as graphql-ruby does (200, errors[], no data). The token
// needs api or read_api (GitLab's GraphQL scopes; read_repository alone
// is refused — the exact answer to it is unconfirmed, 403
// insufficient_scope here); a project the caller cannot read is null.
// rawTextBlob is null for a binary blob.
func (s *Server) handleGraphQL(w http.ResponseWriter, r *http.Request, c *caller) {
	if !s.scopeOK(w, c, scopesRead...) {
		return
	}
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Query == "" {
		fakehttp.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]string{{"message": "No query string was present"}}})
		return
	}
	fail := func(e *gqlerror.Error) {
		fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"errors": []*gqlerror.Error{e}})
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: body.Query})
	if err != nil {
		e, ok := err.(*gqlerror.Error)
		if !ok {
			e = gqlerror.Errorf("%v", err)
		}
		fail(e)
		return
	}
	if len(doc.Operations) != 1 || doc.Operations[0].Operation != ast.Query {
		fail(gqlerror.Errorf("the fake answers exactly one query operation"))
		return
	}
	data := map[string]any{}
	for _, sel := range doc.Operations[0].SelectionSet {
		f, ok := sel.(*ast.Field)
		if !ok || f.Name != "project" {
			fail(undefinedField(sel.GetPosition(), "Query", sel))
			return
		}
		full := argValue(f, "fullPath", body.Variables)
		fullPath, _ := full.(string)
		repo, ok := s.readable(httptest.NewRecorder(), c, fullPath, scopesRead)
		if !ok {
			data[f.Alias] = nil
			continue
		}
		project := map[string]any{}
		for _, sel := range f.SelectionSet {
			rf, ok := sel.(*ast.Field)
			if !ok || rf.Name != "repository" {
				fail(undefinedField(sel.GetPosition(), "Project", sel))
				return
			}
			repository := map[string]any{}
			for _, sel := range rf.SelectionSet {
				bf, ok := sel.(*ast.Field)
				if !ok || bf.Name != "blobs" {
					fail(undefinedField(sel.GetPosition(), "Repository", sel))
					return
				}
				ref, _ := argValue(bf, "ref", body.Variables).(string)
				if ref == "" || ref == "HEAD" {
					ref = repo.DefaultBranch
				}
				paths, _ := argValue(bf, "paths", body.Variables).([]any)
				var nodes []map[string]any
				for _, pv := range paths {
					p, _ := pv.(string)
					content, oid, err := s.store.ReadFile(repo.FullPath, ref, p)
					if err != nil {
						continue // GitLab leaves out a path with no blob
					}
					n := map[string]any{}
					nodes = append(nodes, n)
					for _, sel := range bf.SelectionSet {
						nf, ok := sel.(*ast.Field)
						if !ok || nf.Name != "nodes" {
							fail(undefinedField(sel.GetPosition(), "RepositoryBlobConnection", sel))
							return
						}
						for _, sel := range nf.SelectionSet {
							leaf, ok := sel.(*ast.Field)
							if !ok {
								fail(undefinedField(sel.GetPosition(), "RepositoryBlob", sel))
								return
							}
							switch leaf.Name {
							case "path":
								n[leaf.Alias] = p
							case "oid":
								n[leaf.Alias] = oid
							case "rawTextBlob":
								if bytes.IndexByte(content, 0) >= 0 || !utf8.Valid(content) {
									n[leaf.Alias] = nil
								} else {
									n[leaf.Alias] = string(content)
								}
							default:
								fail(undefinedField(leaf.Position, "RepositoryBlob", leaf))
								return
							}
						}
					}
				}
				conn := map[string]any{}
				for _, sel := range bf.SelectionSet {
					if nf, ok := sel.(*ast.Field); ok {
						if nodes == nil {
							nodes = []map[string]any{}
						}
						conn[nf.Alias] = nodes
					}
				}
				repository[bf.Alias] = conn
			}
			project[rf.Alias] = repository
		}
		data[f.Alias] = project
	}
	fakehttp.WriteJSON(w, http.StatusOK, map[string]any{"data": data})
}

// undefinedField is graphql-ruby's error for a field the type lacks.
func undefinedField(pos *ast.Position, typ string, sel ast.Selection) *gqlerror.Error {
	name := "fragment"
	if f, ok := sel.(*ast.Field); ok {
		name = f.Name
	}
	e := gqlerror.ErrorPosf(pos, "Field '%s' doesn't exist on type '%s'", name, typ)
	e.Extensions = map[string]any{"code": "undefinedField", "typeName": typ, "fieldName": name}
	return e
}

// argValue is a field's argument, literal or variable (nil when absent);
// the document is not validated against a schema.
func argValue(f *ast.Field, name string, vars map[string]any) any {
	a := f.Arguments.ForName(name)
	if a == nil || a.Value == nil {
		return nil
	}
	v, err := a.Value.Value(vars)
	if err != nil {
		return nil
	}
	return v
}
