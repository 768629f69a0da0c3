package ui_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// testReleaseWhileJobsiteDown: a checker releases while the jobs site
// answers 500; the release is accepted at once, and the request page, left
// open, tells what is happening as it happens (D16): registering, the
// error and the automatic retry, then the files arriving, without a reload.
func testReleaseWhileJobsiteDown(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	ctx := context.Background()
	rs := w.users[researcher]
	const ws = "vaccine-uptake"
	outputs := []string{"output/uptake_by_week.csv", "output/summary.md"}
	var items []review.AddItem
	for _, p := range outputs {
		items = append(items, review.AddItem{Path: p, Type: airlock.FileOutput})
	}
	if _, err := w.svc.AddFiles(ctx, &rs, ws, items, "uptake"); err != nil {
		t.Fatal(err)
	}
	id := w.request(researcher).Request.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.svc.EditGroup(ctx, &rs, id, "uptake", "Weekly uptake.", "Counts rounded to 10."))
	must(w.svc.Submit(ctx, &rs, id))
	for _, name := range []string{checker1, checker2} {
		u := w.users[name]
		for _, p := range outputs {
			must(w.svc.Vote(ctx, &u, id, p, airlock.VoteApproved))
		}
		must(w.svc.SubmitReview(ctx, &u, id))
	}

	w.faults.FailNext(receivertest.Releases, 1, http.StatusInternalServerError)
	c1 := person(t, b, w, base, checker1)
	c1.Navigate(base + "/requests/view/" + id + "/")
	c1.Click("a[data-testid=action-release]")
	c1.WaitVisible("dialog#dlg-release[open] [data-testid=confirm-release-submit]")
	if resp := c1.ClickNav("dialog#dlg-release [data-testid=confirm-release-submit]"); resp.Status != http.StatusOK {
		t.Fatalf("release answered %d", resp.Status)
	}
	if got := c1.Text("[data-testid=release-registration]"); got != "Registering the release with the jobs site…" {
		t.Errorf("right after release the page says %q", got)
	}
	if c1.Has("a[data-testid=action-release]") {
		t.Error("the release button is still offered after the release")
	}
	accessible(t, c1, "release-registering")
	// A reload would clear this mark, so its survival shows the page
	// changes in place.
	browsertest.Eval[bool](c1, `window.stillSamePage = true`)

	// The deliverer's first attempt fails; the open page shows it.
	if _, err := w.deliverer.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	c1.WaitFor("the registration error on the page",
		`(document.querySelector("[data-testid=release-registration]") || {textContent: ""}).textContent.includes("last error")`)
	got := c1.Text("[data-testid=release-registration]")
	if want := "Registering with the jobs site — retrying automatically; last error: Attempt 1 failed: The jobs site failed (HTTP 500)."; got != want {
		t.Errorf("while failing the page says %q, want %q", got, want)
	}
	accessible(t, c1, "release-retrying")

	if !browsertest.Eval[bool](c1, `window.stillSamePage === true`) {
		t.Error("the page reloaded instead of showing the error in place")
	}

	// The jobs site recovers: the retry (after the backoff) registers the
	// release and the files go. Once every file has arrived, the open page
	// shows itself again, with the new status and activity.
	deliver := func(context.Context, *chromedp.Target) (chromedp.Void, error) {
		deadline := time.Now().Add(time.Minute)
		for w.request(researcher).Request.Status != airlock.StatusReleased {
			if time.Now().After(deadline) {
				return chromedp.Void{}, errors.New("the request was not released after the jobs site recovered")
			}
			if _, err := w.deliverer.RunOnce(ctx); err != nil {
				return chromedp.Void{}, err
			}
			time.Sleep(100 * time.Millisecond)
		}
		return chromedp.Void{}, nil
	}
	c1.Nav("the page shows itself again once the files have arrived", deliver)
	if got := c1.Attr("section.card .card-head [data-status]", "data-status"); got != string(airlock.StatusReleased) {
		t.Errorf("after delivery the page shows status %q", got)
	}
	if c1.Has("[data-testid=release-registration]") {
		t.Error("the page still says the release is being registered")
	}
	if got := c1.Text("[data-testid=count-uploaded]"); got != "2 of 2 — all files have arrived" {
		t.Errorf("after delivery the page says %q", got)
	}
	if !strings.Contains(c1.PageText(), "Release registered with the jobs site") {
		t.Error("the activity does not show the registration")
	}
	accessible(t, c1, "release-delivered")
}
