package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// testCompare: a checker returns a reviewed request, the researcher
// changes one cell of a table on disk, updates the file and resubmits;
// the checker then sees the file marked as changed in the request tree
// and, from its page, a comparison showing that one cell, old and new.
func testCompare(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	j := &journey{t: t, w: w, base: w.serve()}
	ctx := context.Background()
	res := w.users[researcher]
	results, err := w.svc.AddFiles(ctx, &res, "cardiac-main", []review.AddItem{{Path: ratesCSV, Type: airlock.FileOutput}}, "tables")
	if err != nil || results[0].Err != nil {
		t.Fatalf("add: %v %+v", err, results)
	}
	j.id = w.request(researcher).Request.ID
	if err := w.svc.EditGroup(ctx, &res, j.id, "tables", "Rates of events by age band.", "Counts under 8 are redacted."); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Submit(ctx, &res, j.id); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{checker1, checker2} {
		u := w.users[name]
		if err := w.svc.Vote(ctx, &u, j.id, ratesCSV, airlock.VoteChangesRequested); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.Comment(ctx, &u, j.id, "tables", "The 80+ band has a count of 7: please redact it.", airlock.Public); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SubmitReview(ctx, &u, j.id); err != nil {
			t.Fatal(err)
		}
	}

	c1 := person(t, b, w, j.base, checker1)
	j.confirm(c1, "return", "returned to its author")

	r := person(t, b, w, j.base, researcher)
	w.changeFile("cardiac-main", ratesCSV, []byte("age_band,events,rate_per_1000\n18-39,125,2.44\n40-59,340,6.97\n60-79,615,20.42\n80+,[REDACTED],0.87\n"))
	r.Navigate(j.base + "/workspaces/view/cardiac-main/" + ratesCSV)
	r.ClickNav("button[data-testid=update-file]")
	j.flashOK(r, ratesCSV)
	j.comment(r, "tables", "Redacted the 80+ count.", airlock.Public)
	j.confirm(r, "submit", "submitted for review")

	c1.Navigate(j.fileURL("tables", ratesCSV))
	mark := `a.file[data-path="` + ratesCSV + `"] [data-mark=changed]`
	if !c1.Has(mark) {
		t.Fatalf("the request tree does not mark %s as changed:\n%s", ratesCSV, c1.HTML())
	}
	if got := c1.Attr(mark, "title"); got != "Changed since review round 1: compare the versions" {
		t.Errorf("changed mark says %q", got)
	}
	c1.ClickNav("[data-testid=compare-link]")
	f := c1.Frame("[data-testid=compare-frame]")
	if got := f.Text("[data-testid=compare-summary]"); got != "1 cell changed in 1 row." {
		t.Errorf("comparison summary = %q", got)
	}
	if n := f.Count("td[data-diff=changed]"); n != 1 {
		t.Fatalf("comparison shows %d changed cells, want 1", n)
	}
	if old, new := f.Text("td[data-diff=changed] del"), f.Text("td[data-diff=changed] ins"); old != "7" || new != "[REDACTED]" {
		t.Errorf("changed cell shows %q → %q, want 7 → [REDACTED]", old, new)
	}
	if n := f.Count("tr[data-diff]"); n != 1 {
		t.Errorf("comparison lists %d rows, want only the one that changed", n)
	}
	accessible(t, c1, "compare")
	if strings.Contains(c1.HTML(), "compare-missing") {
		t.Error("the comparison page says there is nothing to compare")
	}

	// Released, the table is the one a new version is set beside: a count
	// that moved by a small number is flagged to the researcher before
	// they submit, with the comparison one click away.
	for _, name := range []string{checker1, checker2} {
		u := w.users[name]
		if err := w.svc.Vote(ctx, &u, j.id, ratesCSV, airlock.VoteApproved); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SubmitReview(ctx, &u, j.id); err != nil {
			t.Fatal(err)
		}
	}
	c1u := w.users[checker1]
	if err := w.svc.Release(ctx, &c1u, j.id); err != nil {
		t.Fatal(err)
	}
	w.changeFile("cardiac-main", ratesCSV, []byte("age_band,events,rate_per_1000\n18-39,130,2.44\n40-59,340,6.97\n60-79,615,20.42\n80+,[REDACTED],0.87\n"))
	results, err = w.svc.AddFiles(ctx, &res, "cardiac-main", []review.AddItem{{Path: ratesCSV, Type: airlock.FileOutput}}, "tables")
	if err != nil || results[0].Err != nil {
		t.Fatalf("add again: %v %+v", err, results)
	}
	pending, err := w.svc.Requests(ctx, &res, airlock.RequestFilter{Author: researcher, Statuses: []airlock.RequestStatus{airlock.StatusPending}})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending requests: %d, %v", len(pending), err)
	}
	next := pending[0].ID
	r.Navigate(j.base + "/requests/file/" + next + "/tables/" + ratesCSV)
	if n := r.Count("[data-testid=differencing-cell]"); n != 1 {
		t.Fatalf("researcher sees %d differencing cells, want 1 (18-39 events 125 → 130):\n%s", n, r.HTML())
	}
	accessible(t, r, "differencing")
	r.ClickNav("[data-testid=differencing-compare]")
	f = r.Frame("[data-testid=compare-frame]")
	if old, new := f.Text("td[data-diff=changed] del"), f.Text("td[data-diff=changed] ins"); old != "125" || new != "130" {
		t.Errorf("comparison with the released table shows %q → %q, want 125 → 130", old, new)
	}
	accessible(t, r, "compare-released")
}
