package ui

import (
	"encoding/json"
	"net/http"
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

func TestOutOfDateOutputsCanBeHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	markOutOfDate(t, e, "ws1", "output/notes.txt")
	c := e.as("member")

	body := wantCode(t, c.get("/workspaces/view/ws1/output/"), http.StatusOK).Body.String()
	if !strings.Contains(body, `data-testid="outdated"`) || !strings.Contains(body, "1 output here comes from actions no longer in the pipeline") {
		t.Fatalf("the stale output is not marked:\n%s", body)
	}
	if !strings.Contains(body, `value="output/notes.txt"`) {
		t.Error("the stale output is not listed by default")
	}

	body = wantCode(t, c.get("/workspaces/view/ws1/output/?outdated=hide"), http.StatusOK).Body.String()
	if strings.Contains(body, `value="output/notes.txt"`) {
		t.Error("the stale output is still listed when hidden")
	}
	if !strings.Contains(body, `value="output/summary.csv"`) {
		t.Error("hiding stale outputs hid current ones")
	}
	if !strings.Contains(body, "1 output of out-of-date actions hidden") || !strings.Contains(body, `href="?"`) {
		t.Error("no way to show the hidden outputs again")
	}
	if !strings.Contains(body, `href="/workspaces/view/ws1/output/deep/?outdated=hide"`) {
		t.Error("subfolder links forget the choice")
	}
}
