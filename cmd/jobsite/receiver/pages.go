package receiver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/gorilla/sessions"
)

//go:embed templates/*.html static/style.css
var assets embed.FS

// pageCSP is the policy of every HTML page: no script at all, styles and
// images only from us, forms only to us, never framed.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// fileCSP is the policy of released file contents: a sandbox, so a
// released HTML file runs no script on our origin.
const fileCSP = "sandbox"

const sessionName = "jobsite_session"

func parsePages() (map[string]*template.Template, error) {
	base, err := template.ParseFS(assets, "templates/base.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"home", "login", "settings", "token", "workspace", "error"} {
		t, err := template.Must(base.Clone()).ParseFS(assets, "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

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

// page is what every template receives.
type page struct {
	Title string
	User  *UserConfig
	CSRF  string
	Error string
	Data  any
}

// session returns the page session (a new one if absent or invalid), the
// signed-in user or nil, and the session's CSRF token, creating one.
func (s *Server) session(w http.ResponseWriter, r *http.Request) (*sessions.Session, *UserConfig, string) {
	sess, _ := s.sessions.Get(r, sessionName)
	csrf, _ := sess.Values["csrf"].(string)
	if csrf == "" {
		b := make([]byte, 32)
		rand.Read(b)
		csrf = base64.RawURLEncoding.EncodeToString(b)
		sess.Values["csrf"] = csrf
		sess.Save(r, w)
	}
	name, _ := sess.Values["user"].(string)
	return sess, s.dir.users[name], csrf
}

// checkCSRF reports whether the form's csrf field matches the session's.
func checkCSRF(r *http.Request, want string) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "base", p); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, user *UserConfig, csrf, msg string) {
	s.render(w, r, status, "error", page{Title: http.StatusText(status), User: user, CSRF: csrf, Error: msg})
}

func (s *Server) handleStyle(w http.ResponseWriter, r *http.Request) {
	css, _ := fs.ReadFile(assets, "static/style.css")
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(css)
}

type workspaceItem struct {
	Name, Project, Status string
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	published, err := s.publishedWorkspaces(r.Context())
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	var items []workspaceItem
	for _, name := range s.dir.wsOrder {
		ws := s.dir.workspaces[name]
		if !s.dir.canViewReleases(user, ws) && !published[name] {
			continue
		}
		p := s.dir.project(ws)
		status := "Active"
		if ws.Archived {
			status = "Archived"
		} else if !p.Ongoing {
			status = "Inactive project"
		}
		items = append(items, workspaceItem{Name: name, Project: p.Name, Status: status})
	}
	s.render(w, r, http.StatusOK, "home", page{Title: "Workspaces", User: user, CSRF: csrf, Data: items})
}

func (s *Server) handleLoginShow(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	s.render(w, r, http.StatusOK, "login", page{Title: "Sign in", User: user, CSRF: csrf})
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	sess, _, csrf := s.session(w, r)
	if !checkCSRF(r, csrf) {
		s.render(w, r, http.StatusForbidden, "login", page{Title: "Sign in", CSRF: csrf, Error: "Your form expired. Please try again."})
		return
	}
	who := strings.TrimSpace(r.PostFormValue("username"))
	u := s.dir.users[who]
	if u == nil {
		u = s.dir.emails[who]
	}
	if u == nil || u.PasswordHash == "" || !VerifySecret(r.PostFormValue("password"), u.PasswordHash) {
		s.render(w, r, http.StatusUnauthorized, "login", page{Title: "Sign in", CSRF: csrf, Error: "Invalid username or password."})
		return
	}
	sess.Values["user"] = u.Username
	sess.Values["csrf"] = newCSRF() // rotate on sign-in
	if err := sess.Save(r, w); err != nil {
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func newCSRF() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	sess, user, csrf := s.session(w, r)
	if !checkCSRF(r, csrf) {
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Your form expired. Please try again.")
		return
	}
	delete(sess.Values, "user")
	sess.Values["csrf"] = newCSRF()
	sess.Save(r, w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	if user == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "settings", page{Title: "Airlock login token", User: user, CSRF: csrf, Data: eligible(user) == ""})
}

func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	if user == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if !checkCSRF(r, csrf) {
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Your form expired. Please try again.")
		return
	}
	token, err := s.IssueToken(r.Context(), user.Username)
	if code := airlock.ErrorCode(err); code == airlock.EFORBIDDEN {
		s.renderError(w, r, http.StatusForbidden, user, csrf, airlock.ErrorMessage(err))
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "token", page{Title: "Your single-use token", User: user, CSRF: csrf, Data: token})
}

// ---- workspaces, releases and snapshots ----

type releaseView struct {
	ID, Backend, CreatedBy string
	CreatedAt              time.Time
	Files                  []ReleasedFile
}

type snapshotView struct {
	ID, CreatedBy, PublishedBy string
	CreatedAt, PublishedAt     time.Time
	Published                  bool
	Files                      []ReleasedFile
}

type workspaceView struct {
	Name, Project                    string
	Archived, Ongoing                bool
	CanView, CanSnapshot, CanPublish bool
	Releases                         []releaseView
	Snapshots                        []snapshotView
}

func (s *Server) handleWorkspace(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	ws := s.dir.workspaces[r.PathValue("workspace")]
	if ws == nil {
		s.renderError(w, r, http.StatusNotFound, user, csrf, "There is no such workspace.")
		return
	}
	p := s.dir.project(ws)
	v := workspaceView{
		Name: ws.Name, Project: p.Name, Archived: ws.Archived, Ongoing: p.Ongoing,
		CanView:     s.dir.canViewReleases(user, ws),
		CanSnapshot: s.dir.canCreateSnapshot(user, ws),
		CanPublish:  s.dir.canPublish(user),
	}
	ctx := r.Context()
	if v.CanView {
		files, err := s.WorkspaceFiles(ctx, ws.Name)
		if err != nil {
			s.internalError(w, r, err)
			return
		}
		for _, f := range files {
			if n := len(v.Releases); n == 0 || v.Releases[n-1].ID != f.ReleaseID {
				v.Releases = append(v.Releases, releaseView{ID: f.ReleaseID, Backend: f.Backend, CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt})
			}
			rv := &v.Releases[len(v.Releases)-1]
			rv.Files = append(rv.Files, f)
		}
	}
	snaps, err := s.snapshots(ctx, ws.Name)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	for _, sn := range snaps {
		if sn.Published || v.CanView {
			v.Snapshots = append(v.Snapshots, sn)
		}
	}
	s.render(w, r, http.StatusOK, "workspace", page{Title: ws.Name, User: user, CSRF: csrf, Data: v})
}

func (s *Server) handleReleaseShow(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/workspaces/"+r.PathValue("workspace")+"/#release-"+r.PathValue("release"), http.StatusSeeOther)
}

func (s *Server) handleSnapshotCreate(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	ws := s.dir.workspaces[r.PathValue("workspace")]
	switch {
	case !checkCSRF(r, csrf):
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Your form expired. Please try again.")
		return
	case ws == nil:
		s.renderError(w, r, http.StatusNotFound, user, csrf, "There is no such workspace.")
		return
	case !s.dir.canCreateSnapshot(user, ws):
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Only developers of this project may prepare outputs for publishing.")
		return
	}
	ids := r.PostForm["file_id"]
	if err := s.createSnapshot(r.Context(), ws.Name, user.Username, ids); err != nil {
		if code := airlock.ErrorCode(err); code != airlock.EINTERNAL {
			s.renderError(w, r, http.StatusBadRequest, user, csrf, airlock.ErrorMessage(err))
			return
		}
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/workspaces/"+ws.Name+"/", http.StatusSeeOther)
}

func (s *Server) handleSnapshotPublish(w http.ResponseWriter, r *http.Request) {
	_, user, csrf := s.session(w, r)
	ws := s.dir.workspaces[r.PathValue("workspace")]
	switch {
	case !checkCSRF(r, csrf):
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Your form expired. Please try again.")
		return
	case ws == nil:
		s.renderError(w, r, http.StatusNotFound, user, csrf, "There is no such workspace.")
		return
	case !s.dir.canPublish(user):
		s.renderError(w, r, http.StatusForbidden, user, csrf, "Only publishers may publish outputs.")
		return
	}
	if err := s.publishSnapshot(r.Context(), ws.Name, r.PathValue("snapshot"), user.Username); err != nil {
		if airlock.ErrorCode(err) == airlock.ENOTFOUND {
			s.renderError(w, r, http.StatusNotFound, user, csrf, airlock.ErrorMessage(err))
			return
		}
		s.internalError(w, r, err)
		return
	}
	http.Redirect(w, r, "/workspaces/"+ws.Name+"/", http.StatusSeeOther)
}

// handleFileShow serves a released file's bytes to those who may view the
// workspace's releases, or to anyone once the file is published. Others
// get 404, so unpublished file ids reveal nothing.
func (s *Server) handleFileShow(w http.ResponseWriter, r *http.Request) {
	_, user, _ := s.session(w, r)
	f, err := s.FindFile(r.Context(), r.PathValue("file"))
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		http.NotFound(w, r)
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	if !s.dir.canViewReleases(user, s.dir.workspaces[f.Workspace]) {
		if ok, err := s.isPublished(r.Context(), f.ID); err != nil {
			s.internalError(w, r, err)
			return
		} else if !ok {
			http.NotFound(w, r)
			return
		}
	}
	s.serveFile(w, r, f)
}

func (s *Server) handlePublishedShow(w http.ResponseWriter, r *http.Request) {
	f, err := s.FindFile(r.Context(), r.PathValue("file"))
	if err == nil {
		var ok bool
		if ok, err = s.isPublished(r.Context(), f.ID); err == nil && !ok {
			err = airlock.Errorf(airlock.ENOTFOUND, "not published")
		}
	}
	if airlock.ErrorCode(err) == airlock.ENOTFOUND {
		http.NotFound(w, r)
		return
	} else if err != nil {
		s.internalError(w, r, err)
		return
	}
	s.serveFile(w, r, f)
}

// serveFile writes a released file sandboxed: CSP sandbox and nosniff, a
// type from the extension only, inline unless ?download=1.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, f *ReleasedFile) {
	if !f.Uploaded {
		writeJSON(w, http.StatusOK, "File not yet uploaded")
		return
	}
	rc, err := s.openStored(f)
	if err != nil {
		s.internalError(w, r, err)
		return
	}
	defer rc.Close()
	ctype := mime.TypeByExtension(path.Ext(f.Name))
	if ctype == "" {
		ctype = "application/octet-stream"
	} else if strings.HasPrefix(ctype, "text/") && !strings.Contains(ctype, "charset") {
		ctype += "; charset=utf-8"
	}
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Security-Policy", fileCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	disposition := "inline"
	if r.URL.Query().Get("download") != "" {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": path.Base(f.Name)}))
	if seeker, ok := rc.(interface {
		Read([]byte) (int, error)
		Seek(int64, int) (int64, error)
	}); ok {
		http.ServeContent(w, r, "", f.CreatedAt, seeker)
		return
	}
	s.internalError(w, r, errors.New("stored file is not seekable"))
}
