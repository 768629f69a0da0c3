package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestStatesDiagramCurrent fails when docs/request-states.md no longer
// matches the transition table.
func TestStatesDiagramCurrent(t *testing.T) {
	t.Parallel()
	committed, err := os.ReadFile(filepath.Join("..", "..", statesFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != statesDiagram() {
		t.Fatalf("%s is stale: run `go run ./cmd/airlock states` from the repository's root and commit the result", statesFile)
	}
}

// TestStates checks the command writes the diagram it prints, and that
// every transition of the table is an arrow of it.
func TestStates(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "states.md")
	if stdout, stderr, code := runCmd(t, nil, "states", "-o", out); code != 0 || !strings.Contains(stdout, out) {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	printed, _, code := runCmd(t, nil, "states", "-o", "-")
	if code != 0 || printed != string(written) {
		t.Fatalf("exit %d: -o - printed something else than the file", code)
	}
	for _, tr := range airlock.Transitions() {
		if arrow := string(tr.From) + " --> " + string(tr.To) + ":"; !strings.Contains(printed, arrow) {
			t.Errorf("no arrow %q in the diagram", arrow)
		}
	}
	for _, final := range []airlock.RequestStatus{airlock.StatusReleased, airlock.StatusRejected, airlock.StatusWithdrawn} {
		if !strings.Contains(printed, string(final)+" --> [*]") {
			t.Errorf("%s is not shown as final", final)
		}
	}
	if _, stderr, code := runCmd(t, nil, "states", "-o", filepath.Join(t.TempDir(), "no", "such", "dir", "x.md")); code != 1 || !strings.Contains(stderr, "-o") {
		t.Fatalf("exit %d, %q: a missing directory should fail and say how to fix it", code, stderr)
	}
}
