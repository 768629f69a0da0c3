// Package sqlite stores airlock's state in an embedded SQLite database
// (modernc.org/sqlite, pure Go).
//
// Writes go through one connection opened with IMMEDIATE transactions, so use
// cases are serialised and never fail half-way on a lock upgrade; reads use a
// separate pool and run concurrently thanks to WAL. foreign_keys and
// busy_timeout are set in the DSN because they are per-connection settings.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migration/*.sql
var migrationFS embed.FS

// DB is the airlock database.
type DB struct {
	writer *sql.DB
	reader *sql.DB
	path   string
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

var _ airlock.Store = (*DB)(nil)

// Open opens (creating if needed) the database at path and applies migrations.
func Open(ctx context.Context, path string) (*DB, error) {
	dsn := func(txlock string) string {
		q := url.Values{}
		q.Add("_pragma", "foreign_keys(1)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		if txlock != "" {
			q.Add("_txlock", txlock)
		}
		return "file:" + path + "?" + q.Encode()
	}
	writer, err := sql.Open("sqlite", dsn("immediate"))
	if err != nil {
		return nil, fmt.Errorf("open db: %w", err)
	}
	writer.SetMaxOpenConns(1)
	reader, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open db: %w", err)
	}
	reader.SetMaxOpenConns(8)
	db := &DB{writer: writer, reader: reader, path: path, Now: time.Now}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.reader.Close(), db.writer.Close())
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	return Migrate(ctx, db.writer, migrationFS, "migration/*.sql", db.Now)
}

// Update runs fn in one write transaction, committing only if fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(airlock.Tx) error) error {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return FormatError(fmt.Errorf("begin: %w", err))
	}
	defer sqlTx.Rollback()
	t := &tx{Tx: sqlTx, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(t); err != nil {
		return FormatError(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return FormatError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(airlock.Tx) error) error {
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return FormatError(fmt.Errorf("begin: %w", err))
	}
	defer sqlTx.Rollback()
	t := &tx{Tx: sqlTx, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond), readonly: true}
	return FormatError(fn(t))
}

// FormatError turns driver errors people can act on into coded errors:
// a UNIQUE violation is a conflict.
func FormatError(err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			if strings.Contains(se.Error(), "requests.workspace, requests.author") {
				return airlock.Errorf(airlock.ECONFLICT, "You already have an open request for this workspace.")
			}
			return airlock.Errorf(airlock.ECONFLICT, "That already exists.")
		}
	}
	return err
}

const timeLayout = time.RFC3339Nano

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func formatTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

func parseTime(s string) time.Time {
	t, _ := time.Parse(timeLayout, s)
	return t
}

func parseTimePtr(s sql.NullString) *time.Time {
	if !s.Valid {
		return nil
	}
	t := parseTime(s.String)
	return &t
}
