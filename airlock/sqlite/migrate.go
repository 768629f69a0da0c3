package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"sort"
	"time"
)

// Migrate applies, in name order, every file of fsys matching pattern that
// the database has not recorded yet, each in its own transaction together
// with its record in the migrations table (name and time applied). Names
// are recorded as matched, directory included, so a file once applied is
// never applied again; a shipped file must never be edited.
//
// It is the one migration runner of the module: airlock's database and the
// reference jobs site's each call it with their own embedded files. db
// should be a connection that may write.
func Migrate(ctx context.Context, db *sql.DB, fsys fs.FS, pattern string, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	// Databases of the reference jobs site made before the runner was
	// shared recorded names only.
	var hasTime int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('migrations') WHERE name = 'applied_at'`).Scan(&hasTime); err != nil {
		return fmt.Errorf("inspect migrations table: %w", err)
	}
	if hasTime == 0 {
		if _, err := db.ExecContext(ctx, `ALTER TABLE migrations ADD COLUMN applied_at TEXT NOT NULL DEFAULT ''`); err != nil {
			return fmt.Errorf("upgrade migrations table: %w", err)
		}
	}
	names, err := fs.Glob(fsys, pattern)
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		if err := migrateFile(ctx, db, fsys, name, now); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func migrateFile(ctx context.Context, db *sql.DB, fsys fs.FS, name string, now func() time.Time) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM migrations WHERE name = ?`, name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO migrations (name, applied_at) VALUES (?, ?)`, name, formatTime(now())); err != nil {
		return err
	}
	return tx.Commit()
}
