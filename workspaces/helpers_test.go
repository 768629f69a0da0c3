package workspaces

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// copyFixtures copies testdata/workspaces into a fresh directory, so tests
// may change files and add symlinks, and returns the workspaces directory.
// A file outside it, outside/secret.txt, is a target for escaping symlinks.
func copyFixtures(tb testing.TB) string {
	tb.Helper()
	base := tb.TempDir()
	dst := filepath.Join(base, "workspaces")
	err := filepath.WalkDir("testdata/workspaces", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("testdata/workspaces", p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(base, "outside"), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "outside", "secret.txt"), []byte("TOP SECRET\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	return dst
}

func mustOpenRoot(tb testing.TB, dir string) *Root {
	tb.Helper()
	r, err := OpenRoot(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

func mustGet(tb testing.TB, r *Root, name string) *Workspace {
	tb.Helper()
	w, err := r.Get(context.Background(), name)
	if err != nil {
		tb.Fatalf("Get(%q): %v", name, err)
	}
	return w
}

// wantCode fails unless err is a coded error with code and, if msg is not
// empty, a message containing msg.
func wantCode(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	if got := airlock.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if msg != "" && !strings.Contains(airlock.ErrorMessage(err), msg) {
		tb.Fatalf("error message = %q, want it to contain %q", airlock.ErrorMessage(err), msg)
	}
}

func entryNames(es []airlock.WorkspaceEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
		if e.IsDir {
			out[i] += "/"
		}
	}
	return out
}

// wantUnreadable fails unless err is a workspace's unreadable manifest,
// with a plain message for people and detail, the reason, for the log.
func wantUnreadable(tb testing.TB, err error, detail string) {
	tb.Helper()
	wantCode(tb, err, airlock.ECONFLICT, "could not be read")
	if !errors.Is(err, airlock.ErrManifestUnreadable) || !strings.Contains(err.Error(), detail) {
		tb.Fatalf("err = %v, want ErrManifestUnreadable with the reason %q", err, detail)
	}
	if msg := airlock.ErrorMessage(err); strings.Contains(msg, "JSON") || strings.Contains(msg, "regular file") {
		tb.Fatalf("the message for people quotes the reason: %q", msg)
	}
}
