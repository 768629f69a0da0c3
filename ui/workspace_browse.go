package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/preview"
	"github.com/airlock-project/airlock/workspaces"
)

// treeNode is one entry of the file tree. Only the children of the
// selected path's ancestors are loaded; other folders load on first open
// (D9).
type treeNode struct {
	Name     string
	Path     string
	IsDir    bool
	Open     bool
	Loaded   bool
	Selected bool
	Children []*treeNode
}

// fileRow is one row of a directory table.
type fileRow struct {
	Name       string
	Path       string
	IsDir      bool
	Size       int64
	Modified   time.Time
	Status     airlock.WorkspaceFileStatus
	Selectable bool
	Why        string // why the file cannot be selected
	OutOfDate  bool   // from an action no longer in the pipeline
}

// browsePage is the data of the workspace browser.
type browsePage struct {
	Workspace    string
	Access       airlock.WorkspaceAccess
	Path         string
	Crumbs       []crumb
	Tree         []*treeNode
	IsDir        bool
	Rows         []fileRow
	File         *airlock.WorkspaceFile
	Status       airlock.WorkspaceFileStatus
	CanAdd       error
	AddWhy       string // why this file cannot be added, when CanAdd is nil
	CanUpdate    bool
	Current      *airlock.Request
	ContentURL   string
	IsImage      bool
	CodeURL      string // the source code at the file's commit, "" if unknown
	OutOfDate    int
	SelectionKey string
	// HideOutOfDate leaves outputs of out-of-date actions out of folder
	// tables (?outdated=hide); OutOfDateHere counts them in this folder.
	HideOutOfDate bool
	OutOfDateHere int
}

// crumb is one breadcrumb link.
type crumb struct {
	Name string
	URL  string
}

// paramOutdated is "hide" to leave outputs of out-of-date actions out of
// folder tables.
const paramOutdated = "outdated"

// pathParam returns the unescaped wildcard path of a route and whether it
// was written as a directory (empty or ending in '/').
func pathParam(c echo.Context) (string, bool, error) {
	p, err := param(c, "*")
	if err != nil {
		return "", false, err
	}
	dir := p == "" || strings.HasSuffix(p, "/")
	p, err = workspaces.ValidatePath(strings.TrimSuffix(p, "/"))
	if err != nil {
		return "", false, err
	}
	return p, dir, nil
}

// param returns a route parameter, unescaped. Echo matches on the escaped
// path only when the URL needed escaping (RawPath set); otherwise the
// parameter is already decoded and must not be decoded twice.
func param(c echo.Context, name string) (string, error) {
	v := c.Param(name)
	if c.Request().URL.RawPath == "" {
		return v, nil
	}
	u, err := url.PathUnescape(v)
	if err != nil {
		return "", airlock.Errorf(airlock.EINVALID, "The address is not valid.")
	}
	return u, nil
}

// browseURL is the canonical URL of a workspace path: directories end in '/'.
func browseURL(ws, p string, isDir bool) string {
	u := "/workspaces/view/" + url.PathEscape(ws) + "/"
	if p != "" {
		u += escapePath(p)
		if isDir {
			u += "/"
		}
	}
	return u
}

// crumbs builds the breadcrumb trail of a path.
func crumbs(ws, p string, url func(ws, p string, isDir bool) string) []crumb {
	out := []crumb{{Name: ws, URL: url(ws, "", true)}}
	if p == "" {
		return out
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		out = append(out, crumb{Name: parts[i], URL: url(ws, strings.Join(parts[:i+1], "/"), i < len(parts)-1)})
	}
	return out
}

// loadWorkspace checks the user may view the workspace and returns its
// current view and the request-side state.
func (s *Server) loadWorkspace(c echo.Context, name string) (*workspaces.Workspace, *review.WorkspaceState, error) {
	u := currentUser(c)
	state, err := s.deps.Service.WorkspaceState(ctx(c), u, name)
	if err != nil {
		return nil, nil, err
	}
	w, err := s.deps.Workspaces.Get(ctx(c), name)
	if err != nil {
		return nil, nil, err
	}
	return w, state, nil
}

