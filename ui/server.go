// Package ui is the web application: Echo routes, handlers, middleware,
// templates and static files. Every rule lives in the review service; this
// package asks it, shows the answer and never decides on its own (D1).
package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/markdown"
	"github.com/airlock-project/airlock/ui/preview"
)

// Settings are the web application's tunable values. Zero values take the
// defaults of DefaultSettings.
type Settings struct {
	// ExternalURL is the URL people use to reach airlock; an https URL
	// makes every cookie Secure.
	ExternalURL string
	// SessionIdle ends a session after this long without a request (D7).
	SessionIdle time.Duration
	// RoleRefresh is how old cached roles may get before they are fetched
	// again from the jobs site (D6).
	RoleRefresh time.Duration
	// RoleGrace is how long past RoleRefresh cached roles stay usable while
	// the jobs site cannot be reached; after that the session ends (D6).
	RoleGrace time.Duration
	// LoginFailures consecutive failed sign-ins of one user from one
	// address lock that user at that address for LoginBackoff; each
	// further failure doubles the lock, up to LoginBackoffMax. Nobody
	// else is ever locked out by them.
	LoginFailures   int
	LoginBackoff    time.Duration
	LoginBackoffMax time.Duration
	// BackendName is shown in the header (for example "test backend").
	BackendName string
	// JobsiteURL is linked from the sign-in page, where people get tokens.
	JobsiteURL string
	// TrustedProxies are the addresses of reverse proxies whose
	// X-Forwarded-For (client address) and X-Forwarded-Proto headers are
	// believed. None by default: a client could write any address there.
	TrustedProxies []netip.Prefix
	// APIRate is how many API calls a second one token may make, in
	// bursts of up to APIBurst.
	APIRate  float64
	APIBurst int
}

// DefaultSettings returns the settings used for zero fields.
func DefaultSettings() Settings {
	return Settings{
		SessionIdle:     14 * 24 * time.Hour,
		RoleRefresh:     15 * time.Minute,
		RoleGrace:       time.Hour,
		LoginFailures:   5,
		LoginBackoff:    time.Minute,
		LoginBackoffMax: time.Hour,
		BackendName:     "airlock",
		APIRate:         10,
		APIBurst:        50,
	}
}

func (s Settings) withDefaults() Settings {
	d := DefaultSettings()
	if s.SessionIdle <= 0 {
		s.SessionIdle = d.SessionIdle
	}
	if s.RoleRefresh <= 0 {
		s.RoleRefresh = d.RoleRefresh
	}
	if s.RoleGrace <= 0 {
		s.RoleGrace = d.RoleGrace
	}
	if s.LoginFailures <= 0 {
		s.LoginFailures = d.LoginFailures
	}
	if s.LoginBackoff <= 0 {
		s.LoginBackoff = d.LoginBackoff
	}
	if s.LoginBackoffMax < s.LoginBackoff {
		s.LoginBackoffMax = max(d.LoginBackoffMax, s.LoginBackoff)
	}
	if s.BackendName == "" {
		s.BackendName = d.BackendName
	}
	if s.APIRate <= 0 {
		s.APIRate = d.APIRate
	}
	if s.APIBurst <= 0 {
		s.APIBurst = d.APIBurst
	}
	return s
}

// secure reports whether cookies must be Secure.
func (s Settings) secure() bool {
	u, err := url.Parse(s.ExternalURL)
	return err == nil && u.Scheme == "https"
}

// Deps are everything the web application needs, passed in by cmd/airlock.
type Deps struct {
	// Service is the review workflow (review.Service).
	Service Service
	// Auth checks sign-ins and refreshes roles.
	Auth Authenticator
	// Sessions keeps the signed-in sessions (D15), with their audit events.
	Sessions airlock.SessionStore
	// Tokens keeps the API tokens; nil uses Sessions when it keeps
	// tokens too (as the SQLite store does).
	Tokens airlock.TokenStore
	// SessionKeys are gorilla/securecookie key pairs for the browser
	// cookie (messages for the next page, the sign-in form's CSRF secret):
	// a 32 or 64 byte hash key, then optionally a 16/24/32 byte encryption
	// key; older pairs may follow for key rotation.
	SessionKeys [][]byte
	// Settings tunes sessions, role refresh and rate limits.
	Settings Settings
	// Logger receives one structured line per request and every 5xx error.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Viewer renders file contents for the preview frame; nil uses a
	// preview engine (NewPreview) with the default options.
	Viewer Viewer
}

