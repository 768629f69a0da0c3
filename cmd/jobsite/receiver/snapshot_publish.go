package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// snapshotPublish answers POST /workspaces/:workspace/outputs/:snapshot/publish:
// an output publisher publishes a draft, making its files public.
func (s *Server) snapshotPublish(c echo.Context) error {
	ws, _, _, err := s.workspaceFor(c, permPublish)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := s.snapshot(ctx, ws.Name, c.Param("snapshot"))
	if err != nil {
		return err
	}
	already, err := s.publishSnapshot(ctx, ws, v, currentUser(c).Username)
	if err != nil {
		return err
	}
	msg := "Published. These files are now public: anyone can read them, without signing in."
	if already {
		msg = "These outputs were already published."
	}
	if err := flash(c, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces/"+ws.Name+"/outputs/"+v.ID+"/")
}
