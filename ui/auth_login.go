package ui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

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
	next := safeNext(c.QueryParam("next"), "/")
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

// maxUsernameLength bounds what is kept of a username: the longest email
// address is 254 bytes.
const maxUsernameLength = 254

func parseLoginForm(c echo.Context) loginForm {
	return loginForm{
		User:  strings.TrimSpace(c.FormValue("user")),
		Token: strings.TrimSpace(c.FormValue("token")),
		Next:  safeNext(c.FormValue("next"), "/"),
	}
}

// loginSubmit answers POST /login: it checks the token with the
// authenticator, caches the user's roles and starts a server-side
// session. Failures are audited and count against the pair of username and
// client address only: past the limit that pair is refused (429) for a
// growing time, while everyone else signs in as usual.
func (s *Server) loginSubmit(c echo.Context) error {
	f := parseLoginForm(c)
	page := loginPage{Next: f.Next, User: f.User, JobsiteURL: s.set.JobsiteURL}
	switch {
	case f.User == "" || f.Token == "":
		page.Error = "Please enter your username or email address and your single-use token."
		return s.renderStatus(c, http.StatusUnprocessableEntity, "login", "Sign in", page)
	case len(f.User) > maxUsernameLength || airlock.CheckName("username", f.User) != nil:
		page.User = ""
		page.Error = "That is not a username or email address: check what you typed."
		return s.renderStatus(c, http.StatusUnprocessableEntity, "login", "Sign in", page)
	}
	now := s.now()
	addr := c.RealIP()
	if wait := s.limiter.LockedFor(now, f.User, addr); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)))
		page.Error = fmt.Sprintf("Too many failed sign-in attempts for %s from your address. Please wait %s, then try again with a new token from the jobs site.",
			f.User, waitText(wait))
		return s.renderStatus(c, http.StatusTooManyRequests, "login", "Sign in", page)
	}
	u, err := s.deps.Auth.Authenticate(ctx(c), f.User, f.Token)
	if err != nil {
		if code := airlock.ErrorCode(err); code == airlock.EUNAVAILABLE || code == airlock.EINTERNAL {
			s.log.Warn("sign-in failed: jobs site unavailable", "err", err)
			page.Error = "We could not reach the jobs site to check your token. Please try again in a few minutes."
			return s.renderStatus(c, http.StatusBadGateway, "login", "Sign in", page)
		}
		lock := s.limiter.Fail(now, f.User, addr)
		if err := s.deps.Sessions.RecordSignInFailure(ctx(c), airlock.SignInFailure{
			User: f.User, Address: addr, Reason: "wrong user or token", LockedFor: lock}); err != nil {
			return err
		}
		page.Error = "Invalid user or token. Tokens can be used once and expire after an hour; get a new one from the jobs site."
		if lock > 0 {
			page.Error += fmt.Sprintf(" After several failed attempts, signing in as %s from your address is paused for %s.", f.User, waitText(lock))
		}
		return s.renderStatus(c, http.StatusUnauthorized, "login", "Sign in", page)
	}
	s.limiter.Succeed(f.User, addr)
	if err := s.deps.Service.SaveUser(ctx(c), u, now); err != nil {
		return err
	}
	if err := s.startSession(c, u, addr); err != nil {
		return err
	}
	s.addFlash(c, "success", "Signed in as "+u.DisplayName()+".")
	return c.Redirect(http.StatusSeeOther, f.Next)
}

// waitText says how long a wait is, in whole minutes (at least one).
func waitText(d time.Duration) string {
	return plural(max(1, int((d+time.Minute-1)/time.Minute)), "minute")
}

// logout answers POST /logout: the session ends on the server at once, so
// a copy of the cookie is worth nothing afterwards (D15).
func (s *Server) logout(c echo.Context) error {
	if err := s.endSession(c, airlock.SessionSignedOut); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// healthz answers GET /healthz for load balancers and the start-up test.
func (s *Server) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// home answers GET /.
func (s *Server) home(c echo.Context) error {
	// Output checkers spend their day in the review queue, so that is
	// where they land; everyone else starts from their workspaces.
	if u := currentUser(c); u != nil && u.OutputChecker {
		return c.Redirect(http.StatusFound, "/reviews/")
	}
	return c.Redirect(http.StatusFound, "/workspaces/")
}