// Server is the web application. It is an http.Handler.
type Server struct {
	deps         Deps
	set          Settings
	log          *slog.Logger
	now          func() time.Time
	echo         *echo.Echo
	tmpl         *templates
	static       *staticFiles
	browserStore *sessions.CookieStore
	limiter      *airlock.SignInLimiter
	// origin is the external URL's scheme://host[:port], the origin
	// state changes must come from (besides the request's own host).
	origin string
	rules  map[string]access // "METHOD path" → who may call it
	md     *markdown.Renderer
	viewer Viewer
	// apiLimiter rate-limits API calls per token.
	apiLimiter echo.MiddlewareFunc
	// pages holds rendered pages to send again while nothing they read
	// has changed (cached).
	pages *pageCache
	// signIns are sessions as last read, while the store is unchanged.
	signIns *signInMemo
}

// NewServer builds the web application: templates are parsed, static files
// hashed and routes registered once. It fails if no session hash key of at
// least 32 bytes is given or the embedded templates or static files are
// broken, so startup stops with the reason.
func NewServer(deps Deps) (*Server, error) {
	if len(deps.SessionKeys) == 0 || len(deps.SessionKeys[0]) < 32 {
		return nil, errors.New("ui: a session hash key of at least 32 bytes is required")
	}
	if deps.Sessions == nil {
		return nil, errors.New("ui: a session store is required")
	}
	if deps.Tokens == nil {
		ts, ok := deps.Sessions.(airlock.TokenStore)
		if !ok {
			return nil, errors.New("ui: a token store is required")
		}
		deps.Tokens = ts
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	s := &Server{
		deps:    deps,
		set:     deps.Settings.withDefaults(),
		log:     deps.Logger,
		now:     deps.Now,
		rules:   map[string]access{},
		md:      markdown.New(),
		viewer:  deps.Viewer,
		pages:   newPageCache(pageCacheBytes),
		signIns: newSignInMemo(),
	}
	var err error
	if s.viewer == nil {
		if s.viewer, err = NewPreview(preview.Options{}); err != nil {
			return nil, err
		}
	}
	if s.static, err = loadStatic(assets); err != nil {
		return nil, err
	}
	if s.tmpl, err = parseTemplates(assets, s.funcs()); err != nil {
		return nil, err
	}
	s.browserStore = newBrowserStore(deps.SessionKeys, s.set)
	s.limiter = airlock.NewSignInLimiter(s.set.LoginFailures, s.set.LoginBackoff, s.set.LoginBackoffMax)
	if s.set.ExternalURL != "" {
		if s.origin, err = originOf(s.set.ExternalURL); err != nil {
			return nil, fmt.Errorf("ui: external URL: %w", err)
		}
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = clientAddress(s.set.TrustedProxies)
	e.HTTPErrorHandler = s.handleError
	s.echo = e
	s.apiLimiter = s.newAPILimiter()
	s.routes()
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes returns the registered routes as "METHOD path", for tests.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// funcs are the helpers templates may call.
func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static":     s.static.URL,
		"markdown":   func(text string) template.HTML { return s.md.Render(text) },
		"date":       formatDate,
		"datetime":   formatDateTime,
		"size":       formatSize,
		"shortid":    airlock.ShortID,
		"pathjoin":   joinURLPath,
		"escapepath": escapePath,
		"breakpath":  breakPath,
		"dict":       dict,
		"list":       func(v ...any) []any { return v },
		"errmsg":     airlock.ErrorMessage,
		"plural":     plural,
		"groupurl":   groupURL,
		"fileurl":    fileURL,
		"lower":      strings.ToLower,
		"hasprefix":  strings.HasPrefix,
		"add": func(n ...int) int {
			t := 0
			for _, x := range n {
				t += x
			}
			return t
		},
		"action":           func(key string) requestAction { return requestActions()[key] },
		"person":           personHTML,
		"duration":         duration,
		"ago":              func(v any) string { return ago(s.now(), v) },
		"markhtml":         s.markHTML,
		"marklabel":        s.markLabelHTML,
		"flagcount":        flagCountHTML,
		"requesttreefiles": s.requestTreeFiles,
		"treenodes":        s.treeNodesHTML,
	}
}

// context returns the request's context; handlers pass it to every I/O call.
func ctx(c echo.Context) context.Context { return c.Request().Context() }
