package workspaces

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Entry is one child of a directory in the workspace tree.
type Entry struct {
	Name  string   // the last path element
	Path  string   // workspace-relative
	IsDir bool     // a directory implied by the paths of visible files
	File  FileMeta // the file's metadata; zero for directories
}

// dirNode is one directory of the index.
type dirNode struct {
	entries    []Entry // sorted for display
	hasCurrent bool    // some file below is not from an out-of-date action
	hasDisk    bool    // some file entry has its metadata read from disk
}

// index maps every visible directory to its sorted children, so that a
// directory listing costs O(children) whatever the size of the workspace.
// It is immutable once built.
type index struct {
	dirs     map[string]*dirNode // "" is the root
	files    map[string]*Entry   // points into dirNode.entries
	problems []string
}

// buildIndex builds the tree from the visible files. When two files
// conflict (one is a parent directory of the other) the file wins and the
// files below it are dropped and reported in problems.
func buildIndex(ctx context.Context, files []FileMeta) (*index, error) {
	ix := &index{
		dirs:  map[string]*dirNode{"": {}},
		files: make(map[string]*Entry, len(files)),
	}
	sorted := slices.IsSortedFunc(files, func(a, b FileMeta) int { return strings.Compare(a.Path, b.Path) })
	if !sorted {
		files = slices.Clone(files)
		slices.SortFunc(files, func(a, b FileMeta) int { return strings.Compare(a.Path, b.Path) })
	}
	isFile := make(map[string]bool, len(files))
	for i, f := range files {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if isFile[f.Path] || ix.dirs[f.Path] != nil {
			ix.problems = append(ix.problems, fmt.Sprintf("%q is listed twice", f.Path))
			continue
		}
		parent, name := splitPath(f.Path)
		dir, ok := ix.ensureDir(parent, isFile)
		if !ok {
			ix.problems = append(ix.problems, fmt.Sprintf("%q is below a file", f.Path))
			continue
		}
		isFile[f.Path] = true
		dir.entries = append(dir.entries, Entry{Name: name, Path: f.Path, File: f})
		if !f.InManifest {
			dir.hasDisk = true
		}
	}
	for _, d := range ix.dirs {
		slices.SortFunc(d.entries, compareEntries)
		for i := range d.entries {
			if !d.entries[i].IsDir {
				ix.files[d.entries[i].Path] = &d.entries[i]
			}
		}
	}
	for p, e := range ix.files {
		if e.File.OutOfDateAction {
			continue
		}
		for d := parentOf(p); ; d = parentOf(d) {
			n := ix.dirs[d]
			if n.hasCurrent {
				break
			}
			n.hasCurrent = true
			if d == "" {
				break
			}
		}
	}
	return ix, nil
}

// ensureDir returns the node of directory p, creating it and its parents.
// It fails if p or one of its parents is a file.
func (ix *index) ensureDir(p string, isFile map[string]bool) (*dirNode, bool) {
	if d := ix.dirs[p]; d != nil {
		return d, true
	}
	if isFile[p] {
		return nil, false
	}
	parentPath, name := splitPath(p)
	parent, ok := ix.ensureDir(parentPath, isFile)
	if !ok {
		return nil, false
	}
	d := &dirNode{}
	ix.dirs[p] = d
	parent.entries = append(parent.entries, Entry{Name: name, Path: p, IsDir: true})
	return d, true
}

// compareEntries orders a directory: an entry named "metadata" first, then
// directories, then files, each by byte order of the name.
func compareEntries(a, b Entry) int {
	am, bm := a.Name == MetadataDir, b.Name == MetadataDir
	switch {
	case am != bm:
		if am {
			return -1
		}
		return 1
	case a.IsDir != b.IsDir:
		if a.IsDir {
			return -1
		}
		return 1
	}
	return strings.Compare(a.Name, b.Name)
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
