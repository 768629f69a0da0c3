package ui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestActivityIsPaged checks a long activity table shows the newest events
// with a way to see them all, and that views never fill it.
func TestActivityIsPaged(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	ctx := context.Background()
	for i := range 40 {
		if err := e.svc.Comment(ctx, e.user("checker"), id, "tables", fmt.Sprintf("note %d", i), airlock.Private); err != nil {
			t.Fatal(err)
		}
	}
	c := e.as("checker")
	for range 30 { // views are audited but are not activity
		wantCode(t, c.get("/requests/content/"+id+"/tables/output/summary.csv"), http.StatusOK)
	}
	overview := "/requests/view/" + id + "/"
	body := wantCode(t, c.get(overview), http.StatusOK).Body.String()
	rows := strings.Count(activitySection(body), "<tr>") - 1 // less the header
	if rows != activityShown {
		t.Errorf("overview shows %d activity rows, want %d", rows, activityShown)
	}
	if !strings.Contains(body, "Showing the latest 25 of") || !strings.Contains(body, `href="?activity=all#activity"`) {
		t.Error("no way to see the whole activity")
	}
	body = wantCode(t, c.get(overview+"?activity=all"), http.StatusOK).Body.String()
	all, err := e.svc.Activity(ctx, e.user("checker"), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(activitySection(body), "<tr>") - 1; rows != len(all) || len(all) < 42 {
		t.Errorf("all activity shows %d rows of %d events", rows, len(all))
	}
	if strings.Contains(body, "activity-more") {
		t.Error("the whole activity still offers more")
	}
	for _, ev := range all {
		if ev.Type.ReadOnly() {
			t.Errorf("activity includes a %s event", ev.Type)
		}
	}
}

func activitySection(body string) string {
	i := strings.Index(body, `id="activity"`)
	if i < 0 {
		return ""
	}
	s := body[i:]
	if j := strings.Index(s, "</section>"); j >= 0 {
		s = s[:j]
	}
	return s
}
