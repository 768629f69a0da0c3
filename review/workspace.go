package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// TreeNode is one entry of a workspace's file tree as the browser draws it.
// Only the children of the selected path's ancestors are loaded; other
// folders load when first opened, so the tree costs what is shown (D9).
type TreeNode struct {
	Name     string
	Path     string
	IsDir    bool
	Open     bool // an ancestor of the selected path, drawn open
	Loaded   bool // Children are filled in
	Selected bool
	Children []*TreeNode
	// Mark is a file's state for the viewer (in their request, changed
	// since added, released), nil for folders and files without one.
	Mark *Mark
}

// WorkspaceItem is a file or folder of a workspace with what it means for
// the viewer's request.
type WorkspaceItem struct {
	airlock.WorkspaceEntry
	// Status is the file's status relative to the viewer's open request.
	Status airlock.WorkspaceFileStatus
	// Addable is nil if the file may be added to the viewer's request,
	// else why not (airlock.CheckAddable). Always set for folders.
	Addable error
	// Selectable reports whether the file may be picked in a folder's
	// form, to be added or, when it changed, updated.
	Selectable bool
}

// WorkspaceBrowse is one path of a workspace as a viewer may see it.
type WorkspaceBrowse struct {
	State *WorkspaceState
	Path  string
	// Missing reports that Path is not a file or folder of the workspace
	// (a recent job may have changed its outputs); Nearest is then the
	// nearest folder that is, and nothing else is set.
	Missing bool
	Nearest string
	IsDir   bool
	// OutOfDate counts the workspace's outputs of actions no longer in the
	// project's pipeline.
	OutOfDate int
	// Tree is the root's children, with the ancestors of Path opened.
	Tree []*TreeNode
	// Items are the folder's children when IsDir.
	Items []WorkspaceItem
	// File is the file, with the hash of its bytes, when not IsDir.
	File *WorkspaceItem
	// Unavailable says, in words for people, why the workspace's files
	// cannot be listed (its manifest is missing or damaged); nothing but
	// State is set then. The reason is logged, never shown.
	Unavailable error
}

// errFolder refuses an action that needs a file on a folder.
func errFolder(path string) error {
	return airlock.Errorf(airlock.EINVALID, "%q is a folder, not a file.", path)
}

