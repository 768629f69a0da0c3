package ui

import (
	"bytes"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/preview"
)

// maxFullTree is the most entries a commit may have for the whole tree to
// be drawn; larger commits show only the folders on the selected path.
const maxFullTree = 3000

// paramReturn carries the page a code view was opened from, for its back
// link. It is kept on every link inside the code view.
const paramReturn = "return"

// codeScope is a code view opened from a workspace or from a request.
type codeScope struct {
	ref       review.CodeRef
	viewBase  string // the page URL of the commit's root, ending in '/'
	content   string // the content URL of the commit's root, ending in '/'
	back      string // where the back link goes
	backLabel string
	returnQ   string // "?return=…" to keep on links, or ""
}

// codeNode is one entry of the code view's tree.
type codeNode struct {
	Name     string
	URL      string
	IsDir    bool
	Open     bool
	Selected bool
	Children []*codeNode
}

// codePage is the data of the code view.
type codePage struct {
	Src       review.CodeSource
	Commit    *airlock.CodeCommit // nil when the source code is unavailable
	FileCount int
	Problem   string // why the source code cannot be shown
	Path      string
	Missing   string // a path that is not in the commit
	IsDir     bool
	Rows      []codeRow
	Crumbs    []crumb
	Tree      []*codeNode
	FrameURL  string
	OpenURL   string
	Back      string
	BackLabel string
	RootURL   string
	From      string
}

// codeRow is one row of a folder table in the code view.
type codeRow struct {
	airlock.CodeEntry
	URL string
}

// codeURL opens the code view of a commit from a workspace ("workspace",
// key the workspace name) or a request ("request", key its id), with a
// back link to the page it was opened from.
func codeURL(scope, key, commit, from string) string {
	return "/code/view/" + scope + "/" + url.PathEscape(key) + "/" + url.PathEscape(commit) + "/?" +
		url.Values{paramReturn: {from}}.Encode()
}

// workspaceCodeScope is /code/…/workspace/:ws/:commit/: the repository is
// the workspace's, from its manifest.
func workspaceCodeScope(c echo.Context) codeScope {
	ws, commit := c.Param("ws"), c.Param("commit")
	tail := url.PathEscape(ws) + "/" + url.PathEscape(commit) + "/"
	sc := codeScope{
		ref:      review.CodeRef{Workspace: ws, Commit: commit},
		viewBase: "/code/view/workspace/" + tail, content: "/code/content/workspace/" + tail,
		back: browseURL(ws, "", true), backLabel: "Back to workspace " + ws,
	}
	sc.withReturn(c)
	return sc
}

// requestCodeScope is /code/…/request/:id/:commit/: the repository is the
// one recorded on the request's files from that commit.
func requestCodeScope(c echo.Context) codeScope {
	id, commit := c.Param("id"), c.Param("commit")
	tail := url.PathEscape(id) + "/" + url.PathEscape(commit) + "/"
	sc := codeScope{
		ref:      review.CodeRef{Request: id, Commit: commit},
		viewBase: "/code/view/request/" + tail, content: "/code/content/request/" + tail,
		back: "/requests/view/" + url.PathEscape(id) + "/", backLabel: "Back to the request",
	}
	sc.withReturn(c)
	return sc
}

// withReturn takes the back link from ?return= when it is a local path,
// named after the last part of that path.
func (sc *codeScope) withReturn(c echo.Context) {
	ret := c.QueryParam(paramReturn)
	if safeNext(ret, "") == "" {
		return
	}
	sc.back, sc.returnQ, sc.backLabel = ret, "?"+url.Values{paramReturn: {ret}}.Encode(), "Back"
	if u, err := url.Parse(ret); err == nil {
		if name := path.Base(strings.TrimSuffix(u.Path, "/")); name != "/" && name != "." {
			sc.backLabel = "Back to " + name
		}
	}
}

// pageURL is the code view URL of a path of the commit.
func (sc codeScope) pageURL(p string, isDir bool) string {
	u := sc.viewBase + escapePath(p)
	if isDir && p != "" {
		u += "/"
	}
	return u + sc.returnQ
}

// codeWorkspaceView answers GET /code/view/workspace/:ws/:commit/*.
func (s *Server) codeWorkspaceView(c echo.Context) error {
	return s.codeView(c, workspaceCodeScope(c))
}

// codeRequestView answers GET /code/view/request/:id/:commit/*.
func (s *Server) codeRequestView(c echo.Context) error {
	return s.codeView(c, requestCodeScope(c))
}

// codeWorkspaceContent answers GET /code/content/workspace/:ws/:commit/*.
func (s *Server) codeWorkspaceContent(c echo.Context) error {
	return s.codeContent(c, workspaceCodeScope(c))
}

