package ui

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// partlyReviewed takes the author's request through submission and one
// approving review, over HTTP, and returns its id.
func partlyReviewed(t *testing.T, e *env) string {
	t.Helper()
	author := e.as("author")
	id := authorRequest(t, e, author)
	mustStatus(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther, "submit")
	ch := e.as("checker")
	for _, p := range []string{"output/summary.csv", "output/notes.txt"} {
		mustStatus(t, ch.post("/requests/vote/"+id, url.Values{"path": {p}, "vote": {"APPROVED"}}), http.StatusSeeOther, "vote")
	}
	mustStatus(t, ch.post("/requests/review/"+id, nil), http.StatusSeeOther, "submit review")
	return id
}

// wantRefusal fails unless the response is the status with the sentence,
// and never a sentence assembled from status labels.
func wantRefusal(t *testing.T, rec interface{ Result() *http.Response }, body string, status int, sentence string) {
	t.Helper()
	if got := rec.Result().StatusCode; got != status {
		t.Errorf("status %d, want %d", got, status)
	}
	if text := html.UnescapeString(body); !strings.Contains(text, sentence) {
		t.Errorf("the answer does not say %q:\n%s", sentence, text)
	}
	if strings.Contains(body, "cannot become") || strings.Contains(strings.ToLower(body), "is one review submitted") {
		t.Errorf("the answer is assembled from status labels:\n%s", body)
	}
}

// TestRefusalsSayWhy (issue 11, item 13): a refused step is answered in a
// sentence a person would say, and the disabled button on the page gives
// the same sentence.
func TestRefusalsSayWhy(t *testing.T) {
	e := newEnv(t)
	id := partlyReviewed(t, e)

	const notYet = "Reject is available once both reviews are in (1 of 2 so far)."
	ch2 := e.as("checker2")
	rec := ch2.post("/requests/reject/"+id, nil)
	wantRefusal(t, rec, rec.Body.String(), http.StatusConflict, notYet)
	page := html.UnescapeString(ch2.get("/requests/view/" + id + "/").Body.String())
	if !strings.Contains(page, `title="`+notYet+`" data-testid="action-reject"`) {
		t.Errorf("the disabled reject button does not say why:\n%s", page)
	}

	author := e.as("author")
	rec = author.post("/requests/withdraw/"+id, nil)
	wantRefusal(t, rec, rec.Body.String(), http.StatusConflict,
		"A request cannot be withdrawn while it is being reviewed. If it is returned to you, you can withdraw it then.")
	rec = author.post("/requests/submit/"+id, nil)
	wantRefusal(t, rec, rec.Body.String(), http.StatusConflict,
		"This request has already been submitted and is being reviewed. If it is returned to you, you can change it and submit it again.")
	rec = e.as("member").post("/requests/release/"+id, nil)
	wantRefusal(t, rec, rec.Body.String(), http.StatusForbidden, "Only output checkers can release files.")
}

// TestCheckerCommentOnReturnedRequest (issue 11, item 14): an output
// checker without a role in the workspace is told why they cannot comment
// on a returned request, not that it has yet to be submitted.
func TestCheckerCommentOnReturnedRequest(t *testing.T) {
	e := newEnv(t)
	id := partlyReviewed(t, e)
	ch := e.as("checker")
	mustStatus(t, ch.post("/requests/return/"+id, nil), http.StatusSeeOther, "return")

	const why = "This request has been returned to its author. Output checkers can comment again once it is resubmitted."
	group := ch.get("/requests/group/" + id + "/tables")
	mustStatus(t, group, http.StatusOK, "group page")
	body := html.UnescapeString(group.Body.String())
	if !strings.Contains(body, why) || strings.Contains(body, "once the request has been submitted") {
		t.Errorf("the group page does not say why the checker cannot comment:\n%s", body)
	}
	rec := ch.post("/requests/comment/"+id+"/tables", url.Values{"text": {"One more thing."}, "visibility": {"PUBLIC"}})
	wantRefusal(t, rec, rec.Body.String(), http.StatusConflict, why)
}

// TestRefusalLeadsBack checks that the page of a refused form links back
// to the page it was sent from, when that is one of ours, and otherwise
// only to the workspaces.
func TestRefusalLeadsBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	page := "/requests/view/" + id + "/"
	refused := func(referer string, status int) string {
		t.Helper()
		hdr := map[string]string{}
		if referer != "" {
			hdr["Referer"] = referer
		}
		// No file chosen: refused.
		rec := c.do("POST", "/requests/withdraw-files/"+id, url.Values{"_csrf": {c.csrf}}, hdr)
		wantCode(t, rec, status)
		return rec.Body.String()
	}
	if body := refused("http://airlock.test"+page+"?x=1", http.StatusUnprocessableEntity); !strings.Contains(body, `href="`+page+`?x=1" data-testid="error-back"`) {
		t.Errorf("a refusal sent from %s does not lead back to it:\n%s", page, body)
	}
	for _, tc := range []struct {
		referer string
		status  int
	}{
		{"", http.StatusUnprocessableEntity},
		{"http://airlock.test//elsewhere.example/", http.StatusUnprocessableEntity},
		{"https://elsewhere.example" + page, http.StatusForbidden},
	} {
		if body := refused(tc.referer, tc.status); strings.Contains(body, "error-back") || !strings.Contains(body, `href="/workspaces/"`) {
			t.Errorf("a refusal sent from %q leads back to it, or not to the workspaces:\n%s", tc.referer, body)
		}
	}
}

// TestRouterRefusalsSaySomething checks that an address with no page, and
// an action's address opened by itself, are answered with a sentence, not
// with the status's name again.
func TestRouterRefusalsSaySomething(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	for _, tc := range []struct {
		path     string
		status   int
		sentence string
	}{
		{"/nothing/here", http.StatusNotFound, "There is no page at this address"},
		{"/requests/submit/" + id, http.StatusMethodNotAllowed, "This address is for a button on a page"},
	} {
		rec := c.get(tc.path)
		wantRefusal(t, rec, rec.Body.String(), tc.status, tc.sentence)
	}
}
