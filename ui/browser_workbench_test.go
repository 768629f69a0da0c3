package ui_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
	t.Run("Dashboard", func(t *testing.T) { testDashboard(t, b) })
	t.Run("FileContext", func(t *testing.T) { testFileContext(t, b) })
	t.Run("NextFileAndKeys", func(t *testing.T) { testNextFileAndKeys(t, b) })
	t.Run("SafeActionsFirst", func(t *testing.T) { testSafeActionsFirst(t, b) })
	t.Run("ResearcherWording", func(t *testing.T) { testResearcherWording(t, b) })
	t.Run("Screens", func(t *testing.T) { testScreens(t, b) })
	t.Run("LongNames", func(t *testing.T) { testLongNames(t, b) })
	t.Run("Clicks", func(t *testing.T) { testClicks(t, b) })
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

	// The conflict is easy to untangle: who voted what, and where each
	// reviewer's comments on the group are.
	c1.Navigate(j.fileURL("tables", ratesCSV))
	votes := browsertest.Eval[[]string](c1, `Array.from(document.querySelectorAll("[data-testid=file-vote]")).map(function (li) { return li.textContent.replace(/\s+/g, " ").trim(); })`)
	if len(votes) != 2 || !strings.Contains(votes[0], "Changes requested Charlotte Checker 1 comment on the group") || !strings.Contains(votes[1], "Approved Chidi Checker no comment") {
		t.Errorf("the conflicted file shows votes %q", votes)
	}
	c1.Click(`[data-testid=file-vote][data-reviewer="` + checker1 + `"] [data-testid=vote-comments]`)
	if got := browsertest.Eval[string](c1, `document.querySelector(":target") ? document.querySelector(":target").textContent : ""`); !strings.Contains(got, c1Public) {
		t.Errorf("the link to checker1's comments lands on %q", got)
	}
	accessible(t, c1, "conflict-votes")

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

// dashboardRows returns the request ids the dashboard lists, in order.
func dashboardRows(p *browsertest.Person) []string {
	return browsertest.Eval[[]string](p, `Array.from(document.querySelectorAll("[data-testid=dashboard-row]")).map(function (r) { return r.getAttribute("data-request"); })`)
}

