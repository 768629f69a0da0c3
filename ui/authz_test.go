package ui

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// personas are the people of the authorization matrix. "selfcheck" is an
// output checker acting on a request they wrote themselves.
var personas = []string{"anon", "outsider", "member", "author", "checker", "selfcheck", "copilot", "readonly"}

// matrixState is a prepared environment: "author" and "selfcheck" each
// have a submitted request in ws1 with output/summary.csv in group tables.
type matrixState struct {
	e      *env
	byUser map[string]string // request id each persona acts on
	tokens map[string]string // each persona's API token, with every scope
}

func submitted(t testing.TB, e *env, username string) string {
	t.Helper()
	ctx := context.Background()
	u := e.user(username)
	res, err := e.svc.AddFiles(ctx, u, "ws1", []review.AddItem{{Path: "output/summary.csv", Type: airlock.FileOutput}}, "tables")
	if err != nil || res[0].Err != nil {
		t.Fatalf("add: %v %+v", err, res)
	}
	reqs, err := e.svc.Requests(ctx, u, airlock.RequestFilter{Author: username})
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests: %v", err)
	}
	id := reqs[0].ID
	if err := e.svc.EditGroup(ctx, u, id, "tables", "context", "controls"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Submit(ctx, u, id); err != nil {
		t.Fatal(err)
	}
	return id
}

func newMatrixState(t testing.TB) *matrixState {
	e := newEnv(t)
	a := submitted(t, e, "author")
	s := submitted(t, e, "selfcheck")
	// A private comment by checker (id 1) that others may try to delete.
	if err := e.svc.Comment(context.Background(), e.user("checker"), a, "tables", "private note", airlock.Private); err != nil {
		t.Fatal(err)
	}
	m := &matrixState{e: e, byUser: map[string]string{}, tokens: map[string]string{}}
	for _, p := range personas {
		m.byUser[p] = a
		if p != "anon" {
			m.tokens[p] = e.newAPIToken(p, "matrix", allScopes...)
			e.prime(m.tokens[p])
		}
	}
	m.byUser["selfcheck"] = s
	return m
}

// target fills a route pattern's parameters for a persona.
func (m *matrixState) target(route, persona string) string {
	_, p, _ := strings.Cut(route, " ")
	static, _ := m.e.srv.static.URL("app.css")
	if strings.HasPrefix(p, "/static/") {
		return static
	}
	file := "output/summary.csv"
	switch {
	case strings.HasPrefix(p, "/code/"):
		file = "analysis/model.R"
	case strings.Contains(p, "/view/:ws") || strings.Contains(p, "/tree/") || strings.HasSuffix(p, "/files/*"):
		file = "output/"
	}
	r := strings.NewReplacer(":ws", "ws1", ":id", m.byUser[persona], ":group", "tables", ":action", "submit",
		":commit", testCommit(), "*", file)
	return r.Replace(p)
}

// form is what each POST route is sent.
func form(route string) url.Values {
	v := url.Values{"path": {"output/summary.csv"}, "next": {"/workspaces/"}}
	switch {
	case strings.HasSuffix(route, "/workspaces/add/:ws"):
		v.Set("count", "1")
		v.Set("file_0", "output/notes.txt")
		v.Set("type_0", "OUTPUT")
	case strings.Contains(route, "/vote/"):
		v.Set("vote", "APPROVED")
	case strings.Contains(route, "/comment/"):
		v.Set("text", "hello")
		v.Set("visibility", "PUBLIC")
	case strings.Contains(route, "/comment-"):
		v.Set("comment_id", "1")
	case strings.Contains(route, "/edit-group/"):
		v.Set("context", "new context")
		v.Set("controls", "new controls")
	case strings.Contains(route, "/change-files/"):
		v.Set("count", "1")
		v.Set("file_0", "output/summary.csv")
		v.Set("type_0", "SUPPORTING")
	case strings.Contains(route, "/check-note/"):
		v.Set("kind", "exception")
		v.Set("rule", "small-count")
		v.Set("row", "1")
		v.Set("reason", "a published figure")
	case strings.Contains(route, "/out-of-date/"):
		v.Set("show", "1")
	}
	return v
}

