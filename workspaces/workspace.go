package workspaces

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"

	"github.com/airlock-project/airlock/airlock"
)

// Workspace is a consistent view of one workspace, as of the Root.Get call
// that returned it: later changes on disk show in the next Get. Its methods
// are safe for concurrent use.
type Workspace struct {
	name string
	r    *Root
	snap *snapshot
}

// Name returns the workspace name.
func (w *Workspace) Name() string { return w.name }

// ManifestHash returns the hash of the manifest bytes, which identifies
// the version of the tree.
func (w *Workspace) ManifestHash() string { return w.snap.manifest.Hash }

// Manifest returns the parsed manifest. It is shared: do not modify it.
func (w *Workspace) Manifest() *Manifest { return w.snap.manifest }

// Version implements airlock.WorkspaceTree: views share it while they
// share the snapshot, which is replaced only when the manifest or the
// list of files under metadata/ changed.
func (w *Workspace) Version() uint64 { return w.snap.version }

// Repo returns the code repository URL of the workspace's jobs, or "".
func (w *Workspace) Repo() string { return w.snap.manifest.Repo }

// OutOfDateActionCount returns how many visible outputs come from actions
// no longer in project.yaml.
func (w *Workspace) OutOfDateActionCount() int { return w.snap.manifest.OutOfDateActionCount }

// Problems lists manifest entries and disk files that were skipped, for logs.
func (w *Workspace) Problems() []string {
	return append(slices.Clone(w.snap.manifest.Problems), w.snap.index.problems...)
}

// IsValidPath reports whether p is a visible file or a directory holding
// one ("" is the root). Malformed paths are not valid.
func (w *Workspace) IsValidPath(p string) bool {
	return w.IsDir(p) || w.isFile(p)
}

// IsDir reports whether p is a directory of the tree ("" is the root).
func (w *Workspace) IsDir(p string) bool {
	if p == "." {
		p = ""
	}
	return w.snap.index.dirs[p] != nil
}

func (w *Workspace) isFile(p string) bool { return w.snap.index.files[p] != nil }

// NearestValid returns p if it is a valid tree path, else its nearest
// valid parent directory ("" for the root). Use it to redirect a stale or
// mistyped path.
func (w *Workspace) NearestValid(p string) string {
	p, err := ValidatePath(p)
	if err != nil {
		return ""
	}
	for p != "" && !w.IsValidPath(p) {
		p = parentOf(p)
	}
	return p
}

// File returns a visible file's metadata. For files that are not manifest
// outputs (under metadata/, and placeholders of excluded outputs) size and
// time are read from the disk now, and ContentHash is "" (see Hash).
//
// Returns EINVALID for a malformed path and ENOTFOUND if p is not a visible file.
func (w *Workspace) File(ctx context.Context, p string) (airlock.WorkspaceFile, error) {
	f, err := w.lookup(p)
	if err != nil {
		return airlock.WorkspaceFile{}, err
	}
	m := detached(*f)
	if !m.InManifest {
		if err := ctx.Err(); err != nil {
			return airlock.WorkspaceFile{}, err
		}
		if wr, err := w.openRoot(); err == nil {
			m = restat(wr, m)
			wr.Close()
		}
	}
	return m, nil
}

func (w *Workspace) lookup(p string) (*airlock.WorkspaceFile, error) {
	clean, err := ValidatePath(p)
	if err != nil {
		return nil, err
	}
	f := w.snap.index.files[clean]
	if f == nil {
		if w.IsDir(clean) {
			return nil, airlock.Errorf(airlock.ENOTFOUND, "%q is a directory, not a file, in workspace %q.", p, w.name)
		}
		return nil, airlock.Errorf(airlock.ENOTFOUND, "File %q is not a visible file of workspace %q.", p, w.name)
	}
	return f, nil
}

// detached returns a copy of a file's metadata that shares no memory with
// the cached snapshot, so callers may keep or change it.
func detached(f airlock.WorkspaceFile) airlock.WorkspaceFile {
	f.RowCount, f.ColCount = cloneInt(f.RowCount), cloneInt(f.ColCount)
	return f
}

