package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// mustAuditDB writes a database with three events (alice, bob, alice;
// the last a file view) and returns its path.
func mustAuditDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "airlock.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, e := range []airlock.AuditEvent{
		{Type: airlock.EventRequestCreate, User: "alice", Workspace: "w1", Request: "R1", Extra: map[string]string{"review_turn": "0"}},
		{Type: airlock.EventRequestCreate, User: "bob", Workspace: "w1", Request: "R2"},
		{Type: airlock.EventWorkspaceFileView, User: "alice", Workspace: "w1", Path: "out/a.csv"},
	} {
		if err := db.Update(ctx, func(tx airlock.Tx) error { return tx.Audit(&e) }); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	path := mustAuditDB(t)
	t.Run("OK", func(t *testing.T) {
		out, _, code := runCmd(t, nil, "audit", "verify", "-db", path)
		if code != 0 || !strings.Contains(out, "3 events verified") {
			t.Fatalf("exit %d, printed %q", code, out)
		}
	})
	t.Run("FromEnvironment", func(t *testing.T) {
		env := map[string]string{"AIRLOCK_WORK_DIR": filepath.Dir(path)}
		if out, stderr, code := runCmd(t, func(k string) string { return env[k] }, "audit", "verify"); code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, _, code := runCmd(t, nil, "audit", "verify", "-db", path, "--json")
		var got struct {
			Intact   bool
			Verified int
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || !got.Intact || got.Verified != 3 {
			t.Fatalf("exit %d, %q (%v)", code, out, err)
		}
	})
	t.Run("MissingDatabase", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "missing.db")
		_, stderr, code := runCmd(t, nil, "audit", "verify", "-db", missing)
		if code != 1 || !strings.Contains(stderr, "missing.db") {
			t.Fatalf("exit %d, stderr %q: a missing database should fail, not become a new empty one", code, stderr)
		}
		if _, _, code := runCmd(t, nil, "audit", "verify", "-db", missing); code != 1 {
			t.Fatal("the first attempt created the database")
		}
	})
	t.Run("Tampered", func(t *testing.T) {
		tampered := mustAuditDB(t)
		raw, err := sql.Open("sqlite", "file:"+tampered)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`DROP TRIGGER audit_events_no_update; UPDATE audit_events SET user = 'mallory' WHERE id = 2`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		_, stderr, code := runCmd(t, nil, "audit", "verify", "-db", tampered)
		if code != 1 || !strings.Contains(stderr, "1 events verified before the break") || !strings.Contains(stderr, "event 2") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		out, _, code := runCmd(t, nil, "audit", "verify", "-db", tampered, "-json")
		if code != 1 || !strings.Contains(out, `"intact":false`) || !strings.Contains(out, `"broken_at":2`) {
			t.Fatalf("exit %d, json %q", code, out)
		}
	})
}

func TestAuditPrint(t *testing.T) {
	t.Parallel()
	path := mustAuditDB(t)
	for _, tc := range []struct {
		name  string
		args  []string
		lines int
		not   string
	}{
		{"All", nil, 3, ""},
		{"User", []string{"-u", "alice"}, 2, "user=bob"},
		{"FlagsFirst", []string{"-u", "bob"}, 1, "user=alice"},
		{"Request", []string{"-r", "R2"}, 1, "R1"},
		{"Exclude", []string{"--exclude", "WORKSPACE_FILE_VIEW"}, 2, "WORKSPACE_FILE_VIEW"},
		{"ExcludeList", []string{"--exclude", "workspace_file_view,REQUEST_CREATE"}, 0, "user="},
		{"ExcludeRepeated", []string{"--exclude", "WORKSPACE_FILE_VIEW", "--exclude", "REQUEST_CREATE"}, 0, "user="},
		{"Limit", []string{"-n", "1"}, 1, "REQUEST_CREATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"audit", "print", "-db", path}, tc.args...)
			if tc.name == "FlagsFirst" {
				args = append([]string{"audit", "print"}, append(tc.args, "-db", path)...)
			}
			out, stderr, code := runCmd(t, nil, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if got := strings.Count(out, "\n"); got != tc.lines || (tc.not != "" && strings.Contains(out, tc.not)) {
				t.Fatalf("%d lines, want %d without %q:\n%s", got, tc.lines, tc.not, out)
			}
		})
	}
	t.Run("NewestFirst", func(t *testing.T) {
		out, _, _ := runCmd(t, nil, "audit", "print", "-db", path)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if !strings.Contains(lines[0], "WORKSPACE_FILE_VIEW") || !strings.Contains(lines[0], "path=out/a.csv") ||
			!strings.Contains(lines[2], `request=R1 review_turn="0"`) {
			t.Fatalf("not newest first with paths and extras:\n%s", out)
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, _, code := runCmd(t, nil, "audit", "print", "-db", path, "-u", "bob", "-json")
		var e struct {
			ID                        int64
			Type, User, Request, Hash string
		}
		if err := json.Unmarshal([]byte(out), &e); err != nil || code != 0 {
			t.Fatalf("exit %d, %q: %v", code, out, err)
		}
		if e.ID != 2 || e.Type != "REQUEST_CREATE" || e.User != "bob" || e.Request != "R2" || e.Hash == "" {
			t.Fatalf("json event = %+v", e)
		}
	})
	t.Run("ErrUnknownType", func(t *testing.T) {
		out, stderr, code := runCmd(t, nil, "audit", "print", "-db", path, "--exclude", "REQUEST_FILE_VEIW")
		if code != 2 || out != "" || !strings.Contains(stderr, `unknown event type "REQUEST_FILE_VEIW"`) || !strings.Contains(stderr, "REQUEST_FILE_VIEW") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, out, stderr)
		}
	})
	t.Run("ErrExtraArgument", func(t *testing.T) {
		if _, stderr, code := runCmd(t, nil, "audit", "print", "-db", path, "alice"); code != 2 || !strings.Contains(stderr, `unexpected arguments ["alice"]`) {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}
