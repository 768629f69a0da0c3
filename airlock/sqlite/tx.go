package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// tx implements airlock.Tx on a database transaction. Every query goes
// through query, queryRow or execResult, which use the pool's prepared
// statement for the text when there is one.
type tx struct {
	raw      *sql.Tx
	ctx      context.Context
	now      time.Time
	readonly bool
	stmts    *statements
	// bound holds the statements bound to this transaction, by query.
	bound map[string]*sql.Stmt
	// iterating counts, by query, the result sets of each being read: a
	// query asked again while its own rows are still open runs unprepared,
	// because the driver reuses one SQLite statement per prepared text.
	iterating map[string]int
}

var _ airlock.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

func (t *tx) exec(query string, args ...any) error {
	_, err := t.execResult(query, args...)
	return err
}

func (t *tx) execResult(query string, args ...any) (sql.Result, error) {
	if t.readonly {
		return nil, errors.New("write in a read-only transaction")
	}
	if st := t.prepared(query); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.raw.ExecContext(t.ctx, query, args...)
}

// queryRow runs a query for one row; its Scan must come before the same
// query is asked again.
func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.prepared(query); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.raw.QueryRowContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.prepared(query); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.raw.QueryContext(t.ctx, query, args...)
}

// prepared returns query's statement bound to this transaction, or nil to
// run the text as it is.
func (t *tx) prepared(query string) *sql.Stmt {
	if t.stmts == nil || t.iterating[query] > 0 {
		return nil
	}
	if st, ok := t.bound[query]; ok {
		return st
	}
	parent := t.stmts.lookup(query)
	if parent == nil {
		return nil
	}
	st := t.raw.StmtContext(t.ctx, parent)
	if t.bound == nil {
		t.bound = make(map[string]*sql.Stmt)
	}
	t.bound[query] = st
	return st
}

type scanner interface{ Scan(...any) error }

func (t *tx) each(query string, args []any, fn func(scanner) error) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if t.iterating == nil {
		t.iterating = make(map[string]int)
	}
	t.iterating[query]++
	defer func() { t.iterating[query]-- }()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func nullInt(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
