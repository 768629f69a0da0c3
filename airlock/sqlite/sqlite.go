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
	// Statements prepared once for each pool.
	writes, reads *statements
	// version reads the state version (StateVersion).
	version stateVersion
	path    string
	// uniqueIndexes names the index behind each column list SQLite reports
	// in a UNIQUE violation ("requests.workspace, requests.author").
	uniqueIndexes map[string]string
	// Now returns the current time; tests replace it.
	Now func() time.Time
}

var (
	_ airlock.Store          = (*DB)(nil)
	_ airlock.StateVersioner = (*DB)(nil)
)

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
	// Every reader stays open: database/sql keeps only two idle by
	// default, and under load the others were closed and opened again
	// (file, WAL index and schema) for a few reads each.
	reader.SetMaxOpenConns(8)
	reader.SetMaxIdleConns(8)
	version, err := sql.Open("sqlite", dsn(""))
	if err != nil {
		writer.Close()
		reader.Close()
		return nil, fmt.Errorf("open db: %w", err)
	}
	version.SetMaxOpenConns(1)
	db := &DB{
		writer: writer, reader: reader,
		writes: newStatements(writer), reads: newStatements(reader),
		version: stateVersion{db: version}, path: path, Now: time.Now,
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if db.uniqueIndexes, err = loadUniqueIndexes(ctx, writer); err != nil {
		db.Close()
		return nil, fmt.Errorf("read the schema's unique indexes: %w", err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.version.close(), db.reads.close(), db.writes.close(), db.reader.Close(), db.writer.Close())
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

func (db *DB) migrate(ctx context.Context) error {
	return Migrate(ctx, db.writer, migrationFS, "migration/*.sql", db.Now)
}

// Update runs fn in one write transaction, committing only if fn returns nil.
func (db *DB) Update(ctx context.Context, fn func(airlock.Tx) error) error {
	return db.write(ctx, func(t *tx) error { return fn(t) })
}

// View runs fn in a read-only transaction.
func (db *DB) View(ctx context.Context, fn func(airlock.Tx) error) error {
	return db.read(ctx, func(t *tx) error { return fn(t) })
}

// write runs fn in one write transaction, committing only if fn returns nil.
func (db *DB) write(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := db.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.FormatError(fmt.Errorf("begin: %w", err))
	}
	defer sqlTx.Rollback()
	t := &tx{raw: sqlTx, stmts: db.writes, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(t); err != nil {
		return db.FormatError(err)
	}
	if err := sqlTx.Commit(); err != nil {
		return db.FormatError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// read runs fn in a read-only transaction.
func (db *DB) read(ctx context.Context, fn func(*tx) error) error {
	sqlTx, err := db.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return db.FormatError(fmt.Errorf("begin: %w", err))
	}
	defer sqlTx.Rollback()
	t := &tx{raw: sqlTx, stmts: db.reads, ctx: ctx, now: db.Now().UTC().Truncate(time.Microsecond), readonly: true}
	return db.FormatError(fn(t))
}

// conflictMessages are what a person is told when a write breaks a UNIQUE
// or PRIMARY KEY constraint, by the name of the index that enforces it
// (SQLite names a PRIMARY KEY's index sqlite_autoindex_<table>_1). An empty
// message marks an index that only a bug could violate: those tables are
// written with upserts or generated ids. A test fails when an index of the
// schema is missing here, so a migration that adds one decides what people
// see.
var conflictMessages = map[string]string{
	// D3. The service checks first; this catches two tabs creating a
	// request at once, and a status change that would reopen a second one.
	"requests_one_open":                            "You already have an open release request for this workspace. Add files to that one, or withdraw it before starting another.",
	"sqlite_autoindex_requests_1":                  "",
	"sqlite_autoindex_users_1":                     "",
	"sqlite_autoindex_file_groups_1":               "",
	"sqlite_autoindex_request_files_1":             "",
	"sqlite_autoindex_votes_1":                     "",
	"sqlite_autoindex_request_file_versions_1":     "", // written with an upsert
	"sqlite_autoindex_upload_jobs_1":               "",
	"sqlite_autoindex_migrations_1":                "",
	"sqlite_autoindex_sessions_1":                  "", // ids are the hash of 256 random bits
	"sqlite_autoindex_session_workspace_options_1": "", // written with an upsert
	"sqlite_autoindex_api_tokens_1":                "", // ULIDs
	"sqlite_autoindex_api_tokens_2":                "", // hashes of 256 random bits
	"api_tokens_live_name":                         "You already have a token with this name. Choose another name, or revoke that token first.",
	// The service refuses a second release by the request's status in the
	// same serialised transaction; should one get this far, it is true.
	"sqlite_autoindex_release_registrations_1": "This request's release is already recorded; its files are being sent to the jobs site.",
}

// FormatError turns driver errors people can act on into coded errors. A
// UNIQUE or PRIMARY KEY violation is matched to the index that enforces it
// and becomes ECONFLICT with that index's message; one without a message
// stays an internal error, logged with the index named.
func (db *DB) FormatError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
	default:
		return err
	}
	index := db.violatedIndex(se.Error())
	if msg := conflictMessages[index]; msg != "" {
		return airlock.Errorf(airlock.ECONFLICT, "%s", msg)
	}
	return fmt.Errorf("unique index %q: %w", index, err)
}

// violatedIndex names the index of a UNIQUE constraint error: SQLite's
// message names an expression index ("UNIQUE constraint failed: index
// 'name'") but lists the columns of any other ("… failed: t.a, t.b"). It
// returns "" when it cannot tell, for example for an INTEGER PRIMARY KEY,
// which has no index.
func (db *DB) violatedIndex(msg string) string {
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	what := msg[i+len(marker):]
	if j := strings.LastIndex(what, " ("); j >= 0 { // the driver appends the code: " (2067)"
		what = what[:j]
	}
	if name, ok := strings.CutPrefix(what, "index '"); ok {
		return strings.TrimSuffix(name, "'")
	}
	return db.uniqueIndexes[what]
}

// loadUniqueIndexes maps the column list of each unique index, written as
// SQLite writes it in a constraint error, to the index's name.
func loadUniqueIndexes(ctx context.Context, q *sql.DB) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.name, il.name, ii.name
		FROM sqlite_schema m JOIN pragma_index_list(m.name) il JOIN pragma_index_info(il.name) ii
		WHERE m.type = 'table' AND il."unique" = 1 AND ii.name IS NOT NULL
		ORDER BY m.name, il.name, ii.seqno`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	columns := map[string][]string{} // index → "table.column", in order
	var order []string
	for rows.Next() {
		var table, index, column string
		if err := rows.Scan(&table, &index, &column); err != nil {
			return nil, err
		}
		if columns[index] == nil {
			order = append(order, index)
		}
		columns[index] = append(columns[index], table+"."+column)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byColumns := make(map[string]string, len(order))
	for _, index := range order {
		key := strings.Join(columns[index], ", ")
		if _, dup := byColumns[key]; !dup { // two unique indexes on the same columns: the first by name
			byColumns[key] = index
		}
	}
	return byColumns, nil
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
