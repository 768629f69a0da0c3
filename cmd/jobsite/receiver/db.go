package receiver

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"net/url"
	"time"

	"github.com/airlock-project/airlock/airlock/sqlite"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// openDB opens the SQLite database at path and applies the migrations.
// Pragmas live in the DSN so every pooled connection gets them, and every
// transaction starts IMMEDIATE so get-or-create sequences are serialised.
func openDB(ctx context.Context, path string) (*sql.DB, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open db: %w", err)
	}
	if err := sqlite.Migrate(ctx, db, migrationFS, "migrations/*.sql", time.Now); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// timeFormat is how times are stored: RFC 3339 in UTC, sortable as text.
const timeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}
