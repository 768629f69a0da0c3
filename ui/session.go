package ui

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

const (
	sessionCookie = "airlock_session"
	keyUser       = "user"  // username of the signed-in person
	keyLogin      = "login" // unix seconds of sign-in
	keySeen       = "seen"  // unix seconds of the last request
	ctxUser       = "airlock.user"
	ctxSession    = "airlock.session"
)

// flash is one message shown once on the next page.
type flash struct {
	Level string // info, success, warning, error
	Text  string
}

// maxFlashes bounds the flashes kept in the cookie; the rest are summarised.
const maxFlashes = 12

// newSessionStore builds the cookie store once from the configured keys,
// hardened: HttpOnly, SameSite=Lax, Secure on https (D7).
func newSessionStore(keys [][]byte, set Settings) *sessions.CookieStore {
	st := sessions.NewCookieStore(keys...)
	st.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(set.SessionIdle / time.Second),
		HttpOnly: true,
		Secure:   set.secure(),
		SameSite: http.SameSiteLaxMode,
	}
	st.MaxAge(st.Options.MaxAge)
	return st
}

// session returns the request's session, decoding it once. A cookie that
// fails to decode (old keys, tampering) yields a fresh, empty session.
func (s *Server) session(c echo.Context) *sessions.Session {
	if v, ok := c.Get(ctxSession).(*sessions.Session); ok {
		return v
	}
	sess, err := s.sessions.Get(c.Request(), sessionCookie)
	if err != nil {
		sess, _ = s.sessions.New(c.Request(), sessionCookie)
	}
	c.Set(ctxSession, sess)
	return sess
}

// saveSession writes the session cookie.
func (s *Server) saveSession(c echo.Context) error {
	return s.session(c).Save(c.Request(), c.Response())
}

// addFlash queues a message for the next page. Flashes are stored in the
// cookie as "level|text" strings; past maxFlashes the rest are counted in a
// final line so the cookie stays small. The session was saved before the
// handler ran, so it is saved again here: the last Set-Cookie wins.
func (s *Server) addFlash(c echo.Context, level, text string) {
	sess := s.session(c)
	existing, _ := sess.Values["_flash"].([]any)
	switch {
	case len(existing) < maxFlashes-1:
		sess.AddFlash(level + "|" + text)
	case len(existing) == maxFlashes-1:
		sess.AddFlash("info|More messages were left out.")
	default:
		return
	}
	if err := s.saveSession(c); err != nil {
		s.log.Warn("could not save a message for the next page", "err", err)
	}
}

// takeFlashes removes and returns the queued flashes.
func (s *Server) takeFlashes(c echo.Context) []flash {
	sess := s.session(c)
	raw := sess.Flashes()
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
	_ = s.saveSession(c)
	return out
}

// currentUser returns the signed-in user, or nil.
func currentUser(c echo.Context) *airlock.User {
	u, _ := c.Get(ctxUser).(*airlock.User)
	return u
}

// loginLimiter counts failed sign-ins per username and per client address
// in memory and refuses more than max within window.
type loginLimiter struct {
	mu       sync.Mutex
	max      int
	window   time.Duration
	failures map[string][]time.Time
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, failures: map[string][]time.Time{}}
}

func limiterKeys(username, addr string) []string {
	return []string{"u:" + strings.ToLower(strings.TrimSpace(username)), "a:" + addr}
}

// blocked reports whether either key has reached the limit at now.
func (l *loginLimiter) blocked(now time.Time, username, addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range limiterKeys(username, addr) {
		if len(l.prune(k, now)) >= l.max {
			return true
		}
	}
	return false
}

// fail records a failed attempt for both keys.
func (l *loginLimiter) fail(now time.Time, username, addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range limiterKeys(username, addr) {
		l.failures[k] = append(l.prune(k, now), now)
	}
	if len(l.failures) > 100_000 { // bound memory under a flood of distinct names
		for k := range l.failures {
			if len(l.prune(k, now)) == 0 {
				delete(l.failures, k)
			}
		}
	}
}

// succeed forgets the username's failures.
func (l *loginLimiter) succeed(username string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, limiterKeys(username, "")[0])
}

func (l *loginLimiter) prune(k string, now time.Time) []time.Time {
	ts := l.failures[k]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.failures, k)
		return nil
	}
	l.failures[k] = ts
	return ts
}
