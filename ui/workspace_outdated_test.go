package ui

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// markOutOfDate rewrites a workspace manifest so that path comes from an
// action no longer in the pipeline.
func markOutOfDate(t *testing.T, e *env, ws, path string) {
	t.Helper()
	mp := filepath.Join(e.wsDir, ws, "metadata", "manifest.json")
	b, err := os.ReadFile(mp)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["outputs"].(map[string]any)[path].(map[string]any)["out_of_date_action"] = true
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(mp, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestOutOfDateOutputsHiddenByDefault checks the outputs of actions no
// longer in the pipeline are hidden from the tree and the folder tables
// until the person asks to see them; the page says how many are hidden;
// the choice is made by POST (a GET is 405), is per workspace and lasts for
// the session; each shown output, and its own page, carries the warning.
func TestOutOfDateOutputsHiddenByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	markOutOfDate(t, e, "ws1", "output/notes.txt")
	markOutOfDate(t, e, "ws1", "output/deep/nested.csv") // the folder holds nothing else
	c := e.as("member")
	listed := func(page, what string) bool { return strings.Contains(page, what) }

	body := wantCode(t, c.get("/workspaces/view/ws1/output/"), http.StatusOK).Body.String()
	for what, ok := range map[string]bool{
		"the count of hidden outputs":       listed(body, "2 outputs from out-of-date actions hidden"),
		"a button to show them":             listed(body, `data-testid="outdated-show"`),
		"current outputs listed":            listed(body, `value="output/summary.csv"`),
		"out-of-date output hidden (table)": !listed(body, `value="output/notes.txt"`),
		"out-of-date output hidden (tree)":  !listed(body, `data-path="output/notes.txt"`) && !listed(body, `>notes.txt<`),
		"folder of only stale outputs gone": !listed(body, `>deep/<`) && !listed(body, `>deep<`),
	} {
		if !ok {
			t.Errorf("by default: %s", what)
		}
	}
	// Its own page still opens, with the warning.
	file := wantCode(t, c.get("/workspaces/view/ws1/output/notes.txt"), http.StatusOK).Body.String()
	if !listed(file, `data-testid="outdated-file"`) || !listed(file, "no longer in the project’s pipeline") {
		t.Error("the page of an out-of-date output has no warning")
	}

	// The switch is a POST; a GET changes nothing.
	wantCode(t, c.get("/workspaces/out-of-date/ws1?show=1"), http.StatusMethodNotAllowed)
	wantCode(t, c.post("/workspaces/out-of-date/ws1", url.Values{"show": {"maybe"}}), http.StatusUnprocessableEntity)
	rec := wantCode(t, c.post("/workspaces/out-of-date/ws1", url.Values{"show": {"1"}, "next": {"/workspaces/view/ws1/output/"}}), http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != "/workspaces/view/ws1/output/" {
		t.Errorf("after the switch: back to %q", loc)
	}
	body = wantCode(t, c.get("/workspaces/view/ws1/output/"), http.StatusOK).Body.String()
	if !listed(body, `value="output/notes.txt"`) || !listed(body, `data-testid="outdated"`) || !listed(body, ">deep/<") {
		t.Error("shown: the out-of-date outputs are not listed with their warning")
	}
	if !listed(body, "2 outputs from out-of-date actions shown") || !listed(body, `data-testid="outdated-hide"`) {
		t.Error("shown: no count and no way to hide them again")
	}
	tree := wantCode(t, c.get("/workspaces/tree/ws1/output/"), http.StatusOK).Body.String()
	if !listed(tree, "notes.txt") {
		t.Error("shown: the lazily loaded tree still hides them")
	}

	// Another session, and another workspace, are not affected.
	if other := wantCode(t, e.as("member").get("/workspaces/view/ws1/output/"), http.StatusOK).Body.String(); listed(other, `value="output/notes.txt"`) {
		t.Error("the choice leaked into another session")
	}
	// Hiding again.
	wantCode(t, c.post("/workspaces/out-of-date/ws1", url.Values{"show": {"0"}}), http.StatusSeeOther)
	if body := wantCode(t, c.get("/workspaces/view/ws1/output/"), http.StatusOK).Body.String(); listed(body, `value="output/notes.txt"`) {
		t.Error("hidden again: still listed")
	}
}
