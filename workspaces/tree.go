package workspaces

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// node is one entry of the index; files point at metadata owned by the
// snapshot (the manifest's outputs and the disk listing), so the index
// adds about 50 bytes per file rather than a copy of its metadata.
type node struct {
	name  string
	path  string
	isDir bool
	file  *airlock.WorkspaceFile // nil for directories
}

// dirNode is one directory of the index.
type dirNode struct {
	parent     *dirNode // nil for the root
	entries    []node   // sorted for display
	hasCurrent bool     // some file below is not from an out-of-date action
	hasDisk    bool     // some file entry has its metadata read from disk
}

// index maps every visible directory to its sorted children, so that a
// directory listing costs O(children) whatever the size of the workspace.
// It is immutable once built.
type index struct {
	dirs     map[string]*dirNode               // "" is the root
	files    map[string]*airlock.WorkspaceFile // points into the sources
	problems []string
}

// buildIndex builds the tree from the visible files of each source, which
// must stay unchanged as long as the index is used. When two files
// conflict (one is a parent directory of the other) the first in path
// order wins, which is the parent, and the files below it are dropped and
// reported in problems. Files named twice keep their first entry.
func buildIndex(ctx context.Context, sources ...[]airlock.WorkspaceFile) (*index, error) {
	total := 0
	for _, src := range sources {
		total += len(src)
	}
	ix := &index{
		dirs:  map[string]*dirNode{"": {}},
		files: make(map[string]*airlock.WorkspaceFile, total),
	}
	n := 0
	// Sorted paths come in runs of one directory: remember the last one
	// rather than looking it up again for every file.
	lastPath, lastDir := "", (*dirNode)(nil)
	for _, src := range sources {
		ptrs := make([]*airlock.WorkspaceFile, len(src))
		for i := range src {
			ptrs[i] = &src[i]
		}
		// A parent file must come before the files below it; sorted input
		// (the usual case) needs no sort.
		byPath := func(a, b *airlock.WorkspaceFile) int { return strings.Compare(a.Path, b.Path) }
		if !slices.IsSortedFunc(ptrs, byPath) {
			slices.SortStableFunc(ptrs, byPath)
		}
		for _, f := range ptrs {
			if n++; n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
			if ix.files[f.Path] != nil || ix.dirs[f.Path] != nil {
				ix.problems = append(ix.problems, fmt.Sprintf("%q is listed twice", f.Path))
				continue
			}
			parent, name := splitPath(f.Path)
			dir := lastDir
			if dir == nil || parent != lastPath {
				var ok bool
				if dir, ok = ix.ensureDir(parent); !ok {
					ix.problems = append(ix.problems, fmt.Sprintf("%q is below a file", f.Path))
					continue
				}
				lastPath, lastDir = parent, dir
			}
			ix.files[f.Path] = f
			dir.entries = append(dir.entries, node{name: name, path: f.Path, file: f})
			if !f.InManifest {
				dir.hasDisk = true
			}
			if !f.OutOfDateAction {
				for d := dir; d != nil && !d.hasCurrent; d = d.parent {
					d.hasCurrent = true
				}
			}
		}
	}
	for _, d := range ix.dirs {
		slices.SortFunc(d.entries, compareNodes)
	}
	return ix, nil
}

// ensureDir returns the node of directory p, creating it and its parents.
// It fails if p or one of its parents is a file.
func (ix *index) ensureDir(p string) (*dirNode, bool) {
	if d := ix.dirs[p]; d != nil {
		return d, true
	}
	if ix.files[p] != nil {
		return nil, false
	}
	parentPath, name := splitPath(p)
	parent, ok := ix.ensureDir(parentPath)
	if !ok {
		return nil, false
	}
	d := &dirNode{parent: parent}
	ix.dirs[p] = d
	parent.entries = append(parent.entries, node{name: name, path: p, isDir: true})
	return d, true
}

// compareNodes orders a directory: an entry named "metadata" first, then
// directories, then files, each by byte order of the name.
func compareNodes(a, b node) int {
	am, bm := a.name == MetadataDir, b.name == MetadataDir
	switch {
	case am != bm:
		if am {
			return -1
		}
		return 1
	case a.isDir != b.isDir:
		if a.isDir {
			return -1
		}
		return 1
	}
	return strings.Compare(a.name, b.name)
}

// splitPath splits a non-empty relative path into its parent ("" for the
// root) and its last element.
func splitPath(p string) (parent, name string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

func parentOf(p string) string {
	parent, _ := splitPath(p)
	return parent
}
