package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStartupRefusesAccidentalDemo runs the program with production
// settings but no jobs-site URL. Before, each started the demo, printing
// demo tokens and offering a user switcher with output checkers (issue 9,
// item 7); now each refuses to start, naming the setting, and writes
// nothing.
func TestStartupRefusesAccidentalDemo(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string // in the error
	}{
		{"WorkspaceDir", map[string]string{"AIRLOCK_WORKSPACE_DIR": "/srv/workspaces"}, nil, "AIRLOCK_WORKSPACE_DIR (-workspace-dir)"},
		{"RequestDir", nil, []string{"-request-dir", "/srv/requests"}, "AIRLOCK_REQUEST_DIR (-request-dir)"},
		{"Database", map[string]string{"AIRLOCK_DATABASE": "/srv/airlock.db"}, nil, "AIRLOCK_DATABASE (-db)"},
		{"ExternalURL", map[string]string{"AIRLOCK_EXTERNAL_URL": "https://airlock.example.org"}, nil, "AIRLOCK_EXTERNAL_URL (-external-url)"},
		{"SessionKeys", map[string]string{"AIRLOCK_SESSION_KEYS": key}, nil, "AIRLOCK_SESSION_KEYS (-session-keys)"},
		{"ListenAll", map[string]string{"AIRLOCK_LISTEN": ":8000"}, nil, `AIRLOCK_LISTEN (-listen) ":8000" (not a loopback address)`},
		{"ListenPublic", nil, []string{"-listen", "0.0.0.0:8000"}, `"0.0.0.0:8000" (not a loopback address)`},
		{"DevUsers", map[string]string{"AIRLOCK_DEV_USERS_FILE": "users.json"}, nil, "AIRLOCK_DEV_USERS_FILE (-dev-users)"},
		{"Two", map[string]string{"AIRLOCK_DATABASE": "/srv/airlock.db", "AIRLOCK_LISTEN": "10.0.0.5:443"}, nil, "AIRLOCK_DATABASE (-db) and AIRLOCK_LISTEN"},
		{"DevUsersWithJobsite", map[string]string{"AIRLOCK_JOBSITE_URL": "https://jobs.example.org/api/v2", "AIRLOCK_JOBSITE_TOKEN": "t",
			"AIRLOCK_DEV_USERS_FILE": "users.json"}, nil, "only demo mode allows"},
		{"DemoWithJobsite", map[string]string{"AIRLOCK_JOBSITE_URL": "https://jobs.example.org/api/v2", "AIRLOCK_JOBSITE_TOKEN": "t"},
			[]string{"-demo"}, "cannot be combined with AIRLOCK_JOBSITE_URL"},
		{"DemoNotABool", map[string]string{"AIRLOCK_DEMO": "please"}, nil, "AIRLOCK_DEMO must be 1 or 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			work := filepath.Join(t.TempDir(), "data")
			env := map[string]string{"AIRLOCK_WORK_DIR": work}
			for k, v := range tc.env {
				env[k] = v
			}
			// A start that is not refused serves until the deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"airlock"}, tc.args...), func(k string) string { return env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("run = %v, want a refusal naming %q", err, tc.want)
			}
			if strings.Contains(tc.name, "Jobsite") || tc.name == "DemoNotABool" {
				return
			}
			if !strings.Contains(err.Error(), "add -demo (AIRLOCK_DEMO=1)") || !strings.Contains(err.Error(), "AIRLOCK_JOBSITE_URL") {
				t.Errorf("the refusal does not say how to go on: %v", err)
			}
			if _, err := os.Stat(work); !os.IsNotExist(err) {
				t.Errorf("a refused start created the work dir (%v)", err)
			}
		})
	}
}

// TestConfigDemoMode checks when demo mode is on: with no configuration,
// on loopback addresses, and when asked for with -demo or AIRLOCK_DEMO=1,
// also with production settings; never with a jobs site.
func TestConfigDemoMode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		demo bool
	}{
		{"NoConfiguration", nil, nil, true},
		{"WorkDir", map[string]string{"AIRLOCK_WORK_DIR": "/tmp/x"}, nil, true},
		{"Localhost", map[string]string{"AIRLOCK_LISTEN": "localhost:9000"}, nil, true},
		{"IPv6Loopback", nil, []string{"-listen", "[::1]:9000"}, true},
		{"Policy", map[string]string{"AIRLOCK_REQUIRED_REVIEWS": "3", "AIRLOCK_BACKEND": "Demo TRE"}, nil, true},
		{"DemoFlagPublic", nil, []string{"-demo", "-listen", "0.0.0.0:8000"}, true},
		{"DemoEnvDatabase", map[string]string{"AIRLOCK_DEMO": "1", "AIRLOCK_DATABASE": "/tmp/demo.db"}, nil, true},
		{"DemoDevUsers", map[string]string{"AIRLOCK_DEV_USERS_FILE": "users.json"}, []string{"-demo"}, true},
		{"Jobsite", map[string]string{"AIRLOCK_JOBSITE_URL": "https://jobs.example.org/api/v2", "AIRLOCK_JOBSITE_TOKEN": "t",
			"AIRLOCK_LISTEN": ":8000", "AIRLOCK_DATABASE": "/srv/airlock.db"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := parseConfig(append([]string{"airlock"}, tc.args...), func(k string) string { return tc.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			if c.Demo != tc.demo {
				t.Errorf("demo mode = %v, want %v", c.Demo, tc.demo)
			}
		})
	}
}
