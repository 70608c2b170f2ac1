package gitprovider_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestEveryExportedNameIsDocumented fails on an exported name without a
// doc comment anywhere in the module (test files aside): package-level
// functions, types, constants and variables, methods of exported types,
// fields of exported structs and methods of exported interfaces. A
// constant or variable in a group is documented by the group's comment;
// a field or interface method may have its comment at the end of its
// line.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	missing := undocumented(t, ".")
	for _, m := range missing {
		t.Errorf("undocumented: %s", m)
	}
	t.Logf("%d undocumented exported names", len(missing))
}

func undocumented(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		out = append(out, undocumentedIn(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func undocumentedIn(fset *token.FileSet, f *ast.File) []string {
	var out []string
	miss := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		out = append(out, p.Filename+":"+itoa(p.Line)+": "+what)
	}
	has := func(groups ...*ast.CommentGroup) bool {
		for _, g := range groups {
			if g != nil && strings.TrimSpace(g.Text()) != "" {
				return true
			}
		}
		return false
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() {
				continue
			}
			name := d.Name.Name
			if d.Recv != nil {
				recv := receiverType(d.Recv.List[0].Type)
				if !ast.IsExported(recv) {
					continue
				}
				name = recv + "." + name
			}
			if !has(d.Doc) {
				miss(d.Pos(), "func "+name)
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if !has(s.Doc, d.Doc) {
						miss(s.Pos(), "type "+s.Name.Name)
					}
					switch tt := s.Type.(type) {
					case *ast.StructType:
						for _, fld := range tt.Fields.List {
							for _, n := range fld.Names {
								if n.IsExported() && !has(fld.Doc, fld.Comment) {
									miss(n.Pos(), "field "+s.Name.Name+"."+n.Name)
								}
							}
						}
					case *ast.InterfaceType:
						for _, m := range tt.Methods.List {
							for _, n := range m.Names {
								if n.IsExported() && !has(m.Doc, m.Comment) {
									miss(n.Pos(), "method "+s.Name.Name+"."+n.Name)
								}
							}
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && !has(s.Doc, s.Comment, d.Doc) {
							miss(n.Pos(), d.Tok.String()+" "+n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

func receiverType(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.StarExpr:
		return receiverType(t.X)
	case *ast.IndexExpr:
		return receiverType(t.X)
	case *ast.IndexListExpr:
		return receiverType(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestReadmeTestingSectionIsTheExample checks that the README's first Go
// block under "Testing your own server" is Example_testingYourServer, line
// for line, so that it compiles and runs.
func TestReadmeTestingSectionIsTheExample(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Testing your own server")
	if !ok {
		t.Fatal("README has no testing section")
	}
	_, block, ok := strings.Cut(section, "```go\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("the testing section has no Go block")
	}
	example, err := os.ReadFile("example_hosts_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(string(example), "func Example_testingYourServer() {\n")
	body, _, _ = strings.Cut(body, "\t// Output:")
	trim := func(s string) []string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	if got, want := trim(block), trim(body); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("README's testing example differs from Example_testingYourServer:\nREADME:\n%s\nExample:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
