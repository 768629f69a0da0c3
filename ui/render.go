package ui

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

// view is what every page template receives: the chrome (user, nav, flash
// messages, CSRF token, demo switcher) and the page's own data in Page.
type view struct {
	Title     string
	User      *airlock.User
	CSRF      string
	Flashes   []flash
	Nav       []navItem
	Demo      *demoMenu // the DEMO MODE switcher; nil outside demo mode
	Path      string
	Backend   string
	RequestID string
	Page      any
}

// demoMenu is the DEMO MODE user switcher of every page in demo mode.
type demoMenu struct {
	Users []demoPerson
	File  string // where the demo users are read from, if known
	Error string // why they could not be listed
}

// demoPerson is one sign-in of the switcher: a username, never a token.
type demoPerson struct {
	Username, DisplayName, Roles string
}

// demoMenu lists the demo users for the switcher, or returns nil when this
// server is not in demo mode.
func (s *Server) demoMenu(c echo.Context) *demoMenu {
	d, ok := s.deps.Auth.(DemoSwitcher)
	if !ok {
		return nil
	}
	m := &demoMenu{}
	if p, ok := d.(interface{ Path() string }); ok {
		m.File = p.Path()
	}
	users, err := d.DemoUsers(ctx(c))
	if err != nil {
		s.log.Warn("cannot list the demo users", "err", err)
		m.Error = airlock.ErrorMessage(err)
	}
	for _, u := range users {
		m.Users = append(m.Users, demoPerson{Username: u.Username, DisplayName: u.DisplayName(), Roles: u.RoleSummary()})
	}
	return m
}

// navItem is one entry of the header navigation.
type navItem struct {
	Label   string
	URL     string
	Current bool
}

// nav returns the header entries the user may use, marking the current one.
func nav(u *airlock.User, path string) []navItem {
	if u == nil {
		return nil
	}
	items := []navItem{{Label: "Workspaces & requests", URL: "/workspaces/"}}
	if u.ReadonlyAccess {
		items = append(items, navItem{Label: "All workspaces", URL: "/workspaces/all/"})
	}
	if len(u.CopilotedWorkspaces) > 0 {
		items = append(items, navItem{Label: "Copiloted workspaces", URL: "/copiloted-workspaces/"})
	}
	if u.OutputChecker {
		items = append(items, navItem{Label: "Reviews", URL: "/reviews/"})
	}
	best := -1
	for i, it := range items {
		if strings.HasPrefix(path, it.URL) && (best < 0 || len(it.URL) > len(items[best].URL)) {
			best = i
		}
	}
	if best >= 0 {
		items[best].Current = true
	}
	return items
}

// newView builds the chrome for a page.
func (s *Server) newView(c echo.Context, title string, page any) *view {
	u := currentUser(c)
	v := &view{
		Title:   title,
		User:    u,
		CSRF:    s.csrfToken(c),
		Flashes: s.takeFlashes(c),
		Nav:     nav(u, c.Request().URL.Path),
		Path:    c.Request().URL.RequestURI(),
		Backend: s.set.BackendName,
		Page:    page,
	}
	v.RequestID, _ = c.Get(ctxRequestID).(string)
	v.Demo = s.demoMenu(c)
	return v
}

// render renders a whole page with status 200.
func (s *Server) render(c echo.Context, page, title string, data any) error {
	return s.renderStatus(c, http.StatusOK, page, title, data)
}

// renderStatus renders a whole page, then sends it.
func (s *Server) renderStatus(c echo.Context, status int, page, title string, data any) error {
	return s.tmpl.page(htmlResponse{c, status}, page, s.newView(c, title, data))
}

// renderFragment renders one named template of a page for htmx.
func (s *Server) renderFragment(c echo.Context, page, name string, data any) error {
	return s.tmpl.fragment(htmlResponse{c, http.StatusOK}, page, name, data)
}

// htmlResponse sends the page the templates rendered into their buffer,
// with its status and headers, at the first write: templates write only
// once a page rendered whole, so an error still gets its own answer.
type htmlResponse struct {
	c      echo.Context
	status int
}

func (w htmlResponse) Write(p []byte) (int, error) {
	r := w.c.Response()
	if !r.Committed {
		r.Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
		r.Header().Set("Vary", "HX-Request")
		r.WriteHeader(w.status)
	}
	return r.Write(p)
}

// isHTMX reports whether the request came from htmx.
func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// redirectBack sends the browser to next after a POST (redirect-after-post).
func redirectBack(c echo.Context, next string) error {
	next = safeNext(next, "/workspaces/")
	if isHTMX(c) {
		c.Response().Header().Set("HX-Redirect", next)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// safeNext returns next if it is a local path (a single leading '/', no
// '//' or backslash, no control characters), else fallback. It stops
// open redirects through ?next=.
func safeNext(next, fallback string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return fallback
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f {
			return fallback
		}
	}
	if strings.HasPrefix(next, "/\t") || strings.Contains(next, "/../") {
		return fallback
	}
	return next
}
