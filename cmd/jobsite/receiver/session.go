package receiver

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"
)

const sessionName = "jobsite_session"

// Keys of the echo context set by loadSession.
const (
	ctxSession = "jobsite.session"
	ctxUser    = "jobsite.user"
	ctxCSRF    = "jobsite.csrf"
)

// sessionStore builds the cookie store from keys kept in the database, so
// sessions survive restarts.
func (s *Server) sessionStore(ctx context.Context) (*sessions.CookieStore, error) {
	key := make([]byte, 64)
	rand.Read(key)
	if _, err := s.db.ExecContext(ctx, `INSERT OR IGNORE INTO settings (key, value) VALUES ('session_keys', ?)`, key); err != nil {
		return nil, fmt.Errorf("store session keys: %w", err)
	}
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = 'session_keys'`).Scan(&key); err != nil || len(key) != 64 {
		return nil, fmt.Errorf("load session keys: %v", err)
	}
	st := sessions.NewCookieStore(key[:32], key[32:])
	st.Options = &sessions.Options{
		Path: "/", MaxAge: int((8 * time.Hour).Seconds()), HttpOnly: true,
		Secure: s.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
	}
	return st, nil
}

// loadSession reads the page session (a new one if absent or invalid), the
// signed-in person and the session's CSRF token, creating one.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, _ := s.sessions.Get(c.Request(), sessionName)
		csrf, _ := sess.Values["csrf"].(string)
		if csrf == "" {
			csrf = newCSRF()
			sess.Values["csrf"] = csrf
			if err := sess.Save(c.Request(), c.Response()); err != nil {
				return err
			}
		}
		c.Set(ctxSession, sess)
		c.Set(ctxCSRF, csrf)
		name, _ := sess.Values["user"].(string)
		if u := s.dir.users[name]; u != nil {
			c.Set(ctxUser, u)
		}
		return next(c)
	}
}

// checkCSRF refuses a form whose csrf field is not the session's token.
func (s *Server) checkCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		got := c.FormValue("csrf")
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(c))) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "Your form expired. Please reload the page and try again.")
		}
		return next(c)
	}
}

func newCSRF() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// currentUser is the signed-in person, or nil.
func currentUser(c echo.Context) *UserConfig {
	u, _ := c.Get(ctxUser).(*UserConfig)
	return u
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

func session(c echo.Context) *sessions.Session {
	sess, _ := c.Get(ctxSession).(*sessions.Session)
	return sess
}

// flash keeps a message for the next page the person sees.
func flash(c echo.Context, msg string) error {
	sess := session(c)
	sess.Values["flash"] = msg
	return sess.Save(c.Request(), c.Response())
}

// takeFlash returns and forgets the pending message.
func takeFlash(c echo.Context) string {
	sess := session(c)
	if sess == nil {
		return ""
	}
	msg, _ := sess.Values["flash"].(string)
	if msg != "" {
		delete(sess.Values, "flash")
		_ = sess.Save(c.Request(), c.Response())
	}
	return msg
}

// safeNext returns target when it is a path on this site, else "/", so a
// sign-in link can never send anyone elsewhere.
func safeNext(target string) string {
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.ContainsAny(target, "\\\r\n") {
		return "/"
	}
	if u, err := url.Parse(target); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return target
}
