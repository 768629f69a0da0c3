package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// TestTokenCommands makes, lists and revokes a token from the command
// line, for a user of the demo's users file, with every refusal.
func TestTokenCommands(t *testing.T) {
	dir, getenv := mustBackendDir(t)

	out, errOut, code := runCmd(t, getenv, "token", "create", "researcher", "--name", "nightly export", "--scopes", "read,author", "--days", "30", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	var made tokenJSON
	if err := json.Unmarshal([]byte(out), &made); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(made.Token, airlock.TokenPrefix) || made.User != "researcher" || strings.Join(made.Scopes, ",") != "read,author" ||
		made.CreatedBy != airlock.TokenByCommandLine || made.ExpiresAt.Sub(made.CreatedAt) != 30*24*time.Hour {
		t.Errorf("made %+v", made)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	k, err := db.FindToken(context.Background(), airlock.TokenHash(made.Token))
	if err != nil || k.ID != made.ID || !k.Live(time.Now()) {
		t.Fatalf("stored: %+v %v", k, err)
	}

	out, _, code = runCmd(t, getenv, "token", "create", "checker1", "--name", "review bot", "--scopes", "review")
	if code != 0 || !strings.Contains(out, "shown only this once") || !strings.Contains(out, airlock.TokenPrefix) {
		t.Errorf("create, for people: exit %d:\n%s", code, out)
	}

	// Refusals: exit 2 for the command line, 1 for what the backend refuses.
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"token", "create", "researcher"}, 2, "--name"},
		{[]string{"token", "create", "--name", "x"}, 2, "missing arguments"},
		{[]string{"token", "create", "researcher", "--name", "x", "--scopes", "admin"}, 2, "not a token scope"},
		{[]string{"token", "create", "researcher", "--name", "x", "--days", "400"}, 1, "at most 366 days"},
		{[]string{"token", "create", "researcher", "--name", "nightly export"}, 1, "already have a token with this name"},
		{[]string{"token", "create", "nobody", "--name", "x"}, 1, "nobody"},
		{[]string{"token", "revoke"}, 2, "missing arguments"},
		{[]string{"token", "revoke", "01NOSUCHTOKEN"}, 1, "no token"},
		{[]string{"token", "list", "a", "b"}, 2, "unexpected arguments"},
	} {
		_, errOut, code := runCmd(t, getenv, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.says) {
			t.Errorf("%q: exit %d, want %d with %q:\n%s", tc.args, code, tc.code, tc.says, errOut)
		}
	}

	out, _, code = runCmd(t, getenv, "token", "list")
	if code != 0 || !strings.Contains(out, "nightly export") || !strings.Contains(out, "review bot") || !strings.Contains(out, "read,author") {
		t.Errorf("list: exit %d:\n%s", code, out)
	}
	out, _, code = runCmd(t, getenv, "token", "list", "researcher", "--json")
	var list struct{ Tokens []tokenJSON }
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list.Tokens) != 1 || list.Tokens[0].Token != "" {
		t.Errorf("list researcher: exit %d %v: %s", code, err, out)
	}

	out, _, code = runCmd(t, getenv, "token", "revoke", made.ID)
	if code != 0 || !strings.Contains(out, "Revoked token \"nightly export\" of researcher") {
		t.Errorf("revoke: exit %d: %s", code, out)
	}
	if k, _ := db.FindToken(context.Background(), airlock.TokenHash(made.Token)); k.Live(time.Now()) {
		t.Error("the revoked token still works")
	}
	if _, errOut, code := runCmd(t, getenv, "token", "revoke", made.ID); code != 1 || !strings.Contains(errOut, "revoked already") {
		t.Errorf("revoking twice: exit %d: %s", code, errOut)
	}
	var events []*airlock.AuditEvent
	_ = db.View(context.Background(), func(tx airlock.Tx) error {
		events, err = tx.AuditEvents(airlock.AuditFilter{User: "researcher"})
		return err
	})
	var seen []string
	for _, e := range events {
		if e.Type == airlock.EventTokenCreate || e.Type == airlock.EventTokenRevoke {
			seen = append(seen, string(e.Type)+" "+e.Extra["token"]+" "+e.Extra["created_by"]+e.Extra["revoked_by"])
		}
	}
	if strings.Join(seen, "; ") != "API_TOKEN_REVOKE nightly export command line; API_TOKEN_CREATE nightly export command line" {
		t.Errorf("audit: %q", seen)
	}
	if _, _, code := runCmd(t, getenv, "token", "-h"); code != 0 {
		t.Errorf("token -h: exit %d", code)
	}
}
