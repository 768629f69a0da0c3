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
// a page at a time with a way to see them all, that it filters by person,
// action and group, and that views never fill it.
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
	all, err := e.svc.Activity(ctx, e.user("checker"), id, "")
	if err != nil {
		t.Fatal(err)
	}
	overview := "/requests/view/" + id + "/"
	body := wantCode(t, c.get(overview), http.StatusOK).Body.String()
	rows := strings.Count(activitySection(body), "<tr>") - 1 // less the header
	if rows != activityShown {
		t.Errorf("overview shows %d activity rows, want %d", rows, activityShown)
	}
	if !strings.Contains(body, fmt.Sprintf("Showing 1–25 of %d events", len(all))) || !strings.Contains(body, `href="?activity=all#activity"`) ||
		!strings.Contains(body, `href="?activity_page=2#activity"`) {
		t.Error("no way to page through or see the whole activity")
	}
	body = wantCode(t, c.get(overview+"?activity_page=2"), http.StatusOK).Body.String()
	if rows := strings.Count(activitySection(body), "<tr>") - 1; rows != len(all)-activityShown {
		t.Errorf("the second page shows %d rows of the %d left", rows, len(all)-activityShown)
	}
	body = wantCode(t, c.get(overview+"?activity=all"), http.StatusOK).Body.String()
	if rows := strings.Count(activitySection(body), "<tr>") - 1; rows != len(all) || len(all) < 42 {
		t.Errorf("all activity shows %d rows of %d events", rows, len(all))
	}
	if strings.Contains(body, "activity-older") {
		t.Error("the whole activity still offers more")
	}
	for _, ev := range all {
		if ev.Type.ReadOnly() {
			t.Errorf("activity includes a %s event", ev.Type)
		}
	}

	// Filters: by person, by action, by group, and an empty result.
	byAuthor, comments := 0, 0
	for _, ev := range all {
		if ev.User == "author" {
			byAuthor++
		}
		if ev.Type == airlock.EventRequestComment && ev.Extra["group"] == "tables" {
			comments++
		}
	}
	body = wantCode(t, c.get(overview+"?activity_user=author"), http.StatusOK).Body.String()
	if rows := strings.Count(activitySection(body), "<tr>") - 1; rows != min(byAuthor, activityShown) || byAuthor == 0 {
		t.Errorf("filtered by the author: %d rows, want %d", rows, byAuthor)
	}
	body = wantCode(t, c.get(overview+"?activity_type="+string(airlock.EventRequestComment)+"&activity_group=tables&activity=all"), http.StatusOK).Body.String()
	if rows := strings.Count(activitySection(body), "<tr>") - 1; rows != comments || comments < 40 {
		t.Errorf("filtered by comments in tables: %d rows, want %d", rows, comments)
	}
	body = wantCode(t, c.get(overview+"?activity_group=nosuchgroup"), http.StatusOK).Body.String()
	if !strings.Contains(body, "No activity matches these filters") {
		t.Error("an empty filter does not say so")
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
