package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// writeRegular writes the work directory's regular requests file.
func writeRegular(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, airlock.RegularRequestsFile), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// regularMixed has, in order: a valid entry, an invalid one, a valid one
// that the service refuses, and a valid one without a username.
const regularMixed = `[
  {"username": "researcher", "workspace_name": "cardiac-main", "dirs": ["output/tables"], "context": "Tables", "controls": "Rounded", "submit": true},
  {"username": "researcher", "workspace_name": "cardiac-main", "dirs": "output", "colour": "blue", "submit": true},
  {"username": "researcher", "workspace_name": "cardiac-sensitivity", "dirs": ["output/nope"]},
  {"username": null, "workspace_name": "vaccine-uptake", "dirs": ["output"], "supporting_files": ["output/summary.md"]}
]`

func TestRegularRequestsValidate(t *testing.T) {
	t.Parallel()
	dir, env := mustBackendDir(t)
	t.Run("NoFile", func(t *testing.T) {
		out, stderr, code := runCmd(t, env, "regular-requests", "validate")
		if code != 0 || !strings.Contains(out, "No regular release requests in") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		if _, stderr, code := runCmd(t, env, "regular-requests", "validate", "-file", filepath.Join(dir, "missing.json")); code != 1 || !strings.Contains(stderr, "does not exist") {
			t.Fatalf("a named file that is missing: exit %d: %s", code, stderr)
		}
	})
	t.Run("Mixed", func(t *testing.T) {
		writeRegular(t, dir, regularMixed)
		out, stderr, code := runCmd(t, env, "regular-requests", "validate")
		if code != 1 || !strings.Contains(stderr, "1 of 4 regular release requests are invalid") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		for _, want := range []string{
			"4 regular release requests in",
			"#1 cardiac-main\n  Config OK\n  context: \"Tables\"\n  controls: \"Rounded\"\n  dirs: [\"output/tables\"]",
			"#2 cardiac-main\n  error: unknown key \"colour\"",
			"  error: \"dirs\" must be a list of strings, not a string",
			"  error: \"context\" and \"controls\" must both be given",
			"#3 cardiac-sensitivity\n  Config OK",
			"#4 vaccine-uptake\n  Config OK\n  dirs: [\"output\"]",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("no %q in:\n%s", want, out)
			}
		}
		out, _, code = runCmd(t, env, "regular-requests", "validate", "--json")
		var got struct {
			File    string
			Entries []struct {
				Entry     int
				Workspace string
				Valid     bool
				Errors    []string
			}
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 1 || len(got.Entries) != 4 {
			t.Fatalf("exit %d, %q: %v", code, out, err)
		}
		if e := got.Entries[1]; e.Valid || len(e.Errors) != 3 || e.Entry != 2 {
			t.Errorf("entry 2: %+v, want its three errors", e)
		}
		if e := got.Entries[0]; !e.Valid || e.Errors != nil {
			t.Errorf("entry 1: %+v", e)
		}
	})
	t.Run("ErrNotAList", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "x.json")
		if err := os.WriteFile(p, []byte(`{"username": "a"}`), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, stderr, code := runCmd(t, env, "regular-requests", "validate", "-file", p); code != 1 || !strings.Contains(stderr, "must be a JSON list of requests: it is a JSON object") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}

// TestRegularRequestsRun checks every entry runs on its own: the invalid
// and the refused ones fail and are reported, the others are made.
func TestRegularRequestsRun(t *testing.T) {
	t.Parallel()
	dir, env := mustBackendDir(t)
	writeRegular(t, dir, regularMixed)
	out, stderr, code := runCmd(t, env, "regular-requests", "run")
	if code != 1 || !strings.Contains(stderr, "2 of 4 regular release requests failed") {
		t.Fatalf("exit %d:\n%s---\n%s", code, out, stderr)
	}
	for _, want := range []string{
		"#1 cardiac-main, as researcher: Success, submitted",
		"#2 cardiac-main, as researcher: not made\n  failed: unknown key \"colour\"",
		"#3 cardiac-sensitivity, as researcher: not made\n  failed: output/nope is not a directory of workspace cardiac-sensitivity.",
		"#4 vaccine-uptake, as researcher (the user of the latest output): Success, not submitted",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in:\n%s", want, out)
		}
	}
	if r := theRequest(t, dir, "researcher", "cardiac-main"); r == nil || r.Status != airlock.StatusSubmitted {
		t.Errorf("cardiac-main: %+v", r)
	}
	r := theRequest(t, dir, "researcher", "vaccine-uptake")
	if r == nil || len(r.OutputFiles()) != 2 || r.File("output/summary.md").Type != airlock.FileSupporting {
		t.Fatalf("vaccine-uptake: %+v", r)
	}
	// The next day: the submitted one is already submitted, the other is unchanged.
	out, _, _ = runCmd(t, env, "regular-requests", "run", "--json")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines of JSON, want one per entry:\n%s", len(lines), out)
	}
	var first automatedJSON
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Completed || first.Message != "Already submitted" {
		t.Errorf("entry 1 on the second run: %s (%v)", lines[0], err)
	}
}

