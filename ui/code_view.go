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
	"github.com/airlock-project/airlock/workspaces/coderepo"
)

// maxFullTree is the most entries a commit may have for the whole tree to
// be drawn; larger commits show only the folders on the selected path.
const maxFullTree = 3000

// paramReturn carries the page a code view was opened from, for its back
// link. It is kept on every link inside the code view.
const paramReturn = "return"

// codeScope is a code view opened from a workspace or from a request.
type codeScope struct {
	src       review.CodeSource
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
	Snap      *coderepo.Snapshot
	Problem   string // why the source code cannot be shown
	Path      string
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
	coderepo.Entry
	URL string
}

// codeURL opens the code view of a commit from a workspace ("workspace",
// key the workspace name) or a request ("request", key its id), with a
// back link to the page it was opened from.
func codeURL(scope, key, commit, from string) string {
	return "/code/view/" + scope + "/" + url.PathEscape(key) + "/" + url.PathEscape(commit) + "/?" +
		url.Values{paramReturn: {from}}.Encode()
}

// workspaceCodeScope resolves /code/…/workspace/:ws/:commit/: the
// repository is the workspace's, from its manifest.
func (s *Server) workspaceCodeScope(c echo.Context) (codeScope, error) {
	ws := c.Param("ws")
	if err := airlock.CheckCanView(currentUser(c), ws); err != nil {
		return codeScope{}, err
	}
	w, err := s.deps.Workspaces.Get(ctx(c), ws)
	if err != nil {
		return codeScope{}, err
	}
	commit := c.Param("commit")
	tail := url.PathEscape(ws) + "/" + url.PathEscape(commit) + "/"
	sc := codeScope{
		src:      review.CodeSource{Workspace: ws, Repo: w.Repo(), Commit: commit},
		viewBase: "/code/view/workspace/" + tail, content: "/code/content/workspace/" + tail,
		back: browseURL(ws, "", true), backLabel: "Back to workspace " + ws,
	}
	sc.withReturn(c)
	return sc, nil
}

// requestCodeScope resolves /code/…/request/:id/:commit/: the repository
// is the one recorded on the request's files from that commit.
func (s *Server) requestCodeScope(c echo.Context) (codeScope, error) {
	src, err := s.deps.Service.RequestCodeSource(ctx(c), currentUser(c), c.Param("id"), c.Param("commit"))
	if err != nil {
		return codeScope{}, err
	}
	tail := url.PathEscape(src.Request) + "/" + url.PathEscape(c.Param("commit")) + "/"
	sc := codeScope{
		src:      src,
		viewBase: "/code/view/request/" + tail, content: "/code/content/request/" + tail,
		back: "/requests/view/" + url.PathEscape(src.Request) + "/", backLabel: "Back to the request",
	}
	sc.withReturn(c)
	return sc, nil
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
	sc, err := s.workspaceCodeScope(c)
	if err != nil {
		return err
	}
	return s.codeView(c, sc, "workspace "+sc.src.Workspace)
}

// codeRequestView answers GET /code/view/request/:id/:commit/*.
func (s *Server) codeRequestView(c echo.Context) error {
	sc, err := s.requestCodeScope(c)
	if err != nil {
		return err
	}
	return s.codeView(c, sc, "request "+sc.src.Request+" in workspace "+sc.src.Workspace)
}

// codeWorkspaceContent answers GET /code/content/workspace/:ws/:commit/*.
func (s *Server) codeWorkspaceContent(c echo.Context) error {
	sc, err := s.workspaceCodeScope(c)
	if err != nil {
		return err
	}
	return s.codeContent(c, sc)
}

// codeRequestContent answers GET /code/content/request/:id/:commit/*.
func (s *Server) codeRequestContent(c echo.Context) error {
	sc, err := s.requestCodeScope(c)
	if err != nil {
		return err
	}
	return s.codeContent(c, sc)
}