// codeRequestContent answers GET /code/content/request/:id/:commit/*.
func (s *Server) codeRequestContent(c echo.Context) error {
	return s.codeContent(c, requestCodeScope(c))
}

// codeView shows the tree of the commit and a folder table or a file in
// the preview frame. A repository or commit the cache lacks is explained
// on the page, with the way back.
func (s *Server) codeView(c echo.Context, sc codeScope) error {
	v, err := s.deps.Service.BrowseCode(ctx(c), currentUser(c), sc.ref)
	if err != nil {
		return err
	}
	p, dirSyntax, err := pathParam(c)
	if err != nil {
		return err
	}
	from := "workspace " + v.Source.Workspace
	if v.Source.Request != "" {
		from = "request " + v.Source.Request + " in workspace " + v.Source.Workspace
	}
	page := codePage{Src: v.Source, Back: sc.back, BackLabel: sc.backLabel, RootURL: sc.pageURL("", true), From: from}
	if v.Unavailable != nil {
		page.Problem = airlock.ErrorMessage(v.Unavailable)
		return s.renderStatus(c, statusOf(v.Unavailable, http.MethodGet), "code", "Source code unavailable", page)
	}
	tree, commit := v.Tree, v.Tree.Commit()
	page.Commit, page.FileCount = &commit, tree.FileCount()
	if !tree.IsDir(p) && !tree.IsFile(p) {
		// Not found, like its content URL: the page says so, keeps the
		// repository's tree beside it and offers the ways back.
		page.Missing = p
		page.Crumbs = codeCrumbs(sc, commit, "", true)
		page.Tree = codeTree(sc, tree, "", "", tree.FileCount() <= maxFullTree)
		return s.renderStatus(c, http.StatusNotFound, "code", "Not found · "+commit.Repo+"@"+commit.Short(), page)
	}
	page.Path, page.IsDir = p, tree.IsDir(p)
	if page.IsDir != dirSyntax && p != "" {
		return c.Redirect(http.StatusFound, sc.pageURL(p, page.IsDir))
	}
	page.Crumbs = codeCrumbs(sc, commit, p, page.IsDir)
	page.Tree = codeTree(sc, tree, "", p, tree.FileCount() <= maxFullTree)
	title := commit.Repo + "@" + commit.Short()
	if page.IsDir {
		entries, err := tree.Children(p)
		if err != nil {
			return err
		}
		page.Rows = make([]codeRow, len(entries))
		for i, e := range entries {
			page.Rows[i] = codeRow{CodeEntry: e, URL: sc.pageURL(e.Path, e.IsDir)}
		}
	} else {
		blob, err := tree.BlobID(p)
		if err != nil {
			return err
		}
		page.OpenURL = sc.content + escapePath(p)
		page.FrameURL = preview.PinnedURL(page.OpenURL, blob)
		title = p + " · " + title
	}
	return s.render(c, "code", title, page)
}

// codeCrumbs is the breadcrumb trail from the repository root.
func codeCrumbs(sc codeScope, commit airlock.CodeCommit, p string, isDir bool) []crumb {
	out := []crumb{{Name: commit.Repo + "@" + commit.Short(), URL: sc.pageURL("", true)}}
	if p == "" {
		return out
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		out = append(out, crumb{Name: parts[i], URL: sc.pageURL(strings.Join(parts[:i+1], "/"), i < len(parts)-1 || isDir)})
	}
	return out
}

// codeTree builds the tree under dir. With full, every folder is drawn
// (closed unless on the way to selected); otherwise only the folders on
// the way to selected are opened and the others are links.
func codeTree(sc codeScope, tree airlock.CodeTree, dir, selected string, full bool) []*codeNode {
	entries, err := tree.Children(dir)
	if err != nil {
		return nil
	}
	out := make([]*codeNode, len(entries))
	for i, e := range entries {
		n := &codeNode{Name: e.Name, URL: sc.pageURL(e.Path, e.IsDir), IsDir: e.IsDir, Selected: e.Path == selected}
		n.Open = e.IsDir && strings.HasPrefix(selected+"/", e.Path+"/")
		if e.IsDir && (full || n.Open) {
			n.Children = codeTree(sc, tree, e.Path, selected, full)
		}
		out[i] = n
	}
	return out
}

// codeContent serves a file of the commit for the preview frame or a new
// tab, sandboxed like every output (D8); the service audits the read (D12).
func (s *Server) codeContent(c echo.Context, sc codeScope) error {
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	f, err := s.deps.Service.OpenCodeFile(ctx(c), currentUser(c), sc.ref, p)
	if err != nil {
		return err
	}
	setContentHeaders(c)
	return s.viewer.Render(c.Response(), c.Request(), preview.File{Name: p, Size: int64(len(f.Data)), Hash: f.BlobID,
		Allowed: true, Content: bytes.NewReader(f.Data)})
}
