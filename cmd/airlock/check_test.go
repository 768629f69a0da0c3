package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkFixtures are the files of testdata/checks, relative to the module
// root, without the one that cannot be checked.
func checkFixtures(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/checks/*")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden") && !strings.HasSuffix(f, ".bin") {
			out = append(out, f)
		}
	}
	if len(out) < 10 {
		t.Fatalf("only %d fixtures in testdata/checks", len(out))
	}
	return out
}

// TestCheckJSONGolden runs `airlock check --json` on the fixtures and
// compares its output with testdata/checks/check.json.golden, rewritten
// with the package's -update flag.
func TestCheckJSONGolden(t *testing.T) {
	t.Chdir("../..")
	files := checkFixtures(t)
	out, stderr, code := runCmd(t, nil, append([]string{"check", "--json"}, files...)...)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (some fixtures fail)\nstderr: %s", code, stderr)
	}
	var findings []map[string]any
	if err := json.Unmarshal([]byte(out), &findings); err != nil {
		t.Fatalf("output is not one JSON array: %v\n%s", err, out)
	}
	keys := []string{"column", "file", "message", "row", "rule", "severity", "sheet", "value"}
	for _, f := range findings {
		if len(f) != len(keys) {
			t.Fatalf("finding %v does not have exactly the fields %v", f, keys)
		}
		for _, k := range keys {
			if _, ok := f[k]; !ok {
				t.Fatalf("finding %v has no %q", f, k)
			}
		}
		if (f["row"] == nil) != (f["column"] == nil) && f["rule"] != "small-count" {
			t.Errorf("a table finding has a row without a column or the other way round: %v", f)
		}
	}
	golden := "testdata/checks/check.json.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/airlock -run CheckJSONGolden -update)", err)
	}
	if out != string(want) {
		t.Errorf("airlock check --json differs from %s (rerun with -update and review the diff):\n%s", golden, out)
	}
}

func TestCheckExitCodes(t *testing.T) {
	t.Chdir("../..")
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{name: "pass", args: []string{"check", "testdata/checks/clean.csv"}, code: 0, stdout: "clean.csv: pass"},
		{name: "review only", args: []string{"check", "testdata/checks/markers.csv", "testdata/checks/lonely.png"}, code: 0, stdout: "2 checked: 0 fail, 2 review, 0 pass."},
		{name: "fail", args: []string{"check", "testdata/checks/wide.csv"}, code: 1, stdout: "row 1, female: fail recoverable-suppression", stderr: "1 of 1 files have findings that fail"},
		{name: "json with nothing found", args: []string{"check", "--json", "testdata/checks/clean.csv"}, code: 0, stdout: "[]\n"},
		{name: "settings flag", args: []string{"check", "-rounding-base", "10", "testdata/checks/wide.csv"}, code: 1, stdout: "row 2, male: fail unrounded-count: 95 is not a multiple of 10"},
		{name: "settings from the environment", env: map[string]string{"AIRLOCK_SDC_REQUIRE_ROUNDING": "false"}, args: []string{"check", "testdata/checks/midpoint.csv"}, code: 0, stdout: "review unrounded-count"},
		{name: "extra marker", args: []string{"check", "--marker", "hidden", "--json", "testdata/checks/clean.csv"}, code: 0, stdout: "[]"},
		{name: "no files", args: []string{"check"}, code: 2, stderr: "name at least one file"},
		{name: "missing file", args: []string{"check", "testdata/checks/clean.csv", "testdata/checks/nope.csv"}, code: 2, stderr: "nope.csv: no such file or directory"},
		{name: "a directory", args: []string{"check", "testdata/checks"}, code: 2, stderr: "is a directory"},
		{name: "binary file", args: []string{"check", "testdata/checks/data.bin"}, code: 2, stderr: "cannot be checked"},
		{name: "bad flag", args: []string{"check", "--no-such-flag", "x.csv"}, code: 2, stderr: "flag provided but not defined"},
		{name: "bad setting", args: []string{"check", "-rounding-base", "0", "testdata/checks/clean.csv"}, code: 2, stderr: "rounding_base must be 1 or more"},
		{name: "bad environment", env: map[string]string{"AIRLOCK_SDC_SMALL_COUNT_MAX": "seven"}, args: []string{"check", "testdata/checks/clean.csv"}, code: 2, stderr: `AIRLOCK_SDC_SMALL_COUNT_MAX="seven" is not a whole number`},
		{name: "help", args: []string{"check", "-h"}, code: 0, stderr: "-zeros-are-disclosive"},
		{name: "listed in help", args: []string{"help"}, code: 0, stdout: "check "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			out, stderr, code := runCmd(t, getenv, tc.args...)
			if code != tc.code || !strings.Contains(out, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d; stdout wants %q, stderr %q\nstdout: %s\nstderr: %s", code, tc.code, tc.stdout, tc.stderr, out, stderr)
			}
		})
	}
}
