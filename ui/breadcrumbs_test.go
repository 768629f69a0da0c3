package ui

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

var crumbRE = regexp.MustCompile(`<li><a href="([^"]*)">`)

// TestBreadcrumbsLinkEachFolderAsAFolder checks that every folder of a
// page's breadcrumb trail, the page's own folder included, links to the
// folder's own URL (with its slash, not one that redirects to it), and a
// file's to the file.
func TestBreadcrumbsLinkEachFolderAsAFolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	trail := func(path string) string {
		t.Helper()
		body := wantCode(t, c.get(path), http.StatusOK).Body.String()
		i := strings.Index(body, `<ol class="breadcrumbs"`)
		if i < 0 {
			t.Fatalf("%s has no breadcrumbs", path)
		}
		body = body[i : i+strings.Index(body[i:], "</ol>")]
		var hrefs []string
		for _, m := range crumbRE.FindAllStringSubmatch(body, -1) {
			hrefs = append(hrefs, m[1])
		}
		return strings.Join(hrefs, " ")
	}
	for _, tc := range []struct{ page, want string }{
		{"/workspaces/view/ws1/output/deep/", "/workspaces/view/ws1/ /workspaces/view/ws1/output/ /workspaces/view/ws1/output/deep/"},
		{"/workspaces/view/ws1/output/deep/nested.csv", "/workspaces/view/ws1/ /workspaces/view/ws1/output/ /workspaces/view/ws1/output/deep/ /workspaces/view/ws1/output/deep/nested.csv"},
	} {
		if got := trail(tc.page); got != tc.want {
			t.Errorf("breadcrumbs of %s:\n got %s\nwant %s", tc.page, got, tc.want)
		}
	}
}
