package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// TestUserCache checks a cached user reads back whole, and that rows in
// the jobs site's own JSON shape (which the cache has always stored) keep
// every role, now that the domain type carries no JSON tags.
func TestUserCache(t *testing.T) {
	db, path := mustOpen(t)
	ctx := context.Background()
	ongoing := false
	alice := &airlock.User{Username: "alice", Fullname: "Alice A", OutputChecker: true,
		Workspaces:          map[string]airlock.WorkspaceAccess{"w1": {ProjectDetails: airlock.ProjectDetails{Name: "P", Ongoing: &ongoing, Orgs: []string{"O"}}, Archived: true}},
		CopilotedWorkspaces: map[string]airlock.WorkspaceAccess{"w2": {ProjectDetails: airlock.ProjectDetails{Name: "Q"}}}}
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	if err := db.Update(ctx, func(tx airlock.Tx) error { return tx.SaveUser(alice, at) }); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO users (username, api_data, refreshed_at) VALUES ('bob', ?, ?)`,
		`{"username":"bob","fullname":"Bob","workspaces":{},"copiloted_workspaces":{"w1":{"project_details":{"name":"P","orgs":["O"]},"archived":false}},"output_checker":false,"readonly_access":true}`,
		"2026-03-01T09:00:00Z"); err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx airlock.Tx) error {
		u, refreshed, err := tx.User("alice")
		if err != nil {
			return err
		}
		w := u.Workspaces["w1"]
		if u.Fullname != "Alice A" || !u.OutputChecker || !w.Archived || w.ProjectDetails.IsOngoing() || w.ProjectDetails.Orgs[0] != "O" ||
			u.CopilotedWorkspaces["w2"].ProjectDetails.Name != "Q" || !refreshed.Equal(at) {
			t.Errorf("alice = %+v at %v", u, refreshed)
		}
		bob, _, err := tx.User("bob")
		if err != nil {
			return err
		}
		if !bob.ReadonlyAccess || !bob.IsCopilot("w1") || bob.CopilotedWorkspaces["w1"].ProjectDetails.Name != "P" || bob.Workspaces == nil {
			t.Errorf("bob = %+v", bob)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
