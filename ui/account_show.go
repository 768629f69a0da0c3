package ui

import (
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// accountPage is the data of the account page.
type accountPage struct {
	Roles    string
	Sessions []accountSession
}

// accountSession is one browser signed in as the person.
type accountSession struct {
	*airlock.Session
	This bool // the browser looking at the page
}

// accountShow answers GET /account/: who the person is signed in as, the
// browsers signed in as them, and the confirmation step of "sign out
// everywhere".
func (s *Server) accountShow(c echo.Context) error {
	u, this := currentUser(c), currentSession(c)
	live, err := s.deps.Sessions.UserSessions(ctx(c), u.Username, s.now().Add(-s.set.SessionIdle))
	if err != nil {
		return err
	}
	page := accountPage{Roles: describeRoles(u)}
	for _, sess := range live {
		page.Sessions = append(page.Sessions, accountSession{Session: sess, This: this != nil && sess.ID == this.ID})
	}
	return s.render(c, "account", "Your account", page)
}
