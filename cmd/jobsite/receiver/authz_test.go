package receiver_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// matrixPersonas are the people of the permission matrix (see the table
// at the top of pages_test.go): not signed in, signed in without a role,
// and one holder of each documented role.
var matrixPersonas = []string{"anon", "gina", "bob", "frank", "carol", "erin"}

// matrix is every route's answer per persona, in matrixPersonas' order:
// anonymous, outsider, ProjectDeveloper, ProjectCollaborator,
// OutputChecker, OutputPublisher. The workspace is heart-main; its release
// has the SVG uploaded (the CSV still on its way), and bob made a draft of
// it. 303 on a GET means "sign in first"; on a POST, done. Every 403 page
// says why.
var matrix = map[string][6]int{
	//                                                              anon gina bob frank carol erin
	"POST /api/v2/releases/authenticate":                    {403, 403, 403, 403, 403, 403},
	"POST /api/v2/releases/authorise":                       {403, 403, 403, 403, 403, 403},
	"POST /api/v2/releases/workspace/:workspace":            {403, 403, 403, 403, 403, 403},
	"POST /api/v2/releases/release/:release":                {403, 403, 403, 403, 403, 403},
	"POST /api/v2/airlock/events/":                          {403, 403, 403, 403, 403, 403},
	"GET /api/v2/releases/workspace/:workspace":             {403, 403, 200, 200, 200, 403},
	"GET /api/v2/releases/release/:release":                 {403, 403, 200, 200, 200, 403},
	"GET /api/v2/releases/file/:file":                       {403, 403, 200, 200, 200, 403},
	"GET /api/v2/workspaces/:workspace/snapshots/:snapshot": {403, 403, 200, 200, 200, 200},
	"GET /":                                         {200, 200, 200, 200, 200, 200},
	"GET /static/style.css":                         {200, 200, 200, 200, 200, 200},
	"GET /login":                                    {200, 303, 303, 303, 303, 303},
	"POST /login":                                   {422, 422, 422, 422, 422, 422},
	"POST /logout":                                  {403, 303, 303, 303, 303, 303},
	"GET /settings":                                 {303, 200, 200, 200, 200, 200},
	"POST /settings/token":                          {403, 200, 200, 200, 200, 200},
	"GET /projects/":                                {200, 200, 200, 200, 200, 200},
	"GET /projects/:project/":                       {200, 200, 200, 200, 200, 200},
	"GET /projects/:project/edit":                   {303, 403, 200, 200, 403, 403},
	"POST /projects/:project/edit":                  {403, 403, 303, 303, 403, 403},
	"GET /workspaces/:workspace/":                   {200, 200, 200, 200, 200, 200},
	"GET /workspaces/:workspace/edit":               {303, 403, 200, 200, 403, 403},
	"POST /workspaces/:workspace/edit":              {403, 403, 303, 303, 403, 403},
	"GET /workspaces/:workspace/releases/":          {403, 403, 200, 200, 200, 403},
	"GET /workspaces/:workspace/releases/:release/": {403, 403, 200, 200, 200, 403},
	"POST /workspaces/:workspace/releases/:release/files/:file/delete": {403, 403, 403, 403, 303, 403},
	"GET /workspaces/:workspace/outputs/latest/":                       {403, 403, 200, 200, 200, 403},
	"POST /workspaces/:workspace/outputs/":                             {403, 403, 303, 403, 403, 403},
	"GET /workspaces/:workspace/outputs/:snapshot/":                    {403, 403, 200, 200, 200, 200},
	"POST /workspaces/:workspace/outputs/:snapshot/publish":            {403, 403, 403, 403, 403, 303},
	"GET /files/:file":      {403, 403, 200, 200, 200, 200},
	"GET /files/:file/view": {403, 403, 200, 200, 200, 200},
	"GET /published/:file":  {404, 404, 404, 404, 404, 404},
}

// matrixWorld is a prepared jobs site and what the routes act on.
type matrixWorld struct {
	t                   *testing.T
	h                   *receivertest.Harness
	file, release, snap string
	people              map[string]*browser
}

