package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// tx implements airlock.Tx on a database transaction.
type tx struct {
	*sql.Tx
	ctx      context.Context
	now      time.Time
	readonly bool
}

var _ airlock.Tx = (*tx)(nil)

func (t *tx) Now() time.Time { return t.now }

func (t *tx) exec(query string, args ...any) error {
	if t.readonly {
		return errors.New("write in a read-only transaction")
	}
	_, err := t.ExecContext(t.ctx, query, args...)
	return err
}

type scanner interface{ Scan(...any) error }

func (t *tx) each(query string, args []any, fn func(scanner) error) error {
	rows, err := t.QueryContext(t.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
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
