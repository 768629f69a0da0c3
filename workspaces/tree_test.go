package workspaces

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestBuildIndexInvariants builds trees from random path sets, with
// duplicates, files that are also directories, unsorted input and two
// sources, and checks what every listing relies on: each kept file is in
// its directory once, each directory is in its parent once, every file
// not kept is reported, and a directory has a current file below it
// exactly when the listing of current files would show it.
func TestBuildIndexInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"a", "b", "a.csv", "metadata", "c"}
	randomFiles := func(n int, inManifest bool) []airlock.WorkspaceFile {
		files := make([]airlock.WorkspaceFile, n)
		for i := range files {
			parts := make([]string, 1+rng.IntN(3))
			for j := range parts {
				parts[j] = names[rng.IntN(len(names))]
			}
			files[i] = airlock.WorkspaceFile{Path: strings.Join(parts, "/"), InManifest: inManifest,
				OutOfDateAction: rng.IntN(3) == 0}
		}
		if rng.IntN(2) == 0 {
			slices.SortFunc(files, func(a, b airlock.WorkspaceFile) int { return strings.Compare(a.Path, b.Path) })
		}
		return files
	}
	for round := range 500 {
		disk, outputs := randomFiles(rng.IntN(6), false), randomFiles(rng.IntN(40), true)
		ix, err := buildIndex(context.Background(), disk, outputs)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := len(ix.files)+len(ix.problems), len(disk)+len(outputs); got != want {
			t.Fatalf("round %d: %d files kept and %d reported of %d", round, len(ix.files), len(ix.problems), want)
		}
		for p, f := range ix.files {
			parent, name := splitPath(p)
			if count(ix.dirs[parent], node{name: name, path: p, file: f}) != 1 {
				t.Fatalf("round %d: file %q not listed once in %q", round, p, parent)
			}
		}
		for p, d := range ix.dirs {
			current := false
			for fp, f := range ix.files {
				if !f.OutOfDateAction && (p == "" || strings.HasPrefix(fp, p+"/")) {
					current = true
				}
			}
			if d.hasCurrent != current {
				t.Fatalf("round %d: dir %q hasCurrent=%v, want %v", round, p, d.hasCurrent, current)
			}
			if p == "" {
				continue
			}
			parent, name := splitPath(p)
			if count(ix.dirs[parent], node{name: name, path: p, isDir: true}) != 1 || d.parent != ix.dirs[parent] {
				t.Fatalf("round %d: dir %q not linked once from %q", round, p, parent)
			}
		}
	}
}

func count(d *dirNode, want node) int {
	if d == nil {
		return 0
	}
	n := 0
	for _, e := range d.entries {
		if e == want {
			n++
		}
	}
	return n
}
