package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

func mustOpen(t *testing.T) (*sqlite.DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "airlock.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

func newRequest(id, author string, status airlock.RequestStatus) *airlock.Request {
	now := time.Now().UTC()
	return &airlock.Request{ID: id, Workspace: "w1", Author: author, Status: status, CreatedAt: now, UpdatedAt: now,
		SubmittedReviews: map[string]time.Time{}}
}

func TestOpenMigratesOnce(t *testing.T) {
	db, path := mustOpen(t)
	db.Close()
	db2, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	db2.Close()
}

// TestOneOpenRequestPerAuthor checks D3 is the database's rule, not only the service's.
func TestOneOpenRequestPerAuthor(t *testing.T) {
	db, _ := mustOpen(t)
	ctx := context.Background()
	create := func(r *airlock.Request) error {
		return db.Update(ctx, func(tx airlock.Tx) error { return tx.CreateRequest(r) })
	}
	if err := create(newRequest("R1", "alice", airlock.StatusPending)); err != nil {
		t.Fatal(err)
	}
	// What the person is told, not the driver's words (the ui shows
	// ErrorMessage with the 409).
	const want = "You already have an open release request for this workspace. Add files to that one, or withdraw it before starting another."
	err := create(newRequest("R2", "alice", airlock.StatusSubmitted))
	if airlock.ErrorCode(err) != airlock.ECONFLICT || airlock.ErrorMessage(err) != want {
		t.Fatalf("second open request: %v, want a conflict saying %q", err, want)
	}
	// Another author, or a finished request, is fine.
	if err := create(newRequest("R3", "bob", airlock.StatusPending)); err != nil {
		t.Fatal(err)
	}
	if err := create(newRequest("R4", "alice", airlock.StatusWithdrawn)); err != nil {
		t.Fatal(err)
	}
	// Re-opening a second request by a status change is refused too.
	err = db.Update(ctx, func(tx airlock.Tx) error {
		r := newRequest("R4", "alice", airlock.StatusReturned)
		return tx.SaveRequestState(r)
	})
	if airlock.ErrorCode(err) != airlock.ECONFLICT || airlock.ErrorMessage(err) != want {
		t.Fatalf("reopening by status change: %v, want a conflict saying %q", err, want)
	}
}

func TestRefusedUpdateRollsBack(t *testing.T) {
	db, _ := mustOpen(t)
	ctx := context.Background()
	refusal := airlock.Errorf(airlock.EFORBIDDEN, "no")
	err := db.Update(ctx, func(tx airlock.Tx) error {
		if err := tx.CreateRequest(newRequest("R1", "alice", airlock.StatusPending)); err != nil {
			return err
		}
		return refusal
	})
	if !errors.Is(err, refusal) {
		t.Fatalf("err = %v", err)
	}
	err = db.View(ctx, func(tx airlock.Tx) error { _, err := tx.Request("R1"); return err })
	if airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Fatalf("request survived a refused transaction: %v", err)
	}
}

// TestAuditChain checks that the chain verifies, refuses changes, and that a
// row changed behind the application's back is found.
func TestAuditChain(t *testing.T) {
	db, path := mustOpen(t)
	ctx := context.Background()
	for i := range 5 {
		err := db.Update(ctx, func(tx airlock.Tx) error {
			return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestComment, User: "alice", Request: "R1",
				Extra: map[string]string{"comment": "hello", "n": string(rune('a' + i))}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, err := db.VerifyAudit(ctx); err != nil || n != 5 {
		t.Fatalf("verify: %d, %v", n, err)
	}
	// The application's own connection cannot change or delete events.
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE audit_events SET user = 'mallory' WHERE id = 3`); err == nil {
		t.Fatal("update of an audit event was allowed")
	}
	if _, err := raw.Exec(`DELETE FROM audit_events WHERE id = 3`); err == nil {
		t.Fatal("delete of an audit event was allowed")
	}
	// Someone with the file drops the guard and edits a row: verification finds it.
	if _, err := raw.Exec(`DROP TRIGGER audit_events_no_update`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE audit_events SET extra = '{"comment":"edited"}' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	_, err = db.VerifyAudit(ctx)
	var ce *sqlite.ChainError
	if !errors.As(err, &ce) || ce.EventID != 3 {
		t.Fatalf("verify after tampering: %v, want a broken link at event 3", err)
	}
}

func TestAuditChainDetectsDeletion(t *testing.T) {
	db, path := mustOpen(t)
	ctx := context.Background()
	for range 3 {
		if err := db.Update(ctx, func(tx airlock.Tx) error {
			return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestCreate, User: "alice"})
		}); err != nil {
			t.Fatal(err)
		}
	}
	raw, _ := sql.Open("sqlite", "file:"+path)
	defer raw.Close()
	if _, err := raw.Exec(`DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE id = 2`); err != nil {
		t.Fatal(err)
	}
	var ce *sqlite.ChainError
	if _, err := db.VerifyAudit(ctx); !errors.As(err, &ce) || ce.EventID != 2 {
		t.Fatalf("verify after deletion: %v, want event 2 missing", err)
	}
}

func TestUploadJobsAndOutbox(t *testing.T) {
	db, _ := mustOpen(t)
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	err := db.Update(ctx, func(tx airlock.Tx) error {
		if err := tx.CreateRequest(newRequest("R1", "alice", airlock.StatusApproved)); err != nil {
			return err
		}
		for _, p := range []string{"a.csv", "b.csv"} {
			if err := tx.AddUploadJob(&airlock.UploadJob{Request: "R1", Workspace: "w1", Path: p, FileID: "h", Size: 1, ReleasedBy: "chk", NextAttempt: now}); err != nil {
				return err
			}
		}
		return tx.Enqueue("request_approved", []byte(`{}`))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx airlock.Tx) error {
		due, err := tx.DueUploadJobs(now, 10)
		if err != nil || len(due) != 2 {
			t.Fatalf("due = %d, %v", len(due), err)
		}
		due[0].DoneAt = &now
		if err := tx.SaveUploadJob(due[0]); err != nil {
			return err
		}
		due[1].NextAttempt = now.Add(time.Minute)
		due[1].Attempts = 1
		if err := tx.SaveUploadJob(due[1]); err != nil {
			return err
		}
		if left, _ := tx.DueUploadJobs(now, 10); len(left) != 0 {
			t.Fatalf("%d jobs still due", len(left))
		}
		ns, err := tx.DueNotifications(now, 10)
		if err != nil || len(ns) != 1 {
			t.Fatalf("notifications = %d, %v", len(ns), err)
		}
		ns[0].SentAt = &now
		return tx.SaveNotification(ns[0])
	})
	if err != nil {
		t.Fatal(err)
	}
}
