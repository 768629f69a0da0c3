package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/ui/browsertest"
	"github.com/airlock-project/airlock/workspaces/checkfile"
	"github.com/airlock-project/airlock/workspaces/checks"
)

// TestBrowserChecks drives the disclosure checks (D17) in Chromium: a
// researcher sees a fail flag before and after adding the file and cannot
// submit until every fail flag is excepted with a reason; a checker then
// sees the flagged cell highlighted with its reason and the researcher's
// exception struck through beside it.
func TestBrowserChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	w := newWorldChecked(t, checkfile.NewCache(checks.DefaultSettings(), 0))
	base := w.serve()
	ctx := context.Background()
	rs := w.users[researcher]

	// rates_by_age.csv has 7 events in the 80+ band: small-count fails
	// on the count and small-denominator on the rate beside it.
	res := person(t, b, w, base, researcher)
	res.Navigate(base + "/workspaces/view/cardiac-main/" + ratesCSV)
	if got := res.Attr("[data-testid=checks-status]", "data-status"); got != "fail" {
		t.Fatalf("workspace file page: checks status %q, want fail", got)
	}
	mustSee(t, res, "workspace file page", "7 is at or below 7")
	res.Screenshot("checks-workspace-file")
	res.ClickNav("button[data-testid=add-file]")
	if got := res.Text("[data-testid=add-checks]"); !strings.Contains(got, "Checks: fail") {
		t.Fatalf("add dialog shows checks %q, want a fail", got)
	}
	res.Screenshot("checks-add-dialog")
	res.Click("#add-choice-new")
	res.SetValue("#add-new-group", "tables")
	res.ClickNav("[data-testid=add-files-submit]")

	id := w.request(researcher).Request.ID
	if err := w.svc.EditGroup(ctx, &rs, id, "tables", "Rates of admission by age band.", "Counts rounded to 5."); err != nil {
		t.Fatal(err)
	}
	overview := base + "/requests/view/" + id + "/"
	res.Navigate(overview)
	if got := res.Text("[data-testid=checks-open]"); !strings.Contains(got, ratesCSV) || !strings.Contains(got, "2 open fail flags") {
		t.Fatalf("overview lists open fail flags as %q", got)
	}
	if !res.Has("button[data-testid=action-submit][disabled]") {
		t.Fatal("submit is offered with open fail flags")
	}
	mustSee(t, res, "overview", "Before submitting, fix the files the disclosure checks fail")
	if got := res.Text("[data-testid=request-tree] [data-testid=tree-flag-count]"); !strings.Contains(got, "2") {
		t.Errorf("tree flag count %q, want 2", got)
	}
	res.Screenshot("checks-overview-blocked")

	// An exception without a reason is refused by the form; with one it
	// is recorded, and the second fail still blocks.
	fileURL := base + "/requests/file/" + id + "/" + "tables" + "/" + ratesCSV
	except := func(rule, reason string) {
		t.Helper()
		res.Navigate(fileURL)
		sel := `[data-testid=flag][data-rule="` + rule + `"]`
		res.Click(sel + " [data-testid=flag-except-open]")
		res.SetValue(sel+" [data-testid=flag-except-reason]", reason)
		res.ClickNav(sel + " [data-testid=flag-except-submit]")
		mustSee(t, res, "after asking an exception", "Exception asked for the "+rule+" flag")
	}
	res.Navigate(fileURL)
	if n := res.Count("[data-testid=checks] [data-testid=flag]"); n != 2 {
		t.Fatalf("file page lists %d flags, want 2", n)
	}
	res.Screenshot("checks-file-author")
	except("small-count", "The 80+ band is published nationally by ONS with the same count.")
	res.Navigate(overview)
	if !res.Has("button[data-testid=action-submit][disabled]") {
		t.Fatal("submit is offered with one fail flag still open")
	}
	except("small-denominator", "The rate is the published national rate for the band.")
	res.Navigate(overview)
	if res.Has("button[data-testid=action-submit][disabled]") {
		t.Fatalf("submit still refused once every fail flag is excepted: %s", res.Text("[data-testid=checks-open]"))
	}
	res.Click("a[data-testid=action-submit]")
	res.WaitVisible("dialog#dlg-submit[open] [data-testid=confirm-submit-submit]")
	res.ClickNav("dialog#dlg-submit [data-testid=confirm-submit-submit]")
	if got := w.request(researcher).Request.Status; got != airlock.StatusSubmitted {
		t.Fatalf("status after submit %s", got)
	}
	var events int
	if err := w.db.View(ctx, func(tx airlock.Tx) error {
		evs, err := tx.AuditEvents(airlock.AuditFilter{Request: id})
		for _, e := range evs {
			if e.Type == airlock.EventRequestFileCheckException {
				events++
			}
		}
		return err
	}); err != nil || events != 2 {
		t.Fatalf("%d exception events (%v), want 2", events, err)
	}

	// The checker sees the flags with the exceptions struck through, and
	// the flagged cell in the table with its reason and the exception.
	c1 := person(t, b, w, base, checker1)
	c1.Navigate(fileURL)
	if got := c1.Text(`[data-testid=flag][data-rule="small-count"] [data-testid=flag-exception]`); !strings.Contains(got, "published nationally by ONS") {
		t.Fatalf("checker sees the exception as %q", got)
	}
	if !c1.Has(`[data-testid=flag][data-rule="small-count"] s`) {
		t.Error("the excepted flag is not struck through")
	}
	if c1.Has("[data-testid=flag-except-form]") || c1.Has("[data-testid=role-form]") {
		t.Error("the checker is offered the author's exception or role forms")
	}
	frame := c1.Frame("iframe[data-testid=preview]")
	cell := frame.Text(`tr#R4 td.cell-flag [data-testid=cell-flag][data-rule="small-count"]`)
	if !strings.Contains(cell, "Fail") || !strings.Contains(cell, "7 is at or below 7") {
		t.Fatalf("flagged cell reads %q", cell)
	}
	if got := frame.Text(`tr#R4 [data-rule="small-count"] [data-testid=cell-exception]`); !strings.Contains(got, "Rita") && !strings.Contains(got, "ONS") {
		t.Errorf("the cell's exception reads %q", got)
	}
	if n := frame.Count("[data-testid=only-flagged]"); n != 1 {
		t.Errorf("%d only-flagged links", n)
	}
	c1.Screenshot("checks-file-checker")
	frame.ClickNav("[data-testid=only-flagged]")
	if n := frame.Count(`tbody tr[id^="R"]`); n != 1 {
		t.Errorf("only flagged rows shows %d rows, want 1", n)
	}
	frame.Screenshot("checks-only-flagged")

	// The reviews dashboard counts the request's flags: here the two
	// exceptions the checker should read.
	c1.Navigate(base + "/reviews/")
	if got := strings.Join(strings.Fields(c1.Text("[data-testid=dashboard-files]")), " "); !strings.Contains(got, "⚑ 2 exceptions") {
		t.Errorf("dashboard files cell reads %q, want the 2 exceptions", got)
	}
	c1.Screenshot("checks-dashboard")
}