// Workspaces lists the workspaces on this backend that u may view, sorted.
// It reads the directory of workspaces, never their manifests.
func (s *Service) Workspaces(ctx context.Context, u *airlock.User) ([]string, error) {
	if u == nil {
		return nil, airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in.")
	}
	names, err := s.ws.Names(ctx)
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		if u.CanView(n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// WorkspaceUnavailable returns why the list of files of a workspace u may
// view cannot be read (its manifest is missing or damaged), or nil, so
// the workspace index can show it as unavailable rather than as a link.
func (s *Service) WorkspaceUnavailable(ctx context.Context, u *airlock.User, workspace string) error {
	if err := airlock.CheckCanView(u, workspace); err != nil {
		return err
	}
	if _, err := s.ws.Tree(ctx, workspace); errors.Is(err, airlock.ErrManifestUnreadable) {
		return s.unreadable(workspace, err)
	}
	return nil
}

// WorkspaceVersion returns the version of the view of a workspace's files
// u may see (airlock.WorkspaceTree.Version): with the store's state
// version, it tells a page that lists them whether it would read the same.
func (s *Service) WorkspaceVersion(ctx context.Context, u *airlock.User, workspace string) (uint64, error) {
	if err := airlock.CheckCanView(u, workspace); err != nil {
		return 0, err
	}
	tree, err := s.ws.Tree(ctx, workspace)
	if err != nil {
		return 0, err
	}
	return tree.Version(), nil
}

// unreadable logs why a workspace's manifest could not be read, for
// backend support, and returns the error, whose message for people is plain.
func (s *Service) unreadable(workspace string, err error) error {
	s.log.Warn("workspace manifest cannot be read", "workspace", workspace, "err", err)
	return err
}

// BrowseWorkspace returns a path of a workspace ("" is the root) as u may
// see it: the tree down to the path, and the folder's children or the
// file, each with its status and whether u may add it to a request. It
// costs the children shown, not the size of the workspace (D9). Listing is
// not a view of a file's content; OpenWorkspaceFile is, and is audited.
// opts.HideOutOfDateAction leaves the outputs of out-of-date actions out of
// the tree and the folder's items.
func (s *Service) BrowseWorkspace(ctx context.Context, u *airlock.User, workspace, path string, opts airlock.ChildrenOptions) (*WorkspaceBrowse, error) {
	state, err := s.WorkspaceState(ctx, u, workspace)
	if err != nil {
		return nil, err
	}
	b := &WorkspaceBrowse{State: state, Path: path}
	tree, err := s.ws.Tree(ctx, workspace)
	if errors.Is(err, airlock.ErrManifestUnreadable) {
		b.Unavailable = s.unreadable(workspace, err)
		return b, nil
	} else if err != nil {
		return nil, err
	}
	if !tree.IsValidPath(path) {
		b.Missing, b.Nearest = true, tree.NearestValid(path)
		return b, nil
	}
	b.IsDir, b.OutOfDate = tree.IsDir(path), tree.OutOfDateActionCount()
	if b.Tree, err = openTree(ctx, tree, state, path, opts); err != nil {
		return nil, err
	}
	if b.IsDir {
		entries, err := tree.Children(ctx, path, opts)
		if err != nil {
			return nil, err
		}
		b.Items = make([]WorkspaceItem, len(entries))
		for i, e := range entries {
			b.Items[i] = s.item(state, e)
		}
		return b, nil
	}
	// The file's own page needs its status, so the bytes of a file that is
	// not a manifest output (whose hash the manifest does not give) are hashed.
	f, err := s.ws.File(ctx, workspace, path)
	if err != nil {
		return nil, err
	}
	it := s.item(state, airlock.WorkspaceEntry{Name: baseName(path), Path: path, File: f})
	b.File = &it
	return b, nil
}

// item is an entry with its status and whether it may be added.
func (s *Service) item(state *WorkspaceState, e airlock.WorkspaceEntry) WorkspaceItem {
	it := WorkspaceItem{WorkspaceEntry: e}
	if e.IsDir {
		it.Addable = airlock.Errorf(airlock.EINVALID, "%s is a folder; select the files inside it.", e.Path)
		return it
	}
	it.Status = state.Status(e.Path, true, e.File.ContentHash)
	it.Addable = airlock.CheckAddable(e.File, it.Status, state.Current, s.policy.FileTypes)
	it.Selectable = state.CanAdd == nil && (it.Addable == nil || it.Status == airlock.WorkspaceFileUpdated)
	return it
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// openTree returns the root's children with the selected path's ancestors
// opened and their children loaded.
func openTree(ctx context.Context, tree airlock.WorkspaceTree, state *WorkspaceState, selected string, opts airlock.ChildrenOptions) ([]*TreeNode, error) {
	root, err := treeNodes(ctx, tree, state, "", opts)
	if err != nil || selected == "" {
		return root, err
	}
	level := root
	parts := strings.Split(selected, "/")
	for i, part := range parts {
		var next *TreeNode
		for _, n := range level {
			if n.Name == part {
				next = n
				break
			}
		}
		if next == nil {
			break
		}
		if i == len(parts)-1 {
			next.Selected = true
		}
		if !next.IsDir {
			break
		}
		next.Open, next.Loaded = true, true
		if next.Children, err = treeNodes(ctx, tree, state, next.Path, opts); err != nil {
			return nil, err
		}
		level = next.Children
	}
	return root, nil
}

// treeNodes lists a folder's children for the tree, each file with its
// mark for the viewer.
func treeNodes(ctx context.Context, tree airlock.WorkspaceTree, state *WorkspaceState, dir string, opts airlock.ChildrenOptions) ([]*TreeNode, error) {
	entries, err := tree.Children(ctx, dir, opts)
	if err != nil {
		return nil, err
	}
	out := make([]*TreeNode, len(entries))
	for i, e := range entries {
		out[i] = &TreeNode{Name: e.Name, Path: e.Path, IsDir: e.IsDir}
		if !e.IsDir {
			if m, ok := state.Mark(state.Status(e.Path, true, e.File.ContentHash)); ok {
				out[i].Mark = &m
			}
		}
	}
	return out, nil
}

// WorkspaceTree returns the children of one folder of a workspace's tree,
// for a folder opened in the browser.
func (s *Service) WorkspaceTree(ctx context.Context, u *airlock.User, workspace, dir string, opts airlock.ChildrenOptions) ([]*TreeNode, error) {
	state, err := s.WorkspaceState(ctx, u, workspace)
	if err != nil {
		return nil, err
	}
	tree, err := s.ws.Tree(ctx, workspace)
	if err != nil {
		return nil, err
	}
	return treeNodes(ctx, tree, state, dir, opts)
}

// WorkspaceContent is an open workspace file, as shown to one person.
type WorkspaceContent struct {
	File airlock.WorkspaceFile
	// Content reads the bytes; the caller closes it.
	Content airlock.OpenedFile
	// Size is the length of the bytes on disk now.
	Size int64
	// ModTime is when the file on disk last changed.
	ModTime time.Time
	// Key identifies these bytes for caches and ETags. Workspace files can
	// be rewritten in place, so the manifest's hash alone is not enough:
	// the size and modification time on disk are part of it (the
	// reference's cache id is the same pair).
	Key string
	// Allowed reports whether the file type may be requested and released.
	Allowed bool
}

// OpenWorkspaceFile checks u may view the workspace, opens the file's
// current bytes and records the view (D12), in one call. Workspace files
// are never offered as downloads.
func (s *Service) OpenWorkspaceFile(ctx context.Context, u *airlock.User, workspace, path string) (*WorkspaceContent, error) {
	if err := airlock.CheckName("workspace name", workspace); err != nil {
		return nil, err
	}
	if err := airlock.CheckName("file path", path); err != nil {
		return nil, err
	}
	if err := airlock.CheckCanView(u, workspace); err != nil {
		return nil, err
	}
	meta, f, err := s.openWorkspaceFile(ctx, workspace, path)
	if err != nil {
		return nil, err
	}
	c, err := s.recordWorkspaceView(ctx, u, workspace, meta, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return c, nil
}

// openWorkspaceFile opens a visible file of a workspace with its
// manifest entry; a folder is refused.
func (s *Service) openWorkspaceFile(ctx context.Context, workspace, path string) (airlock.WorkspaceFile, airlock.OpenedFile, error) {
	tree, err := s.ws.Tree(ctx, workspace)
	if err != nil {
		return airlock.WorkspaceFile{}, nil, err
	}
	if tree.IsDir(path) {
		return airlock.WorkspaceFile{}, nil, errFolder(path)
	}
	meta, err := tree.File(ctx, path)
	if err != nil {
		return airlock.WorkspaceFile{}, nil, err
	}
	f, err := s.ws.Open(ctx, workspace, path)
	return meta, f, err
}

func (s *Service) recordWorkspaceView(ctx context.Context, u *airlock.User, workspace string, meta airlock.WorkspaceFile, f airlock.OpenedFile) (*WorkspaceContent, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	err = s.store.Update(ctx, func(tx airlock.Tx) error {
		return tx.Audit(&airlock.AuditEvent{Type: airlock.EventWorkspaceFileView, User: u.Username, Workspace: workspace, Path: meta.Path})
	})
	if err != nil {
		return nil, err
	}
	return &WorkspaceContent{File: meta, Content: f, Size: fi.Size(), ModTime: fi.ModTime(), Key: contentKey(meta, fi.Size(), fi.ModTime().UnixNano()),
		Allowed: s.policy.FileTypes.Allowed(meta.Path)}, nil
}

// contentKey identifies a workspace file's present bytes: the manifest's
// hash with the size and modification time on disk.
func contentKey(meta airlock.WorkspaceFile, size, mtime int64) string {
	sum := sha256.Sum256([]byte(meta.ContentHash + "|" + strconv.FormatInt(size, 10) + "|" + strconv.FormatInt(mtime, 10)))
	return hex.EncodeToString(sum[:])
}

// AddCandidates checks the files u selected to add to their request in a
// workspace and says for each whether it may be added and how, changing
// nothing: the add form shows the answer. It returns the workspace state,
// or the reason u may not add files now.
func (s *Service) AddCandidates(ctx context.Context, u *airlock.User, workspace string, paths []string) (*WorkspaceState, []WorkspaceItem, error) {
	state, err := s.WorkspaceState(ctx, u, workspace)
	if err != nil {
		return nil, nil, err
	}
	if state.CanAdd != nil {
		return nil, nil, state.CanAdd
	}
	tree, err := s.ws.Tree(ctx, workspace)
	if err != nil {
		return nil, nil, err
	}
	out := make([]WorkspaceItem, len(paths))
	for i, p := range paths {
		e := airlock.WorkspaceEntry{Name: baseName(p), Path: p, IsDir: tree.IsDir(p)}
		if !e.IsDir {
			if e.File, err = tree.File(ctx, p); err != nil {
				out[i] = WorkspaceItem{WorkspaceEntry: e, Addable: err}
				continue
			}
		}
		out[i] = s.item(state, e)
	}
	return state, out, nil
}
