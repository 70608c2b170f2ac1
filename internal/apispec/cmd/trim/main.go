// Command trim regenerates the trimmed API descriptions under
// internal/apispec/testdata from the hosts' published ones.
//
// Each testdata/<host>/trim.json names, for every trimmed file it writes,
// the published documents it reads (paths relative to -src), the
// operations ("METHOD /path/template") to keep and, for GitHub, the
// webhooks (x-webhooks keys) to keep. Everything the kept operations
// reference (schemas, parameters, responses, headers) is kept with them;
// descriptions, summaries and examples are dropped to keep the copy small.
// Swagger 2.0 documents (Azure DevOps, GitLab) are converted to OpenAPI 3 first
// with kin-openapi's openapi2conv; YAML documents (GitLab) are read as
// JSON first. Webhooks are written as POST operations
// under "/x-webhooks/<name>" so that the validator can check a delivery
// like a request and their $refs resolve.
//
//	go run ./internal/apispec/cmd/trim -host github -src /path/to/@octokit/openapi/package
//	go run ./internal/apispec/cmd/trim -host gitlab -src internal/apispec/testdata/gitlab
//
// With -graphql it trims the host's published GraphQL schema (SDL) instead,
// to the types the library's queries reach (trim.json's "graphql": see
// graphql.go):
//
//	go run ./internal/apispec/cmd/trim -host github -graphql -src /path/to/@octokit/graphql-schema/package
//
// The SOURCE file next to trim.json says where to get -src for each host.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"go.yaml.in/yaml/v4"
)

type config struct {
	Outputs []output `json:"outputs"`
	// GraphQL are the trimmed GraphQL schemas (-graphql).
	GraphQL []graphQLOutput `json:"graphql,omitempty"`
}

type output struct {
	Out        string   `json:"out"`
	Sources    []string `json:"sources"`
	Operations []string `json:"operations"`
	Webhooks   []string `json:"webhooks,omitempty"`
	// Extra names hand-written OpenAPI fragments (next to trim.json)
	// whose paths are added as they are: webhook payloads that a host
	// documents only in prose, written from its docs. Their $refs point
	// into the published documents.
	Extra []string `json:"extra,omitempty"`
}

func main() {
	host := flag.String("host", "", "host directory under testdata (github, bitbucket, azuredevops, gitlab)")
	src := flag.String("src", "", "directory the published documents' paths in trim.json are relative to")
	dir := flag.String("dir", "internal/apispec/testdata", "testdata directory")
	gql := flag.Bool("graphql", false, "trim the host's GraphQL schema (trim.json's \"graphql\") instead of its OpenAPI descriptions")
	flag.Parse()
	if *host == "" || *src == "" {
		flag.Usage()
		os.Exit(2)
	}
	raw, err := os.ReadFile(filepath.Join(*dir, *host, "trim.json"))
	if err != nil {
		log.Fatal(err)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		log.Fatal(err)
	}
	if *gql {
		if len(cfg.GraphQL) == 0 {
			log.Fatalf("%s/trim.json has no \"graphql\" outputs", *host)
		}
		for _, o := range cfg.GraphQL {
			b, err := trimGraphQL(*src, o)
			if err != nil {
				log.Fatalf("%s: %v", o.Out, err)
			}
			if err := os.WriteFile(filepath.Join(*dir, *host, o.Out), b, 0o644); err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s: %d bytes\n", o.Out, len(b))
		}
		return
	}
	for _, o := range cfg.Outputs {
		doc, err := trim(*src, filepath.Join(*dir, *host), o)
		if err != nil {
			log.Fatalf("%s: %v", o.Out, err)
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", " ")
		if err := enc.Encode(doc); err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*dir, *host, o.Out), buf.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d bytes\n", o.Out, buf.Len())
	}
}

type obj = map[string]any

// load reads one published document as OpenAPI 3 JSON.
func load(path string) (obj, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // Azure's files start with a BOM
	if strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml") {
		// GitLab publishes YAML (doc/api/openapi/openapi_v2.yaml): read it
		// as JSON, then as the other documents.
		if raw, err = yamlToJSON(raw); err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
	}
	var probe struct {
		Swagger string `json:"swagger"`
	}
	_ = json.Unmarshal(raw, &probe)
	if probe.Swagger != "" {
		var d2 openapi2.T
		if err := json.Unmarshal(raw, &d2); err != nil {
			return nil, fmt.Errorf("swagger 2.0: %w", err)
		}
		d3, err := openapi2conv.ToV3(&d2)
		if err != nil {
			return nil, fmt.Errorf("convert: %w", err)
		}
		if raw, err = json.Marshal(d3); err != nil {
			return nil, err
		}
	}
	var d obj
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return d, dec.Decode(&d)
}

