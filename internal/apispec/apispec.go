// Package apispec checks the fakes' exchanges against the hosts' own
// published API descriptions, so that a wrong idea of a host's API is not
// written twice (once in a provider, once in its fake) and kept green.
//
// The descriptions live trimmed in testdata/<host>/ (see SOURCE there, and
// cmd/trim, which regenerates them). A provider package's tests install a
// Checker for the whole test binary with Main:
//
//	func TestMain(m *testing.M) { os.Exit(apispec.Main(m, apispec.GitHub())) }
//
// From then on every request any fake answers is checked (operation,
// path and query parameters, headers the host requires, body) and so is the
// fake's answer (status, headers, body), and every webhook delivery a fake
// makes is checked against the host's webhook payload description. An
// exchange that matches no operation of the description is a violation
// too, so a new endpoint is checked from the day it is called. A
// request to a host's GraphQL endpoint is validated against the host's
// GraphQL schema instead (graphql.go). Where a
// description is wrong, the correction is written once in fixups.go, with
// its reason. A test that sends, on purpose, a request the host refuses
// waives that exchange with Exempt, with its reason. Violations fail the
// test binary.
package apispec

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/gitprovider/gitprovider/internal/fakehttp"
)

//go:embed testdata/*/*.json testdata/*/*.graphql
var files embed.FS

// Description is one trimmed API description with its routes.
type Description struct {
	Name string // file name under testdata, e.g. "github/api.github.com.json"
	// Doc is the description, with the fix-ups applied.
	Doc    *openapi3.T
	routes []route
}

type route struct {
	template string // as in the description, e.g. /repos/{owner}/{repo}
	method   string
	re       *regexp.Regexp
	names    []string
	literals int
	op       *openapi3.Operation
	item     *openapi3.PathItem
}

// testdataCache parses each file of testdata once, for every checker of
// the test binary: the API descriptions and the GraphQL schemas.
type testdataCache[T any] struct {
	mu     sync.Mutex
	parsed map[string]T
}

// get returns testdata/<name> as parse made it, parsing it the first time.
func (c *testdataCache[T]) get(name string, parse func(raw []byte) (T, error)) (T, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.parsed[name]; ok {
		return v, nil
	}
	var zero T
	raw, err := files.ReadFile("testdata/" + name)
	if err != nil {
		return zero, err
	}
	v, err := parse(raw)
	if err != nil {
		return zero, err
	}
	if c.parsed == nil {
		c.parsed = map[string]T{}
	}
	c.parsed[name] = v
	return v, nil
}

var descriptions testdataCache[*Description]

// Load returns the trimmed description testdata/<name>, with the fix-ups
// for it applied.
func Load(name string) (*Description, error) {
	return descriptions.get(name, func(raw []byte) (*Description, error) { return parseDescription(name, raw) })
}

func parseDescription(name string, raw []byte) (*Description, error) {
	l := openapi3.NewLoader()
	doc, err := l.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, f := range Fixups {
		if f.Patch != nil && f.appliesTo(name) {
			if err := f.Patch(doc); err != nil {
				return nil, fmt.Errorf("%s: fix-up %q: %w", name, f.Reason, err)
			}
		}
	}
	d := &Description{Name: name, Doc: doc}
	for tmpl, item := range doc.Paths.Map() {
		re, names, lits := compile(tmpl, strings.HasPrefix(name, "azuredevops/"))
		for m, op := range item.Operations() {
			d.routes = append(d.routes, route{template: tmpl, method: m, re: re, names: names, literals: lits, op: op, item: item})
		}
	}
	// Most literal text first; a template ending in a parameter that
	// swallows slashes is tried after every stricter one.
	slices.SortStableFunc(d.routes, func(a, b route) int {
		return cmp.Or(cmp.Compare(b.literals, a.literals), cmp.Compare(a.template, b.template))
	})
	return d, nil
}

var paramRe = regexp.MustCompile(`\{[^}]+\}`)

// greedy are the parameters that hold a file path, a ref name or a
// revision range, which may contain slashes; as a template's last
// parameter they match the rest of the path.
var greedy = map[string]bool{"path": true, "ref": true, "branch": true, "name": true, "basehead": true, "spec": true}

