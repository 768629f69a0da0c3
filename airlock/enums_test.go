package airlock_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestEventTypesComplete parses the package so a new EventType constant
// cannot be left out of EventTypes (the audit command checks names
// against it) or of Description.
func TestEventTypesComplete(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []airlock.EventType
	for _, entry := range entries {
		if !strings.HasSuffix(entry.Name(), ".go") || strings.HasSuffix(entry.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, entry.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || vs.Type == nil || len(vs.Values) != 1 {
				return true
			}
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "EventType" {
				return true
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			declared = append(declared, airlock.EventType(s))
			return true
		})
	}
	if len(declared) < 20 {
		t.Fatalf("found only %d EventType constants; has the declaration changed shape?", len(declared))
	}
	for _, e := range declared {
		if !slices.Contains(airlock.EventTypes(), e) {
			t.Errorf("EventTypes() lacks %s", e)
		}
		if e.Description() == string(e) {
			t.Errorf("%s has no Description", e)
		}
	}
	if got, want := len(airlock.EventTypes()), len(declared); got != want {
		t.Errorf("EventTypes() has %d types, the package declares %d", got, want)
	}
}
