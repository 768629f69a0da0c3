package workspaces

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/airlock-project/airlock/airlock"
)

// tempPrefix starts the names of files being written into the store.
const tempPrefix = ".tmp-"

// Store is the immutable, content-addressed store of request files (D4):
// <dir>/<workspace>/<requestID>/<sha256>. A stored file is written once,
// under a temporary name, hashed while it is copied, synced and renamed
// into place, so a name in the store always holds complete bytes with that
// hash. Stored files are read-only. Store is safe for concurrent use.
type Store struct {
	dir  string
	root *os.Root
}

// OpenStore opens (creating it if needed) the request-file directory dir.
// Close it when done.
func OpenStore(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Store{dir: dir, root: r}, nil
}

// Close releases the directory handle.
func (s *Store) Close() error { return s.root.Close() }

// ValidHash reports whether h is a SHA-256 digest in lowercase hex.
func ValidHash(h string) bool {
	if len(h) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// storeName checks the parts of a stored file's name and returns its path
// relative to the store.
func storeName(workspace, requestID, hash string) (string, error) {
	switch {
	case !ValidName(workspace):
		return "", airlock.Errorf(airlock.EINVALID, "Workspace name %q is not valid.", workspace)
	case !ValidName(requestID):
		return "", airlock.Errorf(airlock.EINVALID, "Request ID %q is not valid.", requestID)
	case !ValidHash(hash):
		return "", airlock.Errorf(airlock.EINVALID, "File hash %q is not a SHA-256 digest in lowercase hex.", hash)
	}
	return workspace + "/" + requestID + "/" + hash, nil
}

// Path returns the file-system path of a stored file, for logs and tools.
// It does not check that the file exists.
func (s *Store) Path(workspace, requestID, hash string) (string, error) {
	rel, err := storeName(workspace, requestID, hash)
	if err != nil {
		return "", err
	}
	return filepath.Join(s.dir, filepath.FromSlash(rel)), nil
}

// Put copies src into the store for a request, computing its SHA-256 while
// copying, and returns the hash and size. If the hash is not wantHash the
// copy is removed and Put returns EINVALID: the workspace file no longer
// matches its manifest. If the file is already stored Put returns at once
// without reading src: the stored bytes are those with wantHash.
//
// Nothing is visible under the final name until the copy is complete and
// synced to disk; a failed or cancelled Put leaves nothing behind.
func (s *Store) Put(ctx context.Context, workspace, requestID string, src io.Reader, wantHash string) (string, int64, error) {
	rel, err := storeName(workspace, requestID, wantHash)
	if err != nil {
		return "", 0, err
	}
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	if fi, err := s.root.Lstat(rel); err == nil && fi.Mode().IsRegular() {
		return wantHash, fi.Size(), nil
	}
	wsDir, reqDir := workspace, workspace+"/"+requestID
	created, err := s.mkdirs(wsDir, reqDir)
	if err != nil {
		return "", 0, fmt.Errorf("store: create %s: %w", reqDir, err)
	}

	var rnd [12]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand.Read never fails
	tmp := reqDir + "/" + tempPrefix + hex.EncodeToString(rnd[:])
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", 0, fmt.Errorf("store: create temporary file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			f.Close()
			_ = s.root.Remove(tmp)
		}
	}()

	size, got, err := copyHashing(&copyWriter{f: f}, ctxReader{ctx, src})
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", 0, ctxErr
		}
		return "", 0, fmt.Errorf("store: copy: %w", err)
	}
	if got != wantHash {
		return "", 0, airlock.Errorf(airlock.EINVALID,
			"The file's bytes no longer match the workspace manifest: it changed after the job that wrote it finished. Re-run the job, then add the file again.")
	}
	if err := f.Chmod(0o440); err != nil {
		return "", 0, fmt.Errorf("store: chmod: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", 0, fmt.Errorf("store: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", 0, fmt.Errorf("store: close: %w", err)
	}
	done = true
	if err := s.root.Rename(tmp, rel); err != nil {
		_ = s.root.Remove(tmp)
		return "", 0, fmt.Errorf("store: rename: %w", err)
	}
	// Make the rename, and any directories we created, durable.
	syncs := []string{reqDir}
	if created {
		syncs = append(syncs, wsDir, ".")
	}
	for _, d := range syncs {
		if err := s.syncDir(d); err != nil {
			return "", 0, err
		}
	}
	return got, size, nil
}

// copyChunks buffers of copyChunk bytes pipeline a copy (copyHashing).
const copyChunk, copyChunks = 1 << 20, 4

// chunkPool holds copy buffers aligned for direct I/O (copyWriter).
var chunkPool = sync.Pool{New: func() any {
	raw := make([]byte, copyChunk+directAlign)
	off := (directAlign - int(uintptr(unsafe.Pointer(unsafe.SliceData(raw)))%directAlign)) % directAlign
	b := raw[off : off+copyChunk : off+copyChunk]
	return &b
}}

// copyHashing copies src to dst and returns how many bytes it copied and
// their SHA-256. Reading, hashing and writing run at once on successive
// chunks, each chunk hashed before it is written, so a large file costs
// about the longest of the three rather than their sum. The bytes written
// are the bytes hashed: a buffer is refilled only once it is written.
func copyHashing(dst io.Writer, src io.Reader) (int64, string, error) {
	var bufs []*[]byte // taken from chunkPool as needed: a small file needs one or two
	defer func() {
		for _, b := range bufs {
			chunkPool.Put(b)
		}
	}()
	free := make(chan []byte, copyChunks)   // buffers written, to be refilled
	toHash := make(chan []byte, copyChunks) // chunks read
	toWrite := make(chan []byte, copyChunks)
	sum := make(chan string, 1)
	writeErr := make(chan error, 1)
	var writeFailed atomic.Bool
	go func() {
		h := sha256.New()
		for b := range toHash {
			h.Write(b)
			toWrite <- b
		}
		close(toWrite)
		sum <- hex.EncodeToString(h.Sum(nil))
	}()
	go func() {
		var err error
		for b := range toWrite {
			if err == nil {
				if _, err = dst.Write(b); err != nil {
					writeFailed.Store(true)
				}
			}
			free <- b[:cap(b)]
		}
		writeErr <- err
	}()
	var (
		size int64
		err  error
	)
	for err == nil && !writeFailed.Load() {
		var buf []byte
		select {
		case buf = <-free:
		default:
			if len(bufs) < copyChunks {
				b := chunkPool.Get().(*[]byte)
				bufs, buf = append(bufs, b), *b
			} else {
				buf = <-free
			}
		}
		n := 0
		for n < len(buf) && err == nil {
			var m int
			m, err = src.Read(buf[n:])
			n += m
		}
		if n > 0 {
			size += int64(n)
			toHash <- buf[:n]
		}
	}
	close(toHash)
	got := <-sum
	if werr := <-writeErr; werr != nil {
		return 0, "", werr
	}
	if err == io.EOF {
		err = nil
	}
	return size, got, err
}

// directAlign is the alignment direct I/O asks of buffers, file offsets
// and lengths: the largest logical block size in common use.
const directAlign = 4096

// copyWriter writes a new stored copy. Whole aligned blocks bypass the
// page cache (direct I/O, where the file system allows it): the disk then
// reads them from our buffer, instead of the kernel copying them into the
// page cache and writing them back later, which costs more CPU than
// hashing them. The rest (a small file, the end of a large one), and
// everything once direct I/O is refused, goes through the page cache. The
// caller's Sync makes both durable.
type copyWriter struct {
	f        *os.File
	off      int64
	direct   bool // direct I/O is on for f
	noDirect bool // direct I/O was refused
}

func (w *copyWriter) Write(p []byte) (int, error) {
	written := 0
	if n := len(p) &^ (directAlign - 1); n > 0 && w.off%directAlign == 0 &&
		uintptr(unsafe.Pointer(unsafe.SliceData(p)))%directAlign == 0 && w.startDirect() {
		m, err := w.f.Write(p[:n])
		written, w.off, p = m, w.off+int64(m), p[m:]
		if err != nil {
			if m > 0 || !errors.Is(err, syscall.EINVAL) {
				return written, err
			}
			w.noDirect = true // refused at the first write: write through the page cache
		}
	}
	if len(p) == 0 {
		return written, nil
	}
	if w.direct {
		if err := setDirectIO(w.f, false); err != nil {
			return written, err
		}
		w.direct = false
	}
	m, err := w.f.Write(p)
	w.off += int64(m)
	return written + m, err
}

// startDirect turns direct I/O on and reports whether it is on.
func (w *copyWriter) startDirect() bool {
	if !w.direct && !w.noDirect {
		w.direct = setDirectIO(w.f, true) == nil
		w.noDirect = !w.direct
	}
	return w.direct
}

// mkdirs creates the workspace and request directories if needed and
// reports whether it created any.
func (s *Store) mkdirs(wsDir, reqDir string) (bool, error) {
	if fi, err := s.root.Lstat(reqDir); err == nil {
		if !fi.IsDir() {
			return false, fmt.Errorf("%s is not a directory", reqDir)
		}
		return false, nil
	}
	if err := s.root.Mkdir(wsDir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, err
	}
	if err := s.root.Mkdir(reqDir, 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return false, err
	}
	return true, nil
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", dir, err)
	}
	return nil
}