func cloneInt(p *int) *int {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// restat refreshes the size and time of a file whose metadata comes from disk.
func restat(wr *os.Root, m airlock.WorkspaceFile) airlock.WorkspaceFile {
	if fi, err := lstatNoSymlink(wr, m.Path); err == nil && fi.Mode().IsRegular() {
		m.Size, m.Timestamp = fi.Size(), fi.ModTime().UTC()
	}
	return m
}

// Children returns the entries of directory dir ("" is the root), sorted:
// an entry named "metadata" first, then directories, then files, each by
// byte order. The cost is proportional to the number of children. The
// slice is the caller's to keep.
//
// Returns EINVALID for a malformed path and ENOTFOUND if dir is not a directory of the tree.
func (w *Workspace) Children(ctx context.Context, dir string, opts airlock.ChildrenOptions) ([]airlock.WorkspaceEntry, error) {
	clean, err := ValidatePath(dir)
	if err != nil {
		return nil, err
	}
	d := w.snap.index.dirs[clean]
	if d == nil {
		if w.isFile(clean) {
			return nil, airlock.Errorf(airlock.ENOTFOUND, "%q is a file, not a directory, in workspace %q.", dir, w.name)
		}
		return nil, airlock.Errorf(airlock.ENOTFOUND, "Directory %q does not exist in workspace %q.", dir, w.name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]airlock.WorkspaceEntry, 0, len(d.entries))
	for _, n := range d.entries {
		if opts.HideOutOfDateAction {
			if n.isDir && !w.snap.index.dirs[n.path].hasCurrent || !n.isDir && n.file.OutOfDateAction {
				continue
			}
		}
		e := airlock.WorkspaceEntry{Name: n.name, Path: n.path, IsDir: n.isDir}
		if n.file != nil {
			e.File = detached(*n.file)
		}
		out = append(out, e)
	}
	if d.hasDisk {
		if wr, err := w.openRoot(); err == nil {
			for i := range out {
				if !out[i].IsDir && !out[i].File.InManifest {
					out[i].File = restat(wr, out[i].File)
				}
			}
			wr.Close()
		}
	}
	return out, nil
}

// Open opens a visible file for reading. The file must be a regular file
// reached without symbolic links.
//
// Returns EINVALID for a malformed path and ENOTFOUND if p is not a
// visible file or is missing or not a regular file on disk.
func (w *Workspace) Open(ctx context.Context, p string) (*os.File, error) {
	f, err := w.lookup(p)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	wr, err := w.openRoot()
	if err != nil {
		return nil, err
	}
	defer wr.Close()
	fh, _, err := openRegular(wr, f.Path)
	if err != nil {
		return nil, w.openError(p, err)
	}
	return fh, nil
}

// Hash returns the SHA-256 of a visible file's current bytes on disk.
func (w *Workspace) Hash(ctx context.Context, p string) (string, error) {
	f, err := w.Open(ctx, p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashReader(ctx, f)
}

func (w *Workspace) openRoot() (*os.Root, error) {
	wr, err := w.r.root.OpenRoot(w.name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notFoundWorkspace(w.name)
		}
		return nil, fmt.Errorf("open workspace %q: %w", w.name, err)
	}
	return wr, nil
}

// openError turns a failure to open a visible file into a coded error.
func (w *Workspace) openError(p string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return airlock.Errorf(airlock.ENOTFOUND, "File %q is listed for workspace %q but is missing on disk.", p, w.name)
	case errors.Is(err, errSymlink):
		return airlock.Errorf(airlock.ENOTFOUND, "File %q of workspace %q cannot be opened: it goes through a symbolic link.", p, w.name)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("open %q in workspace %q: %w", p, w.name, err)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Op == "open" || pe.Op == "lstat") {
		return airlock.Errorf(airlock.ENOTFOUND, "File %q of workspace %q cannot be opened: %s.", p, w.name, pe.Err)
	}
	return fmt.Errorf("open %q in workspace %q: %w", p, w.name, err)
}

// hashReader returns the SHA-256 of r's bytes, stopping early if ctx is done.
func hashReader(ctx context.Context, r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ctxReader stops a long copy when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
