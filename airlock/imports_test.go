package airlock_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// module is the import path of the project.
const module = "github.com/airlock-project/airlock"

// TestImportDirection keeps the domain free of project and third-party
// imports, and the workflow service free of storage, HTTP and disk code.
func TestImportDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", module+"/airlock", module+"/review").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, std, _ := strings.Cut(line, " ")
		if std == "true" || pkg == module+"/airlock" || pkg == module+"/review" {
			continue
		}
		t.Errorf("airlock or review imports %s", pkg)
	}
}

// TestImportersOfEdges keeps the packages at the edges where they belong:
// the code cache and the preview engine are wired in by cmd (the code
// cache reaches the web layer only through the review service), and the
// reference jobs site is a program of its own, used by the demo and tests
// but by no library code. Test files may import anything.
func TestImportersOfEdges(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	isCmd := func(pkg string) bool { return strings.HasPrefix(pkg, module+"/cmd/") }
	allowed := map[string]func(importer string) bool{
		module + "/workspaces/coderepo":  isCmd,
		module + "/cmd/jobsite/receiver": isCmd,
		module + "/ui/preview":           func(p string) bool { return p == module+"/ui" || isCmd(p) },
		module + "/airlock/sqlite":       isCmd,
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		for _, imp := range fields[1:] {
			if ok, ruled := allowed[imp]; ruled && !ok(fields[0]) {
				t.Errorf("%s imports %s", fields[0], imp)
			}
		}
	}
}

// TestUIHoldsNoReaders checks that no non-test file under ui/ reaches the
// workspaces on disk or the code cache itself: every read goes through
// the review service, which checks and audits it. Of package workspaces
// only the path syntax check may be used (to canonicalise URLs).
func TestUIHoldsNoReaders(t *testing.T) {
	forbidden := map[string]bool{module + "/workspaces/coderepo": true, module + "/airlock/sqlite": true}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir("../ui", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		wsName := ""
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if forbidden[path] {
				t.Errorf("%s imports %s", p, path)
			}
			if path == module+"/workspaces" {
				wsName = "workspaces"
				if imp.Name != nil {
					wsName = imp.Name.Name
				}
				if wsName == "." || wsName == "_" {
					t.Errorf("%s imports workspaces as %q", p, wsName)
				}
			}
		}
		if wsName == "" {
			return nil
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == wsName && sel.Sel.Name != "ValidatePath" {
					t.Errorf("%s: uses workspaces.%s; read workspaces through the review service", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 10 {
		t.Fatalf("checked only %d files under ui/", files)
	}
}

// TestDomainTypesHaveNoWireTags keeps the exported domain types free of
// JSON tags: the wire shapes of the jobs-site API belong to its client
// (airlock/jobsite), which maps them to these types in one place. Private
// types may fix a storage format.
func TestDomainTypesHaveNoWireTags(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	types := 0
	for _, p := range pkgs {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.TypeSpec)
			if !ok || !spec.Name.IsExported() {
				return true
			}
			st, ok := spec.Type.(*ast.StructType)
			if !ok {
				return true
			}
			types++
			for _, field := range st.Fields.List {
				if field.Tag != nil && strings.Contains(field.Tag.Value, "json:") {
					t.Errorf("%s: %s has a JSON tag %s", fset.Position(field.Pos()), spec.Name.Name, field.Tag.Value)
				}
			}
			return true
		})
	}
	if types < 10 {
		t.Fatalf("checked only %d exported struct types", types)
	}
}