func newMatrixWorld(t *testing.T) *matrixWorld {
	h, _ := newHarness(t)
	svg, _ := uploaded(t, h)
	w := &matrixWorld{t: t, h: h, file: svg.ID, release: releaseID, people: map[string]*browser{}}
	resp, _ := w.person("bob").do("POST", "/workspaces/heart-main/outputs/", url.Values{})
	w.snap = strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/workspaces/heart-main/outputs/"), "/")
	if len(w.snap) != 26 {
		t.Fatalf("no draft: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return w
}

// person is the persona's browser, signed in on first use (a sign-in is
// a slow password hash, so only those a world needs sign in).
func (w *matrixWorld) person(name string) *browser {
	if b := w.people[name]; b != nil {
		return b
	}
	b := newBrowser(w.t, w.h)
	if name == "anon" {
		b.do("GET", "/login", nil)
	} else {
		b.signIn(name)
	}
	w.people[name] = b
	return b
}

// target fills a route pattern's parameters.
func (w *matrixWorld) target(route string) string {
	_, p, _ := strings.Cut(route, " ")
	return strings.NewReplacer(":workspace", "heart-main", ":project", "heart-study", ":release", w.release,
		":file", w.file, ":snapshot", w.snap).Replace(p)
}

// matrixForm is what each POST route is sent.
func matrixForm(route string) url.Values {
	switch {
	case strings.HasSuffix(route, "/projects/:project/edit"):
		return url.Values{"status": {"ongoing"}, "description": {"Analysis running."}}
	case strings.HasSuffix(route, "/workspaces/:workspace/edit"):
		return url.Values{"purpose": {"The main analysis."}}
	case strings.HasSuffix(route, "/delete"):
		return url.Values{"reason": {"Disclosive after all."}}
	}
	return url.Values{}
}

// TestRoutesHaveMatrixRows fails when a registered route has no row in
// the permission matrix, so a new route cannot go unchecked.
func TestRoutesHaveMatrixRows(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	routes := h.Server.Routes()
	for _, r := range routes {
		if _, ok := matrix[r]; !ok {
			t.Errorf("route %s has no row in the permission matrix", r)
		}
	}
	if len(routes) != len(matrix) {
		t.Errorf("%d routes, %d matrix rows", len(routes), len(matrix))
	}
}

// TestPermissionMatrix sends every route as every persona. A refusal must
// change nothing and, as a page, say why; a form expected to succeed runs
// in a world of its route's own, so it cannot affect other routes' cells
// (its route's other cells succeed or fail regardless of it).
func TestPermissionMatrix(t *testing.T) {
	t.Parallel()
	shared := newMatrixWorld(t)
	routes := shared.h.Server.Routes()
	sort.Strings(routes)
	for _, route := range routes {
		method, _, _ := strings.Cut(route, " ")
		want := matrix[route]
		var own *matrixWorld
		for i, persona := range matrixPersonas {
			w := shared
			if method == http.MethodPost && want[i] < 400 {
				if own == nil {
					own = newMatrixWorld(t)
				}
				w = own
			}
			before := w.state(t)
			var resp *http.Response
			var body string
			b := w.person(persona)
			switch {
			case strings.HasPrefix(route, "POST /api/"):
				resp, body = b.do(method, w.target(route), nil) // a browser has no backend token
			case route == "POST /login":
				resp, body = b.do(method, w.target(route), url.Values{})
			case method == http.MethodPost:
				resp, body = b.do(method, w.target(route), matrixForm(route))
			default:
				resp, body = b.do(method, w.target(route), nil)
			}
			if resp.StatusCode != want[i] {
				t.Errorf("%s as %s: got %d, want %d", route, persona, resp.StatusCode, want[i])
				continue
			}
			if resp.StatusCode == http.StatusForbidden && !strings.HasPrefix(route, "POST /api/") && !strings.Contains(route, " /api/") &&
				!strings.Contains(body, `data-testid="error-reason"`) {
				t.Errorf("%s as %s: a 403 without the reason page", route, persona)
			}
			if resp.StatusCode >= 400 && route != "POST /login" {
				if after := w.state(t); after != before {
					t.Errorf("%s as %s: refused with %d but something changed:\n%s\n%s", route, persona, resp.StatusCode, before, after)
				}
			}
		}
	}
}

// state summarises what the pages can change, to prove a refusal changed
// nothing: the audit log (every change writes to it in the same
// transaction) and the stored files.
func (w *matrixWorld) state(t *testing.T) string {
	t.Helper()
	events, err := w.h.Server.AuditEvents(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, ev := range events {
		if ev.Action == "sign_in" || ev.Action == "sign_in_failed" {
			continue // signing in is how the matrix starts, not what it tests
		}
		fmt.Fprintf(&b, "%s %s %s %s|", ev.Actor, ev.Action, ev.Target, ev.Detail)
	}
	fmt.Fprintf(&b, "files %v", storedFiles(t, w.h))
	return b.String()
}
