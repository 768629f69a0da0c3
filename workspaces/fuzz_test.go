package workspaces

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// FuzzPath feeds arbitrary paths and names to every entry point that takes
// one. Nothing may panic, and nothing may ever open a file that is not a
// visible file of the workspace: the fixture has symlinks to a secret
// outside the workspaces directory and to a hidden file inside it.
func FuzzPath(f *testing.F) {
	dir := copyFixtures(f)
	ws := filepath.Join(dir, "good")
	for rel, target := range map[string]string{
		"output/notes.txt": "../../../outside/secret.txt",
		"output/B.csv":     "secret.csv",
		"output/tables":    "../../../outside",
	} {
		p := filepath.Join(ws, filepath.FromSlash(rel))
		if err := os.RemoveAll(p); err != nil {
			f.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			f.Fatal(err)
		}
	}
	r, err := OpenRoot(dir)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { r.Close() })
	ctx := context.Background()
	w, err := r.Get(ctx, "good")
	if err != nil {
		f.Fatal(err)
	}
	visible := map[string]bool{}
	var walk func(string)
	walk = func(d string) {
		es, err := w.Children(ctx, d, airlock.ChildrenOptions{})
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range es {
			if e.IsDir {
				walk(e.Path)
			} else {
				visible[e.Path] = true
			}
		}
	}
	walk("")
	store, err := OpenStore(filepath.Join(f.TempDir(), "requests"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { store.Close() })

	seeds := []string{
		"", ".", "output", "output/summary.csv", "metadata/manifest.json", "output/big.csv.txt",
		"output/notes.txt", "output/B.csv", "output/tables/counts.csv", "output/secret.csv",
		"../good/output/secret.csv", "/etc/passwd", "output/../output/summary.csv", "a\x00b",
		"output//summary.csv", "output/summary.csv/", "./output", "good", "..", "\\..\\x",
		"../../outside/secret.txt", "output/./summary.csv",
	}
	for p := range visible {
		seeds = append(seeds, p)
	}
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, p string) {
		if clean, err := ValidatePath(p); err == nil && clean != "" {
			if !filepath.IsLocal(filepath.FromSlash(clean)) || clean != p {
				t.Fatalf("ValidatePath accepted %q as %q", p, clean)
			}
		}
		valid := w.IsValidPath(p)
		if w.IsDir(p) && !valid {
			t.Fatalf("%q is a dir but not valid", p)
		}
		if n := w.NearestValid(p); !w.IsValidPath(n) {
			t.Fatalf("NearestValid(%q) = %q is not valid", p, n)
		}
		if _, err := w.Children(ctx, p, airlock.ChildrenOptions{HideOutOfDateAction: true}); err == nil && !w.IsDir(p) {
			t.Fatalf("Children(%q) succeeded on a non-directory", p)
		}
		if _, err := w.File(ctx, p); err == nil && !visible[p] {
			t.Fatalf("File(%q) succeeded on an invisible path", p)
		}
		if fh, err := w.Open(ctx, p); err == nil {
			data, _ := io.ReadAll(fh)
			st, _ := fh.Stat()
			fh.Close()
			if !visible[p] || strings.Contains(string(data), "TOP SECRET") || strings.Contains(string(data), "nhs_number") {
				t.Fatalf("Open(%q) opened something it should not: %q", p, data)
			}
			want, err := os.Lstat(filepath.Join(ws, filepath.FromSlash(p)))
			if err != nil || !os.SameFile(st, want) {
				t.Fatalf("Open(%q) opened another file", p)
			}
		}
		if wsv, err := r.Get(ctx, p); err == nil && !slices.Contains([]string{"good", "nooutputs"}, wsv.Name()) {
			t.Fatalf("Get(%q) found a workspace", p)
		}
		if sp, err := store.Path(p, "r", strings.Repeat("a", 64)); err == nil {
			if rel, err := filepath.Rel(store.dir, sp); err != nil || !filepath.IsLocal(rel) || strings.Count(filepath.ToSlash(rel), "/") != 2 {
				t.Fatalf("store path for %q escapes: %q", p, sp)
			}
		}
	})
}