// testDashboard: a checker lands on the reviews dashboard after signing
// in; each request shows its workspace, the author's full name, files,
// reviews done and needed, who reviewed and how long it has waited; the
// list is searched and filtered on the server; returned requests move to
// the history with their turnaround.
func testDashboard(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	id := submitted(t, w)
	j := &journey{t: t, w: w, base: base, id: id}
	w.ahead.Store(int64(3*time.Hour + 5*time.Minute))

	c1 := person(t, b, w, base, checker1) // signIn checks the landing on /reviews/
	row := `[data-testid=dashboard-row][data-request="` + id + `"] `
	if got := dashboardRows(c1); len(got) != 1 || got[0] != id {
		t.Fatalf("the dashboard lists %q, want the one submitted request", got)
	}
	checks := map[string]string{
		"td:nth-child(2)":                 "cardiac-main",
		"[data-testid=dashboard-author]":  "Rita Researcher",
		"td.num":                          "3",
		"[data-testid=dashboard-reviews]": "0 of 2 in",
		"[data-testid=dashboard-waiting]": "3 hours",
		"[data-testid=dashboard-mine]":    "Not started",
	}
	for sel, want := range checks {
		if got := c1.Text(row + sel); !strings.Contains(got, want) {
			t.Errorf("dashboard %s = %q, want it to contain %q", sel, got, want)
		}
	}
	if got := c1.Attr(row+"[data-testid=dashboard-author] .person", "title"); got != researcher {
		t.Errorf("the author's name has hover text %q, want the username %q", got, researcher)
	}
	if got := c1.Text("[data-testid=waiting-for-me]"); !strings.Contains(got, "1 request") {
		t.Errorf("waiting for me = %q", got)
	}
	accessible(t, c1, "dashboard")

	// Search and filter, as plain GET forms.
	c1.SetValue("#dash-q", "vaccine")
	c1.ClickNav("[data-testid=filter-apply]")
	if got := dashboardRows(c1); len(got) != 0 {
		t.Errorf("searching for another workspace lists %q", got)
	}
	mustSee(t, c1, "dashboard with no match", "No request matches")
	c1.SetValue("#dash-q", "rita cardiac")
	c1.ClickNav("[data-testid=filter-apply]")
	if got := dashboardRows(c1); len(got) != 1 {
		t.Errorf("searching by the author's name and the workspace lists %q", got)
	}
	c1.ClickNav("[data-testid=filter-clear]")

	// After one review: progress and who reviewed; "not reviewed by me" hides it.
	for _, f := range []struct{ group, path string }{{"tables", countsCSV}, {"tables", ratesCSV}, {"figures", chartPNG}} {
		j.vote(c1, f.group, f.path, true)
	}
	j.submitReview(c1)
	c1.Navigate(base + "/reviews/")
	if got := c1.Text(row + "[data-testid=dashboard-reviewers]"); got != "Charlotte Checker" {
		t.Errorf("reviewed by = %q after checker1's review", got)
	}
	if got := c1.Text(row + "[data-testid=dashboard-reviews]"); got != "1 of 2 in" {
		t.Errorf("reviews = %q after one review", got)
	}
	c1.Click("[data-testid=filter-mine]")
	c1.ClickNav("[data-testid=filter-apply]")
	if got := dashboardRows(c1); len(got) != 0 {
		t.Errorf("'only requests I have not reviewed' still lists %q", got)
	}
	c2 := person(t, b, w, base, checker2)
	c2.Navigate(base + "/reviews/?mine=1")
	if got := dashboardRows(c2); len(got) != 1 {
		t.Errorf("checker2's 'not reviewed by me' lists %q", got)
	}
	c2.ClickNav("[data-testid=sort-author]")
	if !strings.Contains(c2.URL(), "sort=author") || !strings.Contains(c2.URL(), "mine=1") {
		t.Errorf("sorting dropped the filter: %s", c2.URL())
	}

	// Returned: it leaves the queue for the history, with its turnaround.
	u1 := w.users[checker1]
	if err := w.svc.Return(context.Background(), &u1, id); err != nil {
		t.Fatal(err)
	}
	c2.Navigate(base + "/reviews/")
	if got := dashboardRows(c2); len(got) != 0 {
		t.Errorf("a returned request stays in the queue: %q", got)
	}
	c2.ClickNav("[data-testid=tab-history]")
	if got := dashboardRows(c2); len(got) != 1 || got[0] != id {
		t.Fatalf("history lists %q", got)
	}
	if got := c2.Text(row + "[data-status]"); got != airlock.StatusReturned.Label() {
		t.Errorf("history shows status %q", got)
	}
	if got := c2.Text(row + "[data-testid=dashboard-turnaround]"); got == "" || got == "—" {
		t.Errorf("history shows no turnaround (%q)", got)
	}
	accessible(t, c2, "dashboard-history")
}

// testFileContext: a checker's file page shows the group's context,
// controls and comments beside the file, with the comment form; a
// comment lands the page on it; a folded panel stays folded on the next
// file.
func testFileContext(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	j := &journey{t: t, w: w, base: base, id: submitted(t, w)}
	c1 := person(t, b, w, base, checker1)
	c1.Navigate(j.fileURL("tables", countsCSV))
	ctxPanel := c1.Text("[data-testid=file-context]")
	for _, want := range []string{"Counts from the tables of the main analysis.", "Counts below 8 redacted; all counts rounded to 5."} {
		if !strings.Contains(ctxPanel, want) {
			t.Errorf("the file page's context panel %q lacks %q", ctxPanel, want)
		}
	}
	if !c1.Has("[data-testid=comments] [data-testid=comment-form]") {
		t.Fatal("no comment form beside the file")
	}
	accessible(t, c1, "file-context")

	c1.SetValue("#comment-text", c1Private)
	c1.Click("input[name=visibility][value=PRIVATE]")
	c1.ClickNav("[data-testid=comment-submit]")
	url := c1.URL()
	if !strings.Contains(url, "/requests/file/") || !strings.Contains(url, "#comment-") {
		t.Fatalf("after commenting the page is %s, want the file page at the comment", url)
	}
	anchor := url[strings.Index(url, "#")+1:]
	if got := c1.Text("#" + anchor + " .comment-body"); !strings.Contains(got, c1Private) {
		t.Errorf("the comment the page landed on says %q", got)
	}
	if got := browsertest.Eval[bool](c1, `document.querySelector(":target") !== null && document.querySelector(":target").id === "`+anchor+`"`); !got {
		t.Errorf("the new comment is not the page's target")
	}

	// Fold the context; the next file's page keeps it folded.
	c1.Click("[data-testid=file-context] > summary")
	c1.Navigate(j.fileURL("tables", ratesCSV))
	if open := browsertest.Eval[bool](c1, `document.querySelector("[data-testid=file-context]").open`); open {
		t.Errorf("the folded context panel opened again on the next file")
	}
	c1.Click("[data-testid=file-context] > summary")
}

