package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// auditCommands are the verbs of `airlock audit`.
var auditCommands = []command{
	{"verify", "check the hash chain of the audit log and name the first broken link", runAuditVerify},
	{"print", "print audit events, newest first, one per line", runAuditPrint},
}

// runAudit is `airlock audit verify|print`: the tamper-evident audit log
// (D12) read from the database the server writes.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return dispatch(ctx, "airlock audit", auditCommands, args, getenv, stdout, stderr)
}

// runAuditVerify walks the whole chain; a broken chain fails (exit 1).
func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock audit verify [flags]", stderr)
	dbPath := databaseFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print the outcome as one JSON object")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	db, err := openExistingDB(ctx, dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	n, verr := db.VerifyAudit(ctx)
	var broken *sqlite.ChainError
	if verr != nil && !errors.As(verr, &broken) {
		return fmt.Errorf("verify the audit log: %w", verr)
	}
	if *asJSON {
		out := struct {
			Intact   bool   `json:"intact"`
			Verified int    `json:"verified"`
			BrokenAt int64  `json:"broken_at,omitempty"`
			Reason   string `json:"reason,omitempty"`
		}{Intact: broken == nil, Verified: n}
		if broken != nil {
			out.BrokenAt, out.Reason = broken.EventID, broken.Reason
		}
		if err := json.NewEncoder(stdout).Encode(out); err != nil {
			return err
		}
	} else if broken == nil {
		fmt.Fprintf(stdout, "audit chain intact: %d events verified\n", n)
	}
	if broken != nil {
		return fmt.Errorf("%d events verified before the break: %w", n, broken)
	}
	return nil
}

// runAuditPrint prints the events the filters select, newest first.
func runAuditPrint(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("airlock audit print [-u user] [-w workspace] [-r request] [--exclude TYPE[,TYPE…]]… [flags]", stderr)
	dbPath := databaseFlag(fs, getenv)
	var f airlock.AuditFilter
	fs.StringVar(&f.User, "u", "", "only events by this user")
	fs.StringVar(&f.Workspace, "w", "", "only events in this workspace")
	fs.StringVar(&f.Request, "r", "", "only events of this request")
	fs.IntVar(&f.Limit, "n", 0, "at most this many events, the newest (0: all)")
	fs.Var((*eventTypes)(&f.Exclude), "exclude", "leave out events of this `TYPE`; repeat the flag or separate types by commas (e.g. WORKSPACE_FILE_VIEW,REQUEST_FILE_VIEW)")
	asJSON := fs.Bool("json", false, "print one JSON object per event")
	if err := parseFlagsOnly(fs, args[1:]); err != nil {
		return err
	}
	if f.Limit < 0 {
		fs.Usage()
		return usagef("-n must be 0 or more, got %d", f.Limit)
	}
	db, err := openExistingDB(ctx, dbPath())
	if err != nil {
		return err
	}
	defer db.Close()
	var events []*airlock.AuditEvent
	if err := db.View(ctx, func(tx airlock.Tx) error {
		events, err = tx.AuditEvents(f)
		return err
	}); err != nil {
		return fmt.Errorf("read the audit log: %w", err)
	}
	enc := json.NewEncoder(stdout)
	for _, e := range events {
		if *asJSON {
			if err := enc.Encode(jsonEvent(e)); err != nil {
				return err
			}
			continue
		}
		if _, err := fmt.Fprintln(stdout, formatEvent(e)); err != nil {
			return err
		}
	}
	return nil
}

// openExistingDB opens the database at path, refusing to create a new,
// empty one where an operator mistyped the path.
func openExistingDB(ctx context.Context, path string) (*sqlite.DB, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s: %w (use -db, -work-dir or AIRLOCK_DATABASE)", path, err)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// eventTypes is a flag.Value collecting known audit event types, from
// repeated flags or comma-separated lists, in any case.
type eventTypes []airlock.EventType

func (t *eventTypes) String() string {
	if t == nil {
		return ""
	}
	return joinTypes(*t)
}

func (t *eventTypes) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		e := airlock.EventType(strings.ToUpper(strings.TrimSpace(name)))
		if e == "" {
			continue
		}
		if known := airlock.EventTypes(); !slices.Contains(known, e) {
			return fmt.Errorf("unknown event type %q; the types are %s", name, joinTypes(known))
		}
		*t = append(*t, e)
	}
	return nil
}

var _ flag.Value = (*eventTypes)(nil)

func joinTypes(types []airlock.EventType) string {
	s := make([]string, len(types))
	for i, e := range types {
		s[i] = string(e)
	}
	return strings.Join(s, ",")
}

// formatEvent renders one event on one line, extras sorted by key.
func formatEvent(e *airlock.AuditEvent) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-34s user=%s workspace=%s", e.CreatedAt.Format("2006-01-02 15:04:05"), e.Type, e.User, e.Workspace)
	if e.Request != "" {
		fmt.Fprintf(&b, " request=%s", e.Request)
	}
	if e.Path != "" {
		fmt.Fprintf(&b, " path=%s", e.Path)
	}
	keys := make([]string, 0, len(e.Extra))
	for k := range e.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%q", k, e.Extra[k])
	}
	if e.Hidden {
		b.WriteString(" hidden=true")
	}
	return b.String()
}

// auditEventJSON is the --json shape of an event, for scripts.
type auditEventJSON struct {
	ID        int64             `json:"id"`
	CreatedAt time.Time         `json:"created_at"`
	Type      airlock.EventType `json:"type"`
	User      string            `json:"user"`
	Workspace string            `json:"workspace"`
	Request   string            `json:"request,omitempty"`
	Path      string            `json:"path,omitempty"`
	Extra     map[string]string `json:"extra,omitempty"`
	Hidden    bool              `json:"hidden,omitempty"`
	Hash      string            `json:"hash"`
}

func jsonEvent(e *airlock.AuditEvent) auditEventJSON {
	return auditEventJSON{ID: e.ID, CreatedAt: e.CreatedAt.UTC(), Type: e.Type, User: e.User, Workspace: e.Workspace,
		Request: e.Request, Path: e.Path, Extra: e.Extra, Hidden: e.Hidden, Hash: e.Hash}
}
