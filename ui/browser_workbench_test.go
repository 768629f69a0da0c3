package ui_test

import (
	"context"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// TestBrowserWorkbench drives the reviewer's workbench in Chromium: what
// each person sees beside every file, the context beside the file, the
// next file and the keyboard, safe actions first, the dashboard and the
// narrow layout. One browser for all subtests; each builds its own world.
func TestBrowserWorkbench(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	t.Run("TreeStates", func(t *testing.T) { testTreeStates(t, b) })
}

// submitted builds, through the service, the researcher's request of the
// journey: counts and rates in group "tables" with notes as supporting,
// the chart in group "figures", both described, and submits it.
func submitted(t *testing.T, w *world) string {
	t.Helper()
	ctx := context.Background()
	rs := w.users[researcher]
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	add := func(group string, items ...review.AddItem) {
		t.Helper()
		res, err := w.svc.AddFiles(ctx, &rs, "cardiac-main", items, group)
		must(err)
		for _, r := range res {
			must(r.Err)
		}
	}
	add("tables", review.AddItem{Path: countsCSV, Type: airlock.FileOutput}, review.AddItem{Path: ratesCSV, Type: airlock.FileOutput},
		review.AddItem{Path: notesTXT, Type: airlock.FileSupporting})
	add("figures", review.AddItem{Path: chartPNG, Type: airlock.FileOutput})
	id := w.request(researcher).Request.ID
	for _, g := range []string{"tables", "figures"} {
		must(w.svc.EditGroup(ctx, &rs, id, g, "Counts from the "+g+" of the main analysis.", "Counts below 8 redacted; all counts rounded to 5."))
	}
	must(w.svc.Submit(ctx, &rs, id))
	return id
}

// treeMarks returns the kinds of marks beside a file in the request tree.
func treeMarks(p *browsertest.Person, path string) string {
	return browsertest.Eval[string](p, `Array.from(document.querySelectorAll('[data-testid=request-tree] a[data-path="`+path+`"] [data-mark]')).map(function (m) { return m.getAttribute("data-mark"); }).join(" ")`)
}

// treeWords returns what a screen reader reads for a file in the tree.
func treeWords(p *browsertest.Person, path string) string {
	return strings.Join(strings.Fields(browsertest.Eval[string](p, `document.querySelector('[data-testid=request-tree] a[data-path="`+path+`"]').textContent`)), " ")
}

// groupProgress returns a group's progress as the tree shows it.
func groupProgress(p *browsertest.Person, group string) string {
	return p.Text(`[data-testid=request-tree] summary:has(a[href$="/` + group + `"]) [data-testid=group-progress]`)
}

// testTreeStates: each file in the request tree shows the checker's own
// vote, as an icon and as words, then the decision once both reviews are
// in; groups count the votes; the author sees where each file stands; the
// workspace tree marks the files of the open request.
func testTreeStates(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	id := submitted(t, w)
	j := &journey{t: t, w: w, base: base, id: id}

	c1 := person(t, b, w, base, checker1)
	c1.Navigate(j.fileURL("tables", countsCSV))
	for _, f := range []string{countsCSV, ratesCSV, chartPNG} {
		if got := treeMarks(c1, f); got != review.MarkUnvoted {
			t.Errorf("before voting, %s has marks %q, want %q", f, got, review.MarkUnvoted)
		}
	}
	if got := treeMarks(c1, notesTXT); got != review.MarkSupporting {
		t.Errorf("supporting file has marks %q", got)
	}
	if got := groupProgress(c1, "tables"); got != "0 of 2 voted" {
		t.Errorf("tables progress before voting = %q", got)
	}
	j.vote(c1, "tables", countsCSV, true)
	j.vote(c1, "tables", ratesCSV, false)
	if got := treeMarks(c1, countsCSV) + "|" + treeMarks(c1, ratesCSV) + "|" + treeMarks(c1, chartPNG); got != "approved|changes|unvoted" {
		t.Errorf("after two votes the tree shows %q", got)
	}
	if got := treeWords(c1, ratesCSV); !strings.Contains(got, "You requested changes to this file") {
		t.Errorf("a screen reader hears %q for the file with changes requested", got)
	}
	if got := groupProgress(c1, "tables"); got != "2 of 2 voted" {
		t.Errorf("tables progress after voting = %q", got)
	}
	if got := groupProgress(c1, "figures"); got != "0 of 1 voted" {
		t.Errorf("figures progress = %q", got)
	}
	accessible(t, c1, "tree-states-voting")

	// The author sees the files under review, never a checker's vote.
	res := person(t, b, w, base, researcher)
	res.Navigate(j.fileURL("tables", ratesCSV))
	if got := treeMarks(res, ratesCSV); got != review.MarkReview {
		t.Errorf("the author sees marks %q on a file under review", got)
	}
	if got := groupProgress(res, "tables"); got != "2 files for release" {
		t.Errorf("the author sees the tables group as %q", got)
	}

	// Once both reviews are in, the decision joins the checker's vote.
	j.vote(c1, "figures", chartPNG, true)
	j.comment(c1, "tables", c1Public, airlock.Public)
	j.submitReview(c1)
	c2 := person(t, b, w, base, checker2)
	j.vote(c2, "tables", countsCSV, true)
	j.vote(c2, "tables", ratesCSV, true)
	j.vote(c2, "figures", chartPNG, true)
	j.submitReview(c2)
	c1.Navigate(j.fileURL("tables", countsCSV))
	if got := treeMarks(c1, ratesCSV); got != "changes conflicted" {
		t.Errorf("after both reviews the disagreed file shows %q, want the vote and the conflict", got)
	}
	if got := treeMarks(c1, countsCSV); got != "approved approved" {
		t.Errorf("after both reviews the agreed file shows %q", got)
	}
	accessible(t, c1, "tree-states-consolidating")

	// The workspace tree marks the request's files where they are listed.
	res.Navigate(base + "/workspaces/view/cardiac-main/" + ratesCSV)
	mark := res.Attr(`[data-testid=file-tree] a.file[href$="rates_by_age.csv"] [data-mark]`, "data-mark")
	if mark != review.MarkReview {
		t.Errorf("workspace tree marks the submitted file as %q", mark)
	}
	if got := res.Text("[data-testid=file-status]"); got != "In your request, under review" {
		t.Errorf("the file page says %q", got)
	}
}