// press presses a key on the page, outside any field, and waits for the
// navigation it causes.
func press(p *browsertest.Person, key string) {
	p.Nav("press "+key, chromedp.KeyEvent(key))
}

// testNextFileAndKeys: after a vote, "Next file to review" goes to the
// next file without the viewer's vote; the keys a, r, n, j, p and ? work
// outside text fields and never inside them; the last vote offers to
// submit the review from the file page.
func testNextFileAndKeys(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	j := &journey{t: t, w: w, base: base, id: submitted(t, w)}
	c1 := person(t, b, w, base, checker1)

	// Vote on the chart first: the next file to review from the counts is
	// then the rates, and from the rates it wraps round to the counts.
	j.vote(c1, "figures", chartPNG, true)
	c1.Navigate(j.fileURL("tables", countsCSV))
	if got := c1.Attr("[data-testid=next-to-review]", "href"); !strings.HasSuffix(got, ratesCSV) {
		t.Errorf("next file to review from the counts = %q, want the rates", got)
	}
	if got := c1.Text("[data-testid=to-review]"); got != "2 files without your vote" {
		t.Errorf("to review = %q", got)
	}

	// Keys typed into the comment box are text, not shortcuts.
	c1.Press("#comment-text", "a")
	c1.Press("#comment-text", "n")
	if got := c1.Attr("[data-testid=vote-approve]", "aria-pressed"); got != "false" {
		t.Errorf("typing 'a' in the comment box voted (aria-pressed=%q)", got)
	}
	if got := browsertest.Eval[string](c1, `document.querySelector("#comment-text").value`); got != "an" {
		t.Errorf("the comment box holds %q after typing a and n", got)
	}
	if !strings.HasSuffix(c1.URL(), countsCSV) {
		t.Fatalf("typing 'n' in the comment box navigated to %s", c1.URL())
	}
	c1.Do("leave the comment box", chromedp.Blur("#comment-text"))

	// ? opens the help, and closes it again.
	c1.Do("press ?", chromedp.KeyEvent("?"))
	c1.WaitVisible("dialog#shortcut-help[open]")
	accessible(t, c1, "shortcut-help")
	c1.Do("press ? again", chromedp.KeyEvent("?"))
	if c1.Has("dialog#shortcut-help[open]") {
		t.Errorf("? did not close the help")
	}

	press(c1, "a")
	if got := c1.Attr("[data-testid=vote-approve]", "aria-pressed"); got != "true" {
		t.Fatalf("'a' did not approve the counts (aria-pressed=%q)", got)
	}
	if got := c1.Attr("[data-testid=next-to-review]", "class"); !strings.Contains(got, "primary") {
		t.Errorf("after the vote, next file to review is not the primary step (class %q)", got)
	}
	press(c1, "n")
	if !strings.HasSuffix(c1.URL(), ratesCSV) {
		t.Fatalf("'n' went to %s, want the rates", c1.URL())
	}
	press(c1, "p")
	if !strings.HasSuffix(c1.URL(), countsCSV) {
		t.Errorf("'p' from the rates went to %s, want the counts", c1.URL())
	}
	press(c1, "j")
	if !strings.HasSuffix(c1.URL(), ratesCSV) {
		t.Errorf("'j' from the counts went to %s, want the rates", c1.URL())
	}
	press(c1, "r")
	if got := c1.Attr("[data-testid=vote-changes]", "aria-pressed"); got != "true" {
		t.Fatalf("'r' did not request changes (aria-pressed=%q)", got)
	}
	// Every output file has a vote: the file page offers the review.
	if c1.Has("[data-testid=next-to-review]") {
		t.Errorf("a next file to review is offered with every file voted")
	}
	// Changes requested need a comment first: the page says so instead
	// of offering a button the server would refuse.
	if c1.Has("[data-testid=file-submit-review]") || !strings.Contains(c1.Text("[data-testid=submit-review-why]"), "add a comment") {
		t.Errorf("with changes requested and no comment the file page offers %q", c1.Text("[data-testid=next-bar]"))
	}
	c1.SetValue("#comment-text", c1Public)
	c1.Click("input[name=visibility][value=PUBLIC]")
	c1.ClickNav("[data-testid=comment-submit]")
	accessible(t, c1, "all-voted")
	c1.ClickNav("[data-testid=file-submit-review]")
	j.flashOK(c1, "Your review has been submitted")
	if got := statusOf(c1); got != string(airlock.StatusPartiallyReviewed) {
		t.Errorf("status after submitting from the file page = %q", got)
	}
}

