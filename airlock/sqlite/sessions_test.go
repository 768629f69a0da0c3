package sqlite_test

import (
	"context"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// sessionDB is a database with users alice and bob and a settable clock.
func sessionDB(t *testing.T) (*sqlite.DB, *time.Time) {
	t.Helper()
	db, _ := mustOpen(t)
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	for _, name := range []string{"alice", "bob"} {
		if err := db.Update(context.Background(), func(tx airlock.Tx) error {
			return tx.SaveUser(&airlock.User{Username: name}, now)
		}); err != nil {
			t.Fatal(err)
		}
	}
	return db, &now
}

func startSession(t *testing.T, db *sqlite.DB, secret, user string) *airlock.Session {
	t.Helper()
	s := &airlock.Session{ID: airlock.SessionID(secret), Username: user}
	if err := db.StartSession(context.Background(), s, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	return s
}

func findSession(t *testing.T, db *sqlite.DB, id string) *airlock.Session {
	t.Helper()
	s, err := db.FindSession(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func auditTypes(t *testing.T, db *sqlite.DB) []string {
	t.Helper()
	var out []string
	err := db.View(context.Background(), func(tx airlock.Tx) error {
		evs, err := tx.AuditEvents(airlock.AuditFilter{})
		for i := len(evs) - 1; i >= 0; i-- {
			out = append(out, string(evs[i].Type)+" "+evs[i].User+" "+evs[i].Extra["reason"]+" "+evs[i].Extra["sessions"])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSessionLifecycle(t *testing.T) {
	db, now := sessionDB(t)
	ctx := context.Background()
	start := *now
	s := startSession(t, db, "secret-1", "alice")
	got := findSession(t, db, s.ID)
	if got.Username != "alice" || !got.CreatedAt.Equal(start) || !got.LastUsedAt.Equal(start) || got.EndedAt != nil {
		t.Fatalf("stored session = %+v", got)
	}
	if _, err := db.FindSession(ctx, airlock.SessionID("another secret")); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Fatalf("unknown session: %v, want ENOTFOUND", err)
	}

	// Touching moves last use forward only.
	later := start.Add(5 * time.Minute)
	if err := db.TouchSession(ctx, s.ID, later); err != nil {
		t.Fatal(err)
	}
	if err := db.TouchSession(ctx, s.ID, start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := findSession(t, db, s.ID); !got.LastUsedAt.Equal(later) {
		t.Fatalf("last used = %v, want %v", got.LastUsedAt, later)
	}

	// Ending is recorded once, with its reason, and stays.
	*now = start.Add(time.Hour)
	for range 2 {
		if err := db.EndSession(ctx, s.ID, airlock.SessionSignedOut); err != nil {
			t.Fatal(err)
		}
	}
	got = findSession(t, db, s.ID)
	if got.EndedAt == nil || !got.EndedAt.Equal(*now) || got.EndReason != airlock.SessionSignedOut {
		t.Fatalf("ended session = %+v", got)
	}
	if err := got.Check(*now, time.Hour); airlock.ErrorCode(err) != airlock.EUNAUTHORIZED {
		t.Fatalf("ended session check: %v", err)
	}
	if err := db.TouchSession(ctx, s.ID, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := findSession(t, db, s.ID); !got.LastUsedAt.Equal(later) {
		t.Fatal("an ended session was touched")
	}
	want := []string{"USER_SIGN_IN alice  ", "USER_SIGN_OUT alice signed_out 1"}
	if got := auditTypes(t, db); len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("audit = %q, want %q", got, want)
	}
}

func TestEndUserSessions(t *testing.T) {
	db, now := sessionDB(t)
	ctx := context.Background()
	a1, a2 := startSession(t, db, "a1", "alice"), startSession(t, db, "a2", "alice")
	b := startSession(t, db, "b", "bob")
	if err := db.EndSession(ctx, a2.ID, airlock.SessionSignedOut); err != nil {
		t.Fatal(err)
	}
	a3 := startSession(t, db, "a3", "alice")
	*now = now.Add(time.Minute)
	if err := db.TouchSession(ctx, a3.ID, *now); err != nil {
		t.Fatal(err)
	}
	live, err := db.UserSessions(ctx, "alice", time.Time{})
	if err != nil || len(live) != 2 || live[0].ID != a3.ID || live[1].ID != a1.ID {
		t.Fatalf("alice's live sessions = %v, %v; want a3 then a1", live, err)
	}
	n, err := db.EndUserSessions(ctx, "alice", airlock.SessionAccessRevoked)
	if err != nil || n != 2 {
		t.Fatalf("ended %d, %v; want 2", n, err)
	}
	for _, s := range []*airlock.Session{a1, a3} {
		if got := findSession(t, db, s.ID); got.EndReason != airlock.SessionAccessRevoked {
			t.Errorf("alice's session %s: %+v", s.ID[:6], got)
		}
	}
	if got := findSession(t, db, a2.ID); got.EndReason != airlock.SessionSignedOut {
		t.Errorf("an already ended session was ended again: %+v", got)
	}
	if got := findSession(t, db, b.ID); got.EndedAt != nil {
		t.Errorf("bob's session ended: %+v", got)
	}
	if n, err := db.EndUserSessions(ctx, "alice", airlock.SessionEverywhere); err != nil || n != 0 {
		t.Fatalf("second time: ended %d, %v", n, err)
	}
	types := auditTypes(t, db)
	if last := types[len(types)-1]; last != "USER_SIGN_OUT alice access_revoked 2" {
		t.Errorf("last audit event %q; ending nothing must not be audited", last)
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestPruneSessions(t *testing.T) {
	db, now := sessionDB(t)
	ctx := context.Background()
	old := startSession(t, db, "old", "alice")
	*now = now.Add(30 * 24 * time.Hour)
	recent := startSession(t, db, "recent", "alice")
	n, err := db.PruneSessions(ctx, now.Add(-14*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want 1", n, err)
	}
	if _, err := db.FindSession(ctx, old.ID); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Fatalf("old session: %v", err)
	}
	findSession(t, db, recent.ID)
}

func TestSessionForUnknownUserRefused(t *testing.T) {
	db, _ := sessionDB(t)
	s := &airlock.Session{ID: airlock.SessionID("x"), Username: "nobody"}
	if err := db.StartSession(context.Background(), s, ""); err == nil {
		t.Fatal("a session for a user never cached was stored")
	}
}

func TestSignInFailureAudited(t *testing.T) {
	db, _ := sessionDB(t)
	ctx := context.Background()
	if err := db.RecordSignInFailure(ctx, airlock.SignInFailure{User: "mallory", Address: "203.0.113.9", Reason: "wrong user or token", LockedFor: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	err := db.View(ctx, func(tx airlock.Tx) error {
		evs, err := tx.AuditEvents(airlock.AuditFilter{User: "mallory"})
		if err != nil {
			return err
		}
		if len(evs) != 1 || evs[0].Type != airlock.EventSignInFailed || evs[0].Extra["address"] != "203.0.113.9" || evs[0].Extra["locked_for"] != "2m0s" {
			t.Errorf("audit = %+v", evs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSessionWorkspaceOptions checks the choice to show outputs of
// out-of-date actions is kept per session and workspace, can be taken
// back, and goes with its session when that is pruned.
func TestSessionWorkspaceOptions(t *testing.T) {
	db, now := sessionDB(t)
	ctx := context.Background()
	a, b := startSession(t, db, "secret-a", "alice"), startSession(t, db, "secret-b", "alice")
	shows := func(s *airlock.Session, ws string) bool {
		t.Helper()
		v, err := db.ShowsOutOfDate(ctx, s.ID, ws)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if shows(a, "w1") {
		t.Fatal("shown before anyone asked")
	}
	if err := db.SetShowOutOfDate(ctx, a.ID, "w1", true); err != nil {
		t.Fatal(err)
	}
	if !shows(a, "w1") || shows(a, "w2") || shows(b, "w1") {
		t.Fatal("the choice is not per session and workspace")
	}
	if err := db.SetShowOutOfDate(ctx, a.ID, "w1", false); err != nil {
		t.Fatal(err)
	}
	if shows(a, "w1") {
		t.Fatal("the choice could not be taken back")
	}
	if err := db.SetShowOutOfDate(ctx, a.ID, "w1", true); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(30 * 24 * time.Hour)
	if _, err := db.PruneSessions(ctx, now.Add(-14*24*time.Hour)); err != nil {
		t.Fatalf("pruning a session with options: %v", err)
	}
	if shows(a, "w1") {
		t.Error("the option outlived its session")
	}
}
