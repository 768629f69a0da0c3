package ui

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/preview"
	"github.com/airlock-project/airlock/workspaces"
)

// browsePage is the data of the workspace browser.
type browsePage struct {
	Workspace    string
	Access       airlock.WorkspaceAccess
	Path         string
	Crumbs       []crumb
	Tree         []*review.TreeNode
	IsDir        bool
	Rows         template.HTML // the folder's table rows (dirRows)
	File         *airlock.WorkspaceFile
	Status       airlock.WorkspaceFileStatus
	Mark         *review.Mark // the file's state for the viewer, if it has one
	CanAdd       error
	AddWhy       string // why this file cannot be added, when CanAdd is nil
	CanUpdate    bool
	Current      *airlock.Request
	ContentURL   string
	IsImage      bool
	CodeURL      string // the source code at the file's commit, "" if unknown
	SelectionKey string
	// OutOfDate counts the workspace's outputs of actions no longer in the
	// pipeline; ShowOutOfDate is the session's choice to show them (they
	// are hidden by default).
	OutOfDate     int
	ShowOutOfDate bool
	Next          string // this page, to come back to after the choice
	// Unavailable says why the workspace's files cannot be listed; the page
	// then shows only that, with the way to its requests.
	Unavailable string
	// Checks are the file's disclosure checks (nil if it gets none);
	// ChecksError says why they could not be run.
	Checks      *airlock.CheckedFile
	ChecksError string
}

// crumb is one breadcrumb link.
type crumb struct {
	Name string
	URL  string
}

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

// crumbs builds the breadcrumb trail of a path, a folder's if isDir.
func crumbs(ws, p string, isDir bool, url func(ws, p string, isDir bool) string) []crumb {
	out := []crumb{{Name: ws, URL: url(ws, "", true)}}
	if p == "" {
		return out
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		out = append(out, crumb{Name: parts[i], URL: url(ws, strings.Join(parts[:i+1], "/"), isDir || i < len(parts)-1)})
	}
	return out
}

// workspaceBrowse answers GET /workspaces/view/:ws/*: the tree, and a
// directory table or a file page.
func (s *Server) workspaceBrowse(c echo.Context) error {
	name := c.Param("ws")
	p, dirSyntax, err := pathParam(c)
	if err != nil {
		return err
	}
	u := currentUser(c)
	show, err := s.showsOutOfDate(c, name)
	if err != nil {
		return err
	}
	b, err := s.deps.Service.BrowseWorkspace(ctx(c), u, name, p, airlock.ChildrenOptions{HideOutOfDateAction: !show})
	if err != nil {
		return err
	}
	if b.Unavailable != nil {
		return s.render(c, "workspace_browse", name, browsePage{Workspace: name, Access: u.Access(name), Path: p,
			Current: b.State.Current, Unavailable: airlock.ErrorMessage(b.Unavailable)})
	}
	if b.Missing {
		s.addFlash(c, "warning", "“"+p+"” is not a file or folder of this workspace (a recent job may have changed its outputs). Showing the nearest folder instead.")
		return c.Redirect(http.StatusFound, browseURL(name, b.Nearest, true))
	}
	if b.IsDir != dirSyntax {
		return c.Redirect(http.StatusFound, browseURL(name, p, b.IsDir))
	}
	page := browsePage{
		Workspace: name, Access: u.Access(name), Path: p, IsDir: b.IsDir, Crumbs: crumbs(name, p, b.IsDir, browseURL),
		CanAdd: b.State.CanAdd, Current: b.State.Current, OutOfDate: b.OutOfDate, Tree: b.Tree,
		SelectionKey: "ws:" + name, ShowOutOfDate: show, Next: browseURL(name, p, b.IsDir),
	}
	if b.IsDir {
		if readsDisk(b.Items) {
			noCache(c)
		}
		if page.Rows, err = s.dirRows(name, b, page.CanAdd == nil); err != nil {
			return err
		}
		return s.render(c, "workspace_browse", name, page)
	}
	// A file's page reads more than the workspace's version covers: the
	// bytes of a file that is not an output, and its checks.
	noCache(c)
	f := b.File
	page.File, page.Status, page.AddWhy = &f.File, f.Status, airlock.ErrorMessage(f.Addable)
	page.CanUpdate = f.Status == airlock.WorkspaceFileUpdated
	if m, ok := b.State.Mark(f.Status); ok {
		page.Mark = &m
	}
	page.ContentURL = "/workspaces/content/" + url.PathEscape(name) + "/" + escapePath(p)
	page.IsImage = isImage(p)
	if page.Checks, err = s.deps.Service.WorkspaceFileChecks(ctx(c), u, name, p); err != nil {
		if airlock.ErrorCode(err) != airlock.EINVALID {
			return err
		}
		page.ChecksError = airlock.ErrorMessage(err)
	}
	if f.File.InManifest && f.File.Commit != "" {
		page.CodeURL = codeURL("workspace", name, f.File.Commit, browseURL(name, p, false))
	}
	return s.render(c, "workspace_browse", p+" · "+name, page)
}

// readsDisk reports a folder with files that are not manifest outputs,
// whose size and time are read from disk as it is listed: they can change
// with no new version of the workspace, so its page is not kept.
func readsDisk(items []review.WorkspaceItem) bool {
	for _, it := range items {
		if !it.IsDir && !it.File.InManifest {
			return true
		}
	}
	return false
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

// treeData is what the tree_nodes partial receives.
type treeData struct {
	Workspace string
	Nodes     []*review.TreeNode
}

// workspaceTree answers GET /workspaces/tree/:ws/*: the children of one
// folder, loaded by htmx when the folder is first opened.
func (s *Server) workspaceTree(c echo.Context) error {
	name := c.Param("ws")
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	show, err := s.showsOutOfDate(c, name)
	if err != nil {
		return err
	}
	nodes, err := s.deps.Service.WorkspaceTree(ctx(c), currentUser(c), name, p, airlock.ChildrenOptions{HideOutOfDateAction: !show})
	if err != nil {
		return err
	}
	return s.renderFragment(c, "", "tree_nodes", treeData{Workspace: name, Nodes: nodes})
}

// workspaceContent answers GET /workspaces/content/:ws/*: a workspace
// file's bytes for the preview frame, sandboxed (D8); the service audits
// the view (D12). Workspace files are never offered as downloads.
func (s *Server) workspaceContent(c echo.Context) error {
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	f, err := s.deps.Service.OpenWorkspaceFile(ctx(c), currentUser(c), c.Param("ws"), p)
	if err != nil {
		return err
	}
	defer f.Content.Close()
	checked, err := s.deps.Service.WorkspaceFileChecks(ctx(c), currentUser(c), c.Param("ws"), p)
	if err != nil && airlock.ErrorCode(err) != airlock.EINVALID {
		return err
	}
	flags, variant := cellFlags(checked, nil)
	setContentHeaders(c)
	return s.viewer.Render(c.Response(), c.Request(), preview.File{Name: p, Size: f.Size, Hash: f.Key, ModTime: f.ModTime,
		Allowed: f.Allowed, Content: f.Content, Flags: flags, Variant: variant})
}
