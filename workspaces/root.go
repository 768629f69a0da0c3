// Package workspaces reads workspace directories on disk (their manifest,
// the tree of visible files and the files themselves) and keeps the
// immutable, content-addressed store of request files.
//
// Every file access goes through os.Root, so paths that escape a workspace
// ("..", absolute paths, symbolic links pointing outside) are refused by the
// operating-system layer as well as by our own checks. Symbolic links that
// stay inside a workspace are refused too (see openRegular).
package workspaces

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// Compile-time checks that we meet the domain's interfaces.
var (
	_ airlock.Workspaces    = (*Root)(nil)
	_ airlock.WorkspaceTree = (*Workspace)(nil)
	_ airlock.FileStore     = (*Store)(nil)
)

// racyWindow is how long after a file's modification time we keep
// re-checking its content rather than trusting its stat. File systems store
// modification times at a coarse granularity (a clock tick, or seconds on
// some), so a rewrite soon after we read a file could keep the same size and
// time; once a file is older than this, a stat that has not changed means
// the bytes have not changed (the approach git calls "racy clean").
const racyWindow = 2 * time.Second

// Root is a directory of workspaces, one sub-directory each. It is safe for
// concurrent use.
//
// Root caches each workspace's parsed manifest and tree (D9). A Get first
// stats the manifest and the directories under metadata/; if none changed
// (same inode, size, mode and modification time) and all are older than
// racyWindow, the cached view is returned without reading anything.
// Otherwise the manifest is read and hashed, and parsed only if its
// SHA-256 differs from the cached one; the tree index is rebuilt only if
// the manifest or the list of files under metadata/ changed.
type Root struct {
	dir    string
	root   *os.Root
	now    func() time.Time
	parsed *manifestCache // nil: parsed manifests are kept in memory only

	mu    sync.Mutex
	cache map[string]*wsCache
}

// wsCache holds the latest snapshot of one workspace and the stat keys that
// tell whether it is still current.
type wsCache struct {
	mu        sync.Mutex
	snap      *snapshot
	manifest  os.FileInfo // stat of metadata/manifest.json when read
	dirs      []dirStat   // stats of metadata/ and the directories below it
	checkedAt time.Time   // when the stats above were taken
	broken    error       // why the manifest of stat manifest could not be read; nil if it could
	reads     int         // how many times the manifest was read, for tests
	parses    int         // how many times it was parsed, for tests
}

type dirStat struct {
	path string
	info os.FileInfo
}

// snapshot is an immutable view of a workspace: its manifest, the files
// under metadata/ and the tree index built from both.
type snapshot struct {
	manifest  *Manifest
	diskFiles []airlock.WorkspaceFile // files under metadata/, sorted by path
	index     *index
	version   uint64 // from snapshotVersions: unique in this process
}

// snapshotVersions numbers snapshots, of every workspace and Root, so that
// a version never names two different views.
var snapshotVersions atomic.Uint64

// OpenRoot opens the workspaces directory dir. Close it when done.
func OpenRoot(dir string) (*Root, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return &Root{dir: dir, root: r, now: time.Now, cache: map[string]*wsCache{}}, nil
}

// KeepParsedManifests keeps each parsed manifest in a file under dir too,
// so that after a restart an unchanged manifest is read and hashed but not
// parsed again. dir is the program's own state (created if need be), not
// under the workspaces directory. logf reports cache files that could not
// be read or written, which cost a parse and nothing else. Call it before
// the first Get.
func (r *Root) KeepParsedManifests(dir string, logf func(format string, args ...any)) error {
	c, err := openManifestCache(dir)
	if err != nil {
		return err
	}
	if logf != nil {
		c.logf = logf
	}
	r.parsed = c
	return nil
}

// Close releases the directory handles, after any manifest cache file
// being written is complete.
func (r *Root) Close() error {
	if r.parsed != nil {
		r.parsed.close()
	}
	return r.root.Close()
}

// Dir returns the directory the root was opened on.
func (r *Root) Dir() string { return r.dir }

