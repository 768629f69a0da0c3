package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/jobsite"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui"
	"github.com/airlock-project/airlock/ui/preview"
	"github.com/airlock-project/airlock/workspaces"
	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/coderepo"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// run is the whole program: args[1] names the subcommand (see commands);
// when it is absent or a flag, run serves. SIGINT and SIGTERM cancel ctx,
// so every command stops cleanly.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		err = runServe(ctx, args, getenv, stdout, stderr)
	} else {
		err = dispatch(ctx, "airlock", commands, args, getenv, stdout, stderr)
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // the usage was asked for and printed
	}
	return err
}

// runServe is `airlock serve`: it reads the configuration, opens the
// program's dependencies and serves until ctx ends.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.serve(ctx, stdout)
}

// app is the opened program: the database, the directories, the services
// and the HTTP handler, ready to serve. Close releases them.
type app struct {
	cfg         *config
	log         *slog.Logger
	auth        ui.Authenticator
	receiverURL string // the demo's in-process jobs site; "" outside the demo
	deliverer   *review.Deliverer
	svc         *review.Service
	handler     http.Handler
	closers     []func() // run in reverse order by Close
}

// Close releases what openApp opened, last opened first.
func (a *app) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// openApp opens everything the server needs: the work directory and
// session keys, the demo's sample data and jobs site when no jobs site is
// configured, the database, the workspaces, the request-file store, the
// review service, the deliverer and the web handler. On error it closes
// what it had opened.
func openApp(ctx context.Context, cfg *config, log *slog.Logger) (_ *app, err error) {
	a := &app{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("create work dir: %w", err)
	}
	if cfg.SessionKeys == nil {
		if cfg.SessionKeys, err = ensureSessionKeys(cfg.WorkDir); err != nil {
			return nil, fmt.Errorf("session keys: %w", err)
		}
	}

	var client *jobsite.Client
	if cfg.Demo {
		if err := prepareDemo(cfg); err != nil {
			return nil, err
		}
		_, url, shutdown, err := startReceiver(ctx, cfg.WorkDir, cfg.ExternalURL, log)
		if err != nil {
			return nil, err
		}
		a.closers = append(a.closers, shutdown)
		a.receiverURL = url
		client = &jobsite.Client{BaseURL: url + "/api/v2", Token: receiver.DemoBackendToken}
		// Dev-user sign-in and the DEMO MODE switcher exist only here (D14).
		users, err := openDevUsers(cfg.DevUsersFile)
		if err != nil {
			return nil, err
		}
		a.auth = demoSignIn{dev: users, jobsite: client}
	} else {
		client = &jobsite.Client{BaseURL: cfg.JobsiteURL, Token: cfg.JobsiteToken}
		a.auth = client
	}

	db, err := sqlite.Open(ctx, cfg.DatabasePath)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.closers = append(a.closers, func() { db.Close() })
	if err := os.MkdirAll(cfg.WorkspaceDir, 0o755); err != nil {
		return nil, err
	}
	root, err := workspaces.OpenRoot(cfg.WorkspaceDir)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { root.Close() })
	// A large manifest is parsed once per change, not again at each start (D9).
	if err := root.KeepParsedManifests(filepath.Join(cfg.WorkDir, "manifest-cache"), func(format string, args ...any) {
		log.Warn(fmt.Sprintf(format, args...))
	}); err != nil {
		return nil, fmt.Errorf("manifest cache: %w", err)
	}
	store, err := workspaces.OpenStore(cfg.RequestDir)
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { store.Close() })
	if _, err := store.RemoveTemp(ctx, time.Hour); err != nil {
		log.Warn("could not clean temporary request files", "err", err)
	}
	policy := airlock.NewPolicy(cfg.RequiredReviews, cfg.FileTypes)
	policy.FlagsAdvisory = cfg.FlagsAdvisory
	svc := review.New(review.Config{
		Store: db, Workspaces: root, Files: store,
		Policy: policy,
		Checks: checkfile.NewCache(cfg.Checks, 0),
		// Differencing flags differences at or under the same small-count
		// threshold as the checks (-small-count-max).
		Differencing: compare.NewDifferencer(cfg.Checks.SmallCountMax),
		Logger:       log,
		AfterRelease: func() { a.deliverer.Wake() }, // set below, before the server takes requests
		Code:         coderepo.NewCache(cfg.RepoDir),
	})
	a.svc = svc
	// The deliverer registers released requests with the jobs site, uploads
	// their files and sends notifications, from the queues in the database,
	// so work left by a crash resumes (D10, D16).
	a.deliverer = review.NewDeliverer(review.DeliveryConfig{
		Store: db, Files: store, Logger: log.With("component", "delivery"),
		Registrar: client, Destination: client, Notifier: client,
	})
	jobsiteHome := ""
	if a.receiverURL != "" {
		jobsiteHome = a.receiverURL + "/"
	}
	// The file viewers: opened tables and converted sheets are cached by
	// content hash; Close stops their background passes.
	fileViewer, err := ui.NewPreview(preview.Options{})
	if err != nil {
		return nil, err
	}
	a.closers = append(a.closers, func() { fileViewer.Close() })
	a.handler, err = ui.NewServer(ui.Deps{
		Service: svc, Auth: a.auth, Sessions: db, SessionKeys: cfg.SessionKeys, Logger: log, Viewer: fileViewer,
		Settings: ui.Settings{ExternalURL: cfg.ExternalURL, SessionIdle: cfg.SessionIdle, BackendName: cfg.BackendName, JobsiteURL: jobsiteHome,
			TrustedProxies: cfg.TrustedProxies, APIRate: cfg.APIRate, APIBurst: cfg.APIBurst},
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// serve runs the deliverer and the web server until ctx ends or the
// server fails, then shuts both down gracefully.
func (a *app) serve(ctx context.Context, stdout io.Writer) error {
	return a.serveWith(ctx, stdout, time.After)
}

// serveWith is serve with the clock the daily regular requests wait on.
func (a *app) serveWith(ctx context.Context, stdout io.Writer, after func(time.Duration) <-chan time.Time) error {
	if a.cfg.RegularAt.set {
		dailyCtx, stopDaily := context.WithCancel(ctx)
		dailyDone := make(chan struct{})
		go func() { defer close(dailyDone); a.runDailyRegularRequests(dailyCtx, after) }()
		defer func() { stopDaily(); <-dailyDone }()
	}
	deliveryCtx, stopDelivery := context.WithCancel(context.WithoutCancel(ctx))
	deliveryDone := make(chan struct{})
	go func() {
		defer close(deliveryDone)
		if err := a.deliverer.Run(deliveryCtx); err != nil {
			a.log.Error("delivery stopped", "err", err)
		}
	}()
	defer func() { stopDelivery(); <-deliveryDone }()

	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 2 * time.Minute,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "airlock listening on %s/\n", url)
	if a.cfg.Demo {
		printDemo(stdout, a.cfg, a.receiverURL)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// startReceiver runs the reference jobs-site receiver on another loopback
// port, with its state under <work-dir>/jobsite; its workspace pages link
// to their Level 4 outputs in this airlock, at airlockURL.
func startReceiver(ctx context.Context, workDir, airlockURL string, log *slog.Logger) (*receiver.Server, string, func(), error) {
	dir := filepath.Join(workDir, "jobsite")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", nil, fmt.Errorf("listen for the demo jobs site: %w", err)
	}
	url := "http://" + ln.Addr().String()
	cfg := receiver.DemoConfig()
	cfg.Backends[0].AirlockURL = airlockURL
	rcv, err := receiver.Open(ctx, cfg, receiver.Options{
		DBPath: filepath.Join(dir, "jobsite.db"), StorageDir: filepath.Join(dir, "released"), PublicURL: url, Logger: log,
	})
	if err != nil {
		ln.Close()
		return nil, "", nil, fmt.Errorf("open the demo jobs site: %w", err)
	}
	srv := &http.Server{Handler: rcv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	shutdown := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
		_ = rcv.Close()
	}
	return rcv, url, shutdown, nil
}
