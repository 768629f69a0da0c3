package preview

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// testFiles serves files from a directory through an engine, as the
// content handlers do: the file is opened, hashed, marked allowed by its
// extension and rendered under the sandbox headers.
type testFiles struct {
	tb  testing.TB
	e   *Engine
	dir string
}

// allowedTypes are the default allowed file types (D13).
var allowedTypes = map[string]bool{".csv": true, ".jpg": true, ".jpeg": true, ".png": true, ".svg": true, ".svgz": true,
	".html": true, ".txt": true, ".log": true, ".json": true, ".md": true, ".xlsx": true, ".tsv": true}

// newFiles writes files (path → content) and opens an engine with opts,
// closed when the test ends.
func newFiles(tb testing.TB, opts Options, files map[string]string) *testFiles {
	tb.Helper()
	tf := &testFiles{tb: tb, dir: tb.TempDir()}
	for p, body := range files {
		tf.write(p, body)
	}
	e, err := New(opts)
	if err != nil {
		tb.Fatal(err)
	}
	tf.e = e
	tb.Cleanup(func() { tf.e.Close() })
	return tf
}

// write adds or replaces one file.
func (tf *testFiles) write(p, body string) {
	tf.tb.Helper()
	full := filepath.Join(tf.dir, filepath.FromSlash(p))
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		tf.tb.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
		tf.tb.Fatal(err)
	}
}

// get renders target: a file's path with an optional query.
func (tf *testFiles) get(target string) *httptest.ResponseRecorder { return tf.do(target, nil) }

// do renders target with request headers.
func (tf *testFiles) do(target string, hdr map[string]string) *httptest.ResponseRecorder {
	tf.tb.Helper()
	p, _, _ := strings.Cut(target, "?")
	f, err := os.Open(filepath.Join(tf.dir, filepath.FromSlash(p)))
	if err != nil {
		tf.tb.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := f.WriteTo(h); err != nil {
		tf.tb.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		tf.tb.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://airlock.test/content/"+target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Security-Policy", SandboxCSP)
	rec.Header().Set("X-Content-Type-Options", "nosniff")
	file := File{Name: p, Size: fi.Size(), Hash: hex.EncodeToString(h.Sum(nil)), Allowed: allowedTypes[path.Ext(p)], Content: f}
	if err := tf.e.Render(rec, req, file); err != nil {
		tf.tb.Fatalf("render %s: %v", target, err)
	}
	return rec
}

// mustStatus fails the test unless rec has status want.
func mustStatus(tb testing.TB, rec *httptest.ResponseRecorder, want int, what string) {
	tb.Helper()
	if rec.Code != want {
		tb.Fatalf("%s: status %d, want %d: %.500s", what, rec.Code, want, rec.Body.String())
	}
}
