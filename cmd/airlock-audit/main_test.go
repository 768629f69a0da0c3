package main

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

func TestVerifyAndPrint(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "airlock.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"alice", "bob", "alice"} {
		if err := db.Update(ctx, func(tx airlock.Tx) error {
			return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestCreate, User: u, Workspace: "w1", Request: "R1",
				Extra: map[string]string{"review_turn": "0"}})
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	env := func(string) string { return "" }

	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"-db", path, "verify"}, env, &out, &errOut); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !strings.Contains(out.String(), "3 events verified") {
		t.Fatalf("verify printed %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"-db", path, "print", "-u", "alice"}, env, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines != 2 || strings.Contains(out.String(), "user=bob") {
		t.Fatalf("print -u alice:\n%s", out.String())
	}

	raw, _ := sql.Open("sqlite", "file:"+path)
	if _, err := raw.Exec(`DROP TRIGGER audit_events_no_update; UPDATE audit_events SET user = 'mallory' WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	err = run(ctx, []string{"-db", path, "verify"}, env, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "event 2") {
		t.Fatalf("verify after tampering: %v", err)
	}
	if err := run(ctx, []string{"-db", filepath.Join(t.TempDir(), "missing.db"), "verify"}, env, &out, &errOut); err == nil {
		t.Fatal("a missing database should be an error, not a new empty one")
	}
}
