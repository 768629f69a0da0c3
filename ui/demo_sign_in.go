package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// demoSignIn answers POST /demo/sign-in, the DEMO MODE switcher: it signs
// in as a demo user by username alone. Only the demo's authenticator
// offers it, and it is wired only in demo mode (D14); anywhere else this
// address does not exist.
func (s *Server) demoSignIn(c echo.Context) error {
	d, ok := s.deps.Auth.(DemoSwitcher)
	if !ok {
		return echo.NewHTTPError(http.StatusNotFound, "This server has no demo sign-in: sign in with a token from the jobs site.")
	}
	next := safeNext(c.FormValue("next"), "/")
	if strings.HasPrefix(next, "/login") {
		next = "/"
	}
	user := strings.TrimSpace(c.FormValue("user"))
	if user == "" {
		return airlock.Errorf(airlock.EINVALID, "Choose a demo user to sign in as.")
	}
	if err := airlock.CheckName("username", user); err != nil {
		return err
	}
	u, err := d.DemoSignIn(ctx(c), user)
	if err != nil {
		return err
	}
	if err := s.deps.Service.SaveUser(ctx(c), u, s.now()); err != nil {
		return err
	}
	if err := s.startSession(c, u, c.RealIP()); err != nil {
		return err
	}
	s.addFlash(c, "success", "Signed in as "+u.DisplayName()+" (demo user).")
	return c.Redirect(http.StatusSeeOther, next)
}
