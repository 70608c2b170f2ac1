package apispec

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

// The hosts' GraphQL schemas (testdata/<host>/schema.graphql, see SOURCE
// there): GitHub's published schema trimmed by cmd/trim -graphql,
// GitLab's written from its published reference.

var schemas testdataCache[*ast.Schema]

// LoadSchema returns the GraphQL schema testdata/<name>.
func LoadSchema(name string) (*ast.Schema, error) {
	return schemas.get(name, func(raw []byte) (*ast.Schema, error) {
		s, err := gqlparser.LoadSchema(&ast.Source{Name: name, Input: string(raw)})
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return s, nil
	})
}

// graphQLOp names a GraphQL endpoint in reports and violations, beside
// the REST operations.
const graphQLOp = "POST graphql"

// graphQL checks one exchange with a host's GraphQL endpoint: the request
// body ({query, variables, operationName}) is validated against the
// schema (gqlparser's validator: fields, arguments, fragments, variable
// use) and the variables against the operation's variable definitions
// (validator.VariableValues); a 200 answer must be a GraphQL response
// ({data, errors}), and its data must match the query's selection as
// the schema types it.
func (c *Checker) graphQL(x fakehttp.Exchange, schemaName string) {
	s, err := LoadSchema(schemaName)
	if err != nil {
		c.violate("route", "%s: %v", c.Host, err)
		return
	}
	c.count(func() {
		if c.seen == nil {
			c.seen = map[string]int{}
		}
		c.seen[schemaName+" "+graphQLOp]++
		c.requests++
		c.graphQLRequests++
	})
	bad := func(kind, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if !c.ignored(schemaName, graphQLOp, kind, x.Status, msg) {
			c.violate(kind, "%s: %s %s (%s): %s", c.Host, kind, graphQLOp, schemaName, msg)
		}
	}
	var body struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	// Numbers decode as float64 (a json.Number would pass for a String).
	if err := json.Unmarshal(x.RequestBody, &body); err != nil {
		bad("request", "body is not a GraphQL request: %v", err)
		return
	}
	doc, errs := gqlparser.LoadQueryWithRules(s, body.Query, nil) // nil: the default (specification) rules
	for _, e := range errs {
		bad("request", "query: %s", gqlMessage(e))
	}
	if len(errs) > 0 {
		return
	}
	op := doc.Operations.ForName(body.OperationName)
	if op == nil {
		bad("request", "query: no operation %q to run", body.OperationName)
		return
	}
	if _, err := validator.VariableValues(s, op, body.Variables); err != nil {
		bad("request", "variables: %s", gqlMessage(err))
	}
	for name := range body.Variables {
		if op.VariableDefinitions.ForName(name) == nil {
			bad("request", "variables: $%s is not defined by the operation", name)
		}
	}
	if x.Status != 200 {
		// GitHub answers 401 with a REST-style {message} and GitLab with
		// {errors}: only the JSON is checked.
		if !json.Valid(x.Body) {
			bad("response", "status %d: answer is not JSON", x.Status)
		}
		return
	}
	c.count(func() { c.responses++ })
	var resp map[string]any
	rd := json.NewDecoder(bytes.NewReader(x.Body))
	rd.UseNumber()
	if err := rd.Decode(&resp); err != nil {
		bad("response", "answer is not a JSON object: %v", err)
		return
	}
	for k := range resp {
		if k != "data" && k != "errors" && k != "extensions" {
			bad("response", "answer has %q beside data, errors and extensions", k)
		}
	}
	data, hasData := resp["data"]
	errList, hasErrors := resp["errors"]
	if !hasData && !hasErrors {
		bad("response", "answer has neither data nor errors")
	}
	if hasErrors {
		list, ok := errList.([]any)
		if !ok || len(list) == 0 {
			bad("response", "errors is not a non-empty list")
		}
		for _, e := range list {
			m, ok := e.(map[string]any)
			if msg, isString := m["message"].(string); !ok || !isString || msg == "" {
				bad("response", "an error has no message")
			}
		}
	}
	if hasData && data != nil {
		var out []string
		checkSelection(s, op.SelectionSet, data, "data", &out)
		for _, e := range out {
			bad("response", "%s", e)
		}
	}
}

