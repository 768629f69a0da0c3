package receiver

import (
	"io"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// fileShow answers GET /files/:file: a released file's bytes, for those
// who may see the workspace's released outputs, and for anyone once the
// file is published.
func (s *Server) fileShow(c echo.Context) error {
	f, err := s.readableFile(c)
	if err != nil {
		return err
	}
	return s.serveFile(c, f)
}

// readableFile is the :file, when it was not deleted and the signed-in
// person may read it (mayRead).
func (s *Server) readableFile(c echo.Context) (*ReleasedFile, error) {
	f, err := s.FindFile(c.Request().Context(), c.Param("file"))
	if err != nil {
		return nil, err
	}
	if f.Deleted {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "%s was deleted by %s on %s: %s", f.Name, s.dir.displayName(f.DeletedBy),
			f.DeletedAt.Format("2 Jan 2006"), f.DeletedReason)
	}
	return f, s.mayRead(c, f)
}

// mayRead refuses with 403 and the reason unless the signed-in person may
// read f: those who see released outputs; for a file of a draft, those who
// see drafts (publishers judge what they publish); for a published file,
// anyone.
func (s *Server) mayRead(c echo.Context, f *ReleasedFile) error {
	p, u, ctx := s.projectOfFile(f), currentUser(c), c.Request().Context()
	if can(u, p, permViewReleased) {
		return nil
	}
	if published, err := s.isPublished(ctx, f); err != nil || published {
		return err
	}
	if can(u, p, permViewDraft) {
		if drafted, err := s.inDraft(ctx, f); err != nil || drafted {
			return err
		}
	}
	return echo.NewHTTPError(http.StatusForbidden, refusal(p, permViewReleased))
}

// publishedShow answers GET /published/:file: a published file, to anyone.
func (s *Server) publishedShow(c echo.Context) error {
	ctx := c.Request().Context()
	f, err := s.FindFile(ctx, c.Param("file"))
	if err != nil {
		return err
	}
	if ok, err := s.isPublished(ctx, f); err != nil {
		return err
	} else if !ok {
		return airlock.Errorf(airlock.ENOTFOUND, "No published file has this address.")
	}
	return s.serveFile(c, f)
}

// projectOfFile is the project of the file's workspace (nil if the
// workspace left the config, so nobody but a published file's reader
// gets it).
func (s *Server) projectOfFile(f *ReleasedFile) *ProjectConfig {
	if ws := s.dir.workspaces[f.Workspace]; ws != nil {
		return s.dir.project(ws)
	}
	return nil
}

// serveFile writes a released file sandboxed: CSP sandbox and nosniff, a
// type from the extension only (text types in UTF-8), Last-Modified the
// release time, inline unless ?download=1. A file still on its way says
// so, as the jobs site does.
func (s *Server) serveFile(c echo.Context, f *ReleasedFile) error {
	if !f.Uploaded {
		return writeJSON(c, http.StatusOK, "File not yet uploaded")
	}
	rc, err := s.openStored(f)
	if err != nil {
		return err
	}
	defer rc.Close()
	ctype := mime.TypeByExtension(path.Ext(f.Name))
	if ctype == "" {
		ctype = "application/octet-stream"
	} else if strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "charset") {
		ctype += "; charset=utf-8"
	}
	h := c.Response().Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	disposition := "inline"
	if c.QueryParam("download") != "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": path.Base(f.Name)}))
	seeker, ok := rc.(io.ReadSeeker)
	if !ok {
		return airlock.Errorf(airlock.EINTERNAL, "stored file is not seekable")
	}
	http.ServeContent(c.Response(), c.Request(), "", f.CreatedAt, seeker)
	return nil
}