// compile turns a path template into a regexp over the escaped path. A
// parameter matches one escaped segment, except a last greedy one, which
// also matches the rest of the path (file paths, branch names with
// slashes).
func compile(tmpl string, fold bool) (*regexp.Regexp, []string, int) {
	var b strings.Builder
	var names []string
	if fold {
		// Azure DevOps routes ignore case (the description itself
		// spells both "pullrequests" and "pullRequests").
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	last := 0
	locs := paramRe.FindAllStringIndex(tmpl, -1)
	lits := 0
	for i, loc := range locs {
		lit := tmpl[last:loc[0]]
		lits += len(lit)
		b.WriteString(regexp.QuoteMeta(lit))
		names = append(names, tmpl[loc[0]+1:loc[1]-1])
		if i == len(locs)-1 && loc[1] == len(tmpl) && greedy[names[len(names)-1]] {
			b.WriteString("(.*?)") // may be empty: a directory listing of the root
		} else {
			b.WriteString("([^/]+?)")
		}
		last = loc[1]
	}
	lits += len(tmpl[last:])
	b.WriteString(regexp.QuoteMeta(tmpl[last:]))
	b.WriteString("/?$")
	return regexp.MustCompile(b.String()), names, lits
}

// find returns the operation for method and the escaped path relative to
// the description's root.
func (d *Description) find(method, escapedPath string) (*route, map[string]string) {
	for i := range d.routes {
		r := &d.routes[i]
		if r.method != method {
			continue
		}
		m := r.re.FindStringSubmatch(escapedPath)
		if m == nil {
			continue
		}
		params := map[string]string{}
		for j, n := range r.names {
			v, err := url.PathUnescape(m[j+1])
			if err != nil {
				v = m[j+1]
			}
			params[n] = v
		}
		return r, params
	}
	return nil, nil
}

// API maps the URLs of one host form (GitHub.com, GHES, …) onto a
// description.
type API struct {
	// Match returns the request's escaped path relative to the
	// description's paths, or false when the URL is not this API's.
	Match func(u *url.URL) (string, bool)
	Desc  string // description file under testdata
}

// Checker checks the exchanges and deliveries of one host's fakes.
type Checker struct {
	// Host names the host in violations and reports.
	Host string
	// APIs are the host's URL forms, tried in order.
	APIs []API
	// Hook names the description and webhook operation
	// ("/x-webhooks/<name>") a delivery is described by; "" when the
	// delivery is not of this host.
	Hook func(req *http.Request, body []byte) (desc, name string)
	// GraphQL names the GraphQL schema (under testdata) a POST to u is
	// checked against when u is the host's GraphQL endpoint.
	GraphQL func(u *url.URL) (schema string, ok bool)

	// Lenient names the kinds of violation ("response", "delivery") that
	// are reported but do not fail the binary yet, while a fake is being
	// completed; the closing note of issue 11 says which remain.
	Lenient []string

	mu         sync.Mutex
	kinds      map[string]string // violation -> kind
	violations map[string]int
	order      []string
	seen       map[string]int // "desc METHOD template" -> exchanges
	requests   int
	responses  int
	deliveries int
	// graphQLRequests counts the GraphQL requests (also in requests).
	graphQLRequests int
	fixupsUsed      map[string]int
}

func (c *Checker) violate(kind, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.violations == nil {
		c.violations = map[string]int{}
		c.kinds = map[string]string{}
	}
	c.kinds[msg] = kind
	if c.violations[msg] == 0 {
		c.order = append(c.order, msg)
	}
	c.violations[msg]++
}

// Violations returns each distinct violation seen so far, oldest first,
// and apart those of a Lenient kind.
func (c *Checker) Violations() (failing, lenient []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, v := range c.order {
		line := fmt.Sprintf("%s (x%d)", v, c.violations[v])
		if slices.Contains(c.Lenient, c.kinds[v]) {
			lenient = append(lenient, line)
		} else {
			failing = append(failing, line)
		}
	}
	return failing, lenient
}

func (c *Checker) count(f func()) {
	c.mu.Lock()
	f()
	c.mu.Unlock()
}

// ignored reports whether a fix-up waives the violation err of kind
// ("request", "response", "delivery") at op in desc.
func (c *Checker) ignored(desc, op, kind string, status int, err string) bool {
	for _, f := range Fixups {
		if f.Ignore != nil && f.appliesTo(desc) && (f.Op == "" || f.Op == op) && f.Ignore(kind, status, err) {
			c.count(func() {
				if c.fixupsUsed == nil {
					c.fixupsUsed = map[string]int{}
				}
				c.fixupsUsed[f.Reason]++
			})
			return true
		}
	}
	return false
}

var opts = &openapi3filter.Options{
	AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	MultiError:         true,
}

// Exchange checks one request a fake answered and the fake's answer.
func (c *Checker) Exchange(x fakehttp.Exchange) {
	if c.exempted(x) {
		return
	}
	if c.GraphQL != nil && x.Request.Method == http.MethodPost {
		if schema, ok := c.GraphQL(x.Request.URL); ok {
			c.graphQL(x, schema)
			return
		}
	}
	var api *API
	var rel string
	for i := range c.APIs {
		if p, ok := c.APIs[i].Match(x.Request.URL); ok {
			api, rel = &c.APIs[i], p
			break
		}
	}
	where := x.Request.Method + " " + x.Request.URL.Redacted()
	if api == nil {
		c.violate("route", "%s: %s: no API description for this URL", c.Host, where)
		return
	}
	d, err := Load(api.Desc)
	if err != nil {
		c.violate("route", "%s: %v", c.Host, err)
		return
	}
	r, params := d.find(x.Request.Method, rel)
	if r == nil {
		if !c.ignored(api.Desc, "", "route", x.Status, x.Request.Method+" "+rel) {
			c.violate("route", "%s: %s %s: no operation in %s (add it to the description: see internal/apispec/testdata/%s/SOURCE)", c.Host, x.Request.Method, rel, api.Desc, strings.Split(api.Desc, "/")[0])
		}
		return
	}
	op := r.method + " " + r.template
	c.count(func() {
		if c.seen == nil {
			c.seen = map[string]int{}
		}
		c.seen[api.Desc+" "+op]++
	})
	req := x.Request.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(x.RequestBody))
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Options: opts,
		Route: &routers.Route{Spec: d.Doc, Path: r.template, PathItem: r.item, Method: r.method, Operation: r.op},
	}
	c.count(func() { c.requests++ })
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		for _, e := range flatten(err) {
			if !c.ignored(api.Desc, op, "request", x.Status, e) {
				c.violate("request", "%s: request %s (%s): %s", c.Host, op, api.Desc, e)
			}
		}
	}
	if _, documented := responseFor(r.op, x.Status); !documented {
		if !c.ignored(api.Desc, op, "status", x.Status, fmt.Sprint(x.Status)) {
			c.violate("response", "%s: response %s (%s): status %d is not documented", c.Host, op, api.Desc, x.Status)
		}
		return
	}
	c.count(func() { c.responses++ })
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: x.Status, Header: x.Header,
		Body: io.NopCloser(bytes.NewReader(x.Body)), Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		for _, e := range flatten(err) {
			if !c.ignored(api.Desc, op, "response", x.Status, e) {
				c.violate("response", "%s: response %d %s (%s): %s", c.Host, x.Status, op, api.Desc, e)
			}
		}
	}
}

