// Package receiver is the reference jobs site: a small, real server that
// speaks the part of the jobs-site API airlock calls (login with single-use
// tokens, role refresh, release creation, file upload and notification
// events) and the read API of released files under /api/v2, stores released
// files on disk, and serves the release side of a jobs site as pages:
// projects with their members, roles and status; workspaces with their
// repository, branch and purpose; and each workspace's releases in four
// stages (Level 4 outputs in airlock, released outputs, draft public
// outputs, published outputs). It does not run jobs.
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
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/markdown"
)

// The sign-in back-off, as airlock's (airlock.SignInLimiter): freeFailures
// wrong passwords for one person from one address cost nothing; each one
// after that locks the pair for twice as long as the last, from firstLock
// up to maxLock.
const (
	freeFailures = 5
	firstLock    = time.Minute
	maxLock      = time.Hour
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
	// TrustedProxies are the networks (CIDR) of reverse proxies whose
	// X-Forwarded-For names the client. Without them the connection's
	// address is the client's, so nobody can pick a fresh address for each
	// guessed password.
	TrustedProxies []string
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
	md       *markdown.Renderer
	limiter  *airlock.SignInLimiter
	echo     *echo.Echo
	rules    map[string]access
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
	extractIP, err := ipExtractor(opts.TrustedProxies)
	if err != nil {
		return nil, err
	}
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
		dir:     newDirectory(cfg),
		opts:    opts,
		db:      db,
		root:    root,
		words:   loadWords(),
		md:      markdown.New(),
		limiter: airlock.NewSignInLimiter(freeFailures+1, firstLock, maxLock),
		rules:   map[string]access{},
		log:     opts.Logger,
	}
	if s.sessions, err = s.sessionStore(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if s.pages, err = s.parsePages(); err != nil {
		s.Close()
		return nil, err
	}
	s.echo = echo.New()
	s.echo.HideBanner, s.echo.HidePort = true, true
	s.echo.HTTPErrorHandler = s.handleError
	s.echo.IPExtractor = extractIP
	s.routes()
	return s, nil
}

// ipExtractor believes X-Forwarded-For only from the trusted proxies.
func ipExtractor(proxies []string) (echo.IPExtractor, error) {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		_, n, err := net.ParseCIDR(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("receiver: trusted proxy %q is not a network like 10.0.0.0/8: %w", p, err)
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
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
	s.echo.ServeHTTP(w, r)
}

// Routes lists every registered route as "METHOD path", for the
// permission test that requires a rule for each.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.echo.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
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