// codeView shows the tree of the commit and a folder table or a file in
// the preview frame. A repository or commit the cache lacks is explained
// on the page, with the way back.
func (s *Server) codeView(c echo.Context, sc codeScope, from string) error {
	p, dirSyntax, err := pathParam(c)
	if err != nil {
		return err
	}
	page := codePage{Src: sc.src, Back: sc.back, BackLabel: sc.backLabel, RootURL: sc.pageURL("", true), From: from}
	snap, err := s.code.Snapshot(ctx(c), sc.src.Repo, sc.src.Commit)
	if err != nil {
		switch airlock.ErrorCode(err) {
		case airlock.ENOTFOUND, airlock.EINVALID:
			page.Problem = airlock.ErrorMessage(err)
			return s.renderStatus(c, statusOf(err, http.MethodGet), "code", "Source code unavailable", page)
		}
		return err
	}
	page.Snap = snap
	if !snap.IsDir(p) && !snap.IsFile(p) {
		s.addFlash(c, "warning", "“"+p+"” is not a file or folder of "+snap.Repo+" at commit "+snap.Short()+". Showing the top of the repository instead.")
		return c.Redirect(http.StatusFound, sc.pageURL("", true))
	}
	page.Path, page.IsDir = p, snap.IsDir(p)
	if page.IsDir != dirSyntax && p != "" {
		return c.Redirect(http.StatusFound, sc.pageURL(p, page.IsDir))
	}
	page.Crumbs = codeCrumbs(sc, snap, p, page.IsDir)
	page.Tree = codeTree(sc, snap, "", p, snap.FileCount() <= maxFullTree)
	title := snap.Repo + "@" + snap.Short()
	if page.IsDir {
		entries, err := snap.Children(p)
		if err != nil {
			return err
		}
		page.Rows = make([]codeRow, len(entries))
		for i, e := range entries {
			page.Rows[i] = codeRow{Entry: e, URL: sc.pageURL(e.Path, e.IsDir)}
		}
	} else {
		blob, err := snap.BlobID(p)
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
func codeCrumbs(sc codeScope, snap *coderepo.Snapshot, p string, isDir bool) []crumb {
	out := []crumb{{Name: snap.Repo + "@" + snap.Short(), URL: sc.pageURL("", true)}}
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
func codeTree(sc codeScope, snap *coderepo.Snapshot, dir, selected string, full bool) []*codeNode {
	entries, err := snap.Children(dir)
	if err != nil {
		return nil
	}
	out := make([]*codeNode, len(entries))
	for i, e := range entries {
		n := &codeNode{Name: e.Name, URL: sc.pageURL(e.Path, e.IsDir), IsDir: e.IsDir, Selected: e.Path == selected}
		n.Open = e.IsDir && strings.HasPrefix(selected+"/", e.Path+"/")
		if e.IsDir && (full || n.Open) {
			n.Children = codeTree(sc, snap, e.Path, selected, full)
		}
		out[i] = n
	}
	return out
}

// codeContent serves a file of the commit for the preview frame or a new
// tab, sandboxed like every output (D8) and audited (D12). Source code is
// not an output under review, so every file type may be read.
func (s *Server) codeContent(c echo.Context, sc codeScope) error {
	p, _, err := pathParam(c)
	if err != nil {
		return err
	}
	snap, err := s.code.Snapshot(ctx(c), sc.src.Repo, sc.src.Commit)
	if err != nil {
		return err
	}
	if snap.IsDir(p) {
		return airlock.Errorf(airlock.EINVALID, "%q is a folder, not a file.", p)
	}
	blob, err := snap.BlobID(p)
	if err != nil {
		return err
	}
	data, err := snap.ReadFile(p)
	if err != nil {
		return err
	}
	if err := s.deps.Service.RecordCodeView(ctx(c), currentUser(c), sc.src, p); err != nil {
		return err
	}
	setContentHeaders(c)
	return s.viewer.Render(c.Response(), c.Request(), preview.File{Name: p, Size: int64(len(data)), Hash: blob,
		Allowed: true, Content: bytes.NewReader(data)})
}
