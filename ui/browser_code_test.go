package ui_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// TestBrowserSourceCode follows an output checker from a file to the code
// that produced it and back, and to the explanation when the backend does
// not hold a project's code.
func TestBrowserSourceCode(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	w := newWorld(t)
	base := w.serve()
	p := person(t, b, w, base, checker1)
	commit := w.commits["cardiac-main"]
	filePage := base + "/workspaces/view/cardiac-main/output/tables/counts_by_region.csv"

	p.Navigate(filePage)
	if resp := p.ClickNav("[data-testid=view-code]"); resp.Status != http.StatusOK {
		t.Fatalf("code view status %d", resp.Status)
	}
	if h := p.Text("h1"); !strings.Contains(h, "cardiac-main@"+commit[:7]) {
		t.Errorf("heading = %q", h)
	}
	if got := p.Text("[data-testid=code-commit]"); got != commit {
		t.Errorf("commit shown = %q, want %q", got, commit)
	}
	if n := p.Count("[data-testid=code-dir] tbody tr"); n != 2 {
		t.Errorf("root lists %d entries, want analysis/ and project.yaml", n)
	}
	p.Screenshot("code-root")

	// Into a folder from the tree, then a file from the folder's table.
	p.ClickNav(`[data-testid=code-tree] summary a`)
	if !strings.Contains(p.URL(), "/analysis/") {
		t.Fatalf("tree folder link went to %s", p.URL())
	}
	p.ClickNav(`[data-testid=code-dir] a[href*="make_tables.R"]`)
	p.WaitVisible("iframe[data-testid=code-preview]")
	if sb := p.Attr("iframe[data-testid=code-preview]", "sandbox"); strings.Contains(sb, "allow-scripts") {
		t.Errorf("code frame sandbox = %q", sb)
	}
	f := p.Frame("iframe[data-testid=code-preview]")
	if txt := f.Text("body"); !strings.Contains(txt, "round(counts$events / 5) * 5") {
		t.Errorf("frame shows %q", txt)
	}
	if f.Count(".chroma span") == 0 {
		t.Error("the R code is not highlighted")
	}
	if !p.Has(`[data-testid=code-tree] a.file.selected[aria-current=page]`) {
		t.Error("the tree does not mark the open file")
	}
	p.Screenshot("code-file")
	if probs := p.AccessibilityProblems(); len(probs) > 0 {
		t.Errorf("accessibility: %v", probs)
	}

	// The way back leads to the output the checker came from.
	p.ClickNav("[data-testid=code-back]")
	if p.URL() != filePage {
		t.Errorf("back link went to %s, want %s", p.URL(), filePage)
	}

	// vaccine-uptake's repository is not in the cache: the page says so
	// and still offers the way back.
	summary := base + "/workspaces/view/vaccine-uptake/output/summary.md"
	p.Navigate(summary)
	if resp := p.ClickNav("[data-testid=view-code]"); resp.Status != http.StatusNotFound {
		t.Errorf("missing code status %d, want 404", resp.Status)
	}
	if txt := p.Text("[data-testid=code-problem]"); !strings.Contains(txt, "is not in this backend's repository cache") {
		t.Errorf("problem shown = %q", txt)
	}
	p.Screenshot("code-missing")
	p.ClickNav("[data-testid=code-problem] a.button")
	if p.URL() != summary {
		t.Errorf("back from the problem page went to %s", p.URL())
	}
	if v := p.CSPViolations(); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}
