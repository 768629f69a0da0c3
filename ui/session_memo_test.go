package ui

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
	"github.com/airlock-project/airlock/review"
)

// A signed-in person's session and roles are read from the store once
// while it is unchanged; a write by anyone, here through another
// connection as another process makes, is seen on the very next request:
// roles taken away, then the session ended.
func TestSignInMemoSeesEveryWrite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("member")
	target := "/workspaces/view/ws1/output/"
	wantCode(t, c.get(target), http.StatusOK)
	before := e.srv.signIns.hits.Load()
	wantCode(t, c.get(target), http.StatusOK)
	wantCode(t, c.get("/account/"), http.StatusOK)
	if got := e.srv.signIns.hits.Load() - before; got != 2 {
		t.Fatalf("%d of 2 requests of an unchanged store were answered from the memo", got)
	}

	other, err := sqlite.Open(context.Background(), e.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	svc := review.New(review.Config{Store: other, Workspaces: e.root, Files: e.store, Policy: airlock.NewPolicy(2, nil)})
	u := e.user("member")
	u.Workspaces = map[string]airlock.WorkspaceAccess{"ws2": u.Workspaces["ws1"]}
	if err := svc.SaveUser(context.Background(), u, e.clock()); err != nil {
		t.Fatal(err)
	}
	wantCode(t, c.get(target), http.StatusForbidden)

	if _, err := other.EndUserSessions(context.Background(), "member", airlock.SessionEverywhere); err != nil {
		t.Fatal(err)
	}
	if rec := c.get("/account/"); rec.Code != http.StatusFound && rec.Code != http.StatusSeeOther {
		t.Fatalf("an ended session got status %d, want a redirect to sign in", rec.Code)
	}
}

// The idle limit holds for a session answered from the memo: it is time,
// not a write, that ends it.
func TestSignInMemoKeepsIdleLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("member")
	wantCode(t, c.get("/account/"), http.StatusOK)
	wantCode(t, c.get("/account/"), http.StatusOK)
	if e.srv.signIns.hits.Load() == 0 {
		t.Fatal("the session was not answered from the memo")
	}
	e.advance(e.srv.set.SessionIdle + time.Minute)
	if rec := c.get("/account/"); rec.Code == http.StatusOK {
		t.Fatal("an idle session was let in")
	}
}
