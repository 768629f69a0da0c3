package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/airlock-project/airlock/workspaces/checks"
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
	// APIRate and APIBurst limit each API token's calls (per second, burst).
	APIRate        float64
	APIBurst       int
	TrustedProxies []netip.Prefix // reverse proxies whose X-Forwarded-For is believed
	Demo           bool           // no jobs site configured: run the in-process receiver (D14)
	DemoAsked      bool           // -demo or AIRLOCK_DEMO: demo mode was asked for, not only defaulted to
	// RegularAt is when the regular release requests run each day; off
	// unless configured.
	RegularAt dailyTime
	// Checks are the disclosure checks' settings (D17); FlagsAdvisory lets
	// open fail flags not block submitting.
	Checks        checks.Settings
	FlagsAdvisory bool
}

// dailyTime is a time of day, HH:MM in the server's time zone.
type dailyTime struct {
	set          bool
	hour, minute int
}

// parseDailyTime reads HH:MM; "" is off.
func parseDailyTime(s string) (dailyTime, error) {
	if s == "" {
		return dailyTime{}, nil
	}
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return dailyTime{}, fmt.Errorf("the time of the regular release requests must be HH:MM, such as 02:30, got %q", s)
	}
	return dailyTime{set: true, hour: t.Hour(), minute: t.Minute()}, nil
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
	var keys, types, reviews, idle, proxies, regularAt, apiRate, apiBurst string
	demo, err := strconv.ParseBool(env("DEMO", "false"))
	if err != nil {
		return nil, fmt.Errorf("AIRLOCK_DEMO must be 1 or 0 (or true or false), got %q", getenv("AIRLOCK_DEMO"))
	}
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
	fs.StringVar(&c.DevUsersFile, "dev-users", env("DEV_USERS_FILE", ""), "demo mode only: the users file to sign in from instead of the generated one (AIRLOCK_DEV_USERS_FILE)")
	fs.BoolVar(&c.DemoAsked, "demo", demo, "run the demo (sample data, demo users, the jobs site in-process) also with production settings or a non-loopback listen address (AIRLOCK_DEMO=1)")
	fs.StringVar(&c.BackendName, "backend", env("BACKEND", "test backend"), "backend name shown in the header (AIRLOCK_BACKEND)")
	fs.StringVar(&idle, "session-idle", env("SESSION_IDLE", "336h"), "sessions end after this long without use (AIRLOCK_SESSION_IDLE)")
	fs.StringVar(&apiRate, "api-rate", env("API_RATE", "10"), "API calls a second each token may make (AIRLOCK_API_RATE)")
	fs.StringVar(&apiBurst, "api-burst", env("API_BURST", "50"), "API calls each token may make at once, above the rate (AIRLOCK_API_BURST)")
	fs.StringVar(&proxies, "trusted-proxies", env("TRUSTED_PROXIES", ""), "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed (AIRLOCK_TRUSTED_PROXIES; default none)")
	fs.StringVar(&regularAt, "regular-requests-at", env("REGULAR_REQUESTS_AT", ""), "make the release requests of <work-dir>/regular_release_requests.json every day at this time, HH:MM in the server's time zone (AIRLOCK_REGULAR_REQUESTS_AT; default off)")
	sdc := sdcFlags(fs, getenv)
	advisory, err := strconv.ParseBool(env("SDC_FLAGS_ADVISORY", "false"))
	if err != nil {
		return nil, fmt.Errorf("AIRLOCK_SDC_FLAGS_ADVISORY must be true or false, got %q", getenv("AIRLOCK_SDC_FLAGS_ADVISORY"))
	}
	fs.BoolVar(&c.FlagsAdvisory, "flags-advisory", advisory, "fail flags of the disclosure checks do not block submitting (AIRLOCK_SDC_FLAGS_ADVISORY)")
	if err := fs.Parse(args[1:]); err != nil {
		return nil, flagError(err)
	}
	if c.Checks, err = sdc(); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return nil, usagef("unexpected arguments %q: flags start with -; run 'airlock help' for the commands", fs.Args())
	}
	if c.RequiredReviews, err = strconv.Atoi(reviews); err != nil || c.RequiredReviews < 2 {
		return nil, fmt.Errorf("required reviews must be a number of at least 2, got %q", reviews)
	}
	if c.SessionIdle, err = time.ParseDuration(idle); err != nil || c.SessionIdle <= 0 {
		return nil, fmt.Errorf("session idle must be a positive duration like 336h, got %q", idle)
	}
	if c.APIRate, err = strconv.ParseFloat(apiRate, 64); err != nil || !(c.APIRate > 0) || math.IsInf(c.APIRate, 0) {
		return nil, fmt.Errorf("API rate must be a positive number of calls a second, like 10 or 0.5, got %q", apiRate)
	}
	if c.APIBurst, err = strconv.Atoi(apiBurst); err != nil || c.APIBurst < 1 {
		return nil, fmt.Errorf("API burst must be a whole number of calls of at least 1, got %q", apiBurst)
	}
	if c.RegularAt, err = parseDailyTime(regularAt); err != nil {
		return nil, err
	}
	if c.TrustedProxies, err = parseTrustedProxies(proxies); err != nil {
		return nil, err
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
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if err := c.chooseMode(func(flagName, envName string) bool { return given[flagName] || getenv("AIRLOCK_"+envName) != "" }); err != nil {
		return nil, err
	}
	if c.Demo && c.RepoDir == "" {
		c.RepoDir = filepath.Join(c.WorkDir, "repos")
	}
	if c.ExternalURL == "" {
		c.ExternalURL = "http://" + c.Listen
	}
	return c, nil
}

