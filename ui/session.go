package ui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// Two cookies, both HttpOnly, SameSite=Lax and Secure over https (D7):
//
//   - sessionCookie holds only a random 256-bit secret. The session itself
//     (who, since when, last used, ended) is a row on the server keyed by
//     the secret's SHA-256 (D15), so signing out, losing access and "sign
//     out everywhere" end it at once, and nothing in the database can be
//     replayed as a cookie. It is a plain cookie rather than a securecookie:
//     signing a random value adds nothing when the server looks it up.
//   - browserCookie is a gorilla/sessions signed and encrypted cookie for
//     what belongs to the browser rather than to a person: the messages for
//     the next page, and the CSRF secret of the sign-in form, which is
//     shown before there is a session.
const (
	sessionCookie = "airlock_session"
	browserCookie = "airlock_browser"
	keyAnonCSRF   = "csrf" // browser cookie: the CSRF secret before sign-in
	ctxUser       = "airlock.user"
	ctxSession    = "airlock.session" // *liveSession
	ctxBrowser    = "airlock.browser" // *sessions.Session
	ctxEnded      = "airlock.ended"   // the session cookie named a session that has ended
)

// liveSession is the request's signed-in session and the secret its
// browser holds.
type liveSession struct {
	secret string
	*airlock.Session
}

// flash is one message shown once on the next page.
type flash struct {
	Level string // info, success, warning, error
	Text  string
}

// maxFlashes bounds the flashes kept in the cookie; the rest are summarised.
const maxFlashes = 12

// newBrowserStore builds the browser cookie's store once from the
// configured keys. The cookie lasts as long as the browser session; its
// signature is valid for a day, long enough for a sign-in page left open.
func newBrowserStore(keys [][]byte, set Settings) *sessions.CookieStore {
	st := sessions.NewCookieStore(keys...)
	st.MaxAge(24 * 60 * 60)
	st.Options = &sessions.Options{Path: "/", HttpOnly: true, Secure: set.secure(), SameSite: http.SameSiteLaxMode}
	return st
}

// browser returns the request's browser cookie, decoding it once. A
// cookie that fails to decode (old keys, tampering) yields an empty one.
func (s *Server) browser(c echo.Context) *sessions.Session {
	if v, ok := c.Get(ctxBrowser).(*sessions.Session); ok {
		return v
	}
	b, err := s.browserStore.Get(c.Request(), browserCookie)
	if err != nil {
		b, _ = s.browserStore.New(c.Request(), browserCookie)
	}
	c.Set(ctxBrowser, b)
	return b
}

// browserChanged saves the browser cookie once, just before the response
// is written, however often the handler changed it.
func (s *Server) browserChanged(c echo.Context) {
	const key = "airlock.browser_dirty"
	if c.Get(key) != nil {
		return
	}
	c.Set(key, true)
	c.Response().Before(func() {
		if err := s.browser(c).Save(c.Request(), c.Response()); err != nil {
			s.log.Warn("could not save the browser cookie", "err", err)
		}
	})
}

// addFlash queues a message for the next page; past maxFlashes the rest
// are counted in a final line so the cookie stays small.
func (s *Server) addFlash(c echo.Context, level, text string) {
	b := s.browser(c)
	existing, _ := b.Values["_flash"].([]any)
	switch {
	case len(existing) < maxFlashes-1:
		b.AddFlash(level + "|" + text)
	case len(existing) == maxFlashes-1:
		b.AddFlash("info|More messages were left out.")
	default:
		return
	}
	s.browserChanged(c)
}

// takeFlashes removes and returns the queued flashes.
func (s *Server) takeFlashes(c echo.Context) []flash {
	raw := s.browser(c).Flashes()
	if len(raw) == 0 {
		return nil
	}
	out := make([]flash, 0, len(raw))
	for _, r := range raw {
		str, _ := r.(string)
		level, text, ok := strings.Cut(str, "|")
		if !ok {
			level, text = "info", str
		}
		out = append(out, flash{Level: level, Text: text})
	}
	s.browserChanged(c)
	return out
}

