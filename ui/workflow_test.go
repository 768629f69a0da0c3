package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// mustStatus fails unless the response has the wanted status.
func mustStatus(t *testing.T, rec interface {
	Result() *http.Response
}, want int, what string) {
	t.Helper()
	if got := rec.Result().StatusCode; got != want {
		t.Fatalf("%s: status %d, want %d", what, got, want)
	}
}

// authorRequest creates a request by "author" in ws1 with two output files
// in group "tables" and context and controls filled in. It returns its id.
func authorRequest(t *testing.T, e *env, c *client) string {
	t.Helper()
	rec := c.post("/workspaces/add-form/ws1", url.Values{"path": {"output/summary.csv", "output/notes.txt"}, "next": {"/workspaces/view/ws1/output/"}})
	mustStatus(t, rec, http.StatusOK, "add form")
	if !strings.Contains(rec.Body.String(), `name="type_1"`) {
		t.Fatalf("add form lacks rows: %s", rec.Body.String())
	}
	rec = c.post("/workspaces/add/ws1", url.Values{"count": {"2"}, "file_0": {"output/summary.csv"}, "type_0": {"OUTPUT"},
		"file_1": {"output/notes.txt"}, "type_1": {"OUTPUT"}, "group": {"default"}, "new_group": {"Tables"}, "next": {"/workspaces/view/ws1/output/"}})
	mustStatus(t, rec, http.StatusSeeOther, "add")
	reqs, err := e.svc.Requests(context.Background(), e.user("author"), airlock.RequestFilter{Author: "author"})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests after add: %v %v", reqs, err)
	}
	id := reqs[0].ID
	rec = c.post("/requests/edit-group/"+id+"/tables", url.Values{"context": {"Counts by group"}, "controls": {"Rounded to 5"}})
	mustStatus(t, rec, http.StatusSeeOther, "edit group")
	return id
}

func TestWorkflowEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	author := e.as("author")

	for _, p := range []string{"/workspaces/", "/workspaces/view/ws1/", "/workspaces/view/ws1/output/", "/workspaces/view/ws1/output/summary.csv",
		"/workspaces/tree/ws1/output/", "/workspaces/content/ws1/output/notes.txt", "/requests/workspace/ws1"} {
		mustStatus(t, author.get(p), http.StatusOK, p)
	}
	// Canonical URLs: a folder without its slash and a file with one redirect.
	if rec := author.get("/workspaces/view/ws1/output"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/workspaces/view/ws1/output/" {
		t.Fatalf("dir redirect = %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := author.get("/workspaces/view/ws1/nope/x.csv"); rec.Code != http.StatusFound {
		t.Fatalf("stale path = %d", rec.Code)
	}

	id := authorRequest(t, e, author)
	for _, p := range []string{"/requests/view/" + id + "/", "/requests/group/" + id + "/tables", "/requests/file/" + id + "/tables/output/summary.csv",
		"/requests/content/" + id + "/tables/output/summary.csv", "/requests/confirm/" + id + "/submit"} {
		mustStatus(t, author.get(p), http.StatusOK, p)
	}
	page := author.get("/workspaces/view/ws1/output/summary.csv").Body.String()
	if !strings.Contains(page, "In your request (not yet submitted)") || strings.Contains(page, "Under review") {
		t.Errorf("a file on a draft request does not read as not yet submitted")
	}
	mustStatus(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther, "submit")

	for _, name := range []string{"checker", "checker2"} {
		ch := e.as(name)
		mustStatus(t, ch.get("/reviews/"), http.StatusOK, "reviews")
		filePage := ch.get("/requests/file/" + id + "/tables/output/summary.csv")
		mustStatus(t, filePage, http.StatusOK, "file page as checker")
		if !strings.Contains(filePage.Body.String(), `aria-pressed="false"`) {
			t.Errorf("vote buttons missing aria-pressed")
		}
		for _, p := range []string{"output/summary.csv", "output/notes.txt"} {
			mustStatus(t, ch.post("/requests/vote/"+id, url.Values{"path": {p}, "vote": {"APPROVED"}}), http.StatusSeeOther, "vote")
		}
		mustStatus(t, ch.post("/requests/comment/"+id+"/tables", url.Values{"text": {"Looks **fine** <script>alert(1)</script>"}, "visibility": {"PRIVATE"}}), http.StatusSeeOther, "comment")
		mustStatus(t, ch.post("/requests/review/"+id, nil), http.StatusSeeOther, "submit review")
	}
	ch := e.as("checker")
	group := ch.get("/requests/group/" + id + "/tables").Body.String()
	if strings.Contains(group, "<script>alert(1)") || !strings.Contains(group, "<strong>fine</strong>") {
		t.Errorf("comment not rendered safely")
	}
	mustStatus(t, ch.get("/requests/content/"+id+"/tables/output/summary.csv?download=1"), http.StatusOK, "checker download")
	mustStatus(t, ch.post("/requests/release/"+id, nil), http.StatusSeeOther, "release")
	r, err := e.svc.View(context.Background(), e.user("checker"), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Request.Status != airlock.StatusApproved && r.Request.Status != airlock.StatusReleased {
		t.Fatalf("status after release = %s", r.Request.Status)
	}
	mustStatus(t, ch.get("/requests/view/"+id+"/"), http.StatusOK, "overview after release")
}

func TestContentHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	rec := c.get("/workspaces/content/ws1/output/page.html")
	mustStatus(t, rec, http.StatusOK, "content")
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("content CSP = %q", csp)
	}
	if rec.Header().Get("X-Frame-Options") != "SAMEORIGIN" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("content frame/nosniff headers = %v", rec.Header())
	}
}
