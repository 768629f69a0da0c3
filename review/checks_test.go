package review_test

import (
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/checks"
)

// withChecks gives the test's world a service that runs the disclosure
// checks, on the same database and files.
func withChecks(e *env, advisory bool) *review.Service {
	p := airlock.NewPolicy(2, nil)
	p.FlagsAdvisory = advisory
	e.svc = review.New(review.Config{Store: e.db, Workspaces: e.ws, Files: e.files, Policy: p,
		Checks: checkfile.NewCache(checks.DefaultSettings(), 0)})
	return e.svc
}

// flagged adds a table whose count of 5 fails small-count, with its group
// described, and returns the request id.
func flagged(e *env, content string) string {
	e.ws.put("w1", "out/counts.csv", content)
	id := e.add(alice, "w1", "tables", airlock.FileOutput, "out/counts.csv")
	e.must(e.svc.EditGroup(e.ctx, alice, id, "tables", "Counts of patients by region.", "Rounded to 5; suppressed under 7."))
	return id
}

func checkEvents(e *env, id string, typ airlock.EventType) []*airlock.AuditEvent {
	e.t.Helper()
	var out []*airlock.AuditEvent
	e.must(e.db.View(e.ctx, func(tx airlock.Tx) error {
		evs, err := tx.AuditEvents(airlock.AuditFilter{Request: id})
		for _, ev := range evs {
			if ev.Type == typ {
				out = append(out, ev)
			}
		}
		return err
	}))
	return out
}

func TestOpenFailFlagBlocksSubmitUntilExcepted(t *testing.T) {
	e := newEnv(t)
	svc := withChecks(e, false)
	id := flagged(e, "region,n\nNorth,5\nSouth,20\n")

	c, err := svc.RequestFileChecks(e.ctx, alice, id, "out/counts.csv")
	e.must(err)
	if c.Status() != airlock.CheckFail || c.OpenFails != 1 {
		t.Fatalf("status %s with %d open fails, want fail with 1: %+v", c.Status(), c.OpenFails, c.Tables)
	}
	v, err := svc.View(e.ctx, alice, id)
	e.must(err)
	if v.CanSubmit == nil || v.Checks["out/counts.csv"] == nil {
		t.Fatalf("the view offers submit (%v) or lacks the checks (%v)", v.CanSubmit, v.Checks)
	}
	err = svc.Submit(e.ctx, alice, id)
	if airlock.ErrorCode(err) != airlock.ESTATE || !strings.Contains(airlock.ErrorMessage(err), "out/counts.csv (1 open fail flag)") {
		t.Fatalf("Submit = %v, want a refusal naming the file", err)
	}

	f := c.Tables[0].Findings[0]
	note := airlock.CheckNote{Path: "out/counts.csv", Kind: airlock.CheckNoteException, Rule: f.Rule, Row: f.Row, Column: f.Column}
	if err := svc.NoteCheck(e.ctx, alice, id, note); airlock.ErrorCode(err) != airlock.EINVALID {
		t.Fatalf("an exception without a reason = %v, want EINVALID", err)
	}
	wrong := note
	wrong.Row, wrong.Reason = 7, "no such row"
	if err := svc.NoteCheck(e.ctx, alice, id, wrong); airlock.ErrorCode(err) != airlock.EINVALID {
		t.Fatalf("an exception for a flag that is not there = %v, want EINVALID", err)
	}
	note.Reason = "North is a published national figure."
	if err := svc.NoteCheck(e.ctx, chk1, id, note); err == nil {
		t.Fatal("a checker asked for an exception on someone else's request")
	}
	e.must(svc.NoteCheck(e.ctx, alice, id, note))
	if evs := checkEvents(e, id, airlock.EventRequestFileCheckException); len(evs) != 1 || evs[0].Extra["reason"] != note.Reason || evs[0].Extra["rule"] != "small-count" {
		t.Fatalf("exception events %+v", evs)
	}
	c, err = svc.RequestFileChecks(e.ctx, chk1, id, "out/counts.csv")
	e.must(err)
	if c.OpenFails != 0 || c.Excepted != 1 || c.Tables[0].Findings[0].Exception.Author != "alice" {
		t.Fatalf("after the exception: %d open, %d excepted, %+v", c.OpenFails, c.Excepted, c.Tables[0].Findings[0].Exception)
	}
	e.must(svc.Submit(e.ctx, alice, id))
}

