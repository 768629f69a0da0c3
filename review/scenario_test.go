package review_test

import (
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// comments returns the texts of a group's comments as u sees them.
func (e *env) comments(u *airlock.User, id, group string) []string {
	e.t.Helper()
	v, err := e.svc.View(e.ctx, u, id)
	e.must(err)
	var out []string
	for _, c := range v.Request.Group(group).Comments {
		out = append(out, c.Text)
	}
	return out
}

func (e *env) decision(u *airlock.User, id, path string) airlock.Decision {
	e.t.Helper()
	v, err := e.svc.View(e.ctx, u, id)
	e.must(err)
	return v.Decisions[path]
}

func (e *env) activityTypes(u *airlock.User, id string) []airlock.EventType {
	e.t.Helper()
	evs, err := e.svc.Activity(e.ctx, u, id, "")
	e.must(err)
	var out []airlock.EventType
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

func has[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := airlock.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// TestReviewRounds walks a request through blinded review, an early return,
// a second round with a conflict, consolidation, a full return with public
// comments, a resubmission with an updated file, a third reviewer and
// release, checking what each person sees at each point.
func TestReviewRounds(t *testing.T) {
	e := newEnv(t)
	id := e.pending(alice)
	const table, chart = "out/table.csv", "out/chart.png"

	// Turn 0 → 1: submitted. Independent review is blinded.
	e.must(e.svc.Submit(e.ctx, alice, id))
	if r := e.request(id); r.ReviewTurn != 1 || r.Status != airlock.StatusSubmitted {
		t.Fatalf("after submit: turn %d status %s", r.ReviewTurn, r.Status)
	}
	e.must(e.svc.Vote(e.ctx, chk1, id, table, airlock.VoteChangesRequested))
	e.must(e.svc.Comment(e.ctx, chk1, id, "tables", "chk1 private", airlock.Private))
	e.must(e.svc.Comment(e.ctx, chk2, id, "tables", "chk2 public", airlock.Public))
	if got := e.comments(chk2, id, "tables"); len(got) != 1 || got[0] != "chk2 public" {
		t.Fatalf("chk2 sees %q during independent review; want only their own", got)
	}
	if got := e.comments(alice, id, "tables"); len(got) != 0 {
		t.Fatalf("author sees %q during review", got)
	}
	if v, _ := e.svc.View(e.ctx, chk2, id); v.Request.File(table).Votes["chk1"] != nil {
		t.Fatal("chk2 can see chk1's vote during independent review")
	}
	// A reviewer cannot submit until every file is voted and commented.
	wantCode(t, e.svc.SubmitReview(e.ctx, chk1, id), airlock.ESTATE)
	e.must(e.svc.Vote(e.ctx, chk1, id, chart, airlock.VoteApproved))
	e.must(e.svc.SubmitReview(e.ctx, chk1, id))
	wantCode(t, e.svc.SubmitReview(e.ctx, chk1, id), airlock.ESTATE) // already submitted
	wantCode(t, e.svc.ResetVote(e.ctx, chk1, id, chart), airlock.ESTATE)
	e.must(e.svc.Vote(e.ctx, chk1, id, chart, airlock.VoteApproved)) // flipping/keeping is fine
	if e.request(id).Status != airlock.StatusPartiallyReviewed {
		t.Fatal("one review should make the request partially reviewed")
	}
	e.must(e.svc.Vote(e.ctx, chk2, id, chart, airlock.VoteApproved))

	// Early return: chk1's submitted votes become undecided, chk2's unsubmitted
	// vote goes, the turn's comments go, and the turn's activity is hidden.
	e.must(e.svc.Return(e.ctx, chk2, id))
	r := e.request(id)
	if r.Status != airlock.StatusReturned || r.ReviewTurn != 2 {
		t.Fatalf("after early return: %s turn %d", r.Status, r.ReviewTurn)
	}
	if v := r.File(table).Votes["chk1"]; v == nil || v.Vote != airlock.VoteUndecided {
		t.Fatalf("chk1's submitted vote after early return = %+v, want undecided", v)
	}
	if _, ok := r.File(chart).Votes["chk2"]; ok {
		t.Fatal("chk2's unsubmitted vote survived the early return")
	}
	if n := len(r.Group("tables").Comments); n != 0 {
		t.Fatalf("%d comments survived the early return", n)
	}
	acts := e.activityTypes(alice, id)
	if !has(acts, airlock.EventRequestEarlyReturn) || !has(acts, airlock.EventRequestReturn) || has(acts, airlock.EventRequestFileRequestChanges) {
		t.Fatalf("author's activity after early return = %v", acts)
	}
	for _, ev := range mustEvents(e, chk1, id) {
		if ev.Type == airlock.EventRequestCommentDelete && strings.Contains(ev.Extra["comment"], "private") {
			t.Fatal("a reverted private comment's text is visible")
		}
	}
	if d := e.decision(alice, id, table); d != airlock.DecisionIncomplete {
		t.Fatalf("after an early return the author sees %s, want incomplete", d)
	}
	// No comment is needed to resubmit after an early return.
	e.must(e.svc.Submit(e.ctx, alice, id))

	// Turn 3: chk1 requests changes, chk2 approves: conflicted, seen only by checkers.
	e.reviewAll(chk1, id, airlock.VoteChangesRequested)
	e.must(e.svc.Comment(e.ctx, chk1, id, "tables", "checkers: check row 3", airlock.Private))
	e.reviewAll(chk2, id, airlock.VoteApproved)
	if e.request(id).Status != airlock.StatusReviewed {
		t.Fatal("two reviews should make the request reviewed")
	}
	if d := e.decision(chk3, id, table); d != airlock.DecisionConflicted {
		t.Fatalf("checker sees %s while consolidating, want conflicted", d)
	}
	if d := e.decision(alice, id, table); d != airlock.DecisionIncomplete {
		t.Fatalf("author sees %s while consolidating, want incomplete", d)
	}
	if got := e.comments(chk2, id, "tables"); !has(got, "checkers: check row 3") {
		t.Fatalf("consolidating checker should see the private comment, sees %q", got)
	}
	wantCode(t, e.svc.Release(e.ctx, chk2, id), airlock.ESTATE)
	// A full return needs a public comment in the group with unapproved files:
	// chk1's public comment from reviewAll counts.
	e.must(e.svc.Return(e.ctx, chk2, id))
	if d := e.decision(alice, id, table); d != airlock.DecisionChangesRequested {
		t.Fatalf("author sees %s after return, want changes requested (never conflicted)", d)
	}
	got := e.comments(alice, id, "tables")
	if !has(got, "Please round these counts.") || has(got, "checkers: check row 3") {
		t.Fatalf("author sees comments %q; want the public one only", got)
	}

	// Turn 4 (author): resubmitting needs the author's public reply.
	e.ws.put("w1", table, "a,b\n0,5\n")
	res, err := e.svc.UpdateFiles(e.ctx, alice, "w1", []string{table})
	e.must(err)
	e.must(res[0].Err)
	if len(e.request(id).File(table).Votes) != 0 {
		t.Fatal("updating a file must reset its votes")
	}
	wantCode(t, e.svc.Submit(e.ctx, alice, id), airlock.ESTATE)
	e.must(e.svc.Comment(e.ctx, alice, id, "tables", "Rounded now.", airlock.Public))
	e.must(e.svc.Submit(e.ctx, alice, id))
	if v := e.request(id).File(chart).Votes["chk1"]; v == nil || v.Vote != airlock.VoteUndecided {
		t.Fatalf("chk1's change request on the chart after resubmission = %+v, want undecided", v)
	}
	if v := e.request(id).File(chart).Votes["chk2"]; v == nil || v.Vote != airlock.VoteApproved {
		t.Fatal("chk2's approval should carry over")
	}

	// Turn 5: chk1 approves; chk2 requests changes; a third reviewer approves
	// and unblocks release.
	e.reviewAll(chk1, id, airlock.VoteApproved)
	e.reviewAll(chk2, id, airlock.VoteChangesRequested)
	if e.request(id).AllOutputsApproved(2) {
		t.Fatal("not all approved yet")
	}
	e.reviewAll(chk3, id, airlock.VoteApproved)
	if !e.request(id).AllOutputsApproved(2) {
		t.Fatal("two approvals of three reviewers should approve")
	}
	// The author, even as a checker, can never release; a reviewer can.
	wantCode(t, e.svc.Release(e.ctx, alice, id), airlock.EFORBIDDEN)
	e.must(e.svc.Release(e.ctx, chk3, id))
	r = e.request(id)
	if r.Status != airlock.StatusApproved {
		t.Fatalf("status %s after release", r.Status)
	}
	// The deliverer registers the release the checker decided on.
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.files, Registrar: e.jobsite})
	if _, err := d.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	files := e.jobsite.registered(id)
	if len(files) != 2 {
		t.Fatalf("released %d files, want the 2 outputs and no supporting file", len(files))
	}
	for _, f := range files {
		if f.Name == "out/notes.txt" {
			t.Fatal("a supporting file was released")
		}
	}
	// COMPLETE: everyone sees public items; checkers see private ones too.
	if got := e.comments(alice, id, "tables"); has(got, "checkers: check row 3") {
		t.Fatal("the author must never see private comments")
	}
	if got := e.comments(chk1, id, "tables"); !has(got, "checkers: check row 3") {
		t.Fatal("checkers see private comments once complete")
	}
	if n, err := e.db.VerifyAudit(e.ctx); err != nil || n == 0 {
		t.Fatalf("audit chain: %d events, %v", n, err)
	}
}

func mustEvents(e *env, u *airlock.User, id string) []*airlock.AuditEvent {
	evs, err := e.svc.Activity(e.ctx, u, id, "")
	e.must(err)
	return evs
}

// TestPrivateStaysPrivate checks D5: deleting a private comment never shows
// its text to the author, in any later turn.
func TestPrivateStaysPrivate(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusSubmitted)
	e.must(e.svc.Comment(e.ctx, chk1, id, "tables", "secret remark", airlock.Private))
	v, err := e.svc.View(e.ctx, chk1, id)
	e.must(err)
	e.must(e.svc.DeleteComment(e.ctx, chk1, id, "tables", v.Request.Group("tables").Comments[0].ID))
	e.reviewAll(chk1, id, airlock.VoteApproved)
	e.reviewAll(chk2, id, airlock.VoteApproved)
	e.must(e.svc.Return(e.ctx, chk1, id))
	for _, ev := range mustEvents(e, alice, id) {
		if strings.Contains(ev.Extra["comment"], "secret") {
			t.Fatalf("author sees %s with the private text", ev.Type)
		}
	}
}

