package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestTextNotUTF8Refused posts bytes that are not UTF-8 (text=caf%E9) into
// the text fields of the web forms and into a URL. Each answers 422 (400 for the page) with a
// message saying what is wrong, stores nothing, and the audit chain still
// verifies (issue 9, item 2: before, the comment was stored and the chain
// then reported broken at its event).
func TestTextNotUTF8Refused(t *testing.T) {
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	checker, author, member := e.as("checker2"), e.as("author"), e.as("member")
	before := e.dump()
	for name, send := range map[string]func() *httptest.ResponseRecorder{
		"Comment": func() *httptest.ResponseRecorder {
			return checker.post("/requests/comment/"+id+"/tables", url.Values{"text": {"caf\xe9"}, "visibility": {"PUBLIC"}})
		},
		"Context": func() *httptest.ResponseRecorder {
			return author.post("/requests/edit-group/"+id+"/tables", url.Values{"context": {"caf\xe9"}, "controls": {"ok"}})
		},
		"NewGroup": func() *httptest.ResponseRecorder {
			return member.post("/workspaces/add/ws1", url.Values{"count": {"1"}, "file_0": {"output/notes.txt"},
				"type_0": {"OUTPUT"}, "new_group": {"caf\xe9"}})
		},
		"ViewPath": func() *httptest.ResponseRecorder { return author.get("/workspaces/view/ws1/output/caf%E9.csv") },
	} {
		t.Run(name, func(t *testing.T) {
			rec := send()
			want := http.StatusUnprocessableEntity // refused input to an action
			if name == "ViewPath" {
				want = http.StatusBadRequest // a page asked for with a bad address
			}
			if rec.Code != want {
				t.Fatalf("status = %d, want %d\n%s", rec.Code, want, rec.Body)
			}
			if !strings.Contains(rec.Body.String(), "not valid UTF-8") {
				t.Errorf("the page does not say what is wrong:\n%s", rec.Body)
			}
		})
	}
	if e.dump() != before {
		t.Error("a refused action changed the database")
	}
	if _, err := e.db.VerifyAudit(t.Context()); err != nil {
		t.Fatal(err)
	}
}
