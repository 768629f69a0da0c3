package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
)

// TestHostileNamesAreEscaped puts markup into file, folder and group names
// and checks that every page listing them shows it as text: the long lists
// are written by hand, not by html/template, so their escaping is tested
// here rather than trusted.
func TestHostileNamesAreEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const (
		dir  = `output/"><img src=x onerror=alert(1)>`
		file = dir + `/'><svg onload=alert(2)>&amp.csv`
	)
	const group = `<b onclick="x">Tables<b>`
	writeWorkspace(t, e.wsDir, "ws1", map[string]string{
		"output/summary.csv": "group,count\na,10\nb,20\n",
		file:                 "group,count\na,10\n",
	})
	author := e.as("author")
	rec := author.post("/workspaces/add/ws1", url.Values{"count": {"1"}, "file_0": {file}, "type_0": {"OUTPUT"},
		"group": {"default"}, "new_group": {group}, "next": {"/workspaces/view/ws1/output/"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("add: %d %s", rec.Code, rec.Body.String())
	}
	reqs, err := e.svc.Requests(context.Background(), e.user("author"), airlock.RequestFilter{Author: "author"})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests after add: %v %v", reqs, err)
	}
	id := reqs[0].ID

	pages := []string{
		"/workspaces/view/ws1/",
		"/workspaces/view/ws1/output/",
		"/workspaces/view/ws1/" + escapePath(dir) + "/",
		"/workspaces/view/ws1/" + escapePath(file),
		"/requests/view/" + id + "/",
	}
	for _, p := range pages {
		rec := author.get(p)
		mustStatus(t, rec, http.StatusOK, p)
		body := rec.Body.String()
		for _, bad := range []string{"<img src=x", "<svg onload", "<b onclick", `"><img`, `'><svg`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: the markup %q of a name reached the page unescaped", p, bad)
			}
		}
		if !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("%s: the folder's name is not shown as text", p)
		}
	}
	mustStatus(t, author.post("/requests/edit-group/"+id+"/"+url.PathEscape(strings.ToLower(group)), url.Values{"context": {"Counts"}, "controls": {"Rounded"}}), http.StatusSeeOther, "edit group")
	if rec := author.post("/requests/submit/"+id, nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body.String())
	}
	for _, p := range []string{"/reviews/", "/requests/view/" + id + "/"} {
		rec := e.as("checker").get(p)
		mustStatus(t, rec, http.StatusOK, p)
		body := rec.Body.String()
		for _, bad := range []string{"<img src=x", "<svg onload", "<b onclick"} {
			if strings.Contains(body, bad) {
				t.Errorf("checker's %s: the markup %q of a name reached the page unescaped", p, bad)
			}
		}
	}
}
