package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestCommentFromAFilePage checks a checker can comment on the page of the
// file under review, and the comment names the file in its group.
func TestCommentFromAFilePage(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker2")
	page := "/requests/file/" + id + "/tables/output/summary.csv"

	body := wantCode(t, c.get(page), http.StatusOK).Body.String()
	if !strings.Contains(body, `name="file" value="output/summary.csv"`) || !strings.Contains(body, "Add a comment about this file") {
		t.Fatal("the file page has no comment form for the file")
	}
	rec := c.post("/requests/comment/"+id+"/tables", url.Values{"text": {"Counts under 10 need suppressing."},
		"visibility": {"PUBLIC"}, "file": {"output/summary.csv"}, "next": {page}})
	wantCode(t, rec, http.StatusSeeOther)
	v, err := e.svc.View(context.Background(), e.user("checker2"), id)
	if err != nil {
		t.Fatal(err)
	}
	cs := v.Request.Group("tables").Comments
	if loc, want := rec.Header().Get("Location"), page+"#comment-"+strconv.FormatInt(cs[len(cs)-1].ID, 10); loc != want {
		t.Errorf("after commenting: back to %q, want the file page at the new comment, %q", loc, want)
	}
	last := cs[len(cs)-1].Text
	if last != "File: ` output/summary.csv `\n\nCounts under 10 need suppressing." {
		t.Errorf("comment text = %q", last)
	}
	body = wantCode(t, c.get(page), http.StatusOK).Body.String()
	if !strings.Contains(body, "File: <code>output/summary.csv</code>") {
		t.Error("the comment does not show the file name as code")
	}

	// Deleting it from the file page comes back to the file page.
	if !strings.Contains(body, `name="next" value="`+page+`"`) {
		t.Error("the comment's own forms do not come back to the file page")
	}
	rec = c.post("/requests/comment-delete/"+id+"/tables", url.Values{
		"comment_id": {strconv.FormatInt(cs[len(cs)-1].ID, 10)}, "next": {page}})
	wantCode(t, rec, http.StatusSeeOther)
	if loc := rec.Header().Get("Location"); loc != page {
		t.Errorf("after deleting: back to %q, want the file page", loc)
	}

	// A file of another group, or none of the request, is refused and nothing changes.
	before := e.dump()
	wantCode(t, c.post("/requests/comment/"+id+"/tables", url.Values{"text": {"x"}, "visibility": {"PUBLIC"},
		"file": {"output/notes.txt"}}), http.StatusUnprocessableEntity)
	if e.dump() != before {
		t.Error("a refused comment changed the database")
	}
	if got := fileCommentHeading("a`b.csv"); got != "File: `` a`b.csv ``\n\n" {
		t.Errorf("heading with a backtick = %q", got)
	}
}
