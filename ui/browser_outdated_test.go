package ui_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// TestBrowserOutOfDateOutputs follows a researcher through a workspace with
// an output of an action no longer in the pipeline: hidden at first, with
// the count; shown by pressing the switch, with its warning, and hidden
// again. The choice lasts while they browse the workspace.
func TestBrowserOutOfDateOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	w := newWorld(t)
	markStale(t, filepath.Join(w.wsDir, "cardiac-main", "metadata", "manifest.json"), "output/notes.txt")
	base := w.serve()
	p := person(t, b, w, base, researcher)
	folder := base + "/workspaces/view/cardiac-main/output/"
	notes := `[data-testid=dir-table] a[href$="/output/notes.txt"]`

	p.Navigate(folder)
	if p.Has(notes) {
		t.Error("the out-of-date output is listed before it was asked for")
	}
	if got := p.Text("[data-testid=outdated-toggle]"); !strings.Contains(got, "1 output from out-of-date actions hidden") {
		t.Errorf("switch says %q", got)
	}
	p.Screenshot("outdated-hidden")

	p.ClickNav("[data-testid=outdated-show]")
	if !strings.HasSuffix(p.URL(), "/workspaces/view/cardiac-main/output/") {
		t.Errorf("after the switch the page is %s", p.URL())
	}
	if !p.Has(notes) || !p.Has("[data-testid=outdated]") {
		t.Fatal("the out-of-date output is not shown with its warning after the switch")
	}
	p.Screenshot("outdated-shown")
	p.ClickNav(notes)
	if got := p.Text("[data-testid=outdated-file]"); !strings.Contains(got, "no longer in the project’s pipeline") {
		t.Errorf("file page warning = %q", got)
	}
	p.Navigate(folder)
	if !p.Has(notes) {
		t.Error("the choice was forgotten between pages")
	}
	p.ClickNav("[data-testid=outdated-hide]")
	if p.Has(notes) {
		t.Error("hidden again, the output is still listed")
	}
	if v := p.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

// markStale marks an output of a manifest as made by an action no longer
// in the pipeline, rewriting the manifest atomically as the job runner does.
func markStale(t *testing.T, manifest, path string) {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	m["outputs"].(map[string]any)[path].(map[string]any)["out_of_date_action"] = true
	if data, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	tmp := manifest + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, manifest); err != nil {
		t.Fatal(err)
	}
}
