package ui_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// testDamagedManifest breaks a workspace's manifest and checks what the
// researcher sees in a real browser: the index says the workspace is
// unavailable and why instead of linking to it, and its page says so
// with a way to its requests, never the JSON parser's message.
func testDamagedManifest(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	if err := os.WriteFile(filepath.Join(w.wsDir, "vaccine-uptake", "metadata", "manifest.json"), []byte(`{"outputs": {t`), 0o644); err != nil {
		t.Fatal(err)
	}
	base := w.serve()
	p := person(t, b, w, base, researcher)

	item := "[data-testid=workspace-vaccine-uptake]"
	if p.Has(item + " a[href='/workspaces/view/vaccine-uptake/']") {
		t.Error("the index links to the damaged workspace as if it were fine")
	}
	if got := p.Text(item + " [data-testid=workspace-unavailable]"); !strings.Contains(got, "list of files could not be read") {
		t.Errorf("the index says %q about the damaged workspace", got)
	}
	if !p.Has("[data-testid=workspace-cardiac-main] a[href='/workspaces/view/cardiac-main/']") {
		t.Error("a sound workspace lost its link")
	}
	p.Screenshot("workspace-index-damaged-manifest")

	p.Navigate(base + "/workspaces/view/vaccine-uptake/")
	got := p.Text("[data-testid=workspace-unavailable]")
	if !strings.Contains(got, "backend support") || strings.Contains(p.PageText(), "invalid character") {
		t.Errorf("the workspace page says %q", got)
	}
	p.Screenshot("workspace-damaged-manifest")
	p.ClickNav("[data-testid=workspace-unavailable] a")
	if !strings.HasSuffix(p.URL(), "/requests/workspace/vaccine-uptake") {
		t.Errorf("the way to the requests leads to %s", p.URL())
	}
}
