package receiver

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
)

// releaseIndexView lists a workspace's releases and its history.
type releaseIndexView struct {
	workspaceItem
	Releases []releaseSummary
	Latest   int // files in "All outputs"
	History  []AuditEvent
}

// releaseIndex answers GET /workspaces/:workspace/releases/: "All
// outputs" (the latest version of each file), every release with who
// released it, and what was done with them.
func (s *Server) releaseIndex(c echo.Context) error {
	ws, p, item, err := s.workspaceFor(c, permViewReleased)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v := releaseIndexView{workspaceItem: item}
	if v.Releases, err = s.releases(ctx, ws.Name); err != nil {
		return err
	}
	latest, err := s.latestFiles(ctx, ws.Name)
	if err != nil {
		return err
	}
	v.Latest = len(latest)
	events, err := s.AuditEvents(ctx, ws.Name)
	if err != nil {
		return err
	}
	for _, ev := range slices.Backward(events) {
		if _, shown := actionLabels[ev.Action]; shown {
			v.History = append(v.History, ev)
		}
	}
	return s.render(c, http.StatusOK, "releases", page{Title: "Released outputs",
		Crumbs: wsCrumbs(p, ws), Data: v})
}