func TestNextDaily(t *testing.T) {
	t.Parallel()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, tc := range []struct {
		name      string
		now       time.Time
		hour, min int
		want      time.Time
	}{
		{"LaterToday", time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC), 2, 30, time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC)},
		{"Tomorrow", time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), 2, 30, time.Date(2026, 3, 3, 2, 30, 0, 0, time.UTC)},
		{"AtTheTimeIsTomorrow", time.Date(2026, 3, 2, 2, 30, 0, 0, time.UTC), 2, 30, time.Date(2026, 3, 3, 2, 30, 0, 0, time.UTC)},
		{"EndOfYear", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), 0, 5, time.Date(2027, 1, 1, 0, 5, 0, 0, time.UTC)},
		{"ClocksGoForward", time.Date(2026, 3, 28, 12, 0, 0, 0, london), 12, 0, time.Date(2026, 3, 29, 12, 0, 0, 0, london)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextDaily(tc.now, tc.hour, tc.min); !got.Equal(tc.want) {
				t.Errorf("nextDaily(%v, %02d:%02d) = %v, want %v", tc.now, tc.hour, tc.min, got, tc.want)
			}
		})
	}
}

func TestParseDailyTime(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]dailyTime{"": {}, "02:30": {true, 2, 30}, "23:59": {true, 23, 59}, " 7:05 ": {true, 7, 5}} {
		got, err := parseDailyTime(in)
		if err != nil || got != want {
			t.Errorf("parseDailyTime(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"25:00", "2pm", "02:30:00"} {
		if _, err := parseConfig([]string{"airlock", "-regular-requests-at", bad}, func(string) string { return "" }, io.Discard); err == nil || !strings.Contains(err.Error(), "HH:MM") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestServeRunsRegularRequests runs the server with the daily run
// configured and a clock that reaches the time at once: the requests are
// made and each outcome is logged. Without the setting nothing runs.
func TestServeRunsRegularRequests(t *testing.T) {
	t.Parallel()
	for _, configured := range []bool{true, false} {
		dir := t.TempDir()
		args := []string{"airlock", "-work-dir", dir, "-listen", "127.0.0.1:0"}
		if configured {
			args = append(args, "-regular-requests-at", "02:30")
		}
		cfg, err := parseConfig(args, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		logs := &syncBuffer{}
		a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		writeRegular(t, dir, `[{"username": "researcher", "workspace_name": "cardiac-sensitivity", "dirs": ["output"]}, {"username": "researcher", "workspace_name": "nowhere", "dirs": ["output"]}]`)
		ticks := make(chan time.Time, 1)
		ticks <- time.Now()
		waited := make(chan time.Duration, 10)
		after := func(d time.Duration) <-chan time.Time { waited <- d; return ticks }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.serveWith(ctx, io.Discard, after) }()
		if configured {
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(logs.String(), "regular release requests done") && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		} else {
			time.Sleep(200 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		a.Close()
		got := logs.String()
		if !configured {
			if strings.Contains(got, "regular") || len(waited) != 0 {
				t.Errorf("ran without being configured:\n%s", got)
			}
			continue
		}
		for _, want := range []string{
			`msg="next run of the regular release requests"`,
			`msg="regular release request" component=regular-requests entry=1 workspace=cardiac-sensitivity user=researcher outcome=Success`,
			`msg="regular release request failed" component=regular-requests entry=2 workspace=nowhere`,
			`msg="regular release requests done" component=regular-requests requests=2 failed=1`,
		} {
			if !strings.Contains(got, want) {
				t.Errorf("no %s in the log:\n%s", want, got)
			}
		}
		if d := <-waited; d <= 0 || d > 24*time.Hour {
			t.Errorf("waited %v for the first run, want until the next 02:30", d)
		}
	}
}