func responseFor(op *openapi3.Operation, status int) (*openapi3.ResponseRef, bool) {
	if op.Responses == nil {
		return nil, false
	}
	if r := op.Responses.Status(status); r != nil {
		return r, true
	}
	if r := op.Responses.Value(fmt.Sprintf("%dXX", status/100)); r != nil {
		return r, true
	}
	if r := op.Responses.Default(); r != nil {
		return r, true
	}
	return nil, false
}

// Delivery checks one webhook delivery a fake made.
func (c *Checker) Delivery(req *http.Request, body []byte) {
	if c.Hook == nil {
		return
	}
	desc, name := c.Hook(req, body)
	if desc == "" {
		return
	}
	d, err := Load(desc)
	if err != nil {
		c.violate("route", "%s: %v", c.Host, err)
		return
	}
	path := "/x-webhooks/" + name
	item := d.Doc.Paths.Value(path)
	if item == nil || item.Post == nil {
		if !c.ignored(desc, "", "route", 0, "webhook "+name) {
			c.violate("delivery", "%s: delivery %q: no webhook description in %s (add it: see internal/apispec/testdata/%s/SOURCE)", c.Host, name, desc, strings.Split(desc, "/")[0])
		}
		return
	}
	op := "webhook " + name
	c.count(func() {
		if c.seen == nil {
			c.seen = map[string]int{}
		}
		c.seen[desc+" "+op]++
		c.deliveries++
	})
	r := req.Clone(context.Background())
	r.Body = io.NopCloser(bytes.NewReader(body))
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: map[string]string{}, Options: opts,
		Route: &routers.Route{Spec: d.Doc, Path: path, PathItem: item, Method: http.MethodPost, Operation: item.Post},
	}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		for _, e := range flatten(err) {
			if !c.ignored(desc, op, "delivery", 0, e) {
				c.violate("delivery", "%s: delivery %s (%s): %s", c.Host, name, desc, e)
			}
		}
	}
}

