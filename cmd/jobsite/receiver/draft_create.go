package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// draftCreate answers POST /workspaces/:workspace/outputs/: a developer
// creates a draft publication of the latest version of every released
// output, for an output publisher to publish.
func (s *Server) draftCreate(c echo.Context) error {
	ws, _, _, err := s.workspaceFor(c, permCreateDraft)
	if err != nil {
		return err
	}
	id, reused, err := s.createDraft(c.Request().Context(), ws, currentUser(c).Username)
	if err != nil {
		return err
	}
	msg := "Draft public outputs created. An output publisher can now publish them."
	if reused {
		msg = "These outputs already have a draft or publication with exactly these files; here it is."
	}
	if err := flash(c, msg); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/workspaces/"+ws.Name+"/outputs/"+id+"/")
}
