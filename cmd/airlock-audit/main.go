// Command airlock-audit verifies and prints airlock's tamper-evident audit log.
//
//	airlock-audit -db airlock.db verify
//	airlock-audit -db airlock.db print [-u user] [-w workspace] [-r request] [-n limit]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "airlock-audit:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("airlock-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", getenv("AIRLOCK_DATABASE"), "path of the airlock database (env AIRLOCK_DATABASE)")
	user := fs.String("u", "", "print: only events by this user")
	workspace := fs.String("w", "", "print: only events in this workspace")
	request := fs.String("r", "", "print: only events of this request")
	limit := fs.Int("n", 0, "print: at most this many events, newest first (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: airlock-audit -db PATH verify | print [-u USER] [-w WORKSPACE] [-r REQUEST] [-n N]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := fs.Arg(0)
	if err := fs.Parse(fs.Args()[min(1, fs.NArg()):]); err != nil { // flags may follow the command
		return err
	}
	if *dbPath == "" {
		fs.Usage()
		return errors.New("no database given: use -db or AIRLOCK_DATABASE")
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return fmt.Errorf("database %s: %w", *dbPath, err)
	}
	db, err := sqlite.Open(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	switch cmd {
	case "verify":
		n, err := db.VerifyAudit(ctx)
		if err != nil {
			return fmt.Errorf("%d events verified before the break: %w", n, err)
		}
		fmt.Fprintf(stdout, "audit chain intact: %d events verified\n", n)
		return nil
	case "print":
		return db.View(ctx, func(tx airlock.Tx) error {
			events, err := tx.AuditEvents(airlock.AuditFilter{User: *user, Workspace: *workspace, Request: *request, Limit: *limit})
			if err != nil {
				return err
			}
			for _, e := range events {
				fmt.Fprintln(stdout, formatEvent(e))
			}
			return nil
		})
	}
	fs.Usage()
	return fmt.Errorf("unknown command %q", cmd)
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
