package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCmd runs the program with args and returns stdout, stderr and the exit code.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (string, string, int) {
	t.Helper()
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), append([]string{"airlock"}, args...), getenv, &out, &errOut)
	code := exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

// TestCommandLine checks the dispatch and the exit codes: 0 ok and -h,
// 1 failed, 2 usage.
func TestCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		output string // in stdout or stderr
	}{
		{"Help", []string{"help"}, 0, "audit "},
		{"HelpFlag", []string{"--help"}, 0, "serve "},
		{"HelpCommand", []string{"help", "audit"}, 0, "verify "},
		{"ServeHelp", []string{"-h"}, 0, "-listen"},
		{"ServeSubcommandHelp", []string{"serve", "-h"}, 0, "-jobsite-url"},
		{"AuditHelp", []string{"audit", "-h"}, 0, "print "},
		{"AuditVerbHelp", []string{"audit", "print", "-h"}, 0, "-exclude TYPE"},
		{"RequestHelp", []string{"request", "-h"}, 0, "set-status "},
		{"RequestCreateHelp", []string{"request", "create", "-h"}, 0, "-supporting-files FILE"},
		{"SetStatusHelp", []string{"request", "set-status", "-h"}, 0, "-yes"},
		{"RegularHelp", []string{"regular-requests", "-h"}, 0, "validate "},
		{"RegularRunHelp", []string{"regular-requests", "run", "-h"}, 0, "-file"},
		{"StatesHelp", []string{"states", "-h"}, 0, "-o"},
		{"ErrRequestNoVerb", []string{"request"}, 2, "needs one of the commands"},
		{"ErrUnknownCommand", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"ErrUnknownHelp", []string{"help", "frobnicate"}, 2, `unknown command "frobnicate"`},
		{"ErrServeFlag", []string{"-no-such-flag"}, 2, "flag provided but not defined: -no-such-flag"},
		{"ErrServeArgument", []string{"serve", "extra"}, 2, `unexpected arguments ["extra"]`},
		{"ErrServeConfig", []string{"-required-reviews", "1"}, 1, "at least 2"},
		{"ErrAuditNoVerb", []string{"audit"}, 2, "needs one of the commands"},
		{"ErrAuditUnknownVerb", []string{"audit", "delete"}, 2, `unknown command "delete"`},
		{"ErrAuditFlag", []string{"audit", "print", "-q"}, 2, "flag provided but not defined: -q"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := runCmd(t, nil, tc.args...)
			if code != tc.code || !strings.Contains(out+stderr, tc.output) {
				t.Fatalf("exit %d, want %d with %q:\nstdout: %s\nstderr: %s", code, tc.code, tc.output, out, stderr)
			}
			if strings.Count(stderr, "flag provided but not defined") > 1 {
				t.Errorf("the error is printed twice:\n%s", stderr)
			}
		})
	}
}
