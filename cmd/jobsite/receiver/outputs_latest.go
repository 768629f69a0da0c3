package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// latestView is "All outputs": the latest version of each released file.
type latestView struct {
	workspaceItem
	Files          []ReleasedFile
	CanCreateDraft bool
	Publishable    int
}

// outputsLatest answers GET /workspaces/:workspace/outputs/latest/.
func (s *Server) outputsLatest(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permViewReleased)
	if err != nil {
		return err
	}
	v := latestView{workspaceItem: item, CanCreateDraft: can(currentUser(c), p, permCreateDraft)}
	if v.Files, err = s.latestFiles(c.Request().Context(), ws.Name); err != nil {
		return err
	}
	for _, f := range v.Files {
		if f.Uploaded && !f.Deleted {
			v.Publishable++
		}
	}
	return s.render(c, http.StatusOK, "outputs_latest", page{Title: "All outputs",
		Crumbs: wsCrumbs(p, ws, crumb{"Released outputs", "/workspaces/" + ws.Name + "/releases/"}), Data: v})
}
