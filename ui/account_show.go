package ui

import (
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// accountPage is the data of the account page.
type accountPage struct {
	Roles    string
	Idle     string // how long an unused browser stays signed in
	Sessions []accountSession
	Tokens   tokenSection
}

// accountSession is one browser signed in as the person.
type accountSession struct {
	*airlock.Session
	This bool // the browser looking at the page
}

// accountShow answers GET /account/: who the person is signed in as, the
// browsers signed in as them, the confirmation step of "sign out
// everywhere", and their API tokens.
func (s *Server) accountShow(c echo.Context) error {
	page, err := s.accountPage(c, tokenForm{})
	if err != nil {
		return err
	}
	return s.render(c, "account", "Your account", page)
}

// accountPage gathers the account page, with the token form as given.
func (s *Server) accountPage(c echo.Context, form tokenForm) (accountPage, error) {
	u, this := currentUser(c), currentSession(c)
	live, err := s.deps.Sessions.UserSessions(ctx(c), u.Username, s.now().Add(-s.set.SessionIdle))
	if err != nil {
		return accountPage{}, err
	}
	page := accountPage{Roles: u.RoleSummary(), Idle: durationText(s.set.SessionIdle)}
	for _, sess := range live {
		page.Sessions = append(page.Sessions, accountSession{Session: sess, This: this != nil && sess.ID == this.ID})
	}
	page.Tokens, err = s.tokenSection(c, form)
	return page, err
}

// durationText says a duration in the largest whole unit: "14 days",
// "3 hours", "90 minutes".
func durationText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return plural(int(d/(24*time.Hour)), "day")
	case d >= time.Hour && d%time.Hour == 0:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(max(1, int(d/time.Minute)), "minute")
}
