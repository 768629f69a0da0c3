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
	ws, p, err := s.findWorkspace(c)
	if err != nil {
		return err
	}
	if err := allow(c, p, permViewReleased); err != nil {
		return err
	}
	ctx := c.Request().Context()
	st, err := s.projectState(ctx, p)
	if err != nil {
		return err
	}
	v := latestView{workspaceItem: workspaceItem{Name: ws.Name, Archived: ws.Archived, Project: refOf(p, st)},
		CanCreateDraft: can(currentUser(c), p, permCreateDraft)}
	if v.Files, err = s.latestFiles(ctx, ws.Name); err != nil {
		return err
	}
	for _, f := range v.Files {
		if f.Uploaded && !f.Deleted {
			v.Publishable++
		}
	}
	return s.render(c, http.StatusOK, "outputs_latest", page{Title: "All outputs",
		Crumbs: []crumb{{"Home", "/"}, {p.Name, "/projects/" + p.slug() + "/"}, {ws.Name, "/workspaces/" + ws.Name + "/"},
			{"Released outputs", "/workspaces/" + ws.Name + "/releases/"}}, Data: v})
}
