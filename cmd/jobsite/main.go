// Command jobsite runs the reference jobs-site receiver.
//
//	jobsite [serve] [flags]        serve the API and pages
//	jobsite token [flags] <user>   print a new single-use airlock login token
//	jobsite hash-password          print a password hash for the config file
//	                               (password from $JOBSITE_PASSWORD)
//
// Flags (each also read from the environment variable in brackets):
//
//	-config      JSON config file; empty serves the demo config [JOBSITE_CONFIG]
//	-addr        listen address (default 127.0.0.1:8001) [JOBSITE_ADDR]
//	-db          SQLite database (default jobsite.db) [JOBSITE_DB]
//	-storage     released-files directory (default releases) [RELEASE_STORAGE]
//	-size-limit  largest file in bytes (default 16 MiB) [RELEASE_FILE_SIZE_LIMIT]
//	-public-url  absolute base URL for links [JOBSITE_PUBLIC_URL]
//	-trusted-proxies  comma-separated networks of reverse proxies whose
//	             X-Forwarded-For names the client [JOBSITE_TRUSTED_PROXIES]
//
// The jobs site holds projects, workspaces and their released outputs; it
// does not run jobs.
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "jobsite:", err)
		os.Exit(1)
	}
}

type settings struct {
	config, addr, db, storage, publicURL string
	sizeLimit                            int64
	trustedProxies                       []string
}

func parseFlags(name string, args []string, getenv func(string) string, stderr io.Writer) (settings, *flag.FlagSet, error) {
	env := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	var s settings
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&s.config, "config", env("JOBSITE_CONFIG", ""), "JSON config file; empty serves the demo config")
	fs.StringVar(&s.addr, "addr", env("JOBSITE_ADDR", "127.0.0.1:8001"), "listen address")
	fs.StringVar(&s.db, "db", env("JOBSITE_DB", "jobsite.db"), "SQLite database file")
	fs.StringVar(&s.storage, "storage", env("RELEASE_STORAGE", "releases"), "directory of released files")
	fs.StringVar(&s.publicURL, "public-url", env("JOBSITE_PUBLIC_URL", ""), "absolute base URL for links")
	proxies := fs.String("trusted-proxies", env("JOBSITE_TRUSTED_PROXIES", ""), "comma-separated networks (CIDR) of reverse proxies whose X-Forwarded-For names the client")
	limit := env("RELEASE_FILE_SIZE_LIMIT", strconv.Itoa(receiver.DefaultSizeLimit))
	fs.Func("size-limit", "largest accepted file in bytes (default "+limit+")", func(v string) error {
		limit = v
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return s, fs, err
	}
	n, err := strconv.ParseInt(limit, 10, 64)
	if err != nil || n <= 0 {
		return s, fs, fmt.Errorf("size limit %q must be a positive number of bytes", limit)
	}
	s.sizeLimit = n
	for _, p := range strings.Split(*proxies, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s.trustedProxies = append(s.trustedProxies, p)
		}
	}
	return s, fs, nil
}

func (s settings) open(ctx context.Context, stderr io.Writer) (*receiver.Server, bool, error) {
	cfg, demo := receiver.DemoConfig(), true
	if s.config != "" {
		c, err := receiver.LoadConfig(s.config)
		if err != nil {
			return nil, false, err
		}
		cfg, demo = c, false
	}
	srv, err := receiver.Open(ctx, cfg, receiver.Options{
		DBPath: s.db, StorageDir: s.storage, SizeLimit: s.sizeLimit, PublicURL: s.publicURL, TrustedProxies: s.trustedProxies,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	})
	return srv, demo, err
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && rest[0] != "" && rest[0][0] != '-' {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr)
	case "token":
		return token(ctx, rest, getenv, stdout, stderr)
	case "hash-password":
		pw := getenv("JOBSITE_PASSWORD")
		if pw == "" {
			return errors.New("set JOBSITE_PASSWORD to the password to hash")
		}
		h, err := receiver.HashSecret(pw)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, h)
		return nil
	}
	return fmt.Errorf("unknown command %q (want serve, token or hash-password)", cmd)
}

func token(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, fs, err := parseFlags("jobsite token", args, getenv, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: jobsite token [flags] <username>")
	}
	srv, _, err := s.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer srv.Close()
	tok, err := srv.IssueToken(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Single-use airlock login token for %s (valid for one hour, do not share):\n\n    %s\n", fs.Arg(0), tok)
	return nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	s, _, err := parseFlags("jobsite serve", args, getenv, stderr)
	if err != nil {
		return err
	}
	srv, demo, err := s.open(ctx, stderr)
	if err != nil {
		return err
	}
	defer srv.Close()
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "jobsite listening on %s (API %s/api/v2)\n", base, base)
	if demo {
		fmt.Fprintf(stdout, "demo config: backend %q token %s; users sign in with password %q; workspaces %v\n",
			receiver.DemoBackend, receiver.DemoBackendToken, receiver.DemoPassword, receiver.DemoWorkspaces())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
