// Package receiver is the reference jobs-site receiver: a small, real server
// that speaks the part of the jobs-site API airlock calls (login with
// single-use tokens, role refresh, release creation, file upload and
// notification events) under /api/v2, stores released files on disk, and
// serves plain pages where people sign in, make airlock login tokens, view
// released files, and publish them.
//
// It is an http.Handler so airlock's demo and tests can run it in-process.
package receiver

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/sessions"
)

// DefaultSizeLimit is the largest file a release may contain, as on the
// jobs site (RELEASE_FILE_SIZE_LIMIT).
const DefaultSizeLimit = 16 << 20

// TokenLifetime is how long a single-use login token stays valid.
const TokenLifetime = time.Hour

// Options are the run-time settings of a Server.
type Options struct {
	// DBPath is the SQLite database file. Required.
	DBPath string
	// StorageDir is where released files are written, as
	// <StorageDir>/<workspace>/releases/<release id>/<name>. Required.
	StorageDir string
	// SizeLimit is the largest accepted file in bytes; 0 means DefaultSizeLimit.
	SizeLimit int64
	// PublicURL is the absolute base URL used in Location and release_url;
	// empty means taken from each request's Host.
	PublicURL string
	// SecureCookies marks the page session cookie Secure (serve over TLS).
	SecureCookies bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the randomness for tokens; nil means crypto/rand.
	Rand io.Reader
	// Logger receives request errors; nil means slog.Default().
	Logger *slog.Logger
	// NoSync skips fsync of uploaded files before they are renamed into
	// place. Only for benchmarks on throwaway storage.
	NoSync bool
}

// Server is the receiver. It is safe for concurrent use.
type Server struct {
	dir      *directory
	opts     Options
	db       *sql.DB
	root     *os.Root
	words    []string
	sessions *sessions.CookieStore
	pages    map[string]*template.Template
	mux      *http.ServeMux
	log      *slog.Logger
}

// Open opens (creating if needed) the database and storage directory and
// returns a ready Server. Close it when done.
func Open(ctx context.Context, cfg Config, opts Options) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.DBPath == "" || opts.StorageDir == "" {
		return nil, errors.New("receiver: DBPath and StorageDir are required")
	}
	if opts.SizeLimit <= 0 {
		opts.SizeLimit = DefaultSizeLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	opts.PublicURL = strings.TrimSuffix(opts.PublicURL, "/")
	if err := os.MkdirAll(opts.StorageDir, 0o750); err != nil {
		return nil, fmt.Errorf("create storage dir: %w", err)
	}
	root, err := os.OpenRoot(opts.StorageDir)
	if err != nil {
		return nil, fmt.Errorf("open storage dir: %w", err)
	}
	if err := root.MkdirAll(tmpDir, 0o750); err != nil {
		root.Close()
		return nil, fmt.Errorf("create temp dir: %w", err)
	}
	db, err := openDB(ctx, opts.DBPath)
	if err != nil {
		root.Close()
		return nil, err
	}
	s := &Server{
		dir:   newDirectory(cfg),
		opts:  opts,
		db:    db,
		root:  root,
		words: loadWords(),
		log:   opts.Logger,
	}
	if s.sessions, err = s.sessionStore(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.pages, err = parsePages(); err != nil {
		s.Close()
		return nil, err
	}
	s.mux = s.routes()
	return s, nil
}

// Close releases the database and the storage directory.
func (s *Server) Close() error {
	var errs []error
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.root != nil {
		errs = append(errs, s.root.Close())
	}
	return errors.Join(errs...)
}

// ServeHTTP serves the API and the pages.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

// routes lists every route of the receiver.
func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	// The API airlock calls (reference §10). No trailing slashes except on events.
	m.HandleFunc("POST /api/v2/releases/authenticate", s.handleAuthenticate)
	m.HandleFunc("POST /api/v2/releases/authorise", s.handleAuthorise)
	m.HandleFunc("POST /api/v2/releases/workspace/{workspace}", s.handleReleaseCreate)
	m.HandleFunc("POST /api/v2/releases/release/{release}", s.handleFileUpload)
	m.HandleFunc("POST /api/v2/airlock/events/{$}", s.handleEvent)
	m.HandleFunc("GET /api/v2/releases/file/{file}", s.handleFileShow)

	// Pages.
	m.HandleFunc("GET /{$}", s.handleHome)
	m.HandleFunc("GET /static/style.css", s.handleStyle)
	m.HandleFunc("GET /login", s.handleLoginShow)
	m.HandleFunc("POST /login", s.handleLogin)
	m.HandleFunc("POST /logout", s.handleLogout)
	m.HandleFunc("GET /settings", s.handleSettings)
	m.HandleFunc("POST /settings/token", s.handleTokenCreate)
	m.HandleFunc("GET /workspaces/{workspace}/{$}", s.handleWorkspace)
	m.HandleFunc("GET /workspaces/{workspace}/releases/{release}/{$}", s.handleReleaseShow)
	m.HandleFunc("POST /workspaces/{workspace}/snapshots", s.handleSnapshotCreate)
	m.HandleFunc("POST /workspaces/{workspace}/snapshots/{snapshot}/publish", s.handleSnapshotPublish)
	m.HandleFunc("GET /files/{file}", s.handleFileShow)
	m.HandleFunc("GET /published/{file}", s.handlePublishedShow)
	return m
}

// baseURL is the absolute URL prefix for links in API responses.
func (s *Server) baseURL(r *http.Request) string {
	if s.opts.PublicURL != "" {
		return s.opts.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) now() time.Time { return s.opts.Now().UTC() }
