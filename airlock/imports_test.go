package airlock_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// importRules says, for every package of the module, which packages may
// import it (test files may import anything). A new package needs a line,
// as a new route needs an access rule, so where it sits is decided once.
var importRules = map[string]func(importer string) bool{
	"airlock":         anyone,                                 // the domain
	"airlock/jobsite": either(underCmd, is("airlock/sqlite")), // the user cache keeps the API's user object
	"airlock/sqlite":  underCmd,                               // wired in by cmd; the jobs site shares its migration runner
	"review":          either(underCmd, is("ui")),
	"ui":              underCmd,
	"ui/preview":      either(underCmd, is("ui")),
	"ui/viewer":       is("ui", "ui/preview"),
	"ui/markdown":     either(underCmd, is("ui")), // and the jobs site, under cmd
	"ui/browsertest":  testsOnly,
	// ui may use only the path syntax check (TestUIHoldsNoReaders).
	"workspaces":                        either(underCmd, is("ui")),
	"workspaces/checks":                 either(underCmd, is("workspaces/checkfile")),
	"workspaces/checkfile":              underCmd,
	"workspaces/coderepo":               underCmd, // reaches the web layer only through review
	"workspaces/content":                either(underCmd, is("ui/preview", "ui/viewer", "workspaces/checkfile", "workspaces/content/compare")),
	"workspaces/content/compare":        either(underCmd, is("ui/preview", "ui/viewer")),
	"workspaces/content/bombtest":       testsOnly,
	"workspaces/wstest":                 testsOnly,
	"cmd/airlock":                       testsOnly,
	"cmd/jobsite":                       testsOnly,
	"cmd/jobsite/receiver":              underCmd, // a program of its own, run by the demo too
	"cmd/jobsite/receiver/receivertest": testsOnly,
	"testdata":                          underCmd, // the demo's fixtures
}

func anyone(string) bool       { return true }
func testsOnly(string) bool    { return false }
func underCmd(pkg string) bool { return strings.HasPrefix(pkg, "cmd/") }

func is(pkgs ...string) func(string) bool {
	return func(p string) bool { return slices.Contains(pkgs, p) }
}

func either(a, b func(string) bool) func(string) bool {
	return func(p string) bool { return a(p) || b(p) }
}

// TestImportRules checks that every package of the module has a rule in
// importRules and that every import between packages (outside test
// files) keeps it.
func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...", module+"/testdata").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 15 {
		t.Fatalf("go list found only %d packages", len(lines))
	}
	seen := map[string]bool{}
	for _, line := range lines {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/")
		seen[pkg] = true
		if importRules[pkg] == nil {
			t.Errorf("package %s has no rule in importRules: decide who may import it", pkg)
		}
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if rule := importRules[dep]; rule != nil && !rule(pkg) {
				t.Errorf("%s imports %s, which importRules does not allow", pkg, dep)
			}
		}
	}
	for pkg := range importRules {
		if !seen[pkg] {
			t.Errorf("importRules names %s, which is not a package of the module", pkg)
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

// TestLayoutTables keeps the package map of docs/architecture.md and the
// README's layout table the same, one line per package of importRules
// (which TestImportRules keeps equal to the module's packages).
func TestLayoutTables(t *testing.T) {
	rows := func(file string) []string {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		_, table, ok := strings.Cut(string(b), "| package | what it holds |\n| --- | --- |\n")
		if !ok {
			t.Fatalf("%s has no table of packages", file)
		}
		table, _, _ = strings.Cut(table, "\n\n")
		return strings.Split(strings.TrimSpace(table), "\n")
	}
	readme, arch := rows("../README.md"), rows("../docs/architecture.md")
	if !slices.Equal(readme, arch) {
		t.Errorf("the README's layout table differs from the map in docs/architecture.md:\nREADME:\n%s\narchitecture:\n%s",
			strings.Join(readme, "\n"), strings.Join(arch, "\n"))
	}
	var listed []string
	for _, row := range arch {
		pkg, _, _ := strings.Cut(strings.TrimPrefix(row, "| `"), "/` |")
		listed = append(listed, pkg)
	}
	var want []string
	for pkg := range importRules {
		want = append(want, pkg)
	}
	slices.Sort(listed)
	slices.Sort(want)
	if !slices.Equal(listed, want) {
		t.Errorf("the package map lists %q; the module's packages are %q", listed, want)
	}
}
