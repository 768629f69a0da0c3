package ui

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	optionRE = regexp.MustCompile(`<option value="(\w*)"( selected)?>([^<]*)</option>`)
	authorRE = regexp.MustCompile(`<td data-testid="request-author">(.*?)</td>`)
)

// TestWorkspaceRequestList checks the list of a workspace's requests names
// each author in full beside the username, and that its status filter
// offers only the statuses present, by their labels.
func TestWorkspaceRequestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	author := e.as("author")
	id := authorRequest(t, e, author)
	wantCode(t, author.post("/requests/submit/"+id, nil), http.StatusSeeOther)
	self := e.as("selfcheck")
	wantCode(t, self.post("/workspaces/add/ws1", url.Values{"count": {"1"}, "file_0": {"output/notes.txt"}, "type_0": {"SUPPORTING"},
		"group": {"default"}}), http.StatusSeeOther)

	list := func(query string) (options, authors []string) {
		body := wantCode(t, e.as("member").get("/requests/workspace/ws1"+query), http.StatusOK).Body.String()
		for _, m := range optionRE.FindAllStringSubmatch(body, -1) {
			options = append(options, m[1]+m[2]+"="+m[3])
		}
		for _, m := range authorRE.FindAllStringSubmatch(body, -1) {
			authors = append(authors, m[1])
		}
		return options, authors
	}
	check := func(query string, wantOptions, wantAuthors []string) {
		t.Helper()
		options, authors := list(query)
		if strings.Join(options, "|") != strings.Join(wantOptions, "|") {
			t.Errorf("%q: filter offers %q, want %q", query, options, wantOptions)
		}
		if strings.Join(authors, "|") != strings.Join(wantAuthors, "|") {
			t.Errorf("%q: authors %q, want %q", query, authors, wantAuthors)
		}
	}
	ann, self2 := `Ann Author <span class="muted">(author)</span>`, `Self Checker <span class="muted">(selfcheck)</span>`
	check("", []string{"=All statuses", "PENDING=Pending", "SUBMITTED=Submitted"}, []string{self2, ann})
	check("?status=SUBMITTED", []string{"=All statuses", "PENDING=Pending", "SUBMITTED selected=Submitted"}, []string{ann})
	// A status none has, asked for by address, stays chosen so it can be cleared.
	check("?status=RELEASED", []string{"=All statuses", "PENDING=Pending", "SUBMITTED=Submitted", "RELEASED selected=Released"}, nil)
}
