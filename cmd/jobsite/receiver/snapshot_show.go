package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// snapshotPage is a draft's or publication's page.
type snapshotPage struct {
	workspaceItem
	Snapshot   snapshotView
	CanPublish bool
}

// snapshotShow answers GET /workspaces/:workspace/outputs/:snapshot/:
// published outputs for anyone, a draft for those who may see drafts.
func (s *Server) snapshotShow(c echo.Context) error {
	ws, p, err := s.findWorkspace(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := s.snapshot(ctx, ws.Name, c.Param("snapshot"))
	if err != nil {
		return err
	}
	if !v.Published {
		if err := allow(c, p, permViewDraft); err != nil {
			return err
		}
	}
	st, err := s.projectState(ctx, p)
	if err != nil {
		return err
	}
	title := "Draft public outputs"
	if v.Published {
		title = "Published outputs"
	}
	data := snapshotPage{workspaceItem: workspaceItem{Name: ws.Name, Archived: ws.Archived, Project: refOf(p, st)},
		Snapshot: *v, CanPublish: !v.Published && can(currentUser(c), p, permPublish)}
	return s.render(c, http.StatusOK, "snapshot", page{Title: title + " " + airlock.ShortID(v.ID),
		Crumbs: []crumb{{"Home", "/"}, {p.Name, "/projects/" + p.slug() + "/"}, {ws.Name, "/workspaces/" + ws.Name + "/"}}, Data: data})
}