// apiBody is what each API route that changes something is sent.
func apiBody(route string) string {
	switch {
	case strings.HasSuffix(route, "/request/files") && strings.HasPrefix(route, "POST"):
		return `{"files": [{"path": "output/notes.txt", "type": "OUTPUT"}]}`
	case strings.HasSuffix(route, "/request/files"), strings.HasSuffix(route, "/files/withdraw"):
		return `{"paths": ["output/summary.csv"]}`
	case strings.HasSuffix(route, "/files/move"):
		return `{"paths": ["output/summary.csv"], "type": "SUPPORTING"}`
	case strings.HasSuffix(route, "/groups/:group"):
		return `{"context": "new context", "controls": "new controls"}`
	case strings.HasSuffix(route, "/comments"):
		return `{"text": "hello", "visibility": "PUBLIC"}`
	case strings.HasSuffix(route, "/votes"):
		return `{"path": "output/summary.csv", "vote": "APPROVED"}`
	}
	return ""
}

// isTokenRoute reports whether a route is called with an API token.
func isTokenRoute(route string) bool {
	return strings.Contains(route, " "+apiPrefix+"/") && !strings.HasSuffix(route, "/openapi.json")
}

// expected is the authorization matrix: route → status per persona, in
// the order of personas. 302 for GET and 401 for POST mean "sign in first".
// The requests are SUBMITTED. Someone who may never take a step is refused
// with 403; someone who may, but not from SUBMITTED (the author withdrawing,
// a checker rejecting or releasing), gets 409. Comment 1 is
// on the author's request, so on selfcheck's own request it is 404.
var expected = map[string][8]int{
	//                                                 anon outsider member author checker selfcheck copilot readonly
	"GET /healthz":                              {200, 200, 200, 200, 200, 200, 200, 200},
	"GET /static/:hash/*":                       {200, 200, 200, 200, 200, 200, 200, 200},
	"GET /":                                     {302, 302, 302, 302, 302, 302, 302, 302},
	"GET /login":                                {200, 302, 302, 302, 302, 302, 302, 302},
	"POST /login":                               {422, 422, 422, 422, 422, 422, 422, 422},
	"POST /logout":                              {401, 303, 303, 303, 303, 303, 303, 303},
	"POST /demo/sign-in":                        {404, 404, 404, 404, 404, 404, 404, 404}, // demo mode only (ui.TestDemoSwitcher)
	"GET /account/":                             {302, 200, 200, 200, 200, 200, 200, 200},
	"POST /account/sign-out-everywhere":         {401, 303, 303, 303, 303, 303, 303, 303},
	"POST /account/tokens":                      {401, 422, 422, 422, 422, 422, 422, 422}, // unnamed (ui.TestAccountTokens makes them)
	"GET /account/tokens/revoke/:id":            {302, 404, 404, 404, 404, 404, 404, 404}, // not a token of theirs
	"POST /account/tokens/revoke/:id":           {401, 404, 404, 404, 404, 404, 404, 404},
	"GET /workspaces/":                          {302, 200, 200, 200, 200, 200, 200, 200},
	"GET /copiloted-workspaces/":                {302, 200, 200, 200, 200, 200, 200, 200},
	"GET /workspaces/all/":                      {302, 403, 403, 403, 403, 403, 403, 200},
	"GET /workspaces/view/:ws/*":                {302, 403, 200, 200, 200, 200, 200, 200},
	"GET /workspaces/tree/:ws/*":                {302, 403, 200, 200, 200, 200, 200, 200},
	"GET /workspaces/content/:ws/*":             {302, 403, 200, 200, 200, 200, 200, 200},
	"POST /workspaces/add-form/:ws":             {401, 403, 200, 409, 403, 409, 403, 403},
	"POST /workspaces/add/:ws":                  {401, 403, 303, 409, 403, 409, 403, 403},
	"POST /workspaces/update/:ws":               {401, 403, 404, 409, 403, 409, 403, 403},
	"POST /workspaces/out-of-date/:ws":          {401, 403, 303, 303, 303, 303, 303, 303},
	"GET /requests/":                            {302, 302, 302, 302, 302, 302, 302, 302},
	"GET /reviews/":                             {302, 403, 403, 403, 200, 200, 403, 403},
	"GET /requests/workspace/:ws":               {302, 403, 200, 200, 200, 200, 200, 200},
	"GET /requests/view/:id/":                   {302, 404, 200, 200, 200, 200, 200, 200},
	"GET /requests/group/:id/:group":            {302, 404, 200, 200, 200, 200, 200, 200},
	"GET /requests/file/:id/:group/*":           {302, 404, 200, 200, 200, 200, 200, 200},
	"GET /requests/content/:id/:group/*":        {302, 404, 200, 200, 200, 200, 200, 200},
	"GET /requests/diff/:id/:group/*":           {302, 404, 200, 200, 200, 200, 200, 200}, // no earlier version yet: says so
	"GET /requests/diff-content/:id/:group/*":   {302, 404, 404, 404, 404, 404, 404, 404}, // no earlier version to compare with
	"GET /requests/confirm/:id/:action":         {302, 404, 303, 303, 303, 303, 303, 303}, // submit: not available on a submitted request
	"POST /requests/submit/:id":                 {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/withdraw/:id":               {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/review/:id":                 {401, 404, 403, 403, 409, 403, 403, 403},
	"POST /requests/return/:id":                 {401, 404, 403, 403, 303, 403, 403, 403},
	"POST /requests/reject/:id":                 {401, 404, 403, 403, 409, 403, 403, 403},
	"POST /requests/release/:id":                {401, 404, 403, 403, 409, 403, 403, 403},
	"POST /requests/vote/:id":                   {401, 404, 403, 403, 303, 403, 403, 403},
	"POST /requests/reset-vote/:id":             {401, 404, 403, 403, 404, 403, 403, 403},
	"POST /requests/withdraw-files/:id":         {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/change-form/:id":            {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/change-files/:id":           {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/edit-group/:id/:group":      {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /requests/comment/:id/:group":         {401, 404, 409, 409, 303, 409, 403, 403},
	"POST /requests/comment-delete/:id/:group":  {401, 404, 403, 403, 303, 404, 403, 403},
	"POST /requests/comment-public/:id/:group":  {401, 404, 403, 403, 303, 404, 403, 403},
	"POST /requests/request-changes/:id/:group": {401, 404, 403, 403, 303, 403, 403, 403},
	"POST /requests/reset-votes/:id/:group":     {401, 404, 403, 403, 303, 403, 403, 403},
	"POST /requests/check-note/:id":             {401, 404, 403, 409, 403, 409, 403, 403},
	"GET /code/view/workspace/:ws/:commit/*":    {302, 403, 200, 200, 200, 200, 200, 200},
	"GET /code/content/workspace/:ws/:commit/*": {302, 403, 200, 200, 200, 200, 200, 200},
	"GET /code/view/request/:id/:commit/*":      {302, 404, 200, 200, 200, 200, 200, 200},
	"GET /code/content/request/:id/:commit/*":   {302, 404, 200, 200, 200, 200, 200, 200},

	// The API, called with each persona's token (every scope); "anon" has
	// none. The same refusals as the pages; 401 instead of a sign-in
	// redirect, 200 instead of a redirect after success.
	"GET /api/v1/openapi.json":                         {200, 200, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/workspaces":                           {401, 200, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/workspaces/:ws/files/*":               {401, 403, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/requests":                             {401, 200, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/requests/:id":                         {401, 404, 200, 200, 200, 200, 200, 200},
	"GET /api/v1/requests/:id/activity":                {401, 404, 200, 200, 200, 200, 200, 200},
	"POST /api/v1/workspaces/:ws/request/files":        {401, 403, 200, 409, 403, 409, 403, 403},
	"PUT /api/v1/workspaces/:ws/request/files":         {401, 403, 404, 409, 403, 409, 403, 403},
	"POST /api/v1/requests/:id/files/withdraw":         {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /api/v1/requests/:id/files/move":             {401, 404, 403, 409, 403, 409, 403, 403},
	"PUT /api/v1/requests/:id/groups/:group":           {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /api/v1/requests/:id/submit":                 {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /api/v1/requests/:id/withdraw":               {401, 404, 403, 409, 403, 409, 403, 403},
	"POST /api/v1/requests/:id/groups/:group/comments": {401, 404, 409, 409, 200, 409, 403, 403},
	"POST /api/v1/requests/:id/votes":                  {401, 404, 403, 403, 200, 403, 403, 403},
	"POST /api/v1/requests/:id/review":                 {401, 404, 403, 403, 409, 403, 403, 403},
	"POST /api/v1/requests/:id/return":                 {401, 404, 403, 403, 200, 403, 403, 403},
	"POST /api/v1/requests/:id/reject":                 {401, 404, 403, 403, 409, 403, 403, 403},
	"POST /api/v1/requests/:id/release":                {401, 404, 403, 403, 409, 403, 403, 403},
}

// TestRoutesHaveRules fails when a registered route has no access rule or
// no row in the authorization matrix.
func TestRoutesHaveRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, r := range e.srv.Routes() {
		if _, ok := e.srv.rules[r]; !ok {
			t.Errorf("route %s has no access rule", r)
		}
		if _, ok := expected[r]; !ok {
			t.Errorf("route %s has no row in the authorization matrix", r)
		}
	}
	if len(e.srv.Routes()) != len(expected) {
		t.Errorf("%d routes, %d matrix rows", len(e.srv.Routes()), len(expected))
	}
}

// TestAuthorizationMatrix sends every route as every persona. Refusals
// (4xx) must leave the database unchanged (D2); actions expected to succeed
// run in a fresh environment so they cannot affect other cells.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	shared := newMatrixState(t)
	clients := map[string]*client{}
	for _, p := range personas {
		if p == "anon" {
			clients[p] = shared.e.client()
			clients[p].get("/login")
		} else {
			clients[p] = shared.e.as(p)
		}
	}
	routes := shared.e.srv.Routes()
	sort.Strings(routes)
	var mismatches []string
	for _, route := range routes {
		method, _, _ := strings.Cut(route, " ")
		write := method != http.MethodGet
		api := isTokenRoute(route)
		want := expected[route]
		for i, persona := range personas {
			m, c := shared, clients[persona]
			if write && want[i] < 400 && persona != "anon" && route != "POST /logout" {
				m = newMatrixState(t)
				c = m.e.as(persona)
			}
			before := ""
			if write {
				before = withoutTokenUses(m.e.dump())
			}
			target := m.target(route, persona)
			var rec interface{ Result() *http.Response }
			switch {
			case api:
				rec = m.e.api(m.tokens[persona], method, target, apiBody(route))
			case write:
				if route == "POST /logout" && persona != "anon" {
					c = shared.e.as(persona) // a throwaway session
				}
				if route == "POST /login" {
					rec = c.post(target, url.Values{})
				} else {
					rec = c.post(target, form(route))
				}
			default:
				rec = c.get(target)
			}
			got := rec.Result().StatusCode
			if got != want[i] {
				mismatches = append(mismatches, fmt.Sprintf("%s as %s: got %d, want %d", route, persona, got, want[i]))
			}
			if write && got >= 400 {
				if after := withoutTokenUses(m.e.dump()); after != before {
					t.Errorf("%s as %s: refused with %d but the database changed", route, persona, got)
				}
			}
		}
	}
	for _, m := range mismatches {
		t.Error(m)
	}
}
