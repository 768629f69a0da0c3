package receiver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// settingsShow answers GET /settings: where a person makes a single-use
// token to sign in to airlock.
func (s *Server) settingsShow(c echo.Context) error {
	return s.render(c, http.StatusOK, "settings", page{Title: "Settings", Crumbs: []crumb{{"Home", "/"}},
		Data: eligible(currentUser(c)) == ""})
}

// tokenCreate answers POST /settings/token: a new token, shown once.
func (s *Server) tokenCreate(c echo.Context) error {
	u := currentUser(c)
	token, err := s.IssueToken(c.Request().Context(), u.Username)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "token", page{Title: "Your single-use token", Crumbs: []crumb{{"Home", "/"}, {"Settings", "/settings"}}, Data: token})
}
