package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// config is the program's configuration, from flags and AIRLOCK_*
// environment variables (flags win).
type config struct {
	WorkDir         string
	WorkspaceDir    string
	RequestDir      string
	RepoDir         string // the cache of bare git repositories; "" for none
	DatabasePath    string
	JobsiteURL      string
	JobsiteToken    string
	SessionKeys     [][]byte
	Listen          string
	ExternalURL     string
	RequiredReviews int
	FileTypes       []string
	DevUsersFile    string
	BackendName     string
	SessionIdle     time.Duration
	Demo            bool // no jobs site configured: run the in-process receiver
}

// parseConfig reads flags from args (args[0] is the program name) with
// defaults from getenv.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (*config, error) {
	env := func(k, def string) string {
		if v := getenv("AIRLOCK_" + k); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("airlock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { printServeUsage(stderr, fs) }
	c := &config{}
	var keys, types, reviews, idle string
	fs.StringVar(&c.WorkDir, "work-dir", env("WORK_DIR", "airlock-data"), "state directory; other paths default to inside it (AIRLOCK_WORK_DIR)")
	fs.StringVar(&c.WorkspaceDir, "workspace-dir", env("WORKSPACE_DIR", ""), "directory of workspaces (AIRLOCK_WORKSPACE_DIR; default <work-dir>/workspaces)")
	fs.StringVar(&c.RequestDir, "request-dir", env("REQUEST_DIR", ""), "request file store (AIRLOCK_REQUEST_DIR; default <work-dir>/requests)")
	fs.StringVar(&c.RepoDir, "repo-dir", env("REPO_DIR", ""), "directory of bare git repositories <name>.git for the source code view (AIRLOCK_REPO_DIR; the demo uses <work-dir>/repos)")
	fs.StringVar(&c.DatabasePath, "db", env("DATABASE", ""), "SQLite database file (AIRLOCK_DATABASE; default <work-dir>/airlock.db)")
	fs.StringVar(&c.JobsiteURL, "jobsite-url", env("JOBSITE_URL", ""), "jobs-site API base URL, e.g. https://jobs.example.org/api/v2 (AIRLOCK_JOBSITE_URL; empty runs the demo receiver)")
	fs.StringVar(&c.JobsiteToken, "jobsite-token", env("JOBSITE_TOKEN", ""), "this backend's jobs-site token (AIRLOCK_JOBSITE_TOKEN)")
	fs.StringVar(&keys, "session-keys", env("SESSION_KEYS", ""), "comma-separated hex session keys: hash key, block key, then older pairs (AIRLOCK_SESSION_KEYS; default generated once into <work-dir>/session.keys)")
	fs.StringVar(&c.Listen, "listen", env("LISTEN", "127.0.0.1:8000"), "listen address (AIRLOCK_LISTEN)")
	fs.StringVar(&c.ExternalURL, "external-url", env("EXTERNAL_URL", ""), "URL people use to reach airlock; https makes cookies Secure (AIRLOCK_EXTERNAL_URL)")
	fs.StringVar(&reviews, "required-reviews", env("REQUIRED_REVIEWS", "2"), "independent reviews per request, at least 2 (AIRLOCK_REQUIRED_REVIEWS)")
	fs.StringVar(&types, "file-types", env("FILE_TYPES", ""), "comma-separated allowed extensions (AIRLOCK_FILE_TYPES; default .csv .jpg .jpeg .png .svg .svgz .html .txt .log .json .md .xlsx)")
	fs.StringVar(&c.DevUsersFile, "dev-users", env("DEV_USERS_FILE", ""), "dev users JSON file for sign-in without a jobs site (AIRLOCK_DEV_USERS_FILE)")
	fs.StringVar(&c.BackendName, "backend", env("BACKEND", "test backend"), "backend name shown in the header (AIRLOCK_BACKEND)")
	fs.StringVar(&idle, "session-idle", env("SESSION_IDLE", "336h"), "sessions end after this long without use (AIRLOCK_SESSION_IDLE)")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, flagError(err)
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, usagef("unexpected arguments %q: flags start with -; run 'airlock help' for the commands", fs.Args())
	}
	var err error
	if c.RequiredReviews, err = strconv.Atoi(reviews); err != nil || c.RequiredReviews < 2 {
		return nil, fmt.Errorf("required reviews must be a number of at least 2, got %q", reviews)
	}
	if c.SessionIdle, err = time.ParseDuration(idle); err != nil || c.SessionIdle <= 0 {
		return nil, fmt.Errorf("session idle must be a positive duration like 336h, got %q", idle)
	}
	c.FileTypes = strings.FieldsFunc(types, func(r rune) bool { return r == ',' || r == ' ' })
	if keys != "" {
		for _, k := range strings.Split(keys, ",") {
			b, err := hex.DecodeString(strings.TrimSpace(k))
			if err != nil {
				return nil, fmt.Errorf("session keys must be hex: %w", err)
			}
			c.SessionKeys = append(c.SessionKeys, b)
		}
		if len(c.SessionKeys[0]) < 32 {
			return nil, errors.New("the first session key (the hash key) must be at least 32 bytes")
		}
	}
	if c.WorkspaceDir == "" {
		c.WorkspaceDir = filepath.Join(c.WorkDir, "workspaces")
	}
	if c.RequestDir == "" {
		c.RequestDir = filepath.Join(c.WorkDir, "requests")
	}
	if c.DatabasePath == "" {
		c.DatabasePath = filepath.Join(c.WorkDir, "airlock.db")
	}
	c.Demo = c.JobsiteURL == ""
	if c.Demo && c.RepoDir == "" {
		c.RepoDir = filepath.Join(c.WorkDir, "repos")
	}
	if !c.Demo && c.JobsiteToken == "" {
		return nil, errors.New("a jobs-site URL needs a jobs-site token (AIRLOCK_JOBSITE_TOKEN)")
	}
	if c.ExternalURL == "" {
		c.ExternalURL = "http://" + c.Listen
	}
	return c, nil
}