// Names returns the names of the workspaces, sorted: the directories (not
// symbolic links) with a valid name that contain metadata/manifest.json.
// It does not read the manifests.
func (r *Root) Names(ctx context.Context) ([]string, error) {
	f, err := r.root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	for {
		ents, err := f.ReadDir(1024)
		for _, e := range ents {
			if !e.IsDir() || !ValidName(e.Name()) {
				continue
			}
			if fi, err := r.root.Lstat(e.Name() + "/" + ManifestPath); err == nil && fi.Mode().IsRegular() {
				names = append(names, e.Name())
			}
		}
		if err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(names)
	return names, nil
}

// Get returns the current view of a workspace. The manifest is parsed and
// the tree built only when they changed since the last call; otherwise Get
// costs a few stat calls.
//
// Returns ENOTFOUND if the name is not valid or there is no such
// directory, and an airlock.ManifestUnreadable error (its reason in the
// chain) if metadata/manifest.json is missing or invalid.
func (r *Root) Get(ctx context.Context, name string) (*Workspace, error) {
	if !ValidName(name) {
		return nil, notFoundWorkspace(name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := r.root.Lstat(name)
	if err != nil || !fi.IsDir() {
		r.forget(name)
		return nil, notFoundWorkspace(name)
	}
	wr, err := r.root.OpenRoot(name)
	if err != nil {
		return nil, notFoundWorkspace(name)
	}
	defer wr.Close()

	r.mu.Lock()
	c := r.cache[name]
	if c == nil {
		c = &wsCache{}
		r.cache[name] = c
	}
	r.mu.Unlock()

	c.mu.Lock()
	defer c.mu.Unlock()
	snap, err := c.load(ctx, wr, name, r.now, r.parsed)
	if err != nil {
		return nil, err
	}
	return &Workspace{name: name, r: r, snap: snap}, nil
}

func (r *Root) forget(name string) {
	r.mu.Lock()
	delete(r.cache, name)
	r.mu.Unlock()
}

func notFoundWorkspace(name string) error {
	return airlock.Errorf(airlock.ENOTFOUND, "Workspace %q was not found.", name)
}

// load returns the cached snapshot if the manifest and the metadata
// directories are unchanged, else reads them again. Parsing and index
// building are skipped when the bytes turn out to be the same.
func (c *wsCache) load(ctx context.Context, wr *os.Root, name string, now func() time.Time, parsed *manifestCache) (*snapshot, error) {
	mfi, err := lstatNoSymlink(wr, ManifestPath)
	if err != nil || !mfi.Mode().IsRegular() {
		c.snap, c.broken = nil, nil
		return nil, airlock.ManifestUnreadable(name, manifestError(name, "is missing or is not a regular file"))
	}
	if c.snap != nil && c.fresh(wr, mfi) {
		return c.snap, nil
	}
	// A damaged manifest is read once per change too, not at every look.
	if c.broken != nil && sameStat(c.manifest, mfi, c.checkedAt) {
		return nil, c.broken
	}

	checkedAt := now()
	c.reads++
	var prev *Manifest
	if c.snap != nil {
		prev = c.snap.manifest
	}
	m, mstat, err := readManifest(wr, name, prev, parsed, &c.parses)
	if err != nil {
		c.snap, c.manifest, c.checkedAt = nil, mfi, checkedAt
		c.broken = airlock.ManifestUnreadable(name, err)
		return nil, c.broken
	}
	c.broken = nil
	disk, dirs, err := walkMetadata(ctx, wr)
	if err != nil {
		return nil, err
	}
	snap := c.snap
	if snap == nil || snap.manifest != m || !samePaths(snap.diskFiles, disk) {
		// The index points into m.Outputs and disk, which the snapshot keeps.
		ix, err := buildIndex(ctx, disk, m.Outputs)
		if err != nil {
			return nil, err
		}
		snap = &snapshot{manifest: m, diskFiles: disk, index: ix, version: snapshotVersions.Add(1)}
	}
	c.snap, c.manifest, c.dirs, c.checkedAt = snap, mstat, dirs, checkedAt
	return snap, nil
}

// fresh reports whether the stats taken at the last load still hold and
// are old enough to be trusted (see racyWindow).
func (c *wsCache) fresh(wr *os.Root, mfi os.FileInfo) bool {
	if !sameStat(c.manifest, mfi, c.checkedAt) {
		return false
	}
	for _, d := range c.dirs {
		fi, err := wr.Lstat(d.path)
		if err != nil || !sameStat(d.info, fi, c.checkedAt) {
			return false
		}
	}
	return true
}

func sameStat(old, cur os.FileInfo, checkedAt time.Time) bool {
	return old != nil && os.SameFile(old, cur) && old.Size() == cur.Size() &&
		old.ModTime().Equal(cur.ModTime()) && old.Mode() == cur.Mode() &&
		old.ModTime().Before(checkedAt.Add(-racyWindow))
}

// readManifest reads and hashes the manifest, and parses it unless its hash
// is that of prev, which is then returned as is, or of the manifest kept
// in cache (which may be nil).
func readManifest(wr *os.Root, name string, prev *Manifest, cache *manifestCache, parses *int) (*Manifest, os.FileInfo, error) {
	f, st, err := openRegular(wr, ManifestPath)
	if err != nil {
		return nil, nil, manifestError(name, "could not be opened: %s", describe(err))
	}
	defer f.Close()
	buf := bytes.NewBuffer(make([]byte, 0, st.Size()+bytes.MinRead))
	_, err = buf.ReadFrom(f)
	data := buf.Bytes()
	if err != nil {
		return nil, nil, manifestError(name, "could not be read: %s", describe(err))
	}
	hash := manifestHash(data)
	if prev != nil && prev.Hash == hash {
		return prev, st, nil
	}
	if cache != nil {
		if m := cache.load(name, hash); m != nil {
			return m, st, nil
		}
	}
	*parses++
	m, err := parseManifest(name, data, hash)
	if err == nil && cache != nil {
		cache.save(name, m)
	}
	return m, st, err
}

// describe gives a short reason for a file-system error without the
// absolute paths that os errors carry.
func describe(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// walkMetadata lists the regular files under metadata/ with their stat
// metadata, and the stats of the directories walked. Symbolic links and
// other special files are skipped: they are not shown.
func walkMetadata(ctx context.Context, wr *os.Root) ([]airlock.WorkspaceFile, []dirStat, error) {
	fi, err := wr.Lstat(MetadataDir)
	if err != nil || !fi.IsDir() {
		return nil, nil, nil
	}
	var files []airlock.WorkspaceFile
	dirs := []dirStat{{MetadataDir, fi}}
	err = fs.WalkDir(wr.FS(), MetadataDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == MetadataDir {
				return err
			}
			return nil // an unreadable sub-directory is left out
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		switch {
		case d.IsDir():
			if p != MetadataDir {
				if info, err := d.Info(); err == nil {
					dirs = append(dirs, dirStat{p, info})
				}
			}
		case d.Type().IsRegular():
			if _, err := ValidatePath(p); err != nil {
				return nil
			}
			fm := airlock.WorkspaceFile{Path: p}
			if info, err := d.Info(); err == nil {
				fm.Size, fm.Timestamp = info.Size(), info.ModTime().UTC()
			}
			files = append(files, fm)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return files, dirs, nil
}

func samePaths(a, b []airlock.WorkspaceFile) bool {
	return slices.EqualFunc(a, b, func(x, y airlock.WorkspaceFile) bool { return x.Path == y.Path })
}

// File implements airlock.Workspaces: it returns a visible file's
// metadata. For files that are not manifest outputs it reads size and time
// from disk and computes the hash.
func (r *Root) File(ctx context.Context, workspace, path string) (airlock.WorkspaceFile, error) {
	w, err := r.Get(ctx, workspace)
	if err != nil {
		return airlock.WorkspaceFile{}, err
	}
	m, err := w.File(ctx, path)
	if err != nil {
		return airlock.WorkspaceFile{}, err
	}
	if !m.InManifest {
		if m.ContentHash, err = w.Hash(ctx, path); err != nil {
			return airlock.WorkspaceFile{}, err
		}
	}
	return m, nil
}

// Open implements airlock.Workspaces: it opens a visible file's current bytes.
func (r *Root) Open(ctx context.Context, workspace, path string) (airlock.OpenedFile, error) {
	w, err := r.Get(ctx, workspace)
	if err != nil {
		return nil, err
	}
	f, err := w.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// Tree implements airlock.Workspaces: it is Get, as the domain's view.
func (r *Root) Tree(ctx context.Context, workspace string) (airlock.WorkspaceTree, error) {
	w, err := r.Get(ctx, workspace)
	if err != nil {
		return nil, err
	}
	return w, nil
}
