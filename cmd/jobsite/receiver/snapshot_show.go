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
	ws, p, item, err := s.workspaceFor(c, permAnyone)
	if err != nil {
		return err
	}
	v, err := s.snapshot(c.Request().Context(), ws.Name, c.Param("snapshot"))
	if err != nil {
		return err
	}
	if !v.Published {
		if err := allow(c, p, permViewDraft); err != nil {
			return err
		}
	}
	title := "Draft public outputs"
	if v.Published {
		title = "Published outputs"
	}
	data := snapshotPage{workspaceItem: item, Snapshot: *v, CanPublish: !v.Published && can(currentUser(c), p, permPublish)}
	return s.render(c, http.StatusOK, "snapshot", page{Title: title + " " + airlock.ShortID(v.ID),
		Crumbs: wsCrumbs(p, ws), Data: data})
}