// currentUser returns the signed-in user, or nil.
func currentUser(c echo.Context) *airlock.User {
	u, _ := c.Get(ctxUser).(*airlock.User)
	return u
}

// currentSession returns the signed-in session, or nil.
func currentSession(c echo.Context) *liveSession {
	l, _ := c.Get(ctxSession).(*liveSession)
	return l
}

// newSecret returns 256 random bits, URL-safe.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionSecret is the secret the request's session cookie carries, or "".
func sessionSecret(c echo.Context) string {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || len(ck.Value) > 64 {
		return ""
	}
	return ck.Value
}

// setSessionCookie gives the browser its session secret; maxAge < 0
// removes it. It is sent again when the session is touched, so the
// browser keeps it as long as the server does (sliding expiry).
func (s *Server) setSessionCookie(c echo.Context, secret string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: secret, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.set.secure(), SameSite: http.SameSiteLaxMode})
}

// startSession signs the browser in as u: any session it had ends, and a
// new one, with a new secret, starts (so a secret planted before sign-in
// is worth nothing afterwards).
func (s *Server) startSession(c echo.Context, u *airlock.User, address string) error {
	if old := currentSession(c); old != nil {
		if err := s.deps.Sessions.EndSession(ctx(c), old.ID, airlock.SessionReplaced); err != nil {
			return err
		}
	}
	now := s.now()
	if n, err := s.deps.Sessions.PruneSessions(ctx(c), now.Add(-s.set.SessionIdle)); err != nil {
		s.log.Warn("could not prune idle sessions", "err", err)
	} else if n > 0 {
		s.log.Info("pruned idle sessions", "count", n)
	}
	secret := newSecret()
	sess := &airlock.Session{ID: airlock.SessionID(secret), Username: u.Username, CreatedAt: now, LastUsedAt: now}
	if err := s.deps.Sessions.StartSession(ctx(c), sess, address); err != nil {
		return err
	}
	s.setSessionCookie(c, secret, int(s.set.SessionIdle/time.Second))
	c.Set(ctxSession, &liveSession{secret: secret, Session: sess})
	c.Set(ctxUser, u)
	return nil
}

// endSession ends the request's session for why, removes the cookie and
// tells the person on the next page.
func (s *Server) endSession(c echo.Context, why airlock.SessionEnd) error {
	if l := currentSession(c); l != nil {
		if err := s.deps.Sessions.EndSession(ctx(c), l.ID, why); err != nil {
			return err
		}
	}
	s.signedOut(c, why)
	return nil
}

// signedOut makes the rest of the request anonymous: the cookie is
// removed, the person is told why on the next page, and a POST that came
// with the ended session is answered "your session has ended".
func (s *Server) signedOut(c echo.Context, why airlock.SessionEnd) {
	s.setSessionCookie(c, "", -1)
	c.Set(ctxSession, nil)
	c.Set(ctxUser, nil)
	c.Set(ctxEnded, true)
	level := "warning"
	if why == airlock.SessionSignedOut || why == airlock.SessionEverywhere {
		level = "info"
	}
	s.addFlash(c, level, why.Message())
}

// csrfToken returns the request's CSRF token for forms and htmx. It is
// derived from the browser's secret, the session's once signed in, so it
// belongs to one session only (D15); before sign-in it comes from a
// secret kept in the browser cookie, created on first use.
func (s *Server) csrfToken(c echo.Context) string {
	if l := currentSession(c); l != nil {
		return csrfTokenOf(l.secret)
	}
	b := s.browser(c)
	secret, _ := b.Values[keyAnonCSRF].(string)
	if secret == "" {
		secret = newSecret()
		b.Values[keyAnonCSRF] = secret
		s.browserChanged(c)
	}
	return csrfTokenOf(secret)
}

// csrfTokenOf derives a CSRF token from a secret. The token reveals
// nothing of the secret, so a page's HTML never holds the session cookie.
func csrfTokenOf(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("airlock csrf token v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
