package sqlite_test

import (
	"context"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// The state version stays the same while only reads happen, and changes
// after every commit: this handle's, and another handle's on the same
// file, as another process would make; a failed write changes nothing.
func TestStateVersionChangesWithEveryCommit(t *testing.T) {
	ctx := context.Background()
	db, path := mustOpen(t)
	other, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	version := func() uint64 {
		t.Helper()
		v, err := db.StateVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	seen := map[uint64]string{}
	v := version()
	seen[v] = "at the start"
	write := func(name string, on *sqlite.DB, req string) {
		t.Helper()
		if err := on.Update(ctx, func(tx airlock.Tx) error {
			return tx.CreateRequest(newRequest(req, "author-"+req, airlock.StatusPending))
		}); err != nil {
			t.Fatal(err)
		}
		got := version()
		if prev, ok := seen[got]; ok {
			t.Errorf("after %s the version is %d, as %s", name, got, prev)
		}
		seen[got] = "after " + name
		if again := version(); again != got {
			t.Errorf("after %s, reading again: %d, then %d", name, got, again)
		}
	}
	if err := db.View(ctx, func(tx airlock.Tx) error { _, _ = tx.Request("none"); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := version(); got != v {
		t.Errorf("a read changed the version: %d, then %d", v, got)
	}
	write("this handle's write", db, "r1")
	write("another handle's write", other, "r2")
	write("this handle's second write", db, "r3")
	before := version()
	if err := db.Update(ctx, func(tx airlock.Tx) error { return tx.CreateRequest(newRequest("r1", "alice", airlock.StatusPending)) }); err == nil {
		t.Fatal("a request created twice")
	}
	if got := version(); got != before {
		t.Errorf("a rolled-back write changed the version: %d, then %d", before, got)
	}
}
