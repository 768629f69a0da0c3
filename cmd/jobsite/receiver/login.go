package receiver

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// loginView is the sign-in form.
type loginView struct {
	Username, Next, Error string
}

// loginShow answers GET /login.
func (s *Server) loginShow(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	return s.render(c, http.StatusOK, "login", page{Title: "Sign in", Data: loginView{Next: next}})
}

// unknownUser is the limiter's name for every name that is nobody's, so
// typing made-up names fills nothing.
const unknownUser = "\x00unknown"

// loginSubmit answers POST /login. Wrong passwords count against the
// person at the client's address; past the free ones the pair must wait,
// longer after each further failure (429 with Retry-After). Failures and
// sign-ins are audited.
func (s *Server) loginSubmit(c echo.Context) error {
	who := strings.TrimSpace(c.FormValue("username"))
	v := loginView{Username: who, Next: safeNext(c.FormValue("next"))}
	if who == "" || c.FormValue("password") == "" {
		v.Error = "Enter your username or email address and your password."
		return s.render(c, http.StatusUnprocessableEntity, "login", page{Title: "Sign in", Data: v})
	}
	u := s.dir.users[who]
	if u == nil {
		u = s.dir.emails[who]
	}
	key := unknownUser
	if u != nil {
		key = u.Username
	}
	ctx, addr, now := c.Request().Context(), c.RealIP(), s.now()
	if wait := s.limiter.LockedFor(now, key, addr); wait > 0 {
		return s.tooManyAttempts(c, wait)
	}
	if u == nil || u.PasswordHash == "" || !VerifySecret(c.FormValue("password"), u.PasswordHash) {
		lock := s.limiter.Fail(now, key, addr)
		if err := s.audit(ctx, s.db, AuditEvent{Actor: who, Action: ActionSignInFailed, Detail: "from " + addr}); err != nil {
			return err
		}
		if lock > 0 {
			return s.tooManyAttempts(c, lock)
		}
		v.Error = "Invalid username or password."
		return s.render(c, http.StatusUnauthorized, "login", page{Title: "Sign in", Data: v})
	}
	s.limiter.Succeed(key, addr)
	if err := s.audit(ctx, s.db, AuditEvent{Actor: u.Username, Action: ActionSignIn, Detail: "from " + addr}); err != nil {
		return err
	}
	sess := session(c)
	sess.Values["user"] = u.Username
	sess.Values["csrf"] = newCSRF() // a new token for the new identity
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, v.Next)
}

// tooManyAttempts refuses a locked sign-in, saying for how long.
func (s *Server) tooManyAttempts(c echo.Context, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	when := "a minute"
	if mins := (secs + 59) / 60; mins > 1 {
		when = fmt.Sprintf("%d minutes", mins)
	}
	return echo.NewHTTPError(http.StatusTooManyRequests, "Too many failed sign-in attempts for this account from your address. Please wait "+
		when+", then try again.")
}

// logout answers POST /logout.
func (s *Server) logout(c echo.Context) error {
	sess := session(c)
	delete(sess.Values, "user")
	sess.Values["csrf"] = newCSRF()
	if err := sess.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}