// OpenFile opens a stored file for reading.
// Returns EINVALID for malformed names and ENOTFOUND if it is not stored.
func (s *Store) OpenFile(ctx context.Context, workspace, requestID, hash string) (*os.File, error) {
	rel, err := storeName(workspace, requestID, hash)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, _, err := openRegular(s.root, rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errSymlink) || errors.Is(err, errNotRegular) {
			return nil, airlock.Errorf(airlock.ENOTFOUND, "The stored copy of file %s in request %s was not found.", hash, requestID)
		}
		return nil, fmt.Errorf("store: open %s: %w", rel, err)
	}
	return f, nil
}

// Open implements airlock.FileStore: it opens a stored file for reading.
func (s *Store) Open(ctx context.Context, workspace, requestID, hash string) (io.ReadSeekCloser, error) {
	f, err := s.OpenFile(ctx, workspace, requestID, hash)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Verify rehashes a stored file, for checks of the store as a whole (the
// deliverer hashes a copy as it sends it instead).
// Returns ENOTFOUND if it is missing and an EINTERNAL *airlock.Error if its
// bytes no longer match the hash it is stored under (it must not be
// released); other errors are I/O failures worth retrying.
func (s *Store) Verify(ctx context.Context, workspace, requestID, hash string) error {
	f, err := s.OpenFile(ctx, workspace, requestID, hash)
	if err != nil {
		return err
	}
	defer f.Close()
	got, err := hashReader(ctx, f)
	if err != nil {
		return fmt.Errorf("store: verify %s: %w", hash, err)
	}
	if got != hash {
		return airlock.Errorf(airlock.EINTERNAL, "The stored copy of file %s in request %s is corrupt: its bytes no longer match their hash, so it must not be released.", hash, requestID)
	}
	return nil
}

// RemoveTemp deletes temporary files older than age left behind by Puts
// that were interrupted by a crash. Call it at startup.
func (s *Store) RemoveTemp(ctx context.Context, age time.Duration) (int, error) {
	cutoff := time.Now().Add(-age)
	n := 0
	err := fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), tempPrefix) {
			if info, err := d.Info(); err == nil && info.ModTime().Before(cutoff) {
				if err := s.root.Remove(p); err == nil {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