// testSafeActionsFirst: the author of a submitted request reads what
// happens next instead of disabled buttons; a checker's safe step is the
// primary button, while an early return sits apart as dangerous and is
// confirmed with a sentence naming what it resets and whom it affects.
func testSafeActionsFirst(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	j := &journey{t: t, w: w, base: base, id: submitted(t, w)}
	overview := base + "/requests/view/" + j.id + "/"

	res := person(t, b, w, base, researcher)
	res.Navigate(overview)
	if !res.Has("[data-testid=what-next]") || res.Has("[data-testid=request-actions]") {
		t.Errorf("the author of a submitted request sees disabled actions instead of what happens next")
	}
	mustNotSee(t, res, "overview under review", "Decision: Incomplete")
	accessible(t, res, "submitted-what-next")

	c2 := person(t, b, w, base, checker2)
	for _, f := range []struct{ group, path string }{{"tables", countsCSV}, {"tables", ratesCSV}, {"figures", chartPNG}} {
		j.vote(c2, f.group, f.path, true)
	}
	j.submitReview(c2)

	c1 := person(t, b, w, base, checker1)
	j.vote(c1, "tables", countsCSV, true)
	c1.Navigate(overview)
	// Until every file has a vote, the next file is the primary step.
	if got := c1.Attr("[data-testid=overview-next]", "href"); !strings.HasSuffix(got, chartPNG) || !strings.Contains(c1.Attr("[data-testid=overview-next]", "class"), "primary") {
		t.Errorf("the overview's next step is %q", got)
	}
	if got := c1.Attr("[data-testid=action-reject]", "title"); !strings.Contains(got, "Reject is available once both reviews are in") {
		t.Errorf("disabled reject says %q", got)
	}
	if got := c1.Text("[data-testid=why-review]"); got == "" {
		t.Errorf("the disabled 'Submit your review' does not say why")
	}
	early := "[data-testid=dangerous-actions] a[data-testid=action-return]"
	if !c1.Has(early) || !strings.Contains(c1.Attr(early, "class"), "danger") {
		t.Fatalf("an early return is not among the dangerous actions: %q", c1.Text("[data-testid=request-actions]"))
	}
	if c1.Has("[data-testid=request-actions] .primary[data-testid=action-return]") {
		t.Errorf("the early return is the primary button")
	}
	c1.Click(early)
	c1.WaitVisible("dialog#dlg-return[open] [data-testid=confirm-return-submit]")
	explain := c1.Text("[data-testid=confirm-return-explain]")
	for _, want := range []string{"Not every review is in yet (1 of 2)", "your votes", "Chidi Checker", "every comment written this round is deleted", "Rita Researcher gets the request back"} {
		if !strings.Contains(explain, want) {
			t.Errorf("the early-return confirmation %q does not say %q", explain, want)
		}
	}
	if got := c1.Attr("[data-testid=confirm-return-submit]", "class"); got != "danger" {
		t.Errorf("the early-return confirm button has class %q", got)
	}
	accessible(t, c1, "early-return-confirm")
	c1.Click("dialog#dlg-return [data-close-dialog]")
	if got := statusOf(c1); got != string(airlock.StatusPartiallyReviewed) {
		t.Fatalf("cancelling the return left status %q", got)
	}

	// Without JavaScript the confirmation page says the same.
	c1.Navigate(base + "/requests/confirm/" + j.id + "/return")
	if got := c1.Text("[data-testid=confirm-return-explain]"); got != explain {
		t.Errorf("the confirmation page says %q, the dialog %q", got, explain)
	}
	c1.ClickNav("[data-testid=confirm-return-submit]")
	if got := statusOf(c1); got != string(airlock.StatusReturned) {
		t.Fatalf("status after the early return = %q", got)
	}
	u1 := w.users[checker1]
	v, err := w.svc.View(context.Background(), &u1, j.id)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v.MyVotes[countsCSV]; ok {
		t.Errorf("the early return kept checker1's vote")
	}
}