// TestCommentRules checks who may write what, enforced by the service.
func TestCommentRules(t *testing.T) {
	e := newEnv(t)
	id := e.toStatus(alice, airlock.StatusPending)
	wantCode(t, e.svc.Comment(e.ctx, alice, id, "tables", "x", airlock.Private), airlock.EFORBIDDEN)
	wantCode(t, e.svc.Comment(e.ctx, cop, id, "tables", "x", airlock.Public), airlock.EFORBIDDEN)
	wantCode(t, e.svc.Comment(e.ctx, alice, id, "tables", "   ", airlock.Public), airlock.EINVALID)
	wantCode(t, e.svc.Comment(e.ctx, alice, id, "nope", "x", airlock.Public), airlock.ENOTFOUND)
	e.must(e.svc.Submit(e.ctx, alice, id))
	e.must(e.svc.Comment(e.ctx, chk1, id, "tables", "mine", airlock.Private))
	v, _ := e.svc.View(e.ctx, chk1, id)
	cid := v.Request.Group("tables").Comments[0].ID
	wantCode(t, e.svc.DeleteComment(e.ctx, chk2, id, "tables", cid), airlock.EFORBIDDEN)
	e.must(e.svc.MakeCommentPublic(e.ctx, chk1, id, "tables", cid))
	wantCode(t, e.svc.MakeCommentPublic(e.ctx, chk1, id, "tables", cid), airlock.ESTATE)
}

