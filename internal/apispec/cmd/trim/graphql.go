package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// graphQLOutput is one trimmed GraphQL schema (trim.json's "graphql").
type graphQLOutput struct {
	Out    string `json:"out"`
	Source string `json:"source"` // the published SDL, relative to -src
	// Header is written first, as # comments (where the schema is from).
	Header []string `json:"header,omitempty"`
	// Fields are the "Type.field"s the library's queries reach. An object
	// or interface type keeps only its listed fields (and, for an object,
	// those of the kept interfaces it implements); the types of their
	// arguments are kept whole, and so is every scalar, enum and input
	// type they reach.
	Fields []string `json:"fields"`
}

// trimGraphQL keeps the types the listed fields reach, and formats them
// with gqlparser's formatter. The result is loaded back with
// gqlparser.LoadSchema, so that a trim that drops something needed fails
// here.
func trimGraphQL(src string, o graphQLOutput) ([]byte, error) {
	raw, err := os.ReadFile(filepath.Join(src, o.Source))
	if err != nil {
		return nil, err
	}
	doc, err := parser.ParseSchema(&ast.Source{Name: o.Source, Input: string(raw)})
	if err != nil {
		return nil, err
	}
	defs := map[string]*ast.Definition{}
	for _, d := range doc.Definitions {
		defs[d.Name] = d
	}
	dirs := map[string]*ast.DirectiveDefinition{}
	for _, d := range doc.Directives {
		dirs[d.Name] = d
	}
	want := map[string][]string{} // type -> fields, in the order listed
	for _, f := range o.Fields {
		t, name, ok := strings.Cut(f, ".")
		if !ok {
			return nil, fmt.Errorf("field %q: want Type.field", f)
		}
		want[t] = append(want[t], name)
	}
	kept := map[string]*ast.Definition{}
	usedDirs := map[string]bool{}
	var order []string
	var keep func(name string) error
	directives := func(l ast.DirectiveList) {
		for _, d := range l {
			if dirs[d.Name] != nil {
				usedDirs[d.Name] = true
			}
		}
	}
	keepType := func(t *ast.Type) error {
		for t.Elem != nil {
			t = t.Elem
		}
		return keep(t.NamedType)
	}
	keep = func(name string) error {
		if kept[name] != nil {
			return nil
		}
		d := defs[name]
		if d == nil {
			if slices.Contains([]string{"String", "Int", "Float", "Boolean", "ID"}, name) {
				return nil // built in
			}
			return fmt.Errorf("type %s is not in %s", name, o.Source)
		}
		c := *d
		kept[name] = &c
		order = append(order, name)
		directives(c.Directives)
		switch c.Kind {
		case ast.Object, ast.Interface:
			names := want[name]
			if len(names) == 0 {
				return fmt.Errorf("type %s is reached: list the fields of it the queries use", name)
			}
			c.Interfaces = nil
			for _, i := range d.Interfaces {
				if len(want[i]) > 0 {
					c.Interfaces = append(c.Interfaces, i)
					for _, f := range want[i] {
						if !slices.Contains(names, f) {
							names = append(names, f)
						}
					}
				}
			}
			c.Fields = nil
			for _, f := range d.Fields {
				if slices.Contains(names, f.Name) {
					c.Fields = append(c.Fields, f)
				}
			}
			if len(c.Fields) != len(names) {
				return fmt.Errorf("type %s: some of %v are not its fields", name, names)
			}
			for _, f := range c.Fields {
				directives(f.Directives)
				if err := keepType(f.Type); err != nil {
					return err
				}
				for _, a := range f.Arguments {
					directives(a.Directives)
					if err := keepType(a.Type); err != nil {
						return err
					}
				}
			}
		case ast.InputObject:
			for _, f := range c.Fields {
				directives(f.Directives)
				if err := keepType(f.Type); err != nil {
					return err
				}
			}
		case ast.Union:
			return fmt.Errorf("type %s: unions are not trimmed yet", name)
		case ast.Enum:
			for _, v := range c.EnumValues {
				directives(v.Directives)
			}
		}
		return nil
	}
	for _, f := range o.Fields {
		t, _, _ := strings.Cut(f, ".")
		if err := keep(t); err != nil {
			return nil, err
		}
	}
	// Object types that implement a kept interface but are not listed are
	// dropped (an inline fragment names the ones the queries use).
	out := &ast.SchemaDocument{}
	for _, d := range doc.Directives {
		if usedDirs[d.Name] {
			out.Directives = append(out.Directives, d)
		}
	}
	slices.Sort(order)
	for _, n := range order {
		out.Definitions = append(out.Definitions, kept[n])
	}
	var buf bytes.Buffer
	for _, h := range o.Header {
		buf.WriteString(strings.TrimRight("# "+h, " ") + "\n")
	}
	buf.WriteString("\n")
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatSchemaDocument(out)
	if _, err := gqlparser.LoadSchema(&ast.Source{Name: o.Out, Input: buf.String()}); err != nil {
		return nil, fmt.Errorf("the trimmed schema does not load: %w", err)
	}
	return buf.Bytes(), nil
}
