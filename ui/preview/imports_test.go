package preview

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImports keeps the engine a renderer of bytes: it knows the content
// decoders, the HTML fragments and the domain's coded errors, never the
// web layer, the workflow, storage or the workspaces on disk, so it cannot
// decide who may see a file.
func TestImports(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Skipf("go list unavailable: %v", err)
	}
	const module = "github.com/airlock-project/airlock"
	allowed := map[string]bool{
		module + "/airlock":                    true,
		module + "/ui/preview":                 true,
		module + "/ui/viewer":                  true,
		module + "/workspaces/content":         true,
		module + "/workspaces/content/compare": true,
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, module) && !allowed[pkg] {
			t.Errorf("ui/preview imports %s", pkg)
		}
		if strings.HasPrefix(pkg, "github.com/labstack/") || strings.HasPrefix(pkg, "github.com/gorilla/") {
			t.Errorf("ui/preview imports the web framework: %s", pkg)
		}
	}
}