// testResearcherWording: adding with nothing selected is not possible
// with the button, and without it a message appears in place; the add
// form makes existing versus new group an explicit choice and returns to
// the folder; a draft's files read "not yet submitted", never "Under
// review" or "Decision: Incomplete".
func testResearcherWording(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	res := person(t, b, w, base, researcher)
	folder := base + "/workspaces/view/cardiac-main/output/tables/"
	res.Navigate(folder)
	if !res.Has("button[data-testid=add-files][disabled]") {
		t.Errorf("'Add selected files' is enabled with nothing selected")
	}
	// A browser without the script sends the empty form: the folder
	// comes back with a message, not an error page.
	res.Nav("send the empty add form", chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-testid=dir-form]").submit()`))
	if got := res.URL(); got != folder {
		t.Errorf("the empty add form went to %s, want the folder", got)
	}
	mustSee(t, res, "folder after an empty add", "Select the files to add first")

	res.Click(`input[name=path][value="` + countsCSV + `"]`)
	if res.Has("button[data-testid=add-files][disabled]") {
		t.Errorf("'Add selected files' stays disabled with a file selected")
	}
	res.ClickNav("button[data-testid=add-files]")
	if !res.Has("#add-choice-new:checked") {
		t.Errorf("with no group yet, 'Create a new group' is not the chosen option")
	}
	res.SetValue("#add-new-group", "tables")
	accessible(t, res, "add-form-choice")
	res.ClickNav("[data-testid=add-files-submit]")
	if got := res.URL(); got != folder {
		t.Errorf("after adding the page is %s, want the same folder", got)
	}
	// A second file: the existing group is now the default, and choosing
	// "new" without a name is refused in words.
	res.Click(`input[name=path][value="` + ratesCSV + `"]`)
	res.ClickNav("button[data-testid=add-files]")
	if !res.Has("#add-choice-existing:checked") {
		t.Errorf("with a group already there, 'Add to an existing group' is not the chosen option")
	}
	res.Click("#add-choice-new")
	res.Nav("add with an unnamed new group", chromedp.Evaluate[chromedp.Void](`document.querySelector("[data-testid=add-files-form]").submit()`))
	mustSee(t, res, "add with an unnamed new group", "Name the new file group, or choose an existing one.")
	res.Navigate(folder)
	res.Click(`input[name=path][value="` + ratesCSV + `"]`)
	res.ClickNav("button[data-testid=add-files]")
	res.SetValue("#add-group", "tables")
	res.ClickNav("[data-testid=add-files-submit]")

	id := w.request(researcher).Request.ID
	res.Navigate(base + "/requests/file/" + id + "/tables/" + ratesCSV)
	if got := treeWords(res, ratesCSV); !strings.Contains(got, "In this request (not yet submitted)") {
		t.Errorf("the draft's tree says %q", got)
	}
	mustNotSee(t, res, "a draft's file page", "Under review", "Decision:", "Incomplete")
	res.Navigate(base + "/requests/group/" + id + "/tables")
	mustNotSee(t, res, "a draft's group page", "Under review", "Incomplete</span>")
	accessible(t, res, "draft-group")
}

