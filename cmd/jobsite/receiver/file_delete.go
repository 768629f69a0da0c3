package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// fileDelete answers POST /workspaces/:workspace/releases/:release/files/:file/delete:
// an output checker deletes a released file, giving a reason.
func (s *Server) fileDelete(c echo.Context) error {
	ws, _, _, err := s.workspaceFor(c, permDeleteReleased)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f, err := s.FindFile(ctx, c.Param("file"))
	if err != nil {
		return err
	}
	if f.Workspace != ws.Name || f.ReleaseID != c.Param("release") {
		return airlock.Errorf(airlock.ENOTFOUND, "Release %s of %s has no such file.", c.Param("release"), ws.Name)
	}
	if err := s.deleteFile(ctx, f, currentUser(c).Username, c.FormValue("reason")); err != nil {
		return err
	}
	if err := flash(c, f.Name+" was deleted from the release."); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces/"+ws.Name+"/releases/"+f.ReleaseID+"/")
}
