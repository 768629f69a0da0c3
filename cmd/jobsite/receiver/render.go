package receiver

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
)

//go:embed templates/*.html static/style.css
var assets embed.FS

// pageCSP is the policy of every HTML page: no script at all, styles,
// images and frames (a released HTML file's preview, itself sandboxed)
// only from us, forms only to us, never framed.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// fileCSP is the policy of released file contents: a sandbox, so a
// released HTML file runs no script on our origin.
const fileCSP = "sandbox"

// pageNames are the templates under templates/, each defining "content"
// inside base.html's layout. A missing file fails Open.
var pageNames = []string{
	"home", "login", "settings", "token", "error",
	"projects", "project", "project_edit",
	"workspace", "workspace_edit", "releases", "release", "outputs_latest", "snapshot", "file",
}

func (s *Server) parsePages() (map[string]*template.Template, error) {
	base, err := template.New("base.html").Funcs(s.funcs()).ParseFS(assets, "templates/base.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"markdown": s.md.Render,
		"date":     func(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 MST") },
		"isoDate":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"size":     humanSize,
		"shortID":  airlock.ShortID,
		"plural":   plural,
		"name":     func(username string) string { return s.dir.displayName(username) },
		"backend":  s.dir.backendName,
	}
}

// plural counts things in words: "1 file", "3 files".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// humanSize formats a byte count for people: "812 B", "14.2 kB", "3.1 MB".
func humanSize(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// page is what every template receives.
type page struct {
	Title  string
	User   *UserConfig
	CSRF   string
	Flash  string
	Here   string // the current path, for "sign in and come back"
	Crumbs []crumb
	Data   any
}

// crumb is one step of the breadcrumb trail above a page's title.
type crumb struct{ Label, URL string }

// render writes a page. It renders into a buffer first, so a template
// error never sends half a page.
func (s *Server) render(c echo.Context, status int, name string, p page) error {
	p.User, p.CSRF, p.Here = currentUser(c), csrfToken(c), c.Request().URL.RequestURI()
	p.Flash = takeFlash(c)
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "base", p); err != nil {
		return fmt.Errorf("render page %s: %w", name, err)
	}
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

func (s *Server) style(c echo.Context) error {
	css, err := fs.ReadFile(assets, "static/style.css")
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=3600")
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string
	SignIn  bool // not signed in and refused: offer to sign in
}

// errorTitles head the error page, in plainer words than the status texts.
var errorTitles = map[int]string{
	http.StatusBadRequest:          "That did not work",
	http.StatusForbidden:           "Not allowed",
	http.StatusNotFound:            "Not found",
	http.StatusMethodNotAllowed:    "Not found",
	http.StatusConflict:            "Not possible now",
	http.StatusUnprocessableEntity: "Please check what you entered",
	http.StatusTooManyRequests:     "Too many attempts",
	http.StatusInternalServerError: "Something went wrong",
}

// codeStatus maps the coded errors of the service layer to HTTP status.
var codeStatus = map[string]int{
	airlock.EINVALID:      http.StatusUnprocessableEntity,
	airlock.EUNAUTHORIZED: http.StatusUnauthorized,
	airlock.EFORBIDDEN:    http.StatusForbidden,
	airlock.ENOTFOUND:     http.StatusNotFound,
	airlock.ECONFLICT:     http.StatusConflict,
	airlock.ESTATE:        http.StatusConflict,
	airlock.EUNAVAILABLE:  http.StatusBadGateway,
}

// handleError is Echo's one error handler: it maps the error to a status,
// logs only server errors, and answers the API with {"detail": ...} and
// people with the error page, whose text says why.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	r := c.Request()
	status, msg := http.StatusInternalServerError, airlock.ErrorMessage(err)
	var he *echo.HTTPError
	switch {
	case errors.As(err, &he):
		status = he.Code
		if m, ok := he.Message.(string); ok && status < 500 {
			msg = m
		} else {
			msg = http.StatusText(status)
		}
		if errors.Is(err, echo.ErrNotFound) {
			msg = "There is no such page."
		}
	case codeStatus[airlock.ErrorCode(err)] != 0:
		status = codeStatus[airlock.ErrorCode(err)]
	}
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "jobs site request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if errors.Is(err, echo.ErrNotFound) {
			msg = "Not found."
		}
		_ = writeJSON(c, status, map[string]string{"detail": msg})
		return
	}
	if session(c) == nil { // a route miss: no session was loaded
		sess, _ := s.sessions.Get(r, sessionName)
		c.Set(ctxSession, sess)
		if name, _ := sess.Values["user"].(string); s.dir.users[name] != nil {
			c.Set(ctxUser, s.dir.users[name])
		}
	}
	data := errorPage{Status: status, Message: msg, SignIn: status == http.StatusForbidden && currentUser(c) == nil}
	title, ok := errorTitles[status]
	if !ok {
		title = http.StatusText(status)
	}
	if rerr := s.render(c, status, "error", page{Title: title, Data: data}); rerr != nil {
		s.log.ErrorContext(r.Context(), "render error page", "err", rerr)
		_ = c.String(status, msg)
	}
}