// workspaceBrowse answers GET /workspaces/view/:ws/*: the tree, and a
// directory table or a file page.
func (s *Server) workspaceBrowse(c echo.Context) error {
	name := c.Param("ws")
	w, state, err := s.loadWorkspace(c, name)
	if err != nil {
		return err
	}
	p, dirSyntax, err := pathParam(c)
	if err != nil {
		return err
	}
	if !w.IsValidPath(p) {
		near := w.NearestValid(p)
		s.addFlash(c, "warning", "“"+p+"” is not a file or folder of this workspace (a recent job may have changed its outputs). Showing the nearest folder instead.")
		return c.Redirect(http.StatusFound, browseURL(name, near, true))
	}
	isDir := w.IsDir(p)
	if isDir != dirSyntax {
		return c.Redirect(http.StatusFound, browseURL(name, p, isDir))
	}
	u := currentUser(c)
	page := browsePage{
		Workspace: name, Access: u.Access(name), Path: p, IsDir: isDir, Crumbs: crumbs(name, p, browseURL),
		CanAdd: state.CanAdd, Current: state.Current, OutOfDate: w.OutOfDateActionCount(),
		SelectionKey: "ws:" + name,
	}
	if page.Tree, err = buildTree(c, w, p); err != nil {
		return err
	}
	policy := s.deps.Service.Policy()
	if isDir {
		entries, err := w.Children(ctx(c), p, airlock.ChildrenOptions{})
		if err != nil {
			return err
		}
		page.Rows = make([]fileRow, 0, len(entries))
		page.HideOutOfDate = c.QueryParam(paramOutdated) == "hide"
		for _, e := range entries {
			row := fileRow{Name: e.Name, Path: e.Path, IsDir: e.IsDir}
			if !e.IsDir && e.File.OutOfDateAction {
				row.OutOfDate = true
				page.OutOfDateHere++
				if page.HideOutOfDate {
					continue
				}
			}
			if !e.IsDir {
				row.Size, row.Modified = e.File.Size, e.File.Timestamp
				row.Status = state.Status(e.Path, true, e.File.ContentHash)
				row.Why = addableWhy(e.File, row.Status, policy)
				row.Selectable = state.CanAdd == nil && (row.Why == "" || row.Status == airlock.WorkspaceFileUpdated)
			}
			page.Rows = append(page.Rows, row)
		}
		return s.render(c, "workspace_browse", name, page)
	}
	meta, err := w.File(ctx(c), p)
	if err != nil {
		return err
	}
	if !meta.InManifest {
		if h, err := w.Hash(ctx(c), p); err == nil {
			meta.ContentHash = h
		}
	}
	page.File = &meta
	page.Status = state.Status(p, true, meta.ContentHash)
	page.AddWhy = addableWhy(meta, page.Status, policy)
	page.CanUpdate = page.Status == airlock.WorkspaceFileUpdated
	page.ContentURL = "/workspaces/content/" + url.PathEscape(name) + "/" + escapePath(p)
	page.IsImage = isImage(p)
	if meta.InManifest && meta.Commit != "" {
		page.CodeURL = codeURL("workspace", name, meta.Commit, browseURL(name, p, false))
	}
	return s.render(c, "workspace_browse", p+" · "+name, page)
}

// addableWhy says why a file cannot be added to a request, or "".
func addableWhy(f airlock.WorkspaceFile, st airlock.WorkspaceFileStatus, policy airlock.Policy) string {
	switch {
	case !f.InManifest:
		return "This file is not an output of a job, so it cannot be added to a request."
	case !policy.FileTypes.Allowed(f.Path):
		return "This file type cannot be released."
	case st == airlock.WorkspaceFileUnderReview:
		return "This file is already on your current request."
	case st == airlock.WorkspaceFileUpdated:
		return "This file changed since you added it; update it in your request instead."
	}
	return ""
}

