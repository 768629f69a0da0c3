package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var flashRE = regexp.MustCompile(`<div class="alert alert-(\w+)" role="\w+">([^<]*)</div>`)

// flashes follows a redirect and returns the messages the next page shows,
// each as "level: text".
func flashes(t *testing.T, c *client, rec interface{ Result() *http.Response }) []string {
	t.Helper()
	loc := rec.Result().Header.Get("Location")
	if loc == "" {
		t.Fatalf("no redirect (status %d)", rec.Result().StatusCode)
	}
	var out []string
	for _, m := range flashRE.FindAllStringSubmatch(c.get(loc).Body.String(), -1) {
		out = append(out, m[1]+": "+unescape(m[2]))
	}
	return out
}

func unescape(s string) string {
	return strings.NewReplacer("&#39;", "'", "&#34;", `"`, "&quot;", `"`, "&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(s)
}

func wantFlashes(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s: messages\n  %q\nwant\n  %q", what, got, want)
	}
}

// TestSavingUnchangedContextSaysSo checks that saving a group's context and
// controls as they already are says nothing changed, and audits nothing.
func TestSavingUnchangedContextSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	form := url.Values{"context": {"Counts by group"}, "controls": {"Rounded to 5"}}
	c.get("/workspaces/") // shows, and so clears, the messages so far
	before := e.dump()
	rec := wantCode(t, c.post("/requests/edit-group/"+id+"/tables", form), http.StatusSeeOther)
	if e.dump() != before {
		t.Error("saving unchanged text changed the database")
	}
	wantFlashes(t, "unchanged", flashes(t, c, rec), "info: Nothing changed: the context and controls of group tables were already as written.")

	form.Set("controls", "Rounded to 10")
	rec = wantCode(t, c.post("/requests/edit-group/"+id+"/tables", form), http.StatusSeeOther)
	wantFlashes(t, "changed", flashes(t, c, rec), "success: Context and controls saved for group tables.")
}

// TestRequestChangesOnAllReportsBothCounts checks that "request changes on
// all" says how many files it marked and how many kept the checker's vote,
// and that a press with nothing to do is information, not success.
func TestRequestChangesOnAllReportsBothCounts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	author := e.as("author")
	id := authorRequest(t, e, author)
	wantCode(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther)
	c := e.as("checker")
	wantCode(t, c.post("/requests/vote/"+id, url.Values{"path": {"output/summary.csv"}, "vote": {"APPROVED"}}), http.StatusSeeOther)

	c.get("/workspaces/")
	rec := wantCode(t, c.post("/requests/request-changes/"+id+"/tables", nil), http.StatusSeeOther)
	wantFlashes(t, "first press", flashes(t, c, rec),
		"success: Changes requested on 1 file in group tables; 1 file you had already voted on kept your vote.")
	before := e.dump()
	rec = wantCode(t, c.post("/requests/request-changes/"+id+"/tables", nil), http.StatusSeeOther)
	wantFlashes(t, "second press", flashes(t, c, rec),
		"info: Nothing to do: you had already voted on every output file in group tables (2 files).")
	if e.dump() != before {
		t.Error("a press with nothing to do changed the database")
	}
}

// TestChangingNothingSaysSo checks that moving files to the group they are
// in with the types they have is not a refusal: the author is told there
// is nothing to change, and nothing is written; in a batch where another
// file does change, the unchanged one is told apart from it.
func TestChangingNothingSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	c.get("/workspaces/") // shows, and so clears, the messages so far
	before := e.dump()
	rec := wantCode(t, c.post("/requests/change-files/"+id, url.Values{"count": {"2"},
		"file_0": {"output/summary.csv"}, "type_0": {"OUTPUT"}, "file_1": {"output/notes.txt"}, "type_1": {"OUTPUT"},
		"group_choice": {"existing"}, "group": {"tables"}}), http.StatusSeeOther)
	if e.dump() != before {
		t.Error("a change that changes nothing changed the database")
	}
	wantFlashes(t, "both unchanged", flashes(t, c, rec),
		`info: Nothing to change: output/summary.csv is already an output file in group "tables".`,
		`info: Nothing to change: output/notes.txt is already an output file in group "tables".`)

	rec = wantCode(t, c.post("/requests/change-files/"+id, url.Values{"count": {"1"},
		"file_0": {"output/notes.txt"}, "type_0": {"OUTPUT"}}), http.StatusSeeOther)
	wantFlashes(t, "one unchanged, its own group", flashes(t, c, rec),
		`info: Nothing to change: output/notes.txt is already an output file in group "tables".`)

	rec = wantCode(t, c.post("/requests/change-files/"+id, url.Values{"count": {"2"},
		"file_0": {"output/summary.csv"}, "type_0": {"OUTPUT"}, "file_1": {"output/notes.txt"}, "type_1": {"SUPPORTING"}}), http.StatusSeeOther)
	wantFlashes(t, "one changed", flashes(t, c, rec),
		`info: Nothing to change: output/summary.csv is already an output file in group "tables".`,
		"success: output/notes.txt: Now a supporting file in group tables.")
}
