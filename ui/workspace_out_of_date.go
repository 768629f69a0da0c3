package ui

import (
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// showsOutOfDate reports whether the signed-in session asked to see the
// outputs of out-of-date actions in a workspace. They are hidden until it
// does, as in the reference, and the choice lasts for the session.
func (s *Server) showsOutOfDate(c echo.Context, workspace string) (bool, error) {
	l := currentSession(c)
	if l == nil {
		return false, nil
	}
	return s.deps.Sessions.ShowsOutOfDate(ctx(c), l.ID, workspace)
}

// workspaceOutOfDate answers POST /workspaces/out-of-date/:ws (show=1 or
// 0): it shows or hides the outputs of out-of-date actions in the
// workspace for the rest of the session, then goes back to the page.
func (s *Server) workspaceOutOfDate(c echo.Context) error {
	name := c.Param("ws")
	// The same check as browsing: only people who may view the workspace
	// record a choice about it.
	if _, err := s.deps.Service.WorkspaceState(ctx(c), currentUser(c), name); err != nil {
		return err
	}
	var show bool
	switch c.FormValue("show") {
	case "1":
		show = true
	case "0":
	default:
		return airlock.Errorf(airlock.EINVALID, "Choose whether to show or hide the outputs of out-of-date actions.")
	}
	l := currentSession(c)
	if l == nil {
		return airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in first.")
	}
	if err := s.deps.Sessions.SetShowOutOfDate(ctx(c), l.ID, name, show); err != nil {
		return err
	}
	return redirectBack(c, safeNext(c.FormValue("next"), browseURL(name, "", true)))
}