func isImage(p string) bool {
	switch strings.ToLower(pathExt(p)) {
	case ".png", ".jpg", ".jpeg", ".svg":
		return true
	}
	return false
}

func pathExt(p string) string {
	i := strings.LastIndexByte(p, '.')
	if i < 0 || strings.Contains(p[i:], "/") {
		return ""
	}
	return p[i:]
}

// buildTree returns the root's children with the selected path's ancestors
// opened: the cost is what is shown, never the whole workspace (D9).
func buildTree(c echo.Context, w *workspaces.Workspace, selected string) ([]*treeNode, error) {
	root, err := treeChildren(c, w, "")
	if err != nil {
		return nil, err
	}
	level := root
	if selected == "" {
		return root, nil
	}
	parts := strings.Split(selected, "/")
	for i, part := range parts {
		var next *treeNode
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
		if next.Children, err = treeChildren(c, w, next.Path); err != nil {
			return nil, err
		}
		level = next.Children
	}
	return root, nil
}

func treeChildren(c echo.Context, w *workspaces.Workspace, dir string) ([]*treeNode, error) {
	entries, err := w.Children(ctx(c), dir, airlock.ChildrenOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]*treeNode, len(entries))
	for i, e := range entries {
		out[i] = &treeNode{Name: e.Name, Path: e.Path, IsDir: e.IsDir}
	}
	return out, nil
}

// treeData is what the tree_nodes partial receives.
type treeData struct {
	Workspace string
	Nodes     []*treeNode
}

// workspaceTree answers GET /workspaces/tree/:ws/*: the children of one
// folder, loaded by htmx when the folder is first opened.
func (s *Server) workspaceTree(c echo.Context) error {
	name := c.Param("ws")
	if err := airlock.CheckCanView(currentUser(c), name); err != nil {
		return err
	}
	w, err := s.deps.Workspaces.Get(ctx(c), name)
	if err != nil {
		return err
	}
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	nodes, err := treeChildren(c, w, p)
	if err != nil {
		return err
	}
	return s.renderFragment(c, "", "tree_nodes", treeData{Workspace: name, Nodes: nodes})
}

// workspaceContent answers GET /workspaces/content/:ws/*: a workspace
// file's bytes for the preview frame, sandboxed (D8) and audited.
// Workspace files are never offered as downloads.
func (s *Server) workspaceContent(c echo.Context) error {
	name := c.Param("ws")
	u := currentUser(c)
	if err := airlock.CheckCanView(u, name); err != nil {
		return err
	}
	w, err := s.deps.Workspaces.Get(ctx(c), name)
	if err != nil {
		return err
	}
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	if w.IsDir(p) {
		return airlock.Errorf(airlock.EINVALID, "%q is a folder, not a file.", p)
	}
	meta, err := w.File(ctx(c), p)
	if err != nil {
		return err
	}
	f, err := w.Open(ctx(c), p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := s.deps.Service.RecordWorkspaceView(ctx(c), u, name, p); err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	setContentHeaders(c)
	return s.viewer.Render(c.Response(), c.Request(), preview.File{Name: p, Size: fi.Size(), Hash: workspaceViewKey(meta, fi),
		Allowed: s.deps.Service.Policy().FileTypes.Allowed(p), Content: f})
}

// workspaceViewKey identifies the bytes of an open workspace file for the
// viewer's caches and ETags. Workspace files can be rewritten in place, so
// the manifest's hash alone is not enough: the size and modification time
// on disk are part of the key (the reference's cache id is the same pair).
func workspaceViewKey(meta airlock.WorkspaceFile, fi os.FileInfo) string {
	sum := sha256.Sum256([]byte(meta.ContentHash + "|" + strconv.FormatInt(fi.Size(), 10) + "|" +
		strconv.FormatInt(fi.ModTime().UnixNano(), 10)))
	return hex.EncodeToString(sum[:])
}