// top returns the distance of an element's top from the page's top.
func top(p *browsertest.Person, sel string) float64 {
	return browsertest.Eval[float64](p, `document.querySelector('`+sel+`').getBoundingClientRect().top + window.scrollY`)
}

// testScreens saves the key pages of the researcher, a checker and an
// author who is also a checker at 1400 and 800 pixels wide, checks them
// for accessibility and CSP problems, and checks the layout: at 800 px
// the file comes first and the tree folds away; everywhere the preview
// frame fits its content.
func testScreens(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	j := &journey{t: t, w: w, base: base, id: submitted(t, w)}
	ctx := context.Background()
	rc := w.users[researcherChecker]
	if _, err := w.svc.AddFiles(ctx, &rc, "vaccine-uptake", []review.AddItem{{Path: "output/uptake_by_week.csv", Type: airlock.FileOutput}}, "uptake"); err != nil {
		t.Fatal(err)
	}
	own := w.request(researcherChecker).Request.ID
	if err := w.svc.EditGroup(ctx, &rc, own, "uptake", "Weekly uptake.", "Counts rounded to 10."); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Submit(ctx, &rc, own); err != nil {
		t.Fatal(err)
	}
	u1 := w.users[checker1]
	for _, f := range []string{countsCSV, chartPNG} {
		if err := w.svc.Vote(ctx, &u1, j.id, f, airlock.VoteApproved); err != nil {
			t.Fatal(err)
		}
	}

	people := map[string]*browsertest.Person{}
	for _, name := range []string{researcher, checker1, researcherChecker} {
		people[name] = person(t, b, w, base, name)
	}
	pages := map[string][][2]string{
		researcher: {
			{"workspaces", "/workspaces/"},
			{"folder", "/workspaces/view/cardiac-main/output/tables/"},
			{"workspace-file", "/workspaces/view/cardiac-main/" + ratesCSV},
			{"request", "/requests/view/" + j.id + "/"},
			{"group", "/requests/group/" + j.id + "/tables"},
			{"request-file", "/requests/file/" + j.id + "/tables/" + ratesCSV},
		},
		checker1: {
			{"dashboard", "/reviews/"},
			{"request", "/requests/view/" + j.id + "/"},
			{"group", "/requests/group/" + j.id + "/tables"},
			{"request-file", "/requests/file/" + j.id + "/tables/" + ratesCSV},
			{"chart", "/requests/file/" + j.id + "/figures/" + chartPNG},
		},
		researcherChecker: {
			{"dashboard", "/reviews/"},
			{"own-request", "/requests/view/" + own + "/"},
			{"own-file", "/requests/file/" + own + "/uptake/output/uptake_by_week.csv"},
			{"reviewing-file", "/requests/file/" + j.id + "/tables/" + countsCSV},
		},
	}
	for _, width := range []int64{1400, 800} {
		for _, name := range []string{researcher, checker1, researcherChecker} {
			p := people[name]
			p.Resize(width, 900)
			for _, pg := range pages[name] {
				p.Navigate(base + pg[1])
				if p.Has("iframe.preview-frame") {
					p.WaitFor("the preview to fit", `document.querySelector("iframe.preview-frame").classList.contains("fitted")`)
				}
				accessible(t, p, fmt.Sprintf("%d-%s", width, pg[0]))
				if over := browsertest.Eval[float64](p, `document.documentElement.scrollWidth - window.innerWidth`); over > 1 {
					t.Errorf("%s %s at %d px: the page is %.0f px wider than the window", name, pg[0], width, over)
				}
			}
		}
	}

	// In the workspace tree a file stands where the folders beside it have
	// their icon, and a folder's files one step further in.
	rs := people[researcher]
	rs.Resize(1400, 900)
	rs.Navigate(base + "/workspaces/view/cardiac-main/output/tables/")
	left := func(sel string) float64 {
		return browsertest.Eval[float64](rs, `document.querySelector('`+sel+`').getBoundingClientRect().left`)
	}
	file, folder := left(`.tree a.file[title="`+notesTXT+`"]`), left(`.tree details[data-path="output/deep"] > summary > a`)
	inner := left(`.tree a.file[title="` + countsCSV + `"]`)
	if d := file - folder; d < -1 || d > 1 {
		t.Errorf("in the workspace tree %s starts %.0f px from the folder beside it", notesTXT, d)
	}
	if d := inner - left(`.tree details[data-path="output/tables"] > summary > a`); d < 8 {
		t.Errorf("in the workspace tree %s is %.0f px further in than its folder", countsCSV, d)
	}

	// Layout of a file page, wide and narrow.
	c1 := people[checker1]
	c1.Resize(1400, 900)
	c1.Navigate(j.fileURL("tables", ratesCSV))
	c1.WaitFor("the preview to fit", `document.querySelector("iframe.preview-frame").classList.contains("fitted")`)
	frame := browsertest.Eval[[]float64](c1, `(function () { var f = document.querySelector("iframe.preview-frame"); var d = f.contentDocument;
		var sc = d.querySelector(".table-scroll"); return [f.getBoundingClientRect().height, d.documentElement.scrollHeight, sc ? sc.scrollHeight - sc.clientHeight : 0]; })()`)
	if frame[0] > 500 || frame[0] < frame[1] {
		t.Errorf("the preview of a four-row table is %.0f px high for %.0f px of content", frame[0], frame[1])
	}
	if frame[2] > 1 {
		t.Errorf("the table scrolls inside the frame by %.0f px", frame[2])
	}
	if l, f := browsertest.Eval[float64](c1, `document.querySelector("[data-testid=request-tree]").getBoundingClientRect().left`),
		browsertest.Eval[float64](c1, `document.querySelector(".file-main").getBoundingClientRect().left`); l >= f {
		t.Errorf("at 1400 px the tree is not beside the file")
	}
	c1.Resize(800, 900)
	c1.Navigate(j.fileURL("tables", ratesCSV))
	if top(c1, "[data-testid=preview]") >= top(c1, "[data-testid=tree-fold]") {
		t.Errorf("at 800 px the tree comes before the file")
	}
	if browsertest.Eval[bool](c1, `document.querySelector("details[data-fold-narrow]").open`) {
		t.Errorf("at 800 px the tree is not folded away")
	}
	c1.Click("[data-testid=tree-fold]")
	c1.WaitVisible(`[data-testid=request-tree] a[data-path="` + countsCSV + `"]`)
	accessible(t, c1, "800-tree-unfolded")
}

