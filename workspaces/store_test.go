package workspaces

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

func mustOpenStore(tb testing.TB) (*Store, string) {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "requests")
	s, err := OpenStore(dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dir
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storeFiles lists every file under dir, relative and slash-separated.
func storeFiles(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestStorePut(t *testing.T) {
	s, dir := mustOpenStore(t)
	ctx := context.Background()
	data := []byte("age_band,count\n0-17,120\n")
	want := sha(data)

	hash, size, err := s.Put(ctx, "ws", "01REQ", bytes.NewReader(data), want)
	if err != nil {
		t.Fatal(err)
	}
	if hash != want || size != int64(len(data)) {
		t.Fatalf("Put = %s, %d", hash, size)
	}
	if got := storeFiles(t, dir); !slices.Equal(got, []string{"ws/01REQ/" + want}) {
		t.Fatalf("files = %q", got)
	}
	p, err := s.Path("ws", "01REQ", want)
	if err != nil || p != filepath.Join(dir, "ws", "01REQ", want) {
		t.Fatalf("Path = %q, %v", p, err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Fatalf("stored file is writable: %v", fi.Mode())
	}

	rc, err := s.Open(ctx, "ws", "01REQ", want)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data[4:]) {
		t.Fatalf("read %q", got)
	}
	if err := s.Verify(ctx, "ws", "01REQ", want); err != nil {
		t.Fatal(err)
	}

	// Idempotent: the second Put of the same content does not read src.
	hash, size, err = s.Put(ctx, "ws", "01REQ", iotestErrReader{}, want)
	if err != nil || hash != want || size != int64(len(data)) {
		t.Fatalf("second Put = %s, %d, %v", hash, size, err)
	}
	// Another request gets its own copy.
	if _, _, err := s.Put(ctx, "ws", "02REQ", bytes.NewReader(data), want); err != nil {
		t.Fatal(err)
	}
	if got := storeFiles(t, dir); len(got) != 2 {
		t.Fatalf("files = %q", got)
	}
	// Empty files are files too.
	if _, _, err := s.Put(ctx, "ws", "01REQ", strings.NewReader(""), sha(nil)); err != nil {
		t.Fatal(err)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

// failAfter returns some bytes, then an error, to simulate a read failure mid-copy.
type failAfter struct{ n int }

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("read failed")
	}
	n := min(len(p), f.n)
	f.n -= n
	for i := range p[:n] {
		p[i] = 'x'
	}
	return n, nil
}

// TestStorePutFailures checks that a refused or failed Put leaves nothing
// under the final name and no temporary file behind.
func TestStorePutFailures(t *testing.T) {
	ctx := context.Background()
	data := []byte("hello\n")
	good := sha(data)
	t.Run("HashMismatch", func(t *testing.T) {
		s, dir := mustOpenStore(t)
		_, _, err := s.Put(ctx, "ws", "r1", strings.NewReader("changed\n"), good)
		wantCode(t, err, airlock.EINVALID, "no longer match the workspace manifest")
		if got := storeFiles(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
		if _, err := s.Open(ctx, "ws", "r1", good); airlock.ErrorCode(err) != airlock.ENOTFOUND {
			t.Fatalf("Open after failed Put: %v", err)
		}
	})
	t.Run("ReadError", func(t *testing.T) {
		s, dir := mustOpenStore(t)
		_, _, err := s.Put(ctx, "ws", "r1", &failAfter{n: 1 << 20}, good)
		if err == nil || airlock.ErrorCode(err) != airlock.EINTERNAL {
			t.Fatalf("err = %v", err)
		}
		if got := storeFiles(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
	t.Run("Cancelled", func(t *testing.T) {
		s, dir := mustOpenStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, _, err := s.Put(cctx, "ws", "r1", bytes.NewReader(data), good)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if got := storeFiles(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
	t.Run("CancelledMidCopy", func(t *testing.T) {
		s, dir := mustOpenStore(t)
		cctx, cancel := context.WithCancel(ctx)
		r := io.MultiReader(strings.NewReader("first part"), readerFunc(func(p []byte) (int, error) {
			cancel()
			return copy(p, "more"), nil
		}), strings.NewReader("rest"))
		_, _, err := s.Put(cctx, "ws", "r1", r, good)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if got := storeFiles(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
	t.Run("BadNames", func(t *testing.T) {
		s, dir := mustOpenStore(t)
		for _, tt := range []struct{ ws, req, hash, msg string }{
			{"../x", "r", good, "Workspace name"},
			{"ws", "..", good, "Request ID"},
			{"ws", "a/b", good, "Request ID"},
			{"", "r", good, "Workspace name"},
			{"ws", "r", strings.ToUpper(good), "lowercase hex"},
			{"ws", "r", good[:63], "lowercase hex"},
			{"ws", "r", "../../../../etc/passwd", "lowercase hex"},
			{"ws", "r", good[:63] + "\x00", "lowercase hex"},
		} {
			_, _, err := s.Put(ctx, tt.ws, tt.req, bytes.NewReader(data), tt.hash)
			wantCode(t, err, airlock.EINVALID, tt.msg)
			_, err = s.Open(ctx, tt.ws, tt.req, tt.hash)
			wantCode(t, err, airlock.EINVALID, tt.msg)
			err = s.Verify(ctx, tt.ws, tt.req, tt.hash)
			wantCode(t, err, airlock.EINVALID, tt.msg)
			_, err = s.Path(tt.ws, tt.req, tt.hash)
			wantCode(t, err, airlock.EINVALID, tt.msg)
		}
		if got := storeFiles(t, dir); len(got) != 0 {
			t.Fatalf("files left: %q", got)
		}
	})
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestStoreVerify(t *testing.T) {
	s, dir := mustOpenStore(t)
	ctx := context.Background()
	data := []byte("original\n")
	h := sha(data)
	if _, _, err := s.Put(ctx, "ws", "r1", bytes.NewReader(data), h); err != nil {
		t.Fatal(err)
	}
	err := s.Verify(ctx, "ws", "r1", sha([]byte("other")))
	wantCode(t, err, airlock.ENOTFOUND, "was not found")

	// Corrupt the stored copy behind the store's back.
	p := filepath.Join(dir, "ws", "r1", h)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("tampered\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = s.Verify(ctx, "ws", "r1", h)
	wantCode(t, err, airlock.EINTERNAL, "is corrupt")

	// A symlink in the store is not followed.
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", p); err != nil {
		t.Fatal(err)
	}
	_, err = s.Open(ctx, "ws", "r1", h)
	wantCode(t, err, airlock.ENOTFOUND, "")
}

func TestStoreRemoveTemp(t *testing.T) {
	s, dir := mustOpenStore(t)
	ctx := context.Background()
	if _, _, err := s.Put(ctx, "ws", "r1", strings.NewReader("x"), sha([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "ws", "r1", tempPrefix+"crashed")
	fresh := filepath.Join(dir, "ws", "r1", tempPrefix+"writing")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	n, err := s.RemoveTemp(ctx, time.Hour)
	if err != nil || n != 1 {
		t.Fatalf("RemoveTemp = %d, %v", n, err)
	}
	if got := storeFiles(t, dir); len(got) != 2 || !slices.Contains(got, "ws/r1/"+tempPrefix+"writing") {
		t.Fatalf("files = %q", got)
	}
}

// TestStoreFromWorkspace adds a workspace file the way the review service
// does, and checks that a file changed after its manifest was written is refused.
func TestStoreFromWorkspace(t *testing.T) {
	r := mustOpenRoot(t, copyFixtures(t))
	s, dir := mustOpenStore(t)
	ctx := context.Background()
	var ws airlock.Workspaces = r
	var fs airlock.FileStore = s

	for _, tt := range []struct {
		path string
		ok   bool
	}{
		{"output/summary.csv", true},
		{"output/plot.png", true},
		{"output/changed.csv", false},
	} {
		meta, err := ws.File(ctx, "good", tt.path)
		if err != nil {
			t.Fatal(err)
		}
		src, err := ws.Open(ctx, "good", tt.path)
		if err != nil {
			t.Fatal(err)
		}
		hash, size, err := fs.Put(ctx, "good", "req1", src, meta.ContentHash)
		src.Close()
		if !tt.ok {
			wantCode(t, err, airlock.EINVALID, "Re-run the job")
			continue
		}
		if err != nil || hash != meta.ContentHash || size != meta.Size {
			t.Fatalf("Put(%s) = %s, %d, %v; meta %+v", tt.path, hash, size, err, meta)
		}
		if err := s.Verify(ctx, "good", "req1", hash); err != nil {
			t.Fatal(err)
		}
	}
	if got := storeFiles(t, dir); len(got) != 2 {
		t.Fatalf("files = %q", got)
	}
}

// TestCopyWriter: a stored copy written through copyWriter has exactly
// the bytes given, whether a write is aligned for direct I/O, partly
// aligned, or not at all (a buffer or file offset off the block size).
func TestCopyWriter(t *testing.T) {
	data := make([]byte, 3*copyChunk+directAlign+5)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	b := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(b)
	aligned := *b
	for _, tt := range []struct {
		name   string
		writes []int // sizes of successive writes
	}{
		{"empty", nil},
		{"less than a block", []int{1}},
		{"one block less one", []int{directAlign - 1}},
		{"one block", []int{directAlign}},
		{"one block and one byte", []int{directAlign + 1}},
		{"whole chunks then a tail", []int{copyChunk, copyChunk, directAlign + 5}},
		{"unaligned offset after a tail", []int{directAlign + 3, 2 * directAlign, copyChunk}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "copy")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w := &copyWriter{f: f}
			off := 0
			for _, n := range tt.writes {
				buf := aligned[:n]
				copy(buf, data[off:off+n])
				if m, err := w.Write(buf); m != n || err != nil {
					t.Fatalf("Write(%d bytes at %d) = %d, %v", n, off, m, err)
				}
				off += n
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data[:off]) {
				t.Fatalf("file has %d bytes, want %d, equal %v", len(got), off, bytes.Equal(got, data[:off]))
			}
		})
	}
	// A buffer off the block size is written through the page cache.
	path := filepath.Join(t.TempDir(), "copy")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	copy(aligned[1:], data[:2*directAlign])
	if n, err := (&copyWriter{f: f}).Write(aligned[1 : 1+2*directAlign]); n != 2*directAlign || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data[:2*directAlign]) {
		t.Fatalf("file has %d bytes (err %v), want the %d written", len(got), err, 2*directAlign)
	}
}

// TestCopyHashing: the pipelined copy writes and hashes every byte, in
// order, whatever the sizes the source reads in, and passes on its errors.
func TestCopyHashing(t *testing.T) {
	for _, size := range []int{0, 1, copyChunk - 1, copyChunk, 5*copyChunk + 3} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7 / 3)
		}
		var dst bytes.Buffer
		// HalfReader reads half of what is asked each time.
		n, got, err := copyHashing(&dst, iotest.HalfReader(bytes.NewReader(data)))
		if err != nil || n != int64(size) || got != sha(data) || !bytes.Equal(dst.Bytes(), data) {
			t.Fatalf("size %d: copied %d, hash %s (want %s), equal %v, err %v", size, n, got, sha(data), bytes.Equal(dst.Bytes(), data), err)
		}
	}
	broken := io.MultiReader(bytes.NewReader(make([]byte, 700<<10)), iotest.ErrReader(errors.New("disk on fire")))
	if _, _, err := copyHashing(io.Discard, broken); err == nil || err.Error() != "disk on fire" {
		t.Fatalf("error = %v, want the source's", err)
	}
	// A failed write stops the copy, however much is left to read.
	full := &failingWriter{after: 2}
	if _, _, err := copyHashing(full, bytes.NewReader(make([]byte, 10*copyChunk))); err == nil || err.Error() != "disk full" {
		t.Fatalf("error = %v, want the destination's", err)
	}
}

// failingWriter accepts a number of writes, then fails.
type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after == 0 {
		return 0, errors.New("disk full")
	}
	w.after--
	return len(p), nil
}
