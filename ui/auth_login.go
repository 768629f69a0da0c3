package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// loginPage is the data of the sign-in page.
type loginPage struct {
	Next       string
	User       string
	Error      string
	JobsiteURL string
}

// loginShow answers GET /login.
func (s *Server) loginShow(c echo.Context) error {
	next := safeNext(c.QueryParam("next"), "/workspaces/")
	if currentUser(c) != nil {
		return c.Redirect(http.StatusFound, next)
	}
	return s.render(c, "login", "Sign in", loginPage{Next: next, JobsiteURL: s.set.JobsiteURL})
}

// loginForm is the parsed sign-in form.
type loginForm struct {
	User  string
	Token string
	Next  string
}

func parseLoginForm(c echo.Context) loginForm {
	return loginForm{
		User:  strings.TrimSpace(c.FormValue("user")),
		Token: strings.TrimSpace(c.FormValue("token")),
		Next:  safeNext(c.FormValue("next"), "/workspaces/"),
	}
}

// loginSubmit answers POST /login: it checks the token with the
// authenticator, caches the user's roles and starts a session. Failures
// count against the username and the client address; past the limit the
// answer is 429 until the window passes.
func (s *Server) loginSubmit(c echo.Context) error {
	f := parseLoginForm(c)
	page := loginPage{Next: f.Next, User: f.User, JobsiteURL: s.set.JobsiteURL}
	if f.User == "" || f.Token == "" {
		page.Error = "Please enter your username or email address and your single-use token."
		return s.renderStatus(c, http.StatusUnprocessableEntity, "login", "Sign in", page)
	}
	now := s.now()
	addr := c.RealIP()
	if s.limiter.blocked(now, f.User, addr) {
		return echo.NewHTTPError(http.StatusTooManyRequests,
			"Too many failed sign-in attempts. Please wait 15 minutes, then try again with a new token.")
	}
	u, err := s.deps.Auth.Authenticate(ctx(c), f.User, f.Token)
	if err != nil {
		if airlock.ErrorCode(err) == airlock.EUNAVAILABLE || airlock.ErrorCode(err) == airlock.EINTERNAL {
			s.log.Warn("sign-in failed: jobs site unavailable", "err", err)
			page.Error = "We could not reach the jobs site to check your token. Please try again in a few minutes."
			return s.renderStatus(c, http.StatusBadGateway, "login", "Sign in", page)
		}
		s.limiter.fail(now, f.User, addr)
		page.Error = "Invalid user or token. Tokens can be used once and expire after an hour; get a new one from the jobs site."
		return s.renderStatus(c, http.StatusUnauthorized, "login", "Sign in", page)
	}
	s.limiter.succeed(f.User)
	if err := s.deps.Service.SaveUser(ctx(c), u, now); err != nil {
		return err
	}
	sess := s.session(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	sess.Values[keyUser] = u.Username
	sess.Values[keyLogin] = now.Unix()
	sess.Values[keySeen] = now.Unix()
	s.addFlash(c, "success", "Signed in as "+u.DisplayName()+".")
	if err := s.saveSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, f.Next)
}

// logout answers POST /logout.
func (s *Server) logout(c echo.Context) error {
	s.endSession(c, "info", "You have signed out.")
	return c.Redirect(http.StatusSeeOther, "/login")
}

// healthz answers GET /healthz for load balancers and the start-up test.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// home answers GET /.
func (s *Server) home(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/workspaces/")
}
