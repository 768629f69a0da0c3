package ui

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// accountSignOutEverywhere answers POST /account/sign-out-everywhere: every
// session of the person ends at once, in every browser, this one included
// (D15). Someone who copied a cookie is signed out with them.
func (s *Server) accountSignOutEverywhere(c echo.Context) error {
	u := currentUser(c)
	n, err := s.deps.Sessions.EndUserSessions(ctx(c), u.Username, airlock.SessionEverywhere)
	if err != nil {
		return err
	}
	s.log.Info("signed out everywhere", "user", u.Username, "sessions", n)
	s.signedOut(c, airlock.SessionEverywhere)
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", "/login")
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}