// clicker counts the clicks of a journey (typing is not a click).
type clicker struct {
	p *browsertest.Person
	n int
}

func (c *clicker) click(sel string)    { c.n++; c.p.Click(sel) }
func (c *clicker) clickNav(sel string) { c.n++; c.p.ClickNav(sel) }

// testClicks counts the clicks of the two everyday journeys: a researcher
// putting 3 files into 2 groups and submitting, from their workspaces
// page; a checker reviewing those 3 files and submitting the review, from
// the dashboard they land on. (Before the workbench: 19 and 9.)
func testClicks(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	res := &clicker{p: person(t, b, w, base, researcher)}
	res.clickNav(`a[href="/workspaces/view/cardiac-main/"]`)
	res.clickNav(`[data-testid=dir-table] a[href$="/output/"]`)
	res.clickNav(`[data-testid=dir-table] a[href$="/output/tables/"]`)
	res.click(`input[name=path][value="` + countsCSV + `"]`)
	res.click(`input[name=path][value="` + ratesCSV + `"]`)
	res.clickNav("button[data-testid=add-files]")
	res.p.SetValue("#add-new-group", "tables")
	res.p.SetValue("#add-context", "Counts from the tables of the main analysis.")
	res.p.SetValue("#add-controls", "Counts below 8 redacted; all counts rounded to 5.")
	res.clickNav("[data-testid=add-files-submit]")
	res.clickNav(`.breadcrumbs a[href$="/output/"]`)
	res.clickNav(`[data-testid=dir-table] a[href$="/output/figures/"]`)
	res.click(`input[name=path][value="` + chartPNG + `"]`)
	res.clickNav("button[data-testid=add-files]")
	// Typing a new group's name chooses "new group" by itself.
	res.p.Do("type the new group", chromedp.SendKeys("#add-new-group", "figures"))
	if !res.p.Has("#add-choice-new:checked") {
		t.Errorf("typing a new group's name did not choose 'Create a new group'")
	}
	res.p.SetValue("#add-context", "The incidence chart of the main analysis.")
	res.p.SetValue("#add-controls", "Bars of fewer than 8 events are merged.")
	res.clickNav("[data-testid=add-files-submit]")
	res.clickNav("[data-testid=current-request]")
	res.click("a[data-testid=action-submit]")
	res.clickNav("dialog#dlg-submit [data-testid=confirm-submit-submit]")
	if got := statusOf(res.p); got != string(airlock.StatusSubmitted) {
		t.Fatalf("after the researcher's %d clicks the request is %q", res.n, got)
	}
	id := w.request(researcher).Request.ID
	if g := w.request(researcher).Request.Group("figures"); g == nil || g.Controls == "" {
		t.Errorf("the figures group was not described from the add form")
	}

	c1 := &clicker{p: person(t, b, w, base, checker1)}
	c1.clickNav(`[data-testid=dashboard-row][data-request="` + id + `"] [data-testid=dashboard-next]`)
	for i := 0; i < 3; i++ {
		if i > 0 {
			c1.clickNav("[data-testid=next-to-review]")
		}
		c1.clickNav("[data-testid=vote-approve]")
	}
	c1.clickNav("[data-testid=file-submit-review]")
	if got := statusOf(c1.p); got != string(airlock.StatusPartiallyReviewed) {
		t.Fatalf("after the checker's %d clicks the request is %q", c1.n, got)
	}
	t.Logf("clicks: researcher, 3 files in 2 groups to submitted: %d (before: 19); checker, 3 files reviewed and review submitted: %d (before: 9)", res.n, c1.n)
	if res.n > 15 || c1.n > 7 {
		t.Errorf("the journeys take %d and %d clicks, more than the 15 and 7 of this layout", res.n, c1.n)
	}
}

