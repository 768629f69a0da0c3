package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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

// csrf guards every state change (D7, D15). In order: the request must
// come from our own origin (Origin, or Referer without it; browsers send
// one of them with every form); its form must be readable, or the answer
// says what is wrong with it; and it must carry the CSRF token of this
// browser's session, in the _csrf field or, for htmx, the X-CSRF-Token
// header. A token from anyone else's session is refused. Requests with
// neither header (scripts, privacy tools) still need the token.
func (s *Server) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if isSafeMethod(r.Method) {
			return next(c)
		}
		if err := s.checkOrigin(r); err != nil {
			return err
		}
		if err := readForm(c); err != nil {
			return err
		}
		got := r.PostForm.Get("_csrf")
		if got == "" {
			got = r.Header.Get("X-CSRF-Token")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.csrfToken(c))) != 1 {
			if ended, _ := c.Get(ctxEnded).(bool); ended {
				return airlock.Errorf(airlock.EUNAUTHORIZED, "Your session has ended, so nothing was changed. Please sign in again.")
			}
			return airlock.Errorf(airlock.EFORBIDDEN, "This form has expired or did not come from airlock. Please reload the page and try again.")
		}
		return next(c)
	}
}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// errForeignOrigin refuses a state change sent from another site.
var errForeignOrigin = airlock.Errorf(airlock.EFORBIDDEN,
	"Requests from another site are not accepted, so nothing was changed. If you used a form in airlock, reload the page and try again.")

// checkOrigin refuses a state change whose Origin (or, without one, its
// Referer) is not ours. Ours is the configured external URL's origin, or
// the origin the request itself was sent to (scheme and Host): people
// reach a server by more than one name (localhost, 127.0.0.1, a proxy's
// name), and a browser sets Host to where it sends the request, so another
// site can never make the two match. "null" (sandboxed frames, such as
// output files in the preview) is never ours.
func (s *Server) checkOrigin(r *http.Request) error {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return errForeignOrigin
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		origin = r.Header.Get("Referer")
		if origin == "" {
			return nil
		}
	}
	o, err := originOf(origin)
	if err != nil {
		return errForeignOrigin
	}
	if s.ours(o, r) {
		return nil
	}
	return errForeignOrigin
}

// ours reports whether origin o is this server's (see checkOrigin).
func (s *Server) ours(o string, r *http.Request) bool {
	return (s.origin != "" && o == s.origin) || o == s.requestOrigin(r)
}

// originOf returns a URL's origin, lower-cased, without a default port.
func originOf(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if (scheme != "http" && scheme != "https") || host == "" {
		return "", fmt.Errorf("%q is not an http or https URL", raw)
	}
	if (scheme == "http" && strings.HasSuffix(host, ":80")) || (scheme == "https" && strings.HasSuffix(host, ":443")) {
		host = host[:strings.LastIndexByte(host, ':')]
	}
	return scheme + "://" + host, nil
}

// requestOrigin is the origin the request was sent to: https when it came
// over TLS, or through a trusted proxy that says so.
func (s *Server) requestOrigin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || (s.fromTrustedProxy(r) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")) {
		scheme = "https"
	}
	o, _ := originOf(scheme + "://" + r.Host)
	return o
}