func TestDeclaredRoleClearsFlagsAndSurvivesSameHeader(t *testing.T) {
	e := newEnv(t)
	svc := withChecks(e, false)
	id := flagged(e, "region,n\nNorth,13\nSouth,21\n")
	c, err := svc.RequestFileChecks(e.ctx, alice, id, "out/counts.csv")
	e.must(err)
	if c.OpenFails == 0 {
		t.Fatalf("unrounded counts raised no fail: %+v", c.Tables)
	}
	role := airlock.CheckNote{Path: "out/counts.csv", Kind: airlock.CheckNoteRole, Column: "n", Role: "bogus", Reason: "n is a practice code"}
	if err := svc.NoteCheck(e.ctx, alice, id, role); airlock.ErrorCode(err) != airlock.EINVALID {
		t.Fatalf("an unknown role = %v, want EINVALID", err)
	}
	role.Role = string(checks.RoleDimension)
	e.must(svc.NoteCheck(e.ctx, alice, id, role))
	if evs := checkEvents(e, id, airlock.EventRequestFileCheckRole); len(evs) != 1 || evs[0].Extra["role"] != "dimension" {
		t.Fatalf("role events %+v", evs)
	}
	c, err = svc.RequestFileChecks(e.ctx, alice, id, "out/counts.csv")
	e.must(err)
	if c.OpenFails != 0 || c.Tables[0].Roles["n"] == nil {
		t.Fatalf("after declaring n not a count: %d open fails, roles %v", c.OpenFails, c.Tables[0].Roles)
	}
	// The checkers still see what the declaration took away, and why.
	if c.Overridden == 0 {
		t.Fatal("the flags the role took away are not listed")
	}
	for _, f := range c.Tables[0].Findings {
		if f.Override == nil || f.Override.Reason != "n is a practice code" || f.Open() {
			t.Fatalf("finding %+v is not shown as overridden by the role", f)
		}
	}

	// An update that keeps the header keeps the role; one that changes it
	// leaves the role stale.
	e.ws.put("w1", "out/counts.csv", "region,n\nNorth,17\nSouth,23\n")
	_, err = svc.UpdateFiles(e.ctx, alice, "w1", []string{"out/counts.csv"})
	e.must(err)
	c, err = svc.RequestFileChecks(e.ctx, alice, id, "out/counts.csv")
	e.must(err)
	if c.OpenFails != 0 || len(c.Stale) != 0 {
		t.Fatalf("after an update with the same header: %d open fails, %d stale", c.OpenFails, len(c.Stale))
	}
	e.ws.put("w1", "out/counts.csv", "area,n\nNorth,17\nSouth,23\n")
	_, err = svc.UpdateFiles(e.ctx, alice, "w1", []string{"out/counts.csv"})
	e.must(err)
	c, err = svc.RequestFileChecks(e.ctx, alice, id, "out/counts.csv")
	e.must(err)
	if c.OpenFails == 0 || len(c.Stale) != 1 {
		t.Fatalf("after the header changed: %d open fails, %d stale", c.OpenFails, len(c.Stale))
	}
	if err := svc.Submit(e.ctx, alice, id); airlock.ErrorCode(err) != airlock.ESTATE {
		t.Fatalf("Submit = %v, want ESTATE", err)
	}
}

func TestAdvisoryFlagsDoNotBlock(t *testing.T) {
	e := newEnv(t)
	svc := withChecks(e, true)
	id := flagged(e, "region,n\nNorth,5\nSouth,20\n")
	e.must(svc.Submit(e.ctx, alice, id))
}

func TestWorkspaceFileChecks(t *testing.T) {
	e := newEnv(t)
	svc := withChecks(e, false)
	e.ws.put("w1", "out/counts.csv", "region,n\nNorth,5\nSouth,20\n")
	c, err := svc.WorkspaceFileChecks(e.ctx, alice, "w1", "out/counts.csv")
	e.must(err)
	if c.Status() != airlock.CheckFail || c.Fails != 1 {
		t.Fatalf("status %s, %d fails", c.Status(), c.Fails)
	}
	if _, err := svc.WorkspaceFileChecks(e.ctx, nm, "w1", "out/counts.csv"); err == nil {
		t.Fatal("someone without access to the workspace read its checks")
	}
	if c, err := svc.WorkspaceFileChecks(e.ctx, alice, "w1", "out/code.exe"); err != nil || c != nil {
		t.Fatalf("a file the checks do not read: %v, %v", c, err)
	}
}
