package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/checks"
)

// withChecksEnv is the test world with a service that runs the
// disclosure checks, and ws1's small.csv holding a count of 5.
func withChecksEnv(t *testing.T) (*env, string) {
	t.Helper()
	e := newEnv(t)
	writeWorkspace(t, e.wsDir, "ws1", map[string]string{
		"output/summary.csv": "group,count\na,10\nb,20\n",
		"output/small.csv":   "group,count\na,5\nb,20\n",
	})
	e.svc = review.New(review.Config{Store: e.db, Workspaces: e.root, Files: e.store, Policy: airlock.NewPolicy(2, nil),
		Checks: checkfile.NewCache(checks.DefaultSettings(), 0)})
	srv, err := NewServer(Deps{Service: e.svc, Auth: e.auth, Sessions: e.db,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Settings: Settings{ExternalURL: "http://airlock.test"}, Now: e.clock})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	res, err := e.svc.AddFiles(context.Background(), e.user("author"), "ws1", []review.AddItem{{Path: "output/small.csv", Type: airlock.FileOutput}}, "tables")
	if err != nil || res[0].Err != nil {
		t.Fatal(err, res)
	}
	st, err := e.svc.WorkspaceState(context.Background(), e.user("author"), "ws1")
	if err != nil {
		t.Fatal(err)
	}
	return e, st.Current.ID
}

func TestCheckNoteForm(t *testing.T) {
	e, id := withChecksEnv(t)
	author := e.as("author")
	next := "/requests/file/" + id + "/tables/output/small.csv"
	note := url.Values{"path": {"output/small.csv"}, "kind": {"exception"}, "rule": {"small-count"}, "row": {"1"},
		"column": {"count"}, "next": {next}}

	before := e.dump()
	rec := author.post("/requests/check-note/"+id, note)
	wantCode(t, rec, http.StatusSeeOther)
	if got := flashes(t, author, rec); len(got) != 1 || !strings.Contains(got[0], "a reason is required") {
		t.Fatalf("flashes %q, want the reason asked for", got)
	}
	if e.dump() != before {
		t.Fatal("a note without a reason changed the database")
	}
	wantCode(t, e.as("checker").post("/requests/check-note/"+id, withReason(note, "fine")), http.StatusForbidden)

	rec = author.post("/requests/check-note/"+id, withReason(note, "Group a is published."))
	wantCode(t, rec, http.StatusSeeOther)
	if loc := rec.Result().Header.Get("Location"); loc != next+"#checks" {
		t.Fatalf("redirect to %q", loc)
	}
	page := author.get(next).Body.String()
	for _, want := range []string{`data-testid="flag-exception"`, "Group a is published.", `data-status="pass"`} {
		if !strings.Contains(page, want) {
			t.Errorf("file page lacks %s", want)
		}
	}
	// The frame's pinned URL names the notes in force, so the cached
	// rendering without the exception is not reused.
	frame := author.get("/requests/content/" + id + "/tables/output/small.csv").Body.String()
	if !strings.Contains(frame, `data-testid="cell-exception"`) {
		t.Error("the table viewer does not show the exception on the cell")
	}
}

func withReason(v url.Values, reason string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = vs
	}
	out.Set("reason", reason)
	return out
}

func TestWorkspaceFileShowsChecks(t *testing.T) {
	e, _ := withChecksEnv(t)
	page := e.as("member").get("/workspaces/view/ws1/output/small.csv").Body.String()
	if !strings.Contains(page, `data-testid="checks-status" data-status="fail"`) || !strings.Contains(page, "5 is at or below 7") {
		t.Fatalf("workspace file page lacks the fail flag:\n%s", page)
	}
}

func TestCheckRoleForm(t *testing.T) {
	e, id := withChecksEnv(t)
	author := e.as("author")
	next := "/requests/file/" + id + "/tables/output/small.csv"
	rec := author.post("/requests/check-note/"+id, url.Values{"path": {"output/small.csv"}, "kind": {"role"}, "column": {"count"},
		"role": {"dimension"}, "reason": {"count is the practice code"}, "next": {next}})
	wantCode(t, rec, http.StatusSeeOther)
	page := e.as("checker").get(next).Body.String()
	for _, want := range []string{`data-testid="flag-override"`, "count is the practice code", `data-status="pass"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the checker's file page lacks %s", want)
		}
	}
}
