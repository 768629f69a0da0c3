package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
)

// A command is one subcommand of the airlock binary. Its run gets the
// arguments from its own name on (args[0] is the command's name), like run
// itself, and returns a *usageError for a wrong command line (exit 2) and
// any other error when it was refused or failed (exit 1).
//
// A new subcommand is one file, cmd/airlock/<name>.go, holding its run
// function, and one line in the table below. Subcommands with verbs of
// their own (`audit verify`, `audit print`) dispatch over a table of their
// own with dispatch.
type command struct {
	name    string
	summary string
	run     commandFunc
}

// commandFunc has the signature of run: Mat Ryer's, without stdin.
type commandFunc func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the subcommands of the airlock binary; serve is the
// default. They are set in init because their help lists them.
var commands []command

func init() {
	commands = []command{
		{"serve", "run the web application (the default when no command is given)", runServe},
		{"audit", "verify or print the tamper-evident audit log", runAudit},
		{"check", "run the disclosure checks on output files before asking for release", runCheck},
		{"regular-requests", "check or run the regular release requests of the work directory", runRegular},
		{"request", "create a release request from directories, or end a stuck one", runRequest},
		{"states", "write the request state diagram (Mermaid) into docs/", runStates},
		{"token", "make, list or revoke API tokens, for automation accounts", runToken},
	}
}

// dispatch runs the command of cmds named by args[1]; prog is the command
// line so far ("airlock", "airlock audit") for help and errors. `help`,
// `-h` and `--help` list the commands; `help NAME` shows a command's help.
func dispatch(ctx context.Context, prog string, cmds []command, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		printCommands(stderr, prog, cmds)
		return usagef("%s needs one of the commands above", prog)
	}
	name := args[1]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 2 && name == "help" {
			if c, ok := findCommand(cmds, args[2]); ok {
				return c.run(ctx, []string{c.name, "-h"}, getenv, stdout, stderr)
			}
			printCommands(stderr, prog, cmds)
			return usagef("unknown command %q", args[2])
		}
		printCommands(stdout, prog, cmds)
		return nil
	}
	if c, ok := findCommand(cmds, name); ok {
		return c.run(ctx, args[1:], getenv, stdout, stderr)
	}
	printCommands(stderr, prog, cmds)
	return usagef("unknown command %q (run '%s help')", name, prog)
}

func findCommand(cmds []command, name string) (command, bool) {
	for _, c := range cmds {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// printCommands lists cmds, one per line with its summary.
func printCommands(w io.Writer, prog string, cmds []command) {
	fmt.Fprintf(w, "usage: %s <command> [flags]\n\ncommands:\n", prog)
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun '%s <command> -h' for a command's flags.\n", prog)
}

// usageError is a command line that is wrong: an unknown command or flag,
// a missing or extra argument. The program exits with status 2.
type usageError struct {
	err   error
	shown bool // the flag package has printed it with the usage already
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usage error with the formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// exitCode reports err on stderr and returns the exit status: 0 for
// success and for -h, 2 for a wrong command line, 1 for anything refused
// or failed.
func exitCode(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var usage *usageError
	if errors.As(err, &usage) {
		if !usage.shown {
			fmt.Fprintln(stderr, "airlock:", err)
		}
		return 2
	}
	fmt.Fprintln(stderr, "airlock:", err)
	return 1
}

// flagError makes an error of flag.FlagSet.Parse, which has printed it
// with the usage, a usage error; -h stays flag.ErrHelp.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &usageError{err: err, shown: true}
}

// printServeUsage is the help of `airlock` and `airlock serve`: the
// commands, then the server's flags.
func printServeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintln(w, "usage: airlock [serve] [flags]\n       airlock <command> [flags]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-18s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nserve flags (each also read from the environment variable named in brackets):")
	fs.PrintDefaults()
}

// newFlagSet returns a flag set whose -h prints the synopsis (the command
// line with its arguments, "airlock audit print [flags]") and the flags.
func newFlagSet(synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(synopsis, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n", synopsis)
		var hasFlags bool
		fs.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintln(stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args (without the command's name), allowing flags
// before, between and after the positional arguments, which it returns.
// Everything after "--" is positional. A bad flag is a usage error; -h
// returns flag.ErrHelp after printing the usage.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(err)
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional, args = append(positional, rest[0]), rest[1:]
	}
}

// parseFlagsOnly parses args for a command that takes flags only.
func parseFlagsOnly(fs *flag.FlagSet, args []string) error {
	positional, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	return wantArgs(fs, positional, 0)
}

// wantArgs checks the number of positional arguments.
func wantArgs(fs *flag.FlagSet, positional []string, n int) error {
	if len(positional) == n {
		return nil
	}
	fs.Usage()
	if len(positional) < n {
		return usagef("%s: missing arguments", fs.Name())
	}
	return usagef("%s: unexpected arguments %q", fs.Name(), positional[n:])
}

// databaseFlag adds -db and -work-dir to fs, with the same environment
// variables and defaults as serve, and returns the database path they name.
func databaseFlag(fs *flag.FlagSet, getenv func(string) string) func() string {
	workDir := fs.String("work-dir", cmp.Or(getenv("AIRLOCK_WORK_DIR"), "airlock-data"), "state directory (AIRLOCK_WORK_DIR)")
	db := fs.String("db", getenv("AIRLOCK_DATABASE"), "SQLite database file (AIRLOCK_DATABASE; default <work-dir>/airlock.db)")
	return func() string {
		if *db != "" {
			return *db
		}
		return filepath.Join(*workDir, "airlock.db")
	}
}
