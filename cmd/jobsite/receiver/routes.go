package receiver

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// access is the coarse rule of a route. Rules that depend on a project
// (who may see released outputs, create drafts, publish, edit) are checked
// by the handlers through can, and every route's outcome per role is pinned
// by the permission matrix test.
type access int

const (
	// accessPublic routes are open to anyone; pages still read the session
	// to know who is looking.
	accessPublic access = iota
	// accessUser routes need a signed-in person: a page sends others to
	// sign in, a form is refused with 403.
	accessUser
	// accessBackend routes are the API airlock calls with its backend
	// token; the handler checks the token in the contract's order.
	accessBackend
)

// routes registers every route of the jobs site, with its method and rule,
// in this one file.
func (s *Server) routes() {
	e := s.echo
	e.Use(middleware.Recover(), securityHeaders)

	// The API airlock calls (jobsite-api.md §10). No trailing slashes
	// except on events.
	s.api(http.MethodPost, "/api/v2/releases/authenticate", accessBackend, s.handleAuthenticate)
	s.api(http.MethodPost, "/api/v2/releases/authorise", accessBackend, s.handleAuthorise)
	s.api(http.MethodPost, "/api/v2/releases/workspace/:workspace", accessBackend, s.handleReleaseCreate)
	s.api(http.MethodPost, "/api/v2/releases/release/:release", accessBackend, s.handleFileUpload)
	s.api(http.MethodPost, "/api/v2/airlock/events/", accessBackend, s.handleEvent)

	// The read API (§9.2), for people signed in to these pages.
	s.page(http.MethodGet, "/api/v2/releases/workspace/:workspace", accessPublic, s.apiLatestIndex)
	s.page(http.MethodGet, "/api/v2/releases/release/:release", accessPublic, s.apiReleaseIndex)
	s.page(http.MethodGet, "/api/v2/releases/file/:file", accessPublic, s.apiFileShow)
	s.page(http.MethodGet, "/api/v2/workspaces/:workspace/snapshots/:snapshot", accessPublic, s.apiSnapshotIndex)

	// Pages: home, sign-in and settings.
	s.page(http.MethodGet, "/", accessPublic, s.home)
	s.page(http.MethodGet, "/static/style.css", accessPublic, s.style)
	s.page(http.MethodGet, "/login", accessPublic, s.loginShow)
	s.page(http.MethodPost, "/login", accessPublic, s.loginSubmit)
	s.page(http.MethodPost, "/logout", accessUser, s.logout)
	s.page(http.MethodGet, "/settings", accessUser, s.settingsShow)
	s.page(http.MethodPost, "/settings/token", accessUser, s.tokenCreate)

	// Projects.
	s.page(http.MethodGet, "/projects/", accessPublic, s.projectIndex)
	s.page(http.MethodGet, "/projects/:project/", accessPublic, s.projectShow)
	s.page(http.MethodGet, "/projects/:project/edit", accessUser, s.projectEdit)
	s.page(http.MethodPost, "/projects/:project/edit", accessUser, s.projectUpdate)

	// Workspaces and the four stages of their releases.
	s.page(http.MethodGet, "/workspaces/:workspace/", accessPublic, s.workspaceShow)
	s.page(http.MethodGet, "/workspaces/:workspace/edit", accessUser, s.workspaceEdit)
	s.page(http.MethodPost, "/workspaces/:workspace/edit", accessUser, s.workspaceUpdate)
	s.page(http.MethodGet, "/workspaces/:workspace/releases/", accessPublic, s.releaseIndex)
	s.page(http.MethodGet, "/workspaces/:workspace/releases/:release/", accessPublic, s.releaseShow)
	s.page(http.MethodPost, "/workspaces/:workspace/releases/:release/files/:file/delete", accessUser, s.fileDelete)
	s.page(http.MethodGet, "/workspaces/:workspace/outputs/latest/", accessPublic, s.outputsLatest)
	s.page(http.MethodPost, "/workspaces/:workspace/outputs/", accessUser, s.draftCreate)
	s.page(http.MethodGet, "/workspaces/:workspace/outputs/:snapshot/", accessPublic, s.snapshotShow)
	s.page(http.MethodPost, "/workspaces/:workspace/outputs/:snapshot/publish", accessUser, s.snapshotPublish)

	// Released files, as bytes and as a page with a preview: for those who
	// may see them, and published ones for everyone.
	s.page(http.MethodGet, "/files/:file", accessPublic, s.fileShow)
	s.page(http.MethodGet, "/files/:file/view", accessPublic, s.fileViewShow)
	s.page(http.MethodGet, "/published/:file", accessPublic, s.publishedShow)
}

// api registers a route of the API airlock calls: no session, no CSRF
// (the backend token authenticates the caller).
func (s *Server) api(method, path string, a access, h echo.HandlerFunc) {
	s.echo.Add(method, path, h)
	s.rules[method+" "+path] = a
}

// page registers a route that reads the page session; forms (POST) also
// need the session's CSRF token.
func (s *Server) page(method, path string, a access, h echo.HandlerFunc) {
	mws := []echo.MiddlewareFunc{s.loadSession}
	if method == http.MethodPost {
		mws = append(mws, middleware.BodyLimit("1M"), s.checkCSRF)
	}
	mws = append(mws, require(a))
	s.echo.Add(method, path, h, mws...)
	s.rules[method+" "+path] = a
}

// securityHeaders are sent with every answer.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// require enforces a route's coarse rule.
func require(a access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a == accessUser && currentUser(c) == nil {
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, signInURL(c))
				}
				return echo.NewHTTPError(http.StatusForbidden, "Please sign in first.")
			}
			return next(c)
		}
	}
}

// signInURL is the sign-in page, returning to the current page afterwards.
func signInURL(c echo.Context) string {
	return "/login?next=" + url.QueryEscape(safeNext(c.Request().URL.RequestURI()))
}