// TestArchivedBlocksEditingNotWithdrawing checks D1 for inactive workspaces.
func TestArchivedBlocksEditingNotWithdrawing(t *testing.T) {
	e := newEnv(t)
	res, err := e.svc.AddFiles(e.ctx, alice, "warch", []review.AddItem{{Path: "out/table.csv", Type: airlock.FileOutput}}, "")
	wantCode(t, err, airlock.EFORBIDDEN)
	if res != nil {
		t.Fatal("no per-file results expected when the workspace refuses")
	}
	// A request made while the workspace was active stays withdrawable.
	id := e.pending(alice)
	archivedAlice := alice.Clone()
	archivedAlice.Workspaces["w1"] = archived
	wantCode(t, e.svc.Submit(e.ctx, archivedAlice, id), airlock.EFORBIDDEN)
	wantCode(t, e.svc.EditGroup(e.ctx, archivedAlice, id, "tables", "a", "b"), airlock.EFORBIDDEN)
	e.must(e.svc.Withdraw(e.ctx, archivedAlice, id))
}

// TestAddRules covers the add flow's refusals and the released-file rule.
func TestAddRules(t *testing.T) {
	e := newEnv(t)
	add := func(p string, ft airlock.FileType) error {
		return firstErr(e.svc.AddFiles(e.ctx, alice, "w1", []review.AddItem{{Path: p, Type: ft}}, ""))
	}
	wantCode(t, add("out/code.exe", airlock.FileOutput), airlock.EINVALID)
	wantCode(t, add("metadata/job.log", airlock.FileOutput), airlock.EINVALID)
	wantCode(t, add("out/missing.csv", airlock.FileOutput), airlock.ENOTFOUND)
	st, _ := e.svc.WorkspaceState(e.ctx, alice, "w1")
	if st.Current != nil {
		t.Fatal("a refused add must not leave an empty request behind")
	}
	e.must(add("out/table.csv", airlock.FileOutput))
	wantCode(t, add("out/table.csv", airlock.FileSupporting), airlock.ECONFLICT)
	// Group names are lower-cased, so "DEFAULT" is the default group.
	e.must(firstErr(e.svc.AddFiles(e.ctx, alice, "w1", []review.AddItem{{Path: "out/chart.png", Type: airlock.FileOutput}}, "DEFAULT")))
	if g := e.request(e.currentID(alice, "w1")).File("out/chart.png").Group; g != "default" {
		t.Fatalf("group = %q, want default", g)
	}
	wantCode(t, firstErr(e.svc.AddFiles(e.ctx, alice, "w1", []review.AddItem{{Path: "out/notes.txt", Type: airlock.FileOutput}}, "a/b")), airlock.EINVALID)

	// Once released, the same content may come back only as supporting.
	id := e.currentID(alice, "w1")
	e.must(e.svc.EditGroup(e.ctx, alice, id, "default", "Counts.", "Rounded."))
	e.advance(alice, id, airlock.StatusApproved)
	wantCode(t, add("out/table.csv", airlock.FileOutput), airlock.EINVALID)
	e.must(add("out/table.csv", airlock.FileSupporting))
}
