package ui

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// allScopes are every token scope.
var allScopes = airlock.TokenScopes()

// newAPIToken makes a token for a test user and returns its secret.
func (e *env) newAPIToken(user, name string, scopes ...airlock.TokenScope) string {
	e.t.Helper()
	k, secret, err := airlock.NewAPIToken(user, name, scopes, 30*24*time.Hour, user, e.clock())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreateToken(context.Background(), k); err != nil {
		e.t.Fatal(err)
	}
	return secret
}

// api sends an API call through ServeHTTP, with the token (if any) and
// the body (if any) as JSON.
func (e *env) api(token, method, target, body string) *httptest.ResponseRecorder {
	e.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://airlock.test"+target, r)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// withoutTokenUses is a dump without the audit events of API calls and
// the tokens' table (which records their last use): what a refused call
// must leave unchanged is everything else.
func withoutTokenUses(dump string) string {
	var keep []string
	in := false
	for line := range strings.SplitSeq(dump, "\n") {
		if strings.HasPrefix(line, "== ") {
			in = line == "== api_tokens"
		}
		if !in && !strings.Contains(line, string(airlock.EventTokenUse)) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// prime makes one call with each token, so the tokens' users are in the
// role cache before a test compares dumps.
func (e *env) prime(tokens ...string) {
	e.t.Helper()
	for _, k := range tokens {
		if rec := e.api(k, "GET", apiPrefix+"/workspaces", ""); rec.Code != http.StatusOK {
			e.t.Fatalf("prime: %d %s", rec.Code, rec.Body.String())
		}
	}
}

// apiErrorOf decodes an API error body, failing when it is not one.
func apiErrorOf(t testing.TB, rec *httptest.ResponseRecorder) apiError {
	t.Helper()
	var e apiError
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("error with Content-Type %q: %s", ct, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("not an API error (%v): %s", err, rec.Body.String())
	}
	return e
}

// loopback is a client of the application served for real on 127.0.0.1.
type loopback struct {
	t    *testing.T
	base string
	http *http.Client
}

func (e *env) loopback(t *testing.T) *loopback {
	srv := httptest.NewServer(e.srv)
	t.Cleanup(srv.Close)
	return &loopback{t: t, base: srv.URL, http: &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// call sends an API call and decodes the answer into out (when not nil),
// failing unless the status is want.
func (l *loopback) call(token, method, path, body string, want int, out any) {
	l.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, l.base+apiPrefix+path, r)
	if err != nil {
		l.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := l.http.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		l.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if len(resp.Cookies()) > 0 {
		l.t.Errorf("%s %s set cookies: %v", method, path, resp.Cookies())
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			l.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}

// TestAPIJourney is a whole release through the API, with tokens only, on
// a real server on loopback: a researcher creates a request, adds files
// and submits; two checkers vote and submit reviews; one releases.
func TestAPIJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.loopback(t)
	author := e.newAPIToken("author", "analysis pipeline", airlock.ScopeAuthor)
	checker := e.newAPIToken("checker", "review script", airlock.ScopeReview)
	checker2 := e.newAPIToken("checker2", "review script", airlock.ScopeReview)

	var ws struct{ Workspaces []apiWorkspace }
	l.call(author, "GET", "/workspaces", "", 200, &ws)
	if len(ws.Workspaces) != 1 || ws.Workspaces[0] != (apiWorkspace{Name: "ws1", Project: "Project One", Access: "member", Active: true}) {
		t.Errorf("workspaces: %+v", ws.Workspaces)
	}
	var dir apiWorkspacePath
	l.call(author, "GET", "/workspaces/ws1/files/output/", "", 200, &dir)
	var summary *apiWorkspaceEntry
	for i, f := range dir.Entries {
		if f.Path == "output/summary.csv" {
			summary = &dir.Entries[i]
		}
	}
	if dir.Type != "directory" || dir.Request != "" || summary == nil || summary.Status != airlock.WorkspaceFileUnreleased || summary.Addable == nil || !*summary.Addable {
		t.Fatalf("output/: %+v", dir)
	}
	var file apiWorkspacePath
	l.call(author, "GET", "/workspaces/ws1/files/output/summary.csv", "", 200, &file)
	if file.Type != "file" || file.File == nil || file.File.SHA256 != summary.SHA256 || *file.File.Size != int64(len("group,count\na,10\nb,20\n")) {
		t.Errorf("summary.csv: %+v", file.File)
	}

	var added apiBatch
	l.call(author, "POST", "/workspaces/ws1/request/files",
		`{"group": "tables", "files": [{"path": "output/summary.csv", "type": "OUTPUT"}, {"path": "output/notes.txt", "type": "SUPPORTING"}]}`, 200, &added)
	if added.Request == nil || len(added.Files) != 2 || !added.Files[0].OK || !added.Files[1].OK {
		t.Fatalf("add: %+v", added)
	}
	id := added.Request.ID
	if a := added.Request.Actions[airlock.ActionSubmit]; a.Allowed || !strings.Contains(a.Reason, "context") {
		t.Errorf("submit before describing the group: %+v", a)
	}
	l.call(author, "PUT", "/requests/"+id+"/groups/tables", `{"context": "Counts by group.", "controls": "Rounded to 5."}`, 200, nil)
	var req apiRequest
	l.call(author, "POST", "/requests/"+id+"/submit", "", 200, &req)
	if req.Status != airlock.StatusSubmitted {
		t.Fatalf("after submit: %s", req.Status)
	}

	for _, tok := range []string{checker, checker2} {
		l.call(tok, "POST", "/requests/"+id+"/votes", `{"path": "output/summary.csv", "vote": "APPROVED"}`, 200, &req)
		if f := req.Groups[0].Files[1]; f.Path != "output/summary.csv" || f.MyVote != airlock.VoteApproved {
			t.Errorf("my vote: %+v", f)
		}
		l.call(tok, "POST", "/requests/"+id+"/groups/tables/comments", `{"text": "Looks fine.", "visibility": "PRIVATE"}`, 200, nil)
		l.call(tok, "POST", "/requests/"+id+"/review", "", 200, &req)
	}
	if req.Status != airlock.StatusReviewed || req.ReviewsSubmitted != 2 {
		t.Fatalf("after two reviews: %s, %d reviews", req.Status, req.ReviewsSubmitted)
	}
	// The author sees neither the checkers' private comments nor their votes.
	l.call(author, "GET", "/requests/"+id, "", 200, &req)
	if g := req.Groups[0]; len(g.Comments) != 0 || len(g.Files[1].Votes) != 0 {
		t.Errorf("the author sees private comments or votes: %+v %+v", g.Comments, g.Files[1].Votes)
	}
	l.call(checker, "POST", "/requests/"+id+"/release", "", 200, &req)
	if req.Status != airlock.StatusApproved {
		t.Fatalf("after release: %s", req.Status)
	}

	var list struct{ Requests []apiRequestSummary }
	l.call(author, "GET", "/requests?workspace=ws1&status=APPROVED,RELEASED&author=author", "", 200, &list)
	if len(list.Requests) != 1 || list.Requests[0].ID != id || list.Requests[0].Outputs != 1 || list.Requests[0].Supporting != 1 {
		t.Errorf("requests: %+v", list.Requests)
	}
	var activity struct{ Events []apiEvent }
	l.call(author, "GET", "/requests/"+id+"/activity", "", 200, &activity)
	var types []string
	for _, ev := range activity.Events {
		types = append(types, string(ev.Type))
		if ev.Type == airlock.EventRequestComment {
			t.Errorf("the author's activity shows a private comment: %+v", ev)
		}
	}
	for _, want := range []airlock.EventType{airlock.EventRequestCreate, airlock.EventRequestSubmit, airlock.EventRequestReview, airlock.EventRequestApprove} {
		if !strings.Contains(strings.Join(types, " "), string(want)) {
			t.Errorf("activity lacks %s: %v", want, types)
		}
	}

	// Every call was audited under its token's name, with its status.
	uses := map[string]int{}
	if err := e.db.View(context.Background(), func(tx airlock.Tx) error {
		all, err := tx.AuditEvents(airlock.AuditFilter{})
		for _, ev := range all {
			if ev.Type == airlock.EventTokenUse {
				if ev.Extra["status"] != "200" || ev.Extra["address"] != "127.0.0.1" {
					t.Errorf("use event %+v", ev.Extra)
				}
				uses[ev.User+"/"+ev.Extra["token"]]++
			}
			// The call's own events name the token they were made with.
			want := map[airlock.EventType]string{airlock.EventRequestCreate: "analysis pipeline", airlock.EventRequestSubmit: "analysis pipeline",
				airlock.EventRequestFileApprove: "review script", airlock.EventRequestApprove: "review script"}[ev.Type]
			if want != "" && ev.Extra[airlock.APITokenExtra] != want {
				t.Errorf("%s: api_token %q, want %q", ev.Type, ev.Extra[airlock.APITokenExtra], want)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, err := e.db.VerifyAudit(context.Background()); err != nil {
		t.Errorf("audit chain after %d events: %v", n, err)
	}
	want := map[string]int{"author/analysis pipeline": 9, "checker/review script": 4, "checker2/review script": 3}
	for k, n := range want {
		if uses[k] != n {
			t.Errorf("%s: %d audited uses, want %d (all: %v)", k, uses[k], n, uses)
		}
	}
}

// TestAPIRefusesWithoutAToken checks that an absent, malformed, unknown,
// expired or revoked token is 401 with a JSON error and a WWW-Authenticate
// challenge, and that a session cookie is no substitute.
func TestAPIRefusesWithoutAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	secret := e.newAPIToken("author", "old", airlock.ScopeRead)
	revoked := e.newAPIToken("author", "revoked", airlock.ScopeRead)
	list, _ := e.db.UserTokens(context.Background(), "author")
	for _, k := range list {
		if k.Name == "revoked" {
			if _, err := e.db.RevokeToken(context.Background(), "author", k.ID, "author"); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.prime(secret)
	before := withoutTokenUses(e.dump())
	cases := map[string]func() *httptest.ResponseRecorder{
		"none":    func() *httptest.ResponseRecorder { return e.api("", "GET", "/api/v1/workspaces", "") },
		"unknown": func() *httptest.ResponseRecorder { return e.api(secret+"x", "GET", "/api/v1/workspaces", "") },
		"basic": func() *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "http://airlock.test/api/v1/workspaces", nil)
			req.SetBasicAuth("author", secret)
			rec := httptest.NewRecorder()
			e.srv.ServeHTTP(rec, req)
			return rec
		},
		"revoked": func() *httptest.ResponseRecorder { return e.api(revoked, "GET", "/api/v1/workspaces", "") },
		"session cookie": func() *httptest.ResponseRecorder {
			c := e.as("author")
			return c.do("GET", "/api/v1/workspaces", nil, nil)
		},
	}
	for name, call := range cases {
		rec := call()
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("%s: status %d, WWW-Authenticate %q", name, rec.Code, rec.Header().Get("WWW-Authenticate"))
			continue
		}
		if got := apiErrorOf(t, rec); got.Code != airlock.EUNAUTHORIZED {
			t.Errorf("%s: %+v", name, got)
		}
	}
	if rec := e.api(revoked, "GET", "/api/v1/workspaces", ""); !strings.Contains(apiErrorOf(t, rec).Message, "revoked") {
		t.Errorf("revoked: %s", rec.Body.String())
	}
	if after := withoutTokenUses(withoutSessions(e.dump())); after != withoutSessions(before) {
		t.Error("refused calls changed the database")
	}
	for _, method := range []string{"GET", "DELETE"} {
		rec := e.api(secret, method, apiPrefix+"/requests/x/nothing", "")
		if got := apiErrorOf(t, rec); rec.Code/100 != 4 || !strings.Contains(got.Message, "openapi.json") {
			t.Errorf("%s of no route: %d %+v", method, rec.Code, got)
		}
	}

	e.advance(31 * 24 * time.Hour)
	rec := e.api(secret, "GET", "/api/v1/workspaces", "")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(apiErrorOf(t, rec).Message, "expired on") {
		t.Errorf("expired: %d %s", rec.Code, rec.Body.String())
	}
}

// withoutSessions drops the sessions table and sign-in events from a dump.
func withoutSessions(dump string) string {
	var keep []string
	in := false
	for line := range strings.SplitSeq(dump, "\n") {
		if strings.HasPrefix(line, "== ") {
			in = line == "== sessions"
		}
		if !in && !strings.Contains(line, string(airlock.EventSignIn)) {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// TestAPIScopes checks that a token does only what its scopes allow,
// however many roles its user has, and says which scope is missing.
func TestAPIScopes(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e := m.e
	id := m.byUser["author"]
	read := e.newAPIToken("selfcheck", "read only", airlock.ScopeRead)
	author := e.newAPIToken("checker", "author only", airlock.ScopeAuthor)
	e.prime(read, author)
	before := withoutTokenUses(e.dump())
	for _, tc := range []struct {
		token, method, path, body, scope string
	}{
		{read, "POST", "/requests/" + m.byUser["selfcheck"] + "/withdraw", "", "author"},
		{read, "POST", "/workspaces/ws1/request/files", `{"files": [{"path": "output/notes.txt"}]}`, "author"},
		{read, "POST", "/requests/" + id + "/groups/tables/comments", `{"text": "hi"}`, "author or review"},
		{author, "POST", "/requests/" + id + "/votes", `{"path": "output/summary.csv", "vote": "APPROVED"}`, "review"},
		{author, "POST", "/requests/" + id + "/return", "", "review"},
	} {
		rec := e.api(tc.token, tc.method, apiPrefix+tc.path, tc.body)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s: status %d: %s", tc.method, tc.path, rec.Code, rec.Body.String())
			continue
		}
		if got := apiErrorOf(t, rec); !strings.Contains(got.Message, "needs the "+tc.scope+" scope") {
			t.Errorf("%s %s: %q", tc.method, tc.path, got.Message)
		}
	}
	if rec := e.api(read, "GET", apiPrefix+"/requests/"+id, ""); rec.Code != http.StatusOK {
		t.Errorf("read: %d", rec.Code)
	}
	if rec := e.api(author, "GET", apiPrefix+"/requests/"+id, ""); rec.Code != http.StatusOK {
		t.Errorf("author includes read: %d", rec.Code)
	}
	if after := withoutTokenUses(e.dump()); after != before {
		t.Error("calls refused for their scope changed the database")
	}
}

// TestAPIRefusalsMatchThePages sends the same refused steps through the
// pages and the API: the status and the message are the same, the API's
// is JSON, and neither changes anything.
func TestAPIRefusalsMatchThePages(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e := m.e
	id := m.byUser["author"]
	tokens := map[string]string{}
	for _, p := range []string{"author", "checker", "member", "outsider"} {
		tokens[p] = e.newAPIToken(p, "all", allScopes...)
		e.prime(tokens[p])
	}
	cases := []struct {
		persona        string
		page, pageForm string
		method, api    string
		body           string
	}{
		{"author", "/requests/submit/" + id, "", "POST", "/requests/" + id + "/submit", ""},                                                                                      // already submitted: 409
		{"author", "/requests/review/" + id, "", "POST", "/requests/" + id + "/review", ""},                                                                                      // own request: 403
		{"checker", "/requests/release/" + id, "", "POST", "/requests/" + id + "/release", ""},                                                                                   // not reviewed: 409
		{"member", "/requests/vote/" + id, "path=output/summary.csv&vote=APPROVED", "POST", "/requests/" + id + "/votes", `{"path": "output/summary.csv", "vote": "APPROVED"}`},  // 403
		{"outsider", "/requests/withdraw/" + id, "", "POST", "/requests/" + id + "/withdraw", ""},                                                                                // not visible: 404
		{"checker", "/requests/vote/" + id, "path=output/none.csv&vote=APPROVED", "POST", "/requests/" + id + "/votes", `{"path": "output/none.csv", "vote": "APPROVED"}`},       // 404
		{"checker", "/requests/vote/" + id, "path=output/summary.csv&vote=MAYBE", "POST", "/requests/" + id + "/votes", `{"path": "output/summary.csv", "vote": "MAYBE"}`},       // 422
		{"author", "/requests/edit-group/" + id + "/nope", "context=a&controls=b", "PUT", "/requests/" + id + "/groups/nope", `{"context": "a", "controls": "b"}`},               // 409 or 404
		{"author", "/workspaces/add/ws1", "count=1&file_0=output/notes.txt&type_0=OUTPUT", "POST", "/workspaces/ws1/request/files", `{"files": [{"path": "output/notes.txt"}]}`}, // under review: 409
	}
	pageMessage := regexp.MustCompile(`(?s)<p class="lead">(.*?)</p>`)
	for _, tc := range cases {
		before := withoutTokenUses(e.dump())
		c := e.as(tc.persona)
		form, _ := url.ParseQuery(tc.pageForm)
		page := c.post(tc.page, form)
		rec := e.api(tokens[tc.persona], tc.method, apiPrefix+tc.api, tc.body)
		if rec.Code != page.Code || rec.Code < 400 {
			t.Errorf("%s %s: API %d, page %d", tc.persona, tc.api, rec.Code, page.Code)
			continue
		}
		got := apiErrorOf(t, rec)
		if pm := pageMessage.FindStringSubmatch(page.Body.String()); pm == nil || !strings.Contains(htmlUnescape(pm[1]), got.Message) {
			t.Errorf("%s %s: API says %q, the page %q", tc.persona, tc.api, got.Message, pm)
		}
		if after := withoutTokenUses(withoutSessions(e.dump())); after != withoutSessions(before) {
			t.Errorf("%s %s: refused, but the database changed", tc.persona, tc.api)
		}
	}
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`).Replace(s)
}

// TestAPIMalformedBodies checks that a body the API cannot read is
// refused with what is wrong with it, and changes nothing.
func TestAPIMalformedBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.newAPIToken("member", "ci", airlock.ScopeAuthor)
	path := apiPrefix + "/workspaces/ws1/request/files"
	e.prime(token)
	before := withoutTokenUses(e.dump())
	for _, tc := range []struct {
		body, contentType string
		status            int
		says              string
	}{
		{`{"files": [{"path": "output/notes.txt"}]}`, "text/plain", 415, "Content-Type: application/json"},
		{`{"files": [`, "application/json", 400, "ends too soon"},
		{`{"files": 3}`, "application/json", 400, `"files" must be a list`},
		{`{"files": [], "colour": "red"}`, "application/json", 400, `unknown field "colour"`},
		{`{"files": []} {}`, "application/json", 400, "more than one JSON value"},
		{``, "application/json", 400, "empty"},
		{`{"files": []}`, "application/json", 422, "at least one file"},
		{`{"files": [{"path": "output/notes.txt", "type": "OTHER"}]}`, "application/json", 422, ""},
		{`{"files": [{"path": "` + strings.Repeat("a", 2<<20) + `"}]}`, "application/json", 413, "larger than"},
	} {
		req := httptest.NewRequest("POST", "http://airlock.test"+path, strings.NewReader(tc.body))
		req.Header.Set("Content-Type", tc.contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		got := apiErrorOf(t, rec)
		if rec.Code != tc.status || !strings.Contains(got.Message, tc.says) {
			t.Errorf("%.40q: %d %q, want %d with %q", tc.body, rec.Code, got.Message, tc.status, tc.says)
		}
	}
	if after := withoutTokenUses(e.dump()); after != before {
		t.Error("malformed bodies changed the database")
	}
}

// TestAPIRateLimitPerToken checks that a token past its burst is refused
// with 429 and Retry-After, that the refusals are not audited, and that
// other tokens are not held up.
func TestAPIRateLimitPerToken(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(s *Settings) { s.APIRate, s.APIBurst = 0.001, 3 })
	busy := e.newAPIToken("member", "busy", airlock.ScopeRead)
	calm := e.newAPIToken("member", "calm", airlock.ScopeRead)
	for i := range 3 {
		if rec := e.api(busy, "GET", apiPrefix+"/workspaces", ""); rec.Code != 200 {
			t.Fatalf("call %d: %d", i, rec.Code)
		}
	}
	before := e.dump()
	rec := e.api(busy, "GET", apiPrefix+"/workspaces", "")
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || apiErrorOf(t, rec).Code != "rate_limited" {
		t.Errorf("past the burst: %d %q %s", rec.Code, rec.Header().Get("Retry-After"), rec.Body.String())
	}
	if e.dump() != before {
		t.Error("a rate-limited call was audited or changed something")
	}
	if rec := e.api(calm, "GET", apiPrefix+"/workspaces", ""); rec.Code != 200 {
		t.Errorf("another token of the same person: %d", rec.Code)
	}
}

// TestAPITokenActsWithCurrentRoles checks D6 for tokens: a change of roles
// at the jobs site applies at the next refresh, and losing access revokes
// every token of the person.
func TestAPITokenActsWithCurrentRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.newAPIToken("member", "ci", airlock.ScopeRead)
	other := e.newAPIToken("member", "laptop", airlock.ScopeRead)
	if rec := e.api(token, "GET", apiPrefix+"/workspaces/ws1/files/", ""); rec.Code != 200 {
		t.Fatalf("member: %d %s", rec.Code, rec.Body.String())
	}
	// The jobs site removes the membership: after the refresh interval, ws1 is out of reach.
	e.users.Users["member"] = airlock.User{Username: "member", Fullname: "Mem Member"}
	e.advance(16 * time.Minute)
	if rec := e.api(token, "GET", apiPrefix+"/workspaces/ws1/files/", ""); rec.Code != http.StatusForbidden {
		t.Errorf("after losing ws1: %d %s", rec.Code, rec.Body.String())
	}
	// The jobs site says the person has no access at all: every token ends.
	e.auth.setFail(airlock.Errorf(airlock.EFORBIDDEN, "no access"))
	e.advance(16 * time.Minute)
	rec := e.api(token, "GET", apiPrefix+"/workspaces", "")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(apiErrorOf(t, rec).Message, "no longer has access") {
		t.Errorf("after losing access: %d %s", rec.Code, rec.Body.String())
	}
	e.auth.setFail(nil)
	rec = e.api(other, "GET", apiPrefix+"/workspaces", "")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(apiErrorOf(t, rec).Message, "revoked") {
		t.Errorf("the person's other token after access ended: %d %s", rec.Code, rec.Body.String())
	}
	// The jobs site cannot be reached for a person never seen: 502, not a guess.
	fresh := e.newAPIToken("checker2", "new", airlock.ScopeRead)
	e.auth.setFail(errors.New("connection refused"))
	if rec := e.api(fresh, "GET", apiPrefix+"/workspaces", ""); rec.Code != http.StatusBadGateway || apiErrorOf(t, rec).Code != airlock.EUNAVAILABLE {
		t.Errorf("unknown user, jobs site down: %d %s", rec.Code, rec.Body.String())
	}
}

// TestAPIAddAndSubmitInOneCall creates, describes and submits a request in
// one call, as the README's example does; a refused submission says that
// the files were added, which they stay.
func TestAPIAddAndSubmitInOneCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	l := e.loopback(t)
	member := e.newAPIToken("member", "ci", airlock.ScopeAuthor)
	author := e.newAPIToken("author", "ci", airlock.ScopeAuthor)
	var out apiBatch
	l.call(member, "POST", "/workspaces/ws1/request/files",
		`{"group": "Tables", "context": "Counts by group.", "controls": "Rounded to 5.", "submit": true, "files": [{"path": "output/summary.csv"}]}`, 200, &out)
	if out.Request == nil || out.Request.Status != airlock.StatusSubmitted || out.Request.Groups[0].Name != "tables" || out.Request.Groups[0].Controls != "Rounded to 5." {
		t.Fatalf("one call: %+v", out.Request)
	}

	rec := e.api(author, "POST", apiPrefix+"/workspaces/ws1/request/files", `{"context": "", "controls": "", "submit": true, "files": [{"path": "output/summary.csv"}]}`)
	if got := apiErrorOf(t, rec); rec.Code != http.StatusConflict || !strings.Contains(got.Message, "The files were added to request") || !strings.Contains(got.Message, "not submitted") {
		t.Errorf("refused submission: %d %+v", rec.Code, got)
	}
	if rec := e.api(author, "POST", apiPrefix+"/workspaces/ws1/request/files", `{"context": "only one", "files": [{"path": "output/notes.txt"}]}`); rec.Code != http.StatusUnprocessableEntity {
		t.Errorf("context without controls: %d", rec.Code)
	}
}
