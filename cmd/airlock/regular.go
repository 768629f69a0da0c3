package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// regularCommands are the verbs of `airlock regular-requests`.
var regularCommands = []command{
	{"validate", "check the regular release requests file and show each entry", runRegularValidate},
	{"run", "make every regular release request now, each on its own", runRegularRun},
}

// runRegular is `airlock regular-requests validate|run`: the release
// requests made again every day from <work-dir>/regular_release_requests.json
// (reference §10.1), which serve also runs daily when
// AIRLOCK_REGULAR_REQUESTS_AT is set.
func runRegular(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "airlock regular-requests", regularCommands, args, getenv, stdout, stderr)
}

// regularFile is the path of the regular requests file: -file, else the
// one in the work directory.
func regularFile(file, workDir string) string {
	if file != "" {
		return file
	}
	return filepath.Join(workDir, airlock.RegularRequestsFile)
}

// readRegularRequests reads and checks the file; a missing file is no
// requests at all, as in the reference.
func readRegularRequests(path string) ([]airlock.RegularRequest, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the regular release requests: %w", err)
	}
	entries, err := airlock.ParseRegularRequests(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, plainError(err))
	}
	return entries, nil
}

// entryName names an entry for people: its number and workspace.
func entryName(i int, e airlock.RegularRequest) string {
	if e.Workspace == "" {
		return fmt.Sprintf("#%d (no workspace)", i+1)
	}
	return fmt.Sprintf("#%d %s", i+1, e.Workspace)
}

// runRegularValidate prints each entry: "Config OK" and its keys and
// values, or what is wrong with it. Any invalid entry fails (exit 1).
func runRegularValidate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock regular-requests validate [-file FILE] [-work-dir DIR] [--json]", stderr)
	workDir := fs.String("work-dir", cmp.Or(getenv("AIRLOCK_WORK_DIR"), "airlock-data"), "state directory, as for serve (AIRLOCK_WORK_DIR)")
	file := fs.String("file", "", "the file to check (default <work-dir>/"+airlock.RegularRequestsFile+")")
	asJSON := fs.Bool("json", false, "print one JSON object: the file and each entry, valid or with its errors")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	path := regularFile(*file, *workDir)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) && *file != "" {
		return fmt.Errorf("%s does not exist", path)
	}
	entries, err := readRegularRequests(path)
	if err != nil {
		return err
	}
	invalid := 0
	type entryJSON struct {
		Entry     int                        `json:"entry"`
		Workspace string                     `json:"workspace,omitempty"`
		Valid     bool                       `json:"valid"`
		Fields    map[string]json.RawMessage `json:"fields,omitempty"`
		Errors    []string                   `json:"errors,omitempty"`
	}
	report := struct {
		File    string      `json:"file"`
		Entries []entryJSON `json:"entries"`
	}{File: path, Entries: []entryJSON{}}
	if !*asJSON {
		if len(entries) == 0 {
			fmt.Fprintf(stdout, "No regular release requests in %s.\n", path)
		} else {
			fmt.Fprintf(stdout, "%d regular release %s in %s:\n", len(entries), plural(len(entries), "request", "requests"), path)
		}
	}
	for i, e := range entries {
		if e.Err != nil {
			invalid++
		}
		report.Entries = append(report.Entries, entryJSON{Entry: i + 1, Workspace: e.Workspace, Valid: e.Err == nil, Fields: e.Fields, Errors: e.Problems})
		if *asJSON {
			continue
		}
		fmt.Fprintf(stdout, "\n%s\n", entryName(i, e))
		if e.Err != nil {
			for _, p := range e.Problems {
				fmt.Fprintf(stdout, "  error: %s\n", p)
			}
			continue
		}
		fmt.Fprintln(stdout, "  Config OK")
		for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
			fmt.Fprintf(stdout, "  %s: %s\n", k, e.Fields[k])
		}
	}
	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(report); err != nil {
			return err
		}
	}
	if invalid > 0 {
		return fmt.Errorf("%d of %d regular release %s invalid", invalid, len(entries), plural(len(entries), "request is", "requests are"))
	}
	return nil
}

