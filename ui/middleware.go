package ui

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/preview"
)

// pageCSP is the Content-Security-Policy of every application page: no
// inline script or style anywhere, frames only from our own origin.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

// contentCSP is the policy of file-content responses (D8): a sandbox
// without scripts, so an output file can never run code on our origin,
// even when opened in a new tab.
const contentCSP = preview.SandboxCSP

const ctxRequestID = "airlock.request_id"

// requestID gives each request an id, echoed in the X-Request-Id header and
// in the log line, so a person can quote it when something goes wrong.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		c.Set(ctxRequestID, id)
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// logRequests writes one structured line per request. Errors are handed to
// the error handler here so the logged status is the one sent.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		user := ""
		if u := currentUser(c); u != nil {
			user = u.Username
		}
		level := slog.LevelInfo
		if c.Response().Status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("request_id", c.Get(ctxRequestID).(string)),
			slog.String("user", user),
			slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path),
			slog.Int("status", c.Response().Status),
			slog.Duration("latency", time.Since(start)),
		)
		return nil
	}
}

// securityHeaders sets the page headers on every response; content
// handlers replace the CSP and frame options with their own.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		// Pages show what one person may see: never kept by the browser
		// or a proxy. File content and static files set their own caching.
		h.Set("Cache-Control", "no-store")
		return next(c)
	}
}

// setContentHeaders marks a response as file content (D8).
func setContentHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", contentCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("X-Content-Type-Options", "nosniff")
}

// csrf requires the synchronizer token on every state-changing request.
// Echo would accept a same-origin Sec-Fetch-Site header instead of the
// token; we refuse cross-site requests outright and then always demand
// the token, so every POST carries one whatever the browser.
func (s *Server) csrf() echo.MiddlewareFunc {
	mw := middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup:    "form:_csrf,header:X-CSRF-Token",
		CookieName:     "airlock_csrf",
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSecure:   s.set.secure(),
		CookieSameSite: http.SameSiteLaxMode,
		ContextKey:     "csrf",
		ErrorHandler: func(error, echo.Context) error {
			return airlock.Errorf(airlock.EFORBIDDEN, "This form has expired or did not come from airlock. Please reload the page and try again.")
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := mw(next)
		return func(c echo.Context) error {
			r := c.Request()
			if r.Header.Get(echo.HeaderSecFetchSite) == "cross-site" && !isSafeMethod(r.Method) {
				return airlock.Errorf(airlock.EFORBIDDEN, "Requests from other sites are not accepted.")
			}
			r.Header.Del(echo.HeaderSecFetchSite)
			return h(c)
		}
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// csrfToken returns the request's CSRF token for forms.
func csrfToken(c echo.Context) string {
	t, _ := c.Get("csrf").(string)
	return t
}

// loadUser restores the signed-in user from the session on every request:
// it ends sessions idle for longer than SessionIdle (D7), refreshes roles
// older than RoleRefresh from the jobs site, ends the session when the jobs
// site says the person is gone or has no access, and keeps cached roles
// through a jobs-site outage only for RoleGrace (D6). The session's
// last-seen time is renewed on every request (sliding expiry).
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess := s.session(c)
		username, _ := sess.Values[keyUser].(string)
		if username == "" {
			return next(c)
		}
		now := s.now()
		seen, _ := sess.Values[keySeen].(int64)
		if now.Sub(time.Unix(seen, 0)) > s.set.SessionIdle {
			s.endSession(c, "warning", "Your session expired after a period without use. Please sign in again.")
			return next(c)
		}
		u, refreshed, err := s.deps.Service.User(ctx(c), username)
		if err != nil {
			if airlock.ErrorCode(err) == airlock.ENOTFOUND {
				s.endSession(c, "warning", "Please sign in again.")
				return next(c)
			}
			return err
		}
		if now.Sub(refreshed) > s.set.RoleRefresh {
			fresh, err := s.deps.Auth.Authorise(ctx(c), username)
			switch code := airlock.ErrorCode(err); {
			case err == nil:
				if err := s.deps.Service.SaveUser(ctx(c), fresh, now); err != nil {
					return err
				}
				u = fresh
			case code == airlock.EFORBIDDEN || code == airlock.ENOTFOUND || code == airlock.EUNAUTHORIZED:
				s.log.Info("access revoked by jobs site", "user", username, "err", err)
				s.endSession(c, "warning", "Your access to airlock has ended. If you think this is a mistake, contact your project's team.")
				return next(c)
			default:
				if now.Sub(refreshed) > s.set.RoleRefresh+s.set.RoleGrace {
					s.log.Warn("role refresh failed past grace period", "user", username, "err", err)
					s.endSession(c, "warning", "We could not confirm your access with the jobs site for too long, so you have been signed out. Please sign in again later.")
					return next(c)
				}
				s.log.Warn("role refresh failed; using cached roles", "user", username, "err", err)
			}
		}
		sess.Values[keySeen] = now.Unix()
		if err := s.saveSession(c); err != nil {
			return err
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// endSession signs the person out, keeping only a flash explaining why.
func (s *Server) endSession(c echo.Context, level, msg string) {
	sess := s.session(c)
	for k := range sess.Values {
		delete(sess.Values, k)
	}
	if msg != "" {
		s.addFlash(c, level, msg)
	}
	_ = s.saveSession(c)
}

// access is who may call a route. Finer rules (membership, authorship,
// request state) are the review service's to enforce (D1).
type access int

const (
	accessPublic   access = iota + 1 // anyone, signed in or not
	accessUser                       // any signed-in person
	accessChecker                    // output checkers
	accessReadonly                   // people with read-only access to every workspace
)

func (a access) String() string {
	switch a {
	case accessPublic:
		return "public"
	case accessUser:
		return "user"
	case accessChecker:
		return "output checker"
	case accessReadonly:
		return "read-only"
	}
	return "unknown"
}

// require enforces a route's access rule.
func require(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a == accessPublic {
				return next(c)
			}
			u := currentUser(c)
			if u == nil {
				return airlock.Errorf(airlock.EUNAUTHORIZED, "Please sign in to continue.")
			}
			switch a {
			case accessChecker:
				if !u.OutputChecker {
					return airlock.Errorf(airlock.EFORBIDDEN, "Only output checkers can see the review queue.")
				}
			case accessReadonly:
				if !u.ReadonlyAccess {
					return airlock.Errorf(airlock.EFORBIDDEN, "Only people with read-only access to every workspace can list all workspaces.")
				}
			}
			return next(c)
		}
	}
}
