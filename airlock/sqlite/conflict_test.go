package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestConflictMessagesCoverSchema fails when a migration adds a unique
// index (or PRIMARY KEY) without deciding, in conflictMessages, what a
// person sees when a write breaks it, or when an entry names an index that
// no longer exists.
func TestConflictMessagesCoverSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenInternal(t)
	rows, err := db.reader.QueryContext(ctx, `SELECT il.name FROM sqlite_schema m JOIN pragma_index_list(m.name) il
		WHERE m.type = 'table' AND il."unique" = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var indexes []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, name)
		if _, ok := conflictMessages[name]; !ok {
			t.Errorf("unique index %s has no entry in conflictMessages (airlock/sqlite/sqlite.go): say what a person sees when a write breaks it, or \"\" if only a bug could", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range conflictMessages {
		if !slices.Contains(indexes, name) {
			t.Errorf("conflictMessages names %s, which the schema does not have", name)
		}
	}
	if got := db.uniqueIndexes["requests.workspace, requests.author"]; got != "requests_one_open" {
		t.Errorf("the open-request index is found as %q", got)
	}
}

// mustOpenInternal opens a fresh database for the tests that need the
// unexported parts.
func mustOpenInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestViolatedIndex(t *testing.T) {
	t.Parallel()
	db := &DB{uniqueIndexes: map[string]string{"requests.workspace, requests.author": "requests_one_open"}}
	for msg, want := range map[string]string{
		"constraint failed: UNIQUE constraint failed: requests.workspace, requests.author (2067)": "requests_one_open",
		"UNIQUE constraint failed: requests.workspace, requests.author":                           "requests_one_open",
		"constraint failed: UNIQUE constraint failed: index 'by_lower_name' (2067)":               "by_lower_name",
		"constraint failed: UNIQUE constraint failed: audit_events.id (1555)":                     "",
		"something else entirely": "",
	} {
		if got := db.violatedIndex(msg); got != want {
			t.Errorf("violatedIndex(%q) = %q, want %q", msg, got, want)
		}
	}
}

// TestConflictWithoutMessageIsInternal checks that breaking an index only
// a bug could break is not told to a person as their conflict.
func TestConflictWithoutMessageIsInternal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := mustOpenInternal(t)
	r := &airlock.Request{ID: "R1", Workspace: "w1", Author: "alice", Status: airlock.StatusWithdrawn}
	create := func() error { return db.Update(ctx, func(tx airlock.Tx) error { return tx.CreateRequest(r) }) }
	if err := create(); err != nil {
		t.Fatal(err)
	}
	err := create() // the same id again
	var coded *airlock.Error
	if err == nil || errors.As(err, &coded) {
		t.Fatalf("a duplicate request id = %v, want an uncoded (internal) error", err)
	}
	if got := err.Error(); !strings.Contains(got, `unique index "sqlite_autoindex_requests_1"`) {
		t.Errorf("the error does not name the index: %s", got)
	}
}