// gqlMessage is a gqlparser error without its "input:1:2: " prefix,
// with its path.
func gqlMessage(err error) string {
	if e, ok := err.(*gqlerror.Error); ok {
		if len(e.Path) > 0 {
			return e.Path.String() + ": " + e.Message
		}
		return e.Message
	}
	return err.Error()
}

// checkSelection checks that an object in the answer holds only the
// fields the selection asks for, each with a value of the schema's type.
// Fields asked for directly must be there; fields asked for in an inline
// fragment may be missing (the object may be of another type).
func checkSelection(s *ast.Schema, set ast.SelectionSet, v any, path string, out *[]string) {
	obj, ok := v.(map[string]any)
	if !ok {
		*out = append(*out, fmt.Sprintf("%s: want an object, got %s", path, jsonKind(v)))
		return
	}
	fields := map[string]*ast.Field{}
	var required []string
	var collect func(set ast.SelectionSet, direct bool)
	collect = func(set ast.SelectionSet, direct bool) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				key := cmp.Or(sel.Alias, sel.Name)
				fields[key] = sel
				if direct {
					required = append(required, key)
				}
			case *ast.InlineFragment:
				collect(sel.SelectionSet, false)
			case *ast.FragmentSpread:
				if sel.Definition != nil {
					collect(sel.Definition.SelectionSet, false)
				}
			}
		}
	}
	collect(set, true)
	for _, k := range required {
		if _, ok := obj[k]; !ok {
			*out = append(*out, fmt.Sprintf("%s: %s is missing", path, k))
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f := fields[k]
		if f == nil {
			*out = append(*out, fmt.Sprintf("%s: %s was not asked for", path, k))
			continue
		}
		if f.Name == "__typename" || f.Definition == nil {
			continue
		}
		checkValue(s, f.Definition.Type, f.SelectionSet, obj[k], path+"."+k, out)
	}
}

func checkValue(s *ast.Schema, t *ast.Type, set ast.SelectionSet, v any, path string, out *[]string) {
	if v == nil {
		if t.NonNull {
			*out = append(*out, fmt.Sprintf("%s: null for the non-null %s", path, t))
		}
		return
	}
	if t.Elem != nil {
		list, ok := v.([]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: want a list (%s), got %s", path, t, jsonKind(v)))
			return
		}
		for i, e := range list {
			checkValue(s, t.Elem, set, e, path+"["+strconv.Itoa(i)+"]", out)
		}
		return
	}
	def := s.Types[t.NamedType]
	if def == nil {
		return
	}
	wrong := func() { *out = append(*out, fmt.Sprintf("%s: want %s, got %s", path, t.NamedType, jsonKind(v))) }
	switch def.Kind {
	case ast.Object, ast.Interface, ast.Union:
		checkSelection(s, set, v, path, out)
	case ast.Enum:
		str, ok := v.(string)
		if !ok || def.EnumValues.ForName(str) == nil {
			wrong()
		}
	case ast.Scalar:
		switch t.NamedType {
		case "String":
			if _, ok := v.(string); !ok {
				wrong()
			}
		case "Boolean":
			if _, ok := v.(bool); !ok {
				wrong()
			}
		case "Int":
			n, ok := v.(json.Number)
			if !ok {
				wrong()
				break
			}
			if i, err := n.Int64(); err != nil || i < math.MinInt32 || i > math.MaxInt32 {
				wrong()
			}
		case "Float":
			if _, ok := v.(json.Number); !ok {
				wrong()
			}
		case "ID":
			switch v.(type) {
			case string, json.Number:
			default:
				wrong()
			}
		default: // a custom scalar (GitHub's GitObjectID, URI, …): serialized as a string
			if _, ok := v.(string); !ok {
				wrong()
			}
		}
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// gitHubGraphQL reports whether u is a GitHub GraphQL endpoint:
// /graphql on GitHub.com and GHE.com, /api/graphql on GHES.
func gitHubGraphQL(u *url.URL) bool {
	p := escapedPath(u)
	h := strings.ToLower(u.Hostname())
	if p == "/graphql" {
		return h == "api.github.com" || (strings.HasPrefix(h, "api.") && strings.HasSuffix(h, ".ghe.com"))
	}
	return p == "/api/graphql"
}
