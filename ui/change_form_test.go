package ui

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/review"
)

var changeRowRE = regexp.MustCompile(`(?s)<tr data-testid="change-row">(.*?)</tr>`)

// TestChangeFormOffersOnlyWhatIsAllowed checks the form to move files or
// change their type: a withdrawn file is listed as not changed, with the
// reason; a file already released from the workspace may only be
// supporting, with the reason; every file's own type is preselected, so the
// form never proposes a change the author did not make.
func TestChangeFormOffersOnlyWhatIsAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A first request releases summary.csv and notes.txt from ws1.
	first := reviewedRequest(t, e)
	wantCode(t, e.as("checker").post("/requests/release/"+first, nil), http.StatusSeeOther)
	site := newReleaseSite()
	d := review.NewDeliverer(review.DeliveryConfig{Store: e.db, Files: e.store, Registrar: site, Destination: site,
		MinBackoff: time.Second, MaxBackoff: time.Minute})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}

	// The next request has the released table as supporting and two new
	// outputs; it is reviewed and returned, and the author withdraws one.
	c := e.as("author")
	wantCode(t, c.post("/workspaces/add/ws1", url.Values{"count": {"3"},
		"file_0": {"output/summary.csv"}, "type_0": {"SUPPORTING"},
		"file_1": {"output/deep/nested.csv"}, "type_1": {"OUTPUT"},
		"file_2": {"output/page.html"}, "type_2": {"OUTPUT"}, "new_group": {"second"}}), http.StatusSeeOther)
	v, err := e.svc.WorkspaceState(context.Background(), e.user("author"), "ws1")
	if err != nil || v.Current == nil || v.Current.ID == first {
		t.Fatalf("no second request: %v", err)
	}
	id := v.Current.ID
	wantCode(t, c.post("/requests/edit-group/"+id+"/second", url.Values{"context": {"c"}, "controls": {"c"}}), http.StatusSeeOther)
	wantCode(t, c.post("/requests/submit/"+id, nil), http.StatusSeeOther)
	for _, name := range []string{"checker", "checker2"} {
		ch := e.as(name)
		for _, p := range []string{"output/deep/nested.csv", "output/page.html"} {
			wantCode(t, ch.post("/requests/vote/"+id, url.Values{"path": {p}, "vote": {"APPROVED"}}), http.StatusSeeOther)
		}
		wantCode(t, ch.post("/requests/review/"+id, nil), http.StatusSeeOther)
	}
	wantCode(t, e.as("checker").post("/requests/return/"+id, nil), http.StatusSeeOther)
	wantCode(t, c.post("/requests/withdraw-files/"+id, url.Values{"path": {"output/page.html"}}), http.StatusSeeOther)

	body := wantCode(t, c.post("/requests/change-form/"+id, url.Values{"path": {"output/summary.csv", "output/deep/nested.csv", "output/page.html"}}),
		http.StatusOK).Body.String()
	rows := changeRowRE.FindAllStringSubmatch(body, -1)
	if len(rows) != 3 {
		t.Fatalf("%d rows in the change form, want 3:\n%s", len(rows), body)
	}
	released, output, withdrawn := rows[0][1], rows[1][1], rows[2][1]
	for what, ok := range map[string]bool{
		"released: output not offered":      strings.Contains(released, `value="OUTPUT" disabled>`),
		"released: supporting preselected":  strings.Contains(released, `value="SUPPORTING" checked>`),
		"released: the reason shown":        strings.Contains(released, "released from this workspace before, so it can only be a supporting file"),
		"output: output preselected":        strings.Contains(output, `value="OUTPUT" checked>`) && !strings.Contains(output, `value="SUPPORTING" checked>`),
		"withdrawn: listed as not changed":  strings.Contains(withdrawn, `data-testid="change-ignored"`) && strings.Contains(withdrawn, "has been withdrawn; add it again from the workspace"),
		"withdrawn: not part of the form":   !strings.Contains(withdrawn, `name="file_`) && !strings.Contains(withdrawn, `type="radio"`),
		"the button counts what can change": strings.Contains(body, "Change 2 files"),
	} {
		if !ok {
			t.Errorf("%s", what)
		}
	}

	// The server holds the same rules: the released file cannot become an
	// output, whatever the form sends, and nothing changes.
	before := e.dump()
	rec := c.post("/requests/change-files/"+id, url.Values{"count": {"1"}, "file_0": {"output/summary.csv"}, "type_0": {"OUTPUT"}})
	wantCode(t, rec, http.StatusUnprocessableEntity)
	if e.dump() != before {
		t.Error("a refused change changed the database")
	}
	// Sent as the form preselects it, with only a group chosen, the files move and keep their types.
	wantCode(t, c.post("/requests/change-files/"+id, url.Values{"count": {"2"}, "file_0": {"output/summary.csv"}, "type_0": {"SUPPORTING"},
		"file_1": {"output/deep/nested.csv"}, "type_1": {"OUTPUT"}, "new_group": {"moved"}}), http.StatusSeeOther)
	after, err := e.svc.View(context.Background(), e.user("author"), id)
	if err != nil {
		t.Fatal(err)
	}
	if f := after.Request.File("output/summary.csv"); f.Group != "moved" || f.Type != "SUPPORTING" {
		t.Errorf("summary.csv is now %s in %s", f.Type, f.Group)
	}
	if f := after.Request.File("output/deep/nested.csv"); f.Group != "moved" || f.Type != "OUTPUT" {
		t.Errorf("nested.csv is now %s in %s", f.Type, f.Group)
	}
}
