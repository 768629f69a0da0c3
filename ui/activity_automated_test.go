package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestActivityMarksAutomation checks an event written by automation shows
// as such in the activity, and a person's does not.
func TestActivityMarksAutomation(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	if err := e.svc.Automated().Comment(context.Background(), e.user("checker"), id, "tables", "posted by a script", airlock.Public); err != nil {
		t.Fatal(err)
	}
	section := activitySection(wantCode(t, e.as("checker").get("/requests/view/"+id+"/"), http.StatusOK).Body.String())
	if n := strings.Count(section, `data-testid="activity-automated"`); n != 1 {
		t.Errorf("%d events marked automated, want the one comment:\n%s", n, section)
	}
	if strings.Contains(section, "automated_action") {
		t.Error("the mark is also listed among the details")
	}
}
