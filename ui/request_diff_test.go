package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// returnAndUpdate takes the author's submitted request through a full
// review and return, rewrites output/summary.csv with body, updates it on
// the request and resubmits.
func returnAndUpdate(t *testing.T, e *env, id, body string) {
	t.Helper()
	ctx := context.Background()
	const file = "output/summary.csv"
	for _, name := range []string{"checker", "selfcheck"} {
		u := e.user(name)
		must(t, e.svc.Vote(ctx, u, id, file, airlock.VoteChangesRequested))
		must(t, e.svc.Comment(ctx, u, id, "tables", "Please round the counts.", airlock.Public))
		must(t, e.svc.SubmitReview(ctx, u, id))
	}
	must(t, e.svc.Return(ctx, e.user("checker"), id))
	writeWorkspace(t, e.wsDir, "ws1", map[string]string{file: body})
	author := e.user("author")
	res, err := e.svc.UpdateFiles(ctx, author, "ws1", []string{file})
	must(t, err)
	must(t, res[0].Err)
	must(t, e.svc.Comment(ctx, author, id, "tables", "Rounded.", airlock.Public))
	must(t, e.svc.Submit(ctx, author, id))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCompareVersions: after a return and an update, the checker and the
// author see the one changed cell; each comparison is recorded as a view
// of both versions; a file reviewed once has nothing to compare with yet.
func TestCompareVersions(t *testing.T) {
	e := newEnv(t)
	id := submitted(t, e, "author")
	page := "/requests/diff/" + id + "/tables/output/summary.csv"
	if rec := e.as("checker").get(page); rec.Code != 200 || !strings.Contains(rec.Body.String(), `data-testid="compare-missing"`) {
		t.Fatalf("before any update: %d\n%s", rec.Code, rec.Body.String())
	}
	returnAndUpdate(t, e, id, "group,count\na,10\nb,25\n")

	for _, who := range []string{"checker", "author"} {
		c := e.as(who)
		rec := c.get(page)
		if rec.Code != 200 {
			t.Fatalf("%s: diff page %d\n%s", who, rec.Code, rec.Body.String())
		}
		body := rec.Body.String()
		m := strings.Index(body, `/requests/diff-content/`)
		if m < 0 {
			t.Fatalf("%s: no comparison frame:\n%s", who, body)
		}
		frame := body[m:]
		frame = strings.ReplaceAll(frame[:strings.Index(frame, `"`)], "&amp;", "&")
		rec = c.get(frame)
		if rec.Code != 200 {
			t.Fatalf("%s: comparison %d\n%s", who, rec.Code, rec.Body.String())
		}
		got := rec.Body.String()
		for _, want := range []string{"1 cell changed in 1 row.", "<del>20</del> <ins>25</ins>", `Rows are matched by column “group”`} {
			if !strings.Contains(got, want) {
				t.Errorf("%s: comparison lacks %q:\n%s", who, want, got)
			}
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
			t.Errorf("%s: comparison served without the sandbox: %q", who, csp)
		}
	}
	var views []string
	must(t, e.db.View(context.Background(), func(tx airlock.Tx) error {
		evs, err := tx.AuditEvents(airlock.AuditFilter{Request: id})
		for _, ev := range evs {
			if ev.Type == airlock.EventRequestFileView && ev.Extra["comparison"] != "" {
				views = append(views, ev.User+" "+ev.Extra["file_id"][:8])
			}
		}
		return err
	}))
	// Two people, each the page and its frame, each a view of both versions.
	if len(views) != 8 {
		t.Fatalf("comparison views recorded: %q, want 8", views)
	}

	// An unknown version is refused, not shown.
	rec := e.as("checker").get(page + "?" + url.Values{"from": {strings.Repeat("0", 64)}}.Encode())
	if rec.Code != 404 {
		t.Fatalf("unknown version: %d", rec.Code)
	}
}

// TestChangedSignposts: after an update and resubmission, the request
// tree marks the file as changed, the file page links to the comparison
// and the reviews dashboard counts the changed files.
func TestChangedSignposts(t *testing.T) {
	e := newEnv(t)
	id := submitted(t, e, "author")
	file := "/requests/file/" + id + "/tables/output/summary.csv"
	if body := e.as("checker").get(file).Body.String(); strings.Contains(body, `data-mark="changed"`) || strings.Contains(body, `data-testid="compare-link"`) {
		t.Fatal("a file reviewed for the first time has not changed")
	}
	returnAndUpdate(t, e, id, "group,count\na,10\nb,25\n")
	for _, who := range []string{"checker", "author"} {
		body := e.as(who).get(file).Body.String()
		for _, want := range []string{`data-mark="changed"`, "Changed since review round 1", `data-testid="compare-link"`,
			`href="/requests/diff/` + id + `/tables/output/summary.csv"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: file page lacks %q", who, want)
			}
		}
	}
	body := e.as("checker").get("/reviews/").Body.String()
	if !strings.Contains(body, `data-testid="dashboard-changed"`) || !strings.Contains(body, "1 file changed since the last review") {
		t.Errorf("dashboard does not count the changed file:\n%s", body)
	}
}

// TestDifferencingFlags: a table added beside the one this workspace
// released with the same path shows its small differences to the author
// before submitting, with a link to the comparison with the released
// table, which is recorded as a view.
func TestDifferencingFlags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := submitted(t, e, "author")
	for _, name := range []string{"checker", "selfcheck"} {
		u := e.user(name)
		must(t, e.svc.Vote(ctx, u, id, "output/summary.csv", airlock.VoteApproved))
		must(t, e.svc.SubmitReview(ctx, u, id))
	}
	must(t, e.svc.Release(ctx, e.user("checker"), id))

	writeWorkspace(t, e.wsDir, "ws1", map[string]string{"output/summary.csv": "group,count\na,10\nb,23\n"})
	author := e.user("author")
	res, err := e.svc.AddFiles(ctx, author, "ws1", []review.AddItem{{Path: "output/summary.csv", Type: airlock.FileOutput}}, "tables")
	must(t, err)
	must(t, res[0].Err)
	reqs, err := e.svc.Requests(ctx, author, airlock.RequestFilter{Author: "author", Statuses: []airlock.RequestStatus{airlock.StatusPending}})
	must(t, err)
	if len(reqs) != 1 {
		t.Fatalf("pending requests: %d", len(reqs))
	}
	next := reqs[0].ID
	body := e.as("author").get("/requests/file/" + next + "/tables/output/summary.csv").Body.String()
	for _, want := range []string{`data-testid="differencing"`, "Possible differencing disclosure", "Row 2, count", "(difference &#43;3)",
		`data-testid="differencing-compare"`} {
		if !strings.Contains(body, want) {
			t.Errorf("author's file page lacks %q", want)
		}
	}
	m := strings.Index(body, `/requests/diff/`+next)
	if m < 0 {
		t.Fatalf("no link to the comparison:\n%s", body)
	}
	link := body[m:]
	link = strings.ReplaceAll(link[:strings.Index(link, `"`)], "&amp;", "&")
	rec := e.as("author").get(link)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Released ") {
		t.Fatalf("comparison with the released table: %d\n%s", rec.Code, rec.Body.String())
	}
	m = strings.Index(rec.Body.String(), `/requests/diff-content/`)
	frame := rec.Body.String()[m:]
	frame = strings.ReplaceAll(frame[:strings.Index(frame, `"`)], "&amp;", "&")
	if got := e.as("author").get(frame).Body.String(); !strings.Contains(got, "<del>20</del> <ins>23</ins>") {
		t.Errorf("comparison with the released table lacks the changed cell:\n%s", got)
	}
}
