package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// maxStatements bounds the statements kept for one pool. Queries built
// from a filter (request lists) vary with it; past the bound, new texts
// run unprepared.
const maxStatements = 256

// statements keeps one prepared statement per query text for a pool, so
// that SQLite parses a query once per connection rather than on every call:
// parsing was most of SQLite's share of rendering a page. A transaction
// binds a kept statement to its connection with Tx.StmtContext, which
// prepares it on that connection the first time and reuses it after.
//
// A query seen for the first time runs unprepared and is prepared in the
// background: preparing outside a transaction takes a connection of the
// pool, and the transaction asking may hold the writer's only one.
type statements struct {
	pool    *sql.DB
	mu      sync.Mutex
	byQuery map[string]*sql.Stmt // nil while being prepared, or when preparing failed
	closed  bool
	pending sync.WaitGroup
}

func newStatements(pool *sql.DB) *statements {
	return &statements{pool: pool, byQuery: make(map[string]*sql.Stmt)}
}

// lookup returns the statement kept for query, or nil when there is none
// yet; the first lookup of a query starts preparing it.
func (s *statements) lookup(query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, seen := s.byQuery[query]
	if seen || s.closed || len(s.byQuery) >= maxStatements {
		return st
	}
	s.byQuery[query] = nil
	s.pending.Add(1)
	go s.prepare(query)
	return nil
}

func (s *statements) prepare(query string) {
	defer s.pending.Done()
	st, err := s.pool.PrepareContext(context.Background(), query)
	if err != nil {
		// The query keeps running unprepared, where its error reaches the
		// caller.
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		st.Close()
		return
	}
	s.byQuery[query] = st
}

// close waits for statements being prepared and closes every one; the pool
// must still be open.
func (s *statements) close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.pending.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.byQuery {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	clear(s.byQuery)
	return errors.Join(errs...)
}

// size is how many statements are prepared and kept.
func (s *statements) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.byQuery {
		if st != nil {
			n++
		}
	}
	return n
}
