package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

func newToken(t *testing.T, db *sqlite.DB, user, name string, scopes ...airlock.TokenScope) (*airlock.APIToken, string) {
	t.Helper()
	k, secret, err := airlock.NewAPIToken(user, name, scopes, 30*24*time.Hour, user, db.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateToken(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k, secret
}

func tokenEvents(t *testing.T, db *sqlite.DB, typ airlock.EventType) []*airlock.AuditEvent {
	t.Helper()
	var out []*airlock.AuditEvent
	err := db.View(context.Background(), func(tx airlock.Tx) error {
		all, err := tx.AuditEvents(airlock.AuditFilter{})
		for _, e := range all {
			if e.Type == typ {
				out = append(out, e)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTokenLifecycle(t *testing.T) {
	ctx := context.Background()
	db, now := sessionDB(t)
	k, secret := newToken(t, db, "alice", "ci", airlock.ScopeRead, airlock.ScopeAuthor)
	newToken(t, db, "bob", "ci", airlock.ScopeReview)

	got, err := db.FindToken(ctx, airlock.TokenHash(secret))
	if err != nil || got.ID != k.ID || got.Name != "ci" || got.ScopeList() != "read,author" || !got.ExpiresAt.Equal(k.ExpiresAt) {
		t.Fatalf("find: %+v %v", got, err)
	}
	if _, err := db.FindToken(ctx, airlock.TokenHash(secret+"x")); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Errorf("unknown secret: %v", err)
	}
	if dump, _ := db.Dump(ctx); strings.Contains(dump, secret) {
		t.Error("the database holds the token's secret")
	}
	if e := tokenEvents(t, db, airlock.EventTokenCreate); len(e) != 2 || e[1].Extra["token"] != "ci" || e[1].User != "alice" {
		t.Errorf("create events: %+v", e)
	}

	// A live name is unique per user, with a message a person can act on.
	_, err = func() (*airlock.APIToken, error) {
		k2, _, _ := airlock.NewAPIToken("alice", "ci", []airlock.TokenScope{airlock.ScopeRead}, time.Hour*24, "alice", *now)
		return k2, db.CreateToken(ctx, k2)
	}()
	if airlock.ErrorCode(err) != airlock.ECONFLICT || !strings.Contains(airlock.ErrorMessage(err), "already have a token with this name") {
		t.Errorf("duplicate name: %v", err)
	}

	// Uses are audited under the token's name; the last use is written at most once a minute.
	use := airlock.TokenUse{Method: "GET", Route: "/api/v1/workspaces", Path: "/api/v1/workspaces", Status: 200, Address: "192.0.2.1"}
	for range 2 {
		if err := db.RecordTokenUse(ctx, got, use, *now); err != nil {
			t.Fatal(err)
		}
	}
	if e := tokenEvents(t, db, airlock.EventTokenUse); len(e) != 2 || e[0].Extra["token"] != "ci" || e[0].Extra["status"] != "200" || e[0].Path != use.Path {
		t.Errorf("use events: %+v", e)
	}
	if again, _ := db.FindToken(ctx, k.Hash); again.LastUsedAt == nil || !again.LastUsedAt.Equal(*now) {
		t.Errorf("last use %v, want %v", again.LastUsedAt, *now)
	}

	// Nobody revokes another's token; the owner does, once.
	if _, err := db.RevokeToken(ctx, "bob", k.ID, "bob"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Errorf("bob revoked alice's token: %v", err)
	}
	if r, err := db.RevokeToken(ctx, "alice", k.ID, "alice"); err != nil || r.Name != "ci" {
		t.Fatalf("revoke: %v %+v", err, r)
	}
	if _, err := db.RevokeToken(ctx, "alice", k.ID, "alice"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Errorf("second revoke: %v", err)
	}
	if got, _ := db.FindToken(ctx, k.Hash); got.Check(*now) == nil {
		t.Error("a revoked token is still usable")
	}
	if list, _ := db.UserTokens(ctx, "alice"); len(list) != 0 {
		t.Errorf("alice's tokens after revoking: %+v", list)
	}
	// The name is free again once revoked.
	newToken(t, db, "alice", "ci", airlock.ScopeRead)

	// Losing access revokes every token of the person (D6).
	newToken(t, db, "alice", "laptop", airlock.ScopeRead)
	if n, err := db.RevokeUserTokens(ctx, "alice", airlock.TokenRevokedAccessLost); err != nil || n != 2 {
		t.Errorf("revoke user tokens: %d %v", n, err)
	}
	if list, _ := db.AllTokens(ctx); len(list) != 1 || list[0].Username != "bob" {
		t.Errorf("all tokens: %+v", list)
	}
	if e := tokenEvents(t, db, airlock.EventTokenRevoke); len(e) != 2 || e[0].Extra["tokens"] != "2" || e[1].Extra["token"] != "ci" {
		t.Errorf("revoke events: %+v", e)
	}
	if n, err := db.VerifyAudit(ctx); err != nil {
		t.Errorf("audit chain after %d events: %v", n, err)
	}
}

// TestAuditNamesTheAPIToken checks that an event appended in a call made
// with a token names it, without changing the caller's details, and that
// the chain still verifies.
func TestAuditNamesTheAPIToken(t *testing.T) {
	db, _ := sessionDB(t)
	extra := map[string]string{"group": "tables"}
	ctx := airlock.WithAPIToken(context.Background(), "nightly export")
	if err := db.Update(ctx, func(tx airlock.Tx) error {
		return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestEdit, User: "alice", Extra: extra})
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(context.Background(), func(tx airlock.Tx) error {
		return tx.Audit(&airlock.AuditEvent{Type: airlock.EventRequestEdit, User: "alice"})
	}); err != nil {
		t.Fatal(err)
	}
	if len(extra) != 1 {
		t.Errorf("the caller's details changed: %v", extra)
	}
	e := tokenEvents(t, db, airlock.EventRequestEdit)
	if len(e) != 2 || e[1].Extra[airlock.APITokenExtra] != "nightly export" || e[1].Extra["group"] != "tables" || e[0].Extra[airlock.APITokenExtra] != "" {
		t.Errorf("events: %+v", e)
	}
	if _, err := db.VerifyAudit(context.Background()); err != nil {
		t.Error(err)
	}
}