// runRegularRun makes every valid entry's request now, each on its own,
// and prints each outcome. Any entry that is invalid or fails fails the
// command (exit 1), after all the others have run.
func runRegularRun(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock regular-requests run [-file FILE] [--json] [flags]", stderr)
	settings := backendFlags(fs, getenv)
	file := fs.String("file", "", "the file to run (default <work-dir>/"+airlock.RegularRequestsFile+")")
	asJSON := fs.Bool("json", false, "print one JSON object per entry, one per line")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	path := regularFile(*file, settings.workDir)
	b, err := settings.open(ctx, commandLogger(stderr))
	if err != nil {
		return err
	}
	defer b.Close()
	enc := json.NewEncoder(stdout)
	n, failed, err := runRegularRequests(ctx, b.svc, b.roles, path, func(i int, res automatedResult) {
		if *asJSON {
			_ = enc.Encode(struct {
				Entry int `json:"entry"`
				automatedJSON
			}{i + 1, res.json()})
			return
		}
		fmt.Fprintf(stdout, "#%d ", i+1)
		res.print(stdout)
		if res.Err != nil {
			fmt.Fprintf(stdout, "  failed: %s\n", plainError(res.Err))
		}
	})
	if err != nil {
		return err
	}
	if n == 0 && !*asJSON {
		fmt.Fprintf(stdout, "No regular release requests in %s.\n", path)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d regular release %s failed", failed, n, plural(n, "request", "requests"))
	}
	return nil
}

// runRegularRequests makes every entry's request of the file, each on its
// own: an invalid entry, a refusal or even a panic in one never stops the
// rest. report gets each entry's result; it returns how many entries there
// were and how many failed.
func runRegularRequests(ctx context.Context, svc *review.Service, roles roleSource, path string,
	report func(i int, res automatedResult)) (n, failed int, err error) {
	entries, err := readRegularRequests(path)
	if err != nil {
		return 0, 0, err
	}
	for i, e := range entries {
		if ctx.Err() != nil {
			return i, failed, ctx.Err()
		}
		res := automatedResult{Request: e.AutomatedRequest, User: e.Username, Err: e.Err}
		if e.Err == nil {
			res = createAutomatedSafely(ctx, svc, roles, e.AutomatedRequest)
		}
		if res.Err != nil {
			failed++
		}
		report(i, res)
	}
	return len(entries), failed, nil
}

// createAutomatedSafely is createAutomated with a panic turned into the
// entry's error, so one entry cannot take the others (or the server) down.
func createAutomatedSafely(ctx context.Context, svc *review.Service, roles roleSource, ar airlock.AutomatedRequest) (res automatedResult) {
	defer func() {
		if p := recover(); p != nil {
			res = automatedResult{Request: ar, User: ar.Username, Err: fmt.Errorf("internal error: %v", p)}
		}
	}()
	return createAutomated(ctx, svc, roles, ar)
}

// logRegularResult logs one entry's outcome, for the server's daily run.
func logRegularResult(log *slog.Logger, i int, res automatedResult) {
	attrs := []any{"entry", i + 1, "workspace", res.Request.Workspace, "user", res.User}
	if o := res.Outcome; o != nil {
		attrs = append(attrs, "outcome", o.Message, "request", o.RequestID, "submitted", o.Submitted)
	}
	if res.Err != nil {
		log.Warn("regular release request failed", append(attrs, "err", plainError(res.Err))...)
		return
	}
	log.Info("regular release request", attrs...)
}

// nextDaily returns the first time after now at hour:minute, in now's
// time zone; across a change of clocks it is the wall-clock time.
func nextDaily(now time.Time, hour, minute int) time.Time {
	y, m, d := now.Date()
	next := time.Date(y, m, d, hour, minute, 0, 0, now.Location())
	if !next.After(now) {
		next = time.Date(y, m, d+1, hour, minute, 0, 0, now.Location())
	}
	return next
}

// runDailyRegularRequests runs the regular requests every day at the
// configured time until ctx ends, logging each entry's outcome. after is
// time.After, or a test's clock.
func (a *app) runDailyRegularRequests(ctx context.Context, after func(time.Duration) <-chan time.Time) {
	log := a.log.With("component", "regular-requests")
	path := filepath.Join(a.cfg.WorkDir, airlock.RegularRequestsFile)
	for {
		next := nextDaily(time.Now(), a.cfg.RegularAt.hour, a.cfg.RegularAt.minute)
		log.Info("next run of the regular release requests", "at", next.Format(time.RFC3339), "file", path)
		select {
		case <-ctx.Done():
			return
		case <-after(time.Until(next)):
		}
		n, failed, err := runRegularRequests(ctx, a.svc, a.auth, path, func(i int, res automatedResult) { logRegularResult(log, i, res) })
		if err != nil {
			log.Error("regular release requests not run", "err", err)
			continue
		}
		log.Info("regular release requests done", "requests", n, "failed", failed)
	}
}