// fromTrustedProxy reports whether the request's peer is a trusted proxy.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	for _, p := range s.set.TrustedProxies {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddress finds the client's address: the peer's, unless the peer
// is a trusted proxy, whose X-Forwarded-For is then read from the right up
// to the first address that is not a trusted proxy. Echo would trust
// private and loopback peers by default; here only the configured ones.
func clientAddress(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, n, _ := net.ParseCIDR(p.Masked().String())
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// Limits on a form's body. Real forms of airlock are far below both: the
// largest, adding files, has two fields per file and at most maxBatch
// files.
const (
	maxFormBytes  = 4 << 20
	maxFormFields = 10_000
	// maxFormMemory is how much of a multipart form is kept in memory;
	// files beyond it go to temporary files that net/http removes.
	maxFormMemory = 1 << 20
)

// readForm reads the request's form once, so that a form that cannot be
// read is answered with what is wrong with it (400, 413) instead of
// looking like a missing CSRF token.
func readForm(c echo.Context) error {
	r := c.Request()
	if r.ContentLength > maxFormBytes {
		return errFormTooLarge
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxFormBytes)
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var err error
	switch mediaType {
	case "multipart/form-data":
		err = readMultipart(r, params["boundary"])
	case "application/x-www-form-urlencoded":
		err = readURLEncoded(r)
	default:
		err = r.ParseForm() // other bodies are not forms; the query still is
	}
	return formError(err)
}

// readMultipart reads a multipart body. Go's reader takes a body cut
// short between two parts for a complete one, so a form missing its last
// fields would be acted on; the closing delimiter must be there.
func readMultipart(r *http.Request, boundary string) error {
	if boundary == "" {
		return http.ErrMissingBoundary
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if !bytes.Contains(body, []byte("--"+boundary+"--")) {
		return errFormCutShort
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r.ParseMultipartForm(maxFormMemory)
}

// readURLEncoded reads an urlencoded body, counting its fields first.
func readURLEncoded(r *http.Request) error {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	if bytes.Count(body, []byte("&"))+1 > maxFormFields {
		return errTooManyFields
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return r.ParseForm()
}

// loadUser restores the signed-in user from the server-side session on
// every request (D15): an unknown, ended or idle session (D7) makes the
// request anonymous and removes the cookie. Roles older than RoleRefresh
// are fetched again from the jobs site; when it says the person is gone or
// has no access, every session of theirs ends at once, and a jobs-site
// outage keeps the cached roles only for RoleGrace (D6). The session's
// last use is written at most once per airlock.SessionTouchInterval, not
// on every request.
func (s *Server) loadUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		secret := sessionSecret(c)
		if secret == "" {
			return next(c)
		}
		now := s.now()
		sess, cached, refreshed, err := s.findSignIn(c, secret)
		if airlock.ErrorCode(err) == airlock.ENOTFOUND {
			s.signedOut(c, "")
			return next(c)
		} else if err != nil {
			return err
		}
		if err := sess.Check(now, s.set.SessionIdle); err != nil {
			why := sess.EndReason
			if sess.EndedAt == nil {
				why = airlock.SessionIdle
				if err := s.deps.Sessions.EndSession(ctx(c), sess.ID, why); err != nil {
					return err
				}
			}
			s.signedOut(c, why)
			return next(c)
		}
		c.Set(ctxSession, &liveSession{secret: secret, Session: sess})
		u, err := s.currentRoles(c, sess.Username, cached, refreshed, now)
		if err != nil {
			return err
		}
		if u == nil {
			return next(c) // signed out by currentRoles
		}
		if sess.NeedsTouch(now) {
			if err := s.deps.Sessions.TouchSession(ctx(c), sess.ID, now); err != nil {
				return err
			}
			sess.LastUsedAt = now
			s.setSessionCookie(c, secret, int(s.set.SessionIdle/time.Second))
		}
		c.Set(ctxUser, u)
		return next(c)
	}
}

// currentRoles returns the person's roles, u as the store holds them
// (nil: it holds none) refreshed from the jobs site when older than
// RoleRefresh. It returns nil, having ended the session,
// when the person may no longer be signed in.
func (s *Server) currentRoles(c echo.Context, username string, u *airlock.User, refreshed, now time.Time) (*airlock.User, error) {
	if u == nil {
		return nil, s.endSession(c, airlock.SessionUserUnknown)
	}
	fresh, lost, err := s.refreshRoles(ctx(c), username, u, refreshed, now)
	switch {
	case err != nil:
		return nil, err
	case lost == airlock.SessionAccessRevoked: // every session has ended
		s.signedOut(c, lost)
		return nil, nil
	case lost != "":
		return nil, s.endSession(c, lost)
	}
	return fresh, nil
}

// refreshRoles returns the person's current roles: u while it was
// refreshed within RoleRefresh, else fetched again from the jobs site and
// cached (u is nil for a person never seen, such as an automation
// account's first API call). When the jobs site says the person is gone
// or has no access, every session and API token of theirs ends at once
// and lost is SessionAccessRevoked; when it cannot be asked, cached roles
// stay usable for RoleGrace, then lost is SessionUnconfirmed (D6).
func (s *Server) refreshRoles(c context.Context, username string, u *airlock.User, refreshed, now time.Time) (_ *airlock.User, lost airlock.SessionEnd, _ error) {
	if u != nil && now.Sub(refreshed) <= s.set.RoleRefresh {
		return u, "", nil
	}
	fresh, err := s.deps.Auth.Authorise(c, username)
	switch code := airlock.ErrorCode(err); {
	case err == nil:
		if err := s.deps.Service.SaveUser(c, fresh, now); err != nil {
			return nil, "", err
		}
		return fresh, "", nil
	case code == airlock.EFORBIDDEN || code == airlock.ENOTFOUND || code == airlock.EUNAUTHORIZED:
		n, endErr := s.deps.Sessions.EndUserSessions(c, username, airlock.SessionAccessRevoked)
		if endErr != nil {
			return nil, "", endErr
		}
		k, endErr := s.deps.Tokens.RevokeUserTokens(c, username, airlock.TokenRevokedAccessLost)
		if endErr != nil {
			return nil, "", endErr
		}
		s.log.Info("access revoked by the jobs site; sessions and tokens ended", "user", username, "sessions", n, "tokens", k, "reason", err)
		return nil, airlock.SessionAccessRevoked, nil
	case u == nil:
		return nil, "", err
	case now.Sub(refreshed) > s.set.RoleRefresh+s.set.RoleGrace:
		s.log.Warn("role refresh failed past the grace period", "user", username, "err", err)
		return nil, airlock.SessionUnconfirmed, nil
	default:
		s.log.Warn("role refresh failed; using cached roles", "user", username, "err", err)
		return u, "", nil
	}
}

// access is who may call a route. Finer rules (membership, authorship,
// request state) are the review service's to enforce (D1).
type access int

const (
	accessPublic   access = iota + 1 // anyone, signed in or not
	accessUser                       // any signed-in person
	accessChecker                    // output checkers
	accessReadonly                   // people with read-only access to every workspace
	// The API's rules: a live token of a person with access, whose
	// scopes allow the call.
	accessAPIRead   // any token (every scope includes read)
	accessAPIAuthor // a token with the author scope
	accessAPIReview // a token with the review scope
	accessAPIWrite  // a token with the author or the review scope (comments)
)

// scopes are the token scopes an API rule accepts, nil for other rules.
func (a access) scopes() []airlock.TokenScope {
	switch a {
	case accessAPIRead:
		return []airlock.TokenScope{airlock.ScopeRead}
	case accessAPIAuthor:
		return []airlock.TokenScope{airlock.ScopeAuthor}
	case accessAPIReview:
		return []airlock.TokenScope{airlock.ScopeReview}
	case accessAPIWrite:
		return []airlock.TokenScope{airlock.ScopeAuthor, airlock.ScopeReview}
	}
	return nil
}

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
	case accessAPIRead, accessAPIAuthor, accessAPIReview, accessAPIWrite:
		return "API token: " + (&airlock.APIToken{Scopes: a.scopes()}).ScopeList()
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
			if scopes := a.scopes(); scopes != nil {
				k := currentToken(c)
				if k == nil || currentUser(c) == nil {
					return errNoToken
				}
				if err := k.CheckScope(scopes...); err != nil {
					return err
				}
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
