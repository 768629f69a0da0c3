package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/airlock-project/airlock/airlock/sqlite"
)

func openRaw(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func applied(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	rows, err := db.Query(`SELECT name, applied_at FROM migrations`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var n, at string
		if err := rows.Scan(&n, &at); err != nil {
			t.Fatal(err)
		}
		out[n] = at
	}
	return out
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC) }
	files := fstest.MapFS{
		"m/0002_add.sql":  {Data: []byte(`INSERT INTO t (v) VALUES ('second');`)},
		"m/0001_init.sql": {Data: []byte(`CREATE TABLE t (v TEXT);`)},
		"m/README":        {Data: []byte(`not a migration`)},
	}

	t.Run("InOrderOnce", func(t *testing.T) {
		db := openRaw(t)
		for range 2 {
			if err := sqlite.Migrate(ctx, db, files, "m/*.sql", now); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("rows=%d err=%v, want the second migration applied once after the first", n, err)
		}
		if got := applied(t, db); len(got) != 2 || got["m/0001_init.sql"] != "2026-07-01T12:00:00Z" {
			t.Fatalf("recorded %v", got)
		}
	})
	t.Run("FailureRecordsNothing", func(t *testing.T) {
		db := openRaw(t)
		bad := fstest.MapFS{
			"m/0001_init.sql":   files["m/0001_init.sql"],
			"m/0002_broken.sql": {Data: []byte(`INSERT INTO t (v) VALUES ('x'); INSERT INTO nowhere VALUES (1);`)},
		}
		if err := sqlite.Migrate(ctx, db, bad, "m/*.sql", now); err == nil {
			t.Fatal("a broken migration was applied")
		}
		var n int
		db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n)
		if got := applied(t, db); len(got) != 1 || n != 0 {
			t.Fatalf("recorded %v with %d rows: the broken file must leave nothing behind", got, n)
		}
	})
	t.Run("UpgradesNameOnlyTable", func(t *testing.T) {
		db := openRaw(t)
		// As the reference jobs site recorded migrations before sharing the runner.
		if _, err := db.Exec(`CREATE TABLE migrations (name TEXT PRIMARY KEY); CREATE TABLE t (v TEXT);
			INSERT INTO migrations (name) VALUES ('m/0001_init.sql')`); err != nil {
			t.Fatal(err)
		}
		if err := sqlite.Migrate(ctx, db, files, "m/*.sql", now); err != nil {
			t.Fatal(err)
		}
		if got := applied(t, db); len(got) != 2 || got["m/0001_init.sql"] != "" || got["m/0002_add.sql"] == "" {
			t.Fatalf("recorded %v", got)
		}
	})
}