func trim(src, testdata string, o output) (obj, error) {
	out := obj{"paths": obj{}, "components": obj{}}
	want := map[string]map[string]bool{} // path -> methods
	for _, op := range o.Operations {
		m, p, ok := strings.Cut(op, " ")
		if !ok {
			return nil, fmt.Errorf("operation %q is not METHOD /path", op)
		}
		if want[p] == nil {
			want[p] = map[string]bool{}
		}
		want[p][strings.ToLower(m)] = true
	}
	hooks := map[string]bool{}
	for _, h := range o.Webhooks {
		hooks[h] = true
	}
	found := map[string]bool{}
	var docs []obj
	for _, s := range o.Sources {
		d, err := load(filepath.Join(src, s))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
		docs = append(docs, d)
		if _, ok := out["openapi"]; !ok {
			out["openapi"] = "3.0.3"
			info, _ := d["info"].(obj)
			out["info"] = obj{"title": info["title"], "version": info["version"]}
			if l, ok := info["license"]; ok {
				out["info"].(obj)["license"] = l
			}
			if sv, ok := d["servers"]; ok {
				out["servers"] = sv
			}
			// Security requirements name their schemes without a $ref.
			if c, ok := d["components"].(obj); ok {
				if ss, ok := c["securitySchemes"]; ok {
					out["components"].(obj)["securitySchemes"] = ss
				}
			}
		}
		paths, _ := d["paths"].(obj)
		for p, item := range paths {
			methods := want[p]
			if methods == nil {
				continue
			}
			it, _ := item.(obj)
			kept := obj{}
			for k, v := range it {
				if methods[k] {
					kept[k] = v
					found[strings.ToUpper(k)+" "+p] = true
				} else if k == "parameters" {
					kept[k] = v
				}
			}
			prev, _ := out["paths"].(obj)[p].(obj)
			for k, v := range prev {
				kept[k] = v
			}
			out["paths"].(obj)[p] = kept
		}
		wh, _ := d["x-webhooks"].(obj)
		for name, item := range wh {
			if hooks[name] {
				out["paths"].(obj)["/x-webhooks/"+name] = item
				found["webhook "+name] = true
			}
		}
	}
	for _, e := range o.Extra {
		raw, err := os.ReadFile(filepath.Join(testdata, e))
		if err != nil {
			return nil, err
		}
		var frag obj
		if err := json.Unmarshal(raw, &frag); err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
		paths, _ := frag["paths"].(obj)
		for p, item := range paths {
			out["paths"].(obj)[p] = item
		}
		if c, ok := frag["components"].(obj); ok {
			docs = append([]obj{{"components": c}}, docs...)
		}
	}
	var missing []string
	for _, op := range o.Operations {
		if !found[op] {
			missing = append(missing, op)
		}
	}
	for _, h := range o.Webhooks {
		if !found["webhook "+h] {
			missing = append(missing, "webhook "+h)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not in the published documents: %s", strings.Join(missing, ", "))
	}
	// Keep everything the kept paths reference, transitively.
	comps := out["components"].(obj)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case obj:
			if ref, ok := x["$ref"].(string); ok {
				keepRef(docs, comps, ref, walk)
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	strip(out["paths"]) // first: examples hold $refs to files
	walk(out["paths"])
	strip(out)
	return out, nil
}

// keepRef copies the component ref names ("#/components/<kind>/<name>")
// from the first document that has it.
func keepRef(docs []obj, comps obj, ref string, walk func(any)) {
	parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
	if len(parts) != 2 || !strings.HasPrefix(ref, "#/components/") {
		log.Fatalf("unsupported $ref %q", ref)
	}
	kind, name := parts[0], strings.ReplaceAll(strings.ReplaceAll(parts[1], "~1", "/"), "~0", "~")
	dst, _ := comps[kind].(obj)
	if dst == nil {
		dst = obj{}
		comps[kind] = dst
	}
	if _, ok := dst[name]; ok {
		return
	}
	for _, d := range docs {
		c, _ := d["components"].(obj)
		k, _ := c[kind].(obj)
		if v, ok := k[name]; ok {
			strip(v)
			dst[name] = v
			walk(v)
			return
		}
	}
	log.Fatalf("$ref %q is in none of the documents", ref)
}

// yamlToJSON re-encodes a YAML document as JSON. Mapping keys are
// strings in the descriptions ('200' is quoted); any other key is written
// with fmt's %v.
func yamlToJSON(raw []byte) ([]byte, error) {
	var v any
	if err := yaml.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	var conv func(any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				x[k] = conv(c)
			}
			return x
		case map[any]any:
			m := make(map[string]any, len(x))
			for k, c := range x {
				m[fmt.Sprint(k)] = conv(c)
			}
			return m
		case []any:
			for i, c := range x {
				x[i] = conv(c)
			}
			return x
		}
		return v
	}
	return json.Marshal(conv(v))
}

// strip drops prose and examples, which the validator does not use.
func strip(v any) {
	switch x := v.(type) {
	case obj:
		for _, k := range []string{"description", "summary", "example", "examples", "externalDocs", "x-github", "x-octokit", "x-ms-docs-override-version", "x-ms-vss-method", "x-ms-vss-resource", "x-ms-vss-area", "x-ms-preview", "x-ms-examples"} {
			if k == "description" && x["name"] == "api-version" {
				// Azure DevOps states the api-version value only in
				// this prose (fixups.go turns it into an enum).
				continue
			}
			if k == "description" || k == "summary" {
				// A property may be named "description" or "summary": only
				// drop the string prose.
				if _, ok := x[k].(string); !ok {
					continue
				}
			}
			delete(x, k)
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "properties" {
				// Property names are data, not keywords: recurse into
				// each property's schema, never delete a property.
				if ps, ok := x[k].(obj); ok {
					for _, p := range ps {
						strip(p)
					}
					continue
				}
			}
			strip(x[k])
		}
	case []any:
		for _, c := range x {
			strip(c)
		}
	}
}