// productionSettings are the settings of a real installation: given without
// a jobs site, they mean a forgotten AIRLOCK_JOBSITE_URL, not a demo.
var productionSettings = []struct{ flag, env string }{
	{"workspace-dir", "WORKSPACE_DIR"},
	{"request-dir", "REQUEST_DIR"},
	{"db", "DATABASE"},
	{"external-url", "EXTERNAL_URL"},
	{"session-keys", "SESSION_KEYS"},
}

// chooseMode decides between production and demo mode (D14). With a jobs
// site it is production, and dev users are refused. Without one it is the
// demo, but only when nothing suggests a real installation: any production
// setting, a listen address that is not loopback, or a dev users file
// needs -demo, so a production instance that forgets its jobs-site URL
// refuses to start instead of offering demo sign-ins. given reports
// whether a setting was given as a flag or in the environment.
func (c *config) chooseMode(given func(flagName, envName string) bool) error {
	const jobsite = "AIRLOCK_JOBSITE_URL (-jobsite-url)"
	if c.JobsiteURL != "" {
		switch {
		case c.DemoAsked:
			return fmt.Errorf("-demo (AIRLOCK_DEMO) runs the demo's own jobs site, so it cannot be combined with %s; remove one of them", jobsite)
		case c.DevUsersFile != "":
			return fmt.Errorf("AIRLOCK_DEV_USERS_FILE (-dev-users) signs people in without the jobs site, which only demo mode allows, and %s is set; remove the dev users file", jobsite)
		case c.JobsiteToken == "":
			return errors.New("a jobs-site URL needs a jobs-site token (AIRLOCK_JOBSITE_TOKEN, -jobsite-token)")
		}
		return nil
	}
	c.Demo = true
	if c.DemoAsked {
		return nil
	}
	var named []string
	for _, s := range productionSettings {
		if given(s.flag, s.env) {
			named = append(named, fmt.Sprintf("AIRLOCK_%s (-%s)", s.env, s.flag))
		}
	}
	if !isLoopback(c.Listen) {
		named = append(named, fmt.Sprintf("AIRLOCK_LISTEN (-listen) %q (not a loopback address)", c.Listen))
	}
	if c.DevUsersFile != "" {
		named = append(named, "AIRLOCK_DEV_USERS_FILE (-dev-users)")
	}
	if len(named) == 0 {
		return nil
	}
	return fmt.Errorf("no jobs site is configured, but %s %s given. "+
		"To run for real, set %s and AIRLOCK_JOBSITE_TOKEN (-jobsite-token); to run the demo with %s, add -demo (AIRLOCK_DEMO=1)",
		strings.Join(named, " and "), plural(len(named), "is", "are"), jobsite, plural(len(named), "it", "them"))
}

// isLoopback reports whether a listen address only accepts connections
// from this machine. An empty host means every interface.
func isLoopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// parseTrustedProxies reads a comma-separated list of addresses and CIDRs.
func parseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' }) {
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(item); err == nil {
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		} else {
			return nil, fmt.Errorf("trusted proxies: %q is neither an address nor a CIDR such as 10.0.0.0/24", item)
		}
	}
	return out, nil
}
