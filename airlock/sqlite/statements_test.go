package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// openWithNumbers opens a database with a table of the numbers 1 to n.
func openWithNumbers(t *testing.T, n int) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.writer.ExecContext(ctx, `CREATE TABLE numbers (n INTEGER PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := db.writer.ExecContext(ctx, `INSERT INTO numbers (n) VALUES (?)`, i); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// waitPrepared waits until the pool keeps a prepared statement for query.
func waitPrepared(t *testing.T, s *statements, query string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		s.mu.Lock()
		st := s.byQuery[query]
		s.mu.Unlock()
		if st != nil {
			return
		}
	}
	t.Fatalf("%q was never prepared", query)
}

func sumOf(t *testing.T, db *DB, query string, args ...any) (sum int) {
	t.Helper()
	err := db.read(context.Background(), func(t *tx) error {
		return t.each(query, args, func(r scanner) error {
			var n int
			err := r.Scan(&n)
			sum += n
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func TestPreparedStatementGivesTheSameRows(t *testing.T) {
	db := openWithNumbers(t, 100)
	const query = `SELECT n FROM numbers WHERE n > ?`
	first := sumOf(t, db, query, 90) // unprepared; prepares in the background
	waitPrepared(t, db.reads, query)
	for _, above := range []int{90, 0, 99, 100} {
		want := 0
		for n := above + 1; n <= 100; n++ {
			want += n
		}
		if got := sumOf(t, db, query, above); got != want {
			t.Errorf("n > %d: sum %d, want %d", above, got, want)
		}
	}
	if first != 955 {
		t.Errorf("unprepared: sum %d, want 955", first)
	}
}

// The driver keeps one SQLite statement per prepared text and connection:
// asking a query again while its own rows are being read must not reset
// them.
func TestQueryAskedAgainWhileItsRowsAreOpen(t *testing.T) {
	db := openWithNumbers(t, 5)
	const query = `SELECT n FROM numbers WHERE n >= ? ORDER BY n`
	sumOf(t, db, query, 1)
	waitPrepared(t, db.reads, query)
	var outer []int
	inner := 0
	err := db.read(context.Background(), func(t *tx) error {
		return t.each(query, []any{1}, func(r scanner) error {
			var n int
			if err := r.Scan(&n); err != nil {
				return err
			}
			outer = append(outer, n)
			return t.each(query, []any{n}, func(r scanner) error {
				inner++
				return nil
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(outer) != "[1 2 3 4 5]" || inner != 5+4+3+2+1 {
		t.Errorf("outer rows %v, inner rows %d; want [1 2 3 4 5] and 15", outer, inner)
	}
}

// The writer has one connection, held by the transaction that meets a new
// query: preparing it must not wait for that connection inside the
// transaction.
func TestNewQueryInAWriteDoesNotWaitForItself(t *testing.T) {
	db := openWithNumbers(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		err := db.write(ctx, func(t *tx) error {
			if err := t.exec(`UPDATE numbers SET n = n + 10 WHERE n = ?`, i+1); err != nil {
				return err
			}
			var n int
			return t.queryRow(`SELECT COUNT(*) FROM numbers WHERE n > 10`).Scan(&n)
		})
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if got := sumOf(t, db, `SELECT n FROM numbers`); got != 11+12+13 {
		t.Errorf("sum %d after the updates, want 36", got)
	}
}

func TestStatementsAreBounded(t *testing.T) {
	db := openWithNumbers(t, 1)
	for i := range maxStatements + 20 {
		sumOf(t, db, fmt.Sprintf(`SELECT n + %d FROM numbers`, i))
	}
	db.reads.pending.Wait()
	if n := db.reads.size(); n > maxStatements {
		t.Errorf("%d statements kept, want at most %d", n, maxStatements)
	}
	// Past the bound, queries still answer.
	if got := sumOf(t, db, `SELECT n + 1000 FROM numbers`); got != 1001 {
		t.Errorf("past the bound: %d, want 1001", got)
	}
}

func TestBadQueryStillReportsItsError(t *testing.T) {
	db := openWithNumbers(t, 1)
	for range 3 {
		err := db.read(context.Background(), func(t *tx) error {
			return t.each(`SELECT nothing FROM numbers`, nil, func(scanner) error { return nil })
		})
		if err == nil {
			t.Fatal("a query naming a missing column gave no error")
		}
		db.reads.pending.Wait()
	}
}
