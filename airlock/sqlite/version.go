package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// stateVersion reads PRAGMA data_version on one connection of its own,
// kept open for as long as the database is. SQLite changes the value a
// connection reads whenever another connection has committed a write since
// it last read it: this process's writer, or any other process (airlock's
// subcommands). This connection never writes, so every commit counts.
type stateVersion struct {
	mu    sync.Mutex
	db    *sql.DB
	conn  *sql.Conn
	read  *sql.Stmt // PRAGMA data_version, prepared once on conn
	epoch uint64    // connections opened: a new one counts from its own start
}

// StateVersion returns a number that differs after every committed write
// to the database, by any connection or process, from every number it
// returned before the write. Values from a connection that was replaced
// (after an error) never repeat: the connection's ordinal is part of them.
func (db *DB) StateVersion(ctx context.Context) (uint64, error) {
	v := &db.version
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.conn == nil {
		// Not the request's context: a cancelled request must not break
		// the connection for everyone.
		conn, err := v.db.Conn(context.Background())
		if err != nil {
			return 0, fmt.Errorf("state version: %w", err)
		}
		// Prepared once: it is asked before every page.
		read, err := conn.PrepareContext(context.Background(), `PRAGMA data_version`)
		if err != nil {
			conn.Close()
			return 0, fmt.Errorf("state version: %w", err)
		}
		v.conn, v.read, v.epoch = conn, read, v.epoch+1
	}
	var n uint64
	if err := v.read.QueryRowContext(context.Background()).Scan(&n); err != nil {
		v.drop()
		return 0, fmt.Errorf("state version: %w", err)
	}
	return v.epoch<<40 | n&(1<<40-1), nil
}

func (v *stateVersion) close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.drop()
	return v.db.Close()
}

// drop closes the connection, for the next call to open another.
func (v *stateVersion) drop() {
	if v.conn != nil {
		v.read.Close()
		v.conn.Close()
		v.conn, v.read = nil, nil
	}
}
