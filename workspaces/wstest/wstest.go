// Package wstest generates workspaces on disk for tests and benchmarks of
// the packages that read them.
package wstest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Options tune Generate. The zero value is usable.
type Options struct {
	// ManifestOnly writes only metadata/manifest.json and a job log: the
	// outputs are listed, with the hashes of the bytes they would have, but
	// not written. Generating 100,000 outputs then takes well under a second
	// instead of seconds; use it when only the manifest and tree matter.
	ManifestOnly bool
	// Fanout is the number of directories per level (default 10).
	Fanout int
	// Depth is the number of directory levels below "output" (default 2),
	// so the default layout is output/dNN/dNN/ with 100 leaf directories.
	Depth int
	// Repo is the repo URL written into the manifest (default an example URL).
	Repo string
	// Commit is the commit id recorded for every output (default a fixed
	// example id).
	Commit string
}

// Workspace describes a generated workspace.
type Workspace struct {
	Dir      string   // the workspace directory, dir/name
	Paths    []string // output paths in generation order
	LeafDirs []string // the directories holding the outputs, sorted
}

// Content returns the bytes Generate gives output i.
func Content(i int) []byte { return fmt.Appendf(nil, "id,value\n%d,%d\n", i, i*7) }

// Generate writes workspace dir/name with n outputs spread evenly over the
// leaf directories: output i is output/d<i%F>/d<(i/F)%F>/…/file<i>.csv
// (F = Fanout). Every output is moderately_sensitive, every 50th comes from
// an out-of-date action. It also writes metadata/generate.log and the
// manifest.
func Generate(dir, name string, n int, opts Options) (Workspace, error) {
	if opts.Fanout <= 0 {
		opts.Fanout = 10
	}
	if opts.Depth <= 0 {
		opts.Depth = 2
	}
	if opts.Repo == "" {
		opts.Repo = "https://github.com/example/generated"
	}
	if opts.Commit == "" {
		opts.Commit = "0123456789abcdef0123456789abcdef01234567"
	}
	ws := Workspace{Dir: filepath.Join(dir, name)}
	if err := os.MkdirAll(filepath.Join(ws.Dir, "metadata"), 0o755); err != nil {
		return ws, err
	}
	type output struct {
		Level           string `json:"level"`
		JobID           string `json:"job_id"`
		Action          string `json:"action"`
		Repo            string `json:"repo"`
		Commit          string `json:"commit"`
		User            string `json:"user"`
		ContentHash     string `json:"content_hash"`
		Size            int    `json:"size"`
		Timestamp       int64  `json:"timestamp"`
		RowCount        int    `json:"row_count"`
		ColCount        int    `json:"col_count"`
		Excluded        bool   `json:"excluded"`
		OutOfDateOutput bool   `json:"out_of_date_output"`
		OutOfDateAction bool   `json:"out_of_date_action"`
	}
	outputs := make(map[string]output, n)
	leaves := map[string]bool{}
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.Reset()
		sb.WriteString("output")
		for level, k := 0, i; level < opts.Depth; level++ {
			fmt.Fprintf(&sb, "/d%02d", k%opts.Fanout)
			k /= opts.Fanout
		}
		leaf := sb.String()
		p := fmt.Sprintf("%s/file%06d.csv", leaf, i)
		data := Content(i)
		sum := sha256.Sum256(data)
		if !leaves[leaf] {
			leaves[leaf] = true
			ws.LeafDirs = append(ws.LeafDirs, leaf)
			if !opts.ManifestOnly {
				if err := os.MkdirAll(filepath.Join(ws.Dir, filepath.FromSlash(leaf)), 0o755); err != nil {
					return ws, err
				}
			}
		}
		if !opts.ManifestOnly {
			if err := os.WriteFile(filepath.Join(ws.Dir, filepath.FromSlash(p)), data, 0o644); err != nil {
				return ws, err
			}
		}
		outputs[p] = output{
			Level: "moderately_sensitive", JobID: fmt.Sprintf("job%d", i%97), Action: "generate",
			Repo: opts.Repo, Commit: opts.Commit, User: "researcher",
			ContentHash: hex.EncodeToString(sum[:]), Size: len(data), Timestamp: 1700000000 + int64(i),
			RowCount: 1, ColCount: 2, OutOfDateAction: i%50 == 49,
		}
		ws.Paths = append(ws.Paths, p)
	}
	slices.Sort(ws.LeafDirs)
	manifest, err := json.Marshal(map[string]any{"workspace": name, "repo": opts.Repo, "outputs": outputs})
	if err != nil {
		return ws, err
	}
	if err := os.WriteFile(filepath.Join(ws.Dir, "metadata", "generate.log"), []byte("generated\n"), 0o644); err != nil {
		return ws, err
	}
	return ws, os.WriteFile(filepath.Join(ws.Dir, "metadata", "manifest.json"), manifest, 0o644)
}

// MustGenerate is Generate that fails the test or benchmark on error.
func MustGenerate(tb testing.TB, dir, name string, n int, opts Options) Workspace {
	tb.Helper()
	ws, err := Generate(dir, name, n, opts)
	if err != nil {
		tb.Fatalf("generate workspace %s: %v", name, err)
	}
	return ws
}
