package workspaces

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/airlock-project/airlock/airlock"
)

// maxNameLen is the longest workspace or request name we accept; it is the
// usual file-name limit of Linux file systems.
const maxNameLen = 255

// ValidName reports whether name can be a workspace (or request) directory
// name: not empty, at most 255 bytes, no '/', '\', NUL or other control
// character, not starting with a dot (which also rules out "." and ".."),
// and a valid name by airlock.CheckName (UTF-8, no U+FFFD).
func ValidName(name string) bool {
	if name == "" || len(name) > maxNameLen || name[0] == '.' || airlock.CheckName("workspace", name) != nil {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '/' || c == '\\' || c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// ValidatePath checks a workspace-relative path as it arrives from a URL, a
// form or a manifest, and returns EINVALID with a message a person
// understands unless it is a canonical relative path: '/'-separated, no
// leading or trailing '/', no empty, "." or ".." parts, no NUL byte, and
// valid UTF-8 without U+FFFD (the rule of airlock.CheckName). The
// empty string and "." both name the workspace root and are returned as "".
//
// Passing this check does not make a path visible: visibility is decided by
// the manifest (see Workspace.IsValidPath), and every file access also goes
// through os.Root, which refuses anything that escapes the workspace.
func ValidatePath(p string) (string, error) {
	if p == "" || p == "." {
		return "", nil
	}
	switch {
	case strings.IndexByte(p, 0) >= 0:
		return "", airlock.Errorf(airlock.EINVALID, "Path %q is not valid: it contains a NUL byte.", p)
	case strings.HasPrefix(p, "/"):
		return "", airlock.Errorf(airlock.EINVALID, "Path %q is not valid: it must be relative to the workspace, not start with '/'.", p)
	case len(p) > 4096:
		return "", airlock.Errorf(airlock.EINVALID, "Path is not valid: it is longer than 4096 bytes.")
	case airlock.CheckName("path", p) != nil:
		return "", airlock.Errorf(airlock.EINVALID, "Path %q is not valid: its name is not valid UTF-8 text.", p)
	case !fs.ValidPath(p):
		for _, part := range strings.Split(p, "/") {
			if part == ".." {
				return "", airlock.Errorf(airlock.EINVALID, "Path %q is not valid: it must not contain '..'.", p)
			}
		}
		return "", airlock.Errorf(airlock.EINVALID, "Path %q is not valid: it must not contain empty or '.' parts, or end with '/'.", p)
	}
	return p, nil
}

// errSymlink is returned (wrapped in an *airlock.Error) when a path goes
// through a symbolic link.
var errSymlink = errors.New("path goes through a symbolic link")

// errNotRegular is returned (wrapped) when a path names a directory, a
// device, a FIFO or anything else that is not a regular file.
var errNotRegular = errors.New("not a regular file")

// openRegular opens rel inside root for reading, refusing symbolic links in
// any component and anything but a regular file at the end.
//
// Symlink policy: workspace outputs are regular files written by the job
// runner, so we refuse every symlink, also one that stays inside the
// workspace (it could point an innocuous output path at a highly sensitive
// file next to it). Each component is checked with Lstat, the file is opened
// through os.Root (which refuses escapes even if a component is swapped for a
// symlink after our check), and the opened file must be the same inode we
// checked. The open is non-blocking so a FIFO swapped in cannot hang us.
//
// rel must already have passed ValidatePath and must not be "".
func openRegular(root *os.Root, rel string) (*os.File, os.FileInfo, error) {
	fi, err := lstatNoSymlink(root, rel)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &fs.PathError{Op: "open", Path: rel, Err: errNotRegular}
	}
	f, err := root.OpenFile(rel, openReadFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !os.SameFile(fi, st) || !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: rel, Err: errors.New("file changed while it was being opened")}
	}
	return f, st, nil
}

// lstatNoSymlink stats rel inside root without following symbolic links in
// any of its components, and fails if one of them is a link or a parent is
// not a directory.
func lstatNoSymlink(root *os.Root, rel string) (os.FileInfo, error) {
	for i := 0; i <= len(rel); i++ {
		if i < len(rel) && rel[i] != '/' {
			continue
		}
		fi, err := root.Lstat(rel[:i])
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			return nil, &fs.PathError{Op: "lstat", Path: rel[:i], Err: errSymlink}
		}
		if i == len(rel) {
			return fi, nil
		}
		if !fi.IsDir() {
			return nil, &fs.PathError{Op: "lstat", Path: rel[:i], Err: errors.New("not a directory")}
		}
	}
	return nil, fs.ErrNotExist // not reached: the loop returns at i == len(rel)
}