// testLongNames: a file name far longer than the folder table's name
// column wraps inside its cell at 800 px, in the table and in the tree,
// and the page is no wider than the window.
func testLongNames(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	long := "output/tables/admissions_by_region_and_age_band_and_financial_year_after_small_number_suppression_v12.csv"
	w.changeFile("cardiac-main", long, []byte("a,b\n1,2\n"))
	p := person(t, b, w, base, researcher)
	p.Resize(800, 900)
	p.Navigate(base + "/workspaces/view/cardiac-main/output/tables/")
	p.Screenshot("800-long-name-folder")
	if over := browsertest.Eval[float64](p, `document.documentElement.scrollWidth - window.innerWidth`); over > 1 {
		t.Errorf("the folder page is %.0f px wider than the window", over)
	}
	if over := browsertest.Eval[float64](p, `(function () { var w = document.querySelector("[data-testid=dir-form] .table-wrap"); return w.scrollWidth - w.clientWidth; })()`); over > 1 {
		t.Errorf("the folder table is %.0f px wider than its card: the long name does not wrap", over)
	}
	// A size keeps its unit beside it.
	if n := browsertest.Eval[float64](p, `(function () { var r = document.createRange(); r.selectNodeContents(document.querySelector("[data-testid=dir-table] td.num")); return r.getClientRects().length; })()`); n != 1 {
		t.Errorf("a size wraps over %.0f lines", n)
	}
	// The form to add it, likewise.
	p.Click(`input[name=path][value="` + long + `"]`)
	p.ClickNav("[data-testid=add-files]")
	p.WaitVisible("[data-testid=add-files-form]")
	p.Screenshot("800-long-name-add")
	if over := browsertest.Eval[float64](p, `document.documentElement.scrollWidth - window.innerWidth`); over > 1 {
		t.Errorf("the add form is %.0f px wider than the window", over)
	}
	if over := browsertest.Eval[float64](p, `(function () { var f = document.querySelector("[data-testid=add-files-form]"); var t = f.querySelector("table"); return t.getBoundingClientRect().right - f.getBoundingClientRect().right; })()`); over > 1 {
		t.Errorf("the add form's table overflows the form by %.0f px", over)
	}
}
