package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestNewGroupMustBeNew checks that a new group whose name matches an
// existing group of the request, ignoring case, is refused with the reason
// and nothing is added or moved; choosing the group from the list adds to
// it, and a new group named once takes every file of the batch.
func TestNewGroupMustBeNew(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c) // group "tables", from "Tables"
	addForm := func(group, newGroup string, paths ...string) url.Values {
		f := url.Values{"count": {strconv.Itoa(len(paths))}, "group": {group}, "new_group": {newGroup}, "next": {"/workspaces/view/ws1/output/"}}
		for i, p := range paths {
			f.Set("file_"+strconv.Itoa(i), p)
			f.Set("type_"+strconv.Itoa(i), "OUTPUT")
		}
		return f
	}
	before := e.dump()
	for _, name := range []string{"Tables", "tables", " TABLES "} {
		rec := c.post("/workspaces/add/ws1", addForm("default", name, "output/deep/nested.csv"))
		wantCode(t, rec, http.StatusConflict)
		if !strings.Contains(rec.Body.String(), "A file group called &#34;tables&#34; already exists. Choose it from the list of groups instead.") {
			t.Errorf("new group %q: refused without the reason: %s", name, rec.Body.String())
		}
		if e.dump() != before {
			t.Fatalf("new group %q: the refused add changed the database", name)
		}
	}
	// Moving files to a "new" group that exists is refused the same way.
	rec := c.post("/requests/change-files/"+id, url.Values{"count": {"1"}, "file_0": {"output/notes.txt"}, "type_0": {"SUPPORTING"},
		"new_group": {"TABLES"}})
	wantCode(t, rec, http.StatusConflict)
	if e.dump() != before {
		t.Fatal("the refused move changed the database")
	}

	// The group chosen from the list is used; a new group takes the whole batch.
	wantCode(t, c.post("/workspaces/add/ws1", addForm("tables", "", "output/deep/nested.csv")), http.StatusSeeOther)
	wantCode(t, c.post("/workspaces/add/ws1", addForm("default", "Figures", "output/page.html")), http.StatusSeeOther)
	wantCode(t, c.post("/requests/change-files/"+id, url.Values{"count": {"2"}, "file_0": {"output/notes.txt"}, "type_0": {"OUTPUT"},
		"file_1": {"output/deep/nested.csv"}, "type_1": {"OUTPUT"}, "new_group": {"Extra"}}), http.StatusSeeOther)
	v, err := e.svc.View(context.Background(), e.user("author"), id)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, g := range v.Request.Groups {
		for _, f := range g.Files {
			got[f.Path] = g.Name
		}
	}
	want := map[string]string{"output/summary.csv": "tables", "output/notes.txt": "extra", "output/deep/nested.csv": "extra", "output/page.html": "figures"}
	for p, g := range want {
		if got[p] != g {
			t.Errorf("%s is in group %q, want %q", p, got[p], g)
		}
	}
}