// flatten splits a kin-openapi error into one line per problem.
func flatten(err error) []string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []string
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	// Schema errors carry the schema and the value, and their Error
	// marshals both (most of a conformance run's CPU went there): build
	// the text from the reason and the JSON pointer instead, which say
	// enough and stay short.
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return []string{err.Error()}
	}
	msg := se.Reason
	if p := se.JSONPointer(); len(p) > 0 {
		msg += " at /" + strings.Join(p, "/")
	}
	var re *openapi3filter.RequestError
	var rs *openapi3filter.ResponseError
	switch {
	case errors.As(err, &re) && re.Parameter != nil:
		msg = "parameter " + re.Parameter.Name + ": " + msg
	case errors.As(err, &re):
		msg = "request body doesn't match schema: " + msg
	case errors.As(err, &rs):
		msg = "response body doesn't match schema: " + msg
	}
	return []string{msg}
}

// Report is what a Checker saw.
type Report struct {
	Host       string         // the Checker's Host
	Operations map[string]int // "description METHOD template" (or "webhook name") -> exchanges
	Requests   int            // requests validated (REST and GraphQL)
	GraphQL    int            // of which GraphQL requests, validated against the schema
	Responses  int            // responses validated
	Deliveries int            // deliveries validated
	Fixups     map[string]int // fix-up reason -> violations it waived
	Violations []string       // these fail the binary
	Lenient    []string       // these are reported only (Checker.Lenient)
}

// Report returns what the checker saw so far.
func (c *Checker) Report() Report {
	v, l := c.Violations()
	c.mu.Lock()
	defer c.mu.Unlock()
	return Report{Host: c.Host, Operations: maps.Clone(c.seen), Requests: c.requests, GraphQL: c.graphQLRequests, Responses: c.responses, Deliveries: c.deliveries, Fixups: maps.Clone(c.fixupsUsed), Violations: v, Lenient: l}
}

// String lists the report: counts, operations, fix-ups used, violations.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "apispec %s: %d operations, %d requests validated (%d GraphQL), %d responses validated, %d deliveries validated, %d violations, %d lenient\n",
		r.Host, len(r.Operations), r.Requests, r.GraphQL, r.Responses, r.Deliveries, len(r.Violations), len(r.Lenient))
	for _, k := range slices.Sorted(maps.Keys(r.Operations)) {
		fmt.Fprintf(&b, "  op %s: %d\n", k, r.Operations[k])
	}
	for _, k := range slices.Sorted(maps.Keys(r.Fixups)) {
		fmt.Fprintf(&b, "  fix-up %q waived %d\n", k, r.Fixups[k])
	}
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "  VIOLATION %s\n", v)
	}
	for _, v := range r.Lenient {
		fmt.Fprintf(&b, "  LENIENT %s\n", v)
	}
	return b.String()
}

// Main runs a test binary's tests with c observing every fake, then fails
// the binary when any exchange or delivery broke the description. With
// APISPEC_REPORT set to a file name, it appends its Report there.
func Main(m *testing.M, c *Checker) int {
	prev := fakehttp.SetObserver(c)
	code := m.Run()
	fakehttp.SetObserver(prev)
	rep := c.Report()
	if f := os.Getenv("APISPEC_REPORT"); f != "" {
		if w, err := os.OpenFile(f, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = io.WriteString(w, rep.String())
			_ = w.Close()
		}
	}
	if len(rep.Violations) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: the fakes' exchanges break the %s API description (internal/apispec):\n", c.Host)
		for _, v := range rep.Violations {
			fmt.Fprintf(os.Stderr, "  %s\n", v)
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}

func init() {
	// The hosts' own media types: GitHub's raw file answers are the file's
	// bytes, its object answers JSON.
	for _, ct := range []string{"application/vnd.github.raw", "application/vnd.github.raw+json"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
	for _, ct := range []string{"application/vnd.github.object", "application/vnd.github+json"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.JSONBodyDecoder)
	}
}
