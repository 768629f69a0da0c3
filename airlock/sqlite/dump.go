package sqlite

import (
	"context"
	"fmt"
	"strings"
)

// dumpTables are the tables whose rows make up the application state.
// Rows are ordered by every column, so the order is stable without knowing the keys.
var dumpTables = []string{"users", "requests", "file_groups", "request_files", "request_file_versions", "votes", "comments",
	"audit_events", "audit_hidden", "upload_jobs", "release_registrations", "outbox", "sessions", "api_tokens", "check_notes"}

// Dump returns every row of every table as text, in a stable order. Tests
// compare dumps to prove that a refused action changed nothing.
func (db *DB) Dump(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, table := range dumpTables {
		var ncol int
		if err := db.writer.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?)`, table).Scan(&ncol); err != nil {
			return "", err
		}
		order := make([]string, ncol)
		for i := range order {
			order[i] = fmt.Sprint(i + 1)
		}
		rows, err := db.writer.QueryContext(ctx, `SELECT * FROM `+table+` ORDER BY `+strings.Join(order, ", "))
		if err != nil {
			return "", fmt.Errorf("dump %s: %w", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		fmt.Fprintf(&b, "== %s\n", table)
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", err
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// Backup writes a consistent copy of the database to path (which must not
// exist), while the database stays in use.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := db.writer.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
