package receiver_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// The people of testdata/config.json who sign in to the pages; each one's
// password is "<username>-password".
//
//	bob    ProjectDeveloper of Heart Study and Old Study
//	frank  ProjectCollaborator of Heart Study
//	alice  OutputChecker, and ProjectCollaborator of Heart Study
//	carol  OutputChecker only
//	erin   OutputPublisher (and copilot of Heart Study)
//	gina   nobody's member

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t       testing.TB
	h       *receivertest.Harness
	c       *http.Client
	csrf    string
	forward string // X-Forwarded-For to send, when set
}

func newBrowser(t testing.TB, h *receivertest.Harness) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, h: h, c: c}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		form = maps.Clone(form)
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.h.HTTP.URL+path, body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.forward != "" {
		req.Header.Set("X-Forwarded-For", b.forward)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if m := csrfRE.FindSubmatch(data); m != nil {
		b.csrf = html.UnescapeString(string(m[1]))
	}
	return resp, string(data)
}

// want sends a request and fails unless the answer has status.
func (b *browser) want(status int, method, path string, form url.Values) string {
	b.t.Helper()
	resp, body := b.do(method, path, form)
	if resp.StatusCode != status {
		b.t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, status, body)
	}
	return body
}

func (b *browser) signIn(user string) {
	b.t.Helper()
	b.do("GET", "/login", nil)
	b.want(http.StatusSeeOther, "POST", "/login", url.Values{"username": {user}, "password": {user + "-password"}})
	b.do("GET", "/", nil) // the session's new CSRF token
}

func signedIn(t *testing.T, h *receivertest.Harness, user string) *browser {
	b := newBrowser(t, h)
	b.signIn(user)
	return b
}

// uploaded creates the fixture release as alice on tpp and uploads its
// SVG, leaving output/table.csv on its way; it returns both files.
func uploaded(t *testing.T, h *receivertest.Harness) (svg, table receiver.ReleasedFile) {
	t.Helper()
	released(t, h)
	expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/figs/plot.svg"), readFixture(t, "files/output/figs/plot.svg")), 201, "")
	files, err := h.Server.ReleasedFiles(context.Background(), releaseID)
	if err != nil || len(files) != 2 {
		t.Fatalf("files %v %v", files, err)
	}
	return files[0], files[1]
}

func TestPagesSignInAndToken(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	b := newBrowser(t, h)

	resp, body := b.do("GET", "/login", nil)
	if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || strings.Contains(got, "script-src") {
		t.Fatalf("CSP=%q", got)
	}
	if !strings.Contains(body, `<label for="password">`) {
		t.Fatal("login form missing")
	}
	body = b.want(http.StatusUnauthorized, "POST", "/login", url.Values{"username": {"bob"}, "password": {"wrong"}})
	if !strings.Contains(body, "Invalid username or password.") || !strings.Contains(body, `value="bob"`) {
		t.Fatalf("wrong password page: %s", body)
	}
	b.want(http.StatusUnprocessableEntity, "POST", "/login", url.Values{"username": {"bob"}})
	b.want(http.StatusForbidden, "POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-password"}, "csrf": {"forged"}})
	b.do("GET", "/login", nil)
	resp, _ = b.do("POST", "/login", url.Values{"username": {"bob@example.org"}, "password": {"bob-password"}, "next": {"/projects/"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/projects/" {
		t.Fatalf("sign in by email: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.do("GET", "/", nil)

	body = b.want(http.StatusOK, "GET", "/settings", nil)
	if !strings.Contains(body, "Generate a single-use token") {
		t.Fatalf("settings page: %s", body)
	}
	resp, body = b.do("POST", "/settings/token", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Do not share this token") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token page: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`data-testid="token">([a-z]+ [a-z]+ [a-z]+)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token shown: %s", body)
	}
	login, _ := json.Marshal(map[string]string{"user": "bob", "token": m[1]})
	expect(t, post(t, h, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), login), http.StatusOK, "")

	b.want(http.StatusForbidden, "POST", "/settings/token", url.Values{"csrf": {"forged"}})
	b.want(http.StatusSeeOther, "POST", "/logout", url.Values{})
	b.want(http.StatusSeeOther, "GET", "/settings", nil)
	// An outside "next" never takes anyone elsewhere.
	b.do("GET", "/login", nil)
	resp, _ = b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-password"}, "next": {"//evil.example.org/"}})
	if resp.Header.Get("Location") != "/" {
		t.Fatalf("next led to %q", resp.Header.Get("Location"))
	}
	events, _ := h.Server.AuditEvents(context.Background(), "")
	var actions []string
	for _, ev := range events {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "sign_in_failed sign_in token_created sign_in" {
		t.Fatalf("audit %q", got)
	}
}

// TestSignInBackOff: five wrong passwords for one person from one address
// are free; then that pair waits, twice as long after each further
// failure, up to an hour, while the same person elsewhere and other people
// at the same address sign in as usual.
func TestSignInBackOff(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	h := receivertest.New(t, mustConfig(t), receiver.Options{Now: clk.Now, TrustedProxies: []string{"127.0.0.0/8"}})
	attacker := newBrowser(t, h)
	attacker.forward = "203.0.113.9"
	attacker.do("GET", "/login", nil)
	wrong := url.Values{"username": {"bob"}, "password": {"guess"}}
	for range 5 {
		attacker.want(http.StatusUnauthorized, "POST", "/login", wrong)
	}
	var locks []int
	for range 8 {
		resp, body := attacker.do("POST", "/login", wrong)
		secs, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		if resp.StatusCode != http.StatusTooManyRequests || secs == 0 || !strings.Contains(body, "Too many failed sign-in attempts") {
			t.Fatalf("locked sign-in: %d Retry-After %q\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
		}
		locks = append(locks, secs)
		// Even the right password waits out the lock.
		attacker.want(http.StatusTooManyRequests, "POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-password"}})
		clk.Add(time.Duration(secs) * time.Second)
	}
	if want := []int{60, 120, 240, 480, 960, 1920, 3600, 3600}; !slices.Equal(locks, want) {
		t.Fatalf("locks %v, want %v", locks, want)
	}

	colleague := newBrowser(t, h) // same address
	colleague.forward = "203.0.113.9"
	colleague.signIn("frank")
	elsewhere := newBrowser(t, h)
	elsewhere.forward = "198.51.100.4"
	elsewhere.signIn("bob")

	attacker.want(http.StatusSeeOther, "POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-password"}})
	attacker.do("GET", "/", nil)
	attacker.want(http.StatusSeeOther, "POST", "/logout", url.Values{})
	attacker.do("GET", "/login", nil)
	attacker.want(http.StatusUnauthorized, "POST", "/login", wrong) // the failures were forgotten
}

// TestReleasedOutputsToPublication follows the documentation's stages over
// HTTP: a release arrives, the collaborator reads it, the developer makes
// a draft, a publisher publishes it, and anyone reads it.
func TestReleasedOutputsToPublication(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	svg, table := uploaded(t, h)

	anon := newBrowser(t, h)
	body := anon.want(http.StatusForbidden, "GET", "/files/"+svg.ID, nil)
	if !strings.Contains(body, "Released outputs of Heart Study are shown only to its developers and collaborators") ||
		!strings.Contains(body, `data-testid="error-sign-in"`) {
		t.Fatalf("refusal page gives no reason or sign-in: %s", body)
	}
	if body := anon.want(http.StatusOK, "GET", "/workspaces/heart-main/", nil); strings.Contains(body, "released-link") ||
		!strings.Contains(body, "Released outputs of Heart Study are shown only") {
		t.Fatalf("anonymous workspace page: %s", body)
	}

	frank := signedIn(t, h, "frank")
	body = frank.want(http.StatusOK, "GET", "/workspaces/heart-main/releases/", nil)
	if !strings.Contains(body, "Files released by Alice Able from TPP") || !strings.Contains(body, "released files") {
		t.Fatalf("collaborator's releases: %s", body)
	}
	body = frank.want(http.StatusOK, "GET", "/workspaces/heart-main/releases/"+releaseID+"/", nil)
	if !strings.Contains(body, "output/figs/plot.svg") || !strings.Contains(body, "On its way from the backend") || strings.Contains(body, "file-delete") {
		t.Fatalf("collaborator's release page: %s", body)
	}
	resp, content := frank.do("GET", "/files/"+svg.ID, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != "sandbox" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		!strings.HasPrefix(content, "<svg") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
		t.Fatalf("view: %d %v", resp.StatusCode, resp.Header)
	}
	resp, _ = frank.do("GET", "/files/"+svg.ID+"?download=1", nil)
	if resp.Header.Get("Content-Disposition") != `attachment; filename=plot.svg` {
		t.Fatalf("download disposition %q", resp.Header.Get("Content-Disposition"))
	}
	if content := frank.want(http.StatusOK, "GET", "/files/"+table.ID, nil); content != `"File not yet uploaded"` {
		t.Fatalf("not uploaded: %q", content)
	}
	body = frank.want(http.StatusForbidden, "POST", "/workspaces/heart-main/outputs/", url.Values{})
	if !strings.Contains(body, "Only developers of Heart Study may create a draft publication.") {
		t.Fatalf("collaborator's draft refusal: %s", body)
	}

	bob := signedIn(t, h, "bob")
	body = bob.want(http.StatusOK, "GET", "/workspaces/heart-main/", nil)
	if !strings.Contains(body, "latest outputs (1 file)") || !strings.Contains(body, "https://airlock.tpp.example.org/workspaces/view/heart-main/") {
		t.Fatalf("developer's workspace page: %s", body)
	}
	resp, _ = bob.do("POST", "/workspaces/heart-main/outputs/", url.Values{})
	draft := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/workspaces/heart-main/outputs/"), "/")
	if resp.StatusCode != http.StatusSeeOther || len(draft) != 26 {
		t.Fatalf("draft: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	body = bob.want(http.StatusOK, "GET", "/workspaces/heart-main/outputs/"+draft+"/", nil)
	if !strings.Contains(body, "Draft public outputs created") || !strings.Contains(body, "output/figs/plot.svg") || strings.Contains(body, "output/table.csv") ||
		strings.Contains(body, `data-testid="publish"`) {
		t.Fatalf("draft page: %s", body)
	}
	resp, _ = bob.do("POST", "/workspaces/heart-main/outputs/", url.Values{})
	if resp.Header.Get("Location") != "/workspaces/heart-main/outputs/"+draft+"/" {
		t.Fatalf("the same files made a second draft: %s", resp.Header.Get("Location"))
	}
	bob.want(http.StatusForbidden, "POST", "/workspaces/heart-main/outputs/"+draft+"/publish", url.Values{})
	anon.want(http.StatusForbidden, "GET", "/workspaces/heart-main/outputs/"+draft+"/", nil)
	anon.want(http.StatusNotFound, "GET", "/published/"+svg.ID, nil)

	erin := signedIn(t, h, "erin")
	erin.want(http.StatusForbidden, "GET", "/workspaces/heart-main/releases/", nil)
	body = erin.want(http.StatusOK, "GET", "/workspaces/heart-main/outputs/"+draft+"/", nil)
	if !strings.Contains(body, `data-testid="publish"`) {
		t.Fatalf("publisher sees no publish button: %s", body)
	}
	erin.want(http.StatusOK, "GET", "/files/"+svg.ID, nil) // a draft's file, to judge it
	erin.want(http.StatusSeeOther, "POST", "/workspaces/heart-main/outputs/"+draft+"/publish", url.Values{})
	if body := erin.want(http.StatusOK, "GET", "/workspaces/heart-main/outputs/"+draft+"/", nil); !strings.Contains(body, "These files are now public") {
		t.Fatalf("no confirmation: %s", body)
	}

	resp, content = anon.do("GET", "/published/"+svg.ID, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(content, "<svg") {
		t.Fatalf("published file: %d", resp.StatusCode)
	}
	anon.want(http.StatusOK, "GET", "/files/"+svg.ID, nil)
	if body := anon.want(http.StatusOK, "GET", "/", nil); !strings.Contains(body, `href="/workspaces/heart-main/#published"`) {
		t.Fatalf("home does not list the published workspace: %s", body)
	}
	if body := anon.want(http.StatusOK, "GET", "/workspaces/heart-main/outputs/"+draft+"/", nil); !strings.Contains(body, "/published/"+svg.ID) {
		t.Fatalf("published outputs not shown: %s", body)
	}
	anon.want(http.StatusForbidden, "GET", "/files/"+table.ID, nil)

	var actions []string
	events, _ := h.Server.AuditEvents(context.Background(), "heart-main")
	for _, ev := range events {
		actions = append(actions, ev.Actor+" "+ev.Action)
	}
	if got := strings.Join(actions, ", "); got != "alice release_created, bob draft_created, erin outputs_published" {
		t.Fatalf("audit %q", got)
	}
}

// TestFileDeletion: only an output checker deletes a released file, with
// a reason; its bytes go, it shows as deleted, it leaves drafts
// unpublishable and public reading ends.
func TestFileDeletion(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	svg, table := uploaded(t, h)
	bob := signedIn(t, h, "bob")
	resp, _ := bob.do("POST", "/workspaces/heart-main/outputs/", url.Values{})
	draft := resp.Header.Get("Location")
	del := "/workspaces/heart-main/releases/" + releaseID + "/files/" + svg.ID + "/delete"
	body := bob.want(http.StatusForbidden, "POST", del, url.Values{"reason": {"x"}})
	if !strings.Contains(body, "Only output checkers may delete a released file.") {
		t.Fatalf("refusal: %s", body)
	}

	carol := signedIn(t, h, "carol")
	if body := carol.want(http.StatusOK, "GET", "/workspaces/heart-main/releases/"+releaseID+"/", nil); !strings.Contains(body, `data-testid="file-delete"`) {
		t.Fatalf("checker sees no delete: %s", body)
	}
	carol.want(http.StatusUnprocessableEntity, "POST", del, url.Values{"reason": {"  "}})
	carol.want(http.StatusConflict, "POST", "/workspaces/heart-main/releases/"+releaseID+"/files/"+table.ID+"/delete", url.Values{"reason": {"x"}})
	carol.want(http.StatusNotFound, "POST", "/workspaces/heart-old/releases/"+releaseID+"/files/"+svg.ID+"/delete", url.Values{"reason": {"x"}})
	carol.want(http.StatusSeeOther, "POST", del, url.Values{"reason": {"Small numbers in the legend"}})
	body = carol.want(http.StatusOK, "GET", "/workspaces/heart-main/releases/"+releaseID+"/", nil)
	if !strings.Contains(body, "was deleted from the release") || !strings.Contains(body, "Deleted by carol") || !strings.Contains(body, "Small numbers in the legend") {
		t.Fatalf("release after deletion: %s", body)
	}
	carol.want(http.StatusConflict, "POST", del, url.Values{"reason": {"again"}})
	if got := storedFiles(t, h); len(got) != 0 {
		t.Fatalf("bytes kept: %v", got)
	}
	bob.want(http.StatusNotFound, "GET", "/files/"+svg.ID, nil)

	erin := signedIn(t, h, "erin")
	body = erin.want(http.StatusConflict, "POST", draft+"publish", url.Values{})
	if !strings.Contains(body, "was deleted after it was made") {
		t.Fatalf("publishing a draft with a deleted file: %s", body)
	}
	// An upload retried by airlock after the deletion is still "already uploaded".
	r := upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/figs/plot.svg"), readFixture(t, "files/output/figs/plot.svg"))
	expect(t, r, 400, `{"detail": "This version of 'output/figs/plot.svg' has already been uploaded from backend 'tpp'"}`)
	events, _ := h.Server.AuditEvents(context.Background(), "heart-main")
	if last := events[len(events)-1]; last.Action != receiver.ActionFileDeleted || last.Actor != "carol" || !strings.Contains(last.Detail, "Small numbers") {
		t.Fatalf("deletion audit %+v", last)
	}
}

// TestProjectStatus: members edit the status; each status's needs are
// enforced with the reason; airlock sees the project as ongoing or not.
func TestProjectStatus(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	gina := signedIn(t, h, "gina")
	body := gina.want(http.StatusForbidden, "GET", "/projects/heart-study/edit", nil)
	if !strings.Contains(body, "Only members of Heart Study may edit it.") {
		t.Fatalf("outsider: %s", body)
	}
	gina.want(http.StatusForbidden, "POST", "/projects/heart-study/edit", url.Values{"status": {"postponed"}, "description": {"x"}})

	frank := signedIn(t, h, "frank")
	body = frank.want(http.StatusOK, "GET", "/projects/heart-study/edit", nil)
	if !strings.Contains(body, "Say why in the description") || !strings.Contains(body, "heart-old") {
		t.Fatalf("edit page does not explain the statuses: %s", body)
	}
	for _, tc := range []struct{ status, description, reason string }{
		{"postponed", " ", "A postponed project needs a reason"},
		{"ongoing-linked", "See our paper.", "Link the paper or report"},
		{"completed-linked", "[Paper](https://doi.org/10.1000/1)", "every workspace has a purpose. Add one to heart-old"},
		{"finished", "", "Choose one of the statuses."},
	} {
		body := frank.want(http.StatusUnprocessableEntity, "POST", "/projects/heart-study/edit", url.Values{"status": {tc.status}, "description": {tc.description}})
		if !strings.Contains(body, tc.reason) || !strings.Contains(body, html.EscapeString(strings.TrimSpace(tc.description))) {
			t.Errorf("%s: %s", tc.status, body)
		}
	}
	authorise := func() bool {
		r := post(t, h, "/api/v2/releases/authorise", jsonHeaders(tppToken, ""), []byte(`{"user": "bob"}`))
		var u struct {
			Workspaces map[string]struct {
				ProjectDetails struct{ Ongoing bool } `json:"project_details"`
			} `json:"workspaces"`
		}
		json.Unmarshal(r.Body, &u)
		return u.Workspaces["heart-main"].ProjectDetails.Ongoing
	}
	if !authorise() {
		t.Fatal("heart study not ongoing at first")
	}
	frank.want(http.StatusSeeOther, "POST", "/projects/heart-study/edit", url.Values{"status": {"postponed"},
		"description": {"Waiting for **new data**. <script>alert(1)</script> [notes](javascript:alert(1))"}})
	body = frank.want(http.StatusOK, "GET", "/projects/heart-study/", nil)
	if !strings.Contains(body, "<strong>new data</strong>") || strings.Contains(body, "<script>alert") || strings.Contains(body, "javascript:") ||
		!strings.Contains(body, "Postponed") || !strings.Contains(body, "Updated by Frank Outsider") {
		t.Fatalf("project page after edit: %s", body)
	}
	if authorise() {
		t.Fatal("a postponed project is still ongoing for airlock")
	}

	// Completing needs a purpose for every workspace; members add them.
	frank.want(http.StatusOK, "GET", "/workspaces/heart-old/edit", nil)
	gina.want(http.StatusForbidden, "POST", "/workspaces/heart-old/edit", url.Values{"purpose": {"x"}})
	frank.want(http.StatusUnprocessableEntity, "POST", "/workspaces/heart-old/edit", url.Values{"purpose": {strings.Repeat("x", 2001)}})
	frank.want(http.StatusSeeOther, "POST", "/workspaces/heart-old/edit", url.Values{"purpose": {"The first analysis, kept for reference."}})
	if body := frank.want(http.StatusOK, "GET", "/workspaces/heart-old/", nil); !strings.Contains(body, "The first analysis, kept for reference.") {
		t.Fatalf("purpose not shown: %s", body)
	}
	frank.want(http.StatusSeeOther, "POST", "/projects/heart-study/edit", url.Values{"status": {"completed-linked"}, "description": {"[Paper](https://doi.org/10.1000/1)"}})
	if body := gina.want(http.StatusOK, "GET", "/projects/", nil); !strings.Contains(body, "Completed – paper/reports linked") {
		t.Fatalf("projects list: %s", body)
	}
}

// TestReadAPI: the contract's GET indexes and downloads, for people signed
// in with the pages' permissions.
func TestReadAPI(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	svg, table := uploaded(t, h)
	anon, gina, frank := newBrowser(t, h), signedIn(t, h, "gina"), signedIn(t, h, "frank")
	for _, p := range []string{"/api/v2/releases/workspace/heart-main", "/api/v2/releases/release/" + releaseID, "/api/v2/releases/file/" + svg.ID} {
		resp, body := anon.do("GET", p, nil)
		expect(t, response{resp.StatusCode, resp.Header, []byte(body)}, 403, `{"detail": "Authentication credentials were not provided."}`)
		resp, body = gina.do("GET", p, nil)
		expect(t, response{resp.StatusCode, resp.Header, []byte(body)}, 403, `{"detail": "You do not have permission to perform this action."}`)
	}
	_, body := frank.do("GET", "/api/v2/releases/workspace/heart-main", nil)
	var idx struct {
		Files []map[string]any `json:"files"`
	}
	if err := json.Unmarshal([]byte(body), &idx); err != nil || len(idx.Files) != 2 {
		t.Fatalf("latest index %s", body)
	}
	f := idx.Files[0]
	if f["name"] != "tpp/output/figs/plot.svg" || f["id"] != svg.ID || f["url"] != "/api/v2/releases/file/"+svg.ID || f["user"] != "alice" ||
		f["backend"] != "TPP" || f["is_deleted"] != false || f["sha256"] != svg.SHA256 || f["review"] != nil {
		t.Fatalf("index entry %v", f)
	}
	if _, body := frank.do("GET", "/api/v2/releases/release/"+releaseID, nil); !strings.Contains(body, `"name":"output/table.csv"`) {
		t.Fatalf("release index %s", body)
	}
	resp, content := frank.do("GET", "/api/v2/releases/file/"+svg.ID, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(content, "<svg") || resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("file %d %v", resp.StatusCode, resp.Header)
	}
	if _, content := frank.do("GET", "/api/v2/releases/file/"+table.ID, nil); content != `"File not yet uploaded"` {
		t.Fatalf("pending file %q", content)
	}
	resp, _ = frank.do("GET", "/api/v2/releases/file/01NOPE", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("unknown file %d", resp.StatusCode)
	}

	bob, erin := signedIn(t, h, "bob"), signedIn(t, h, "erin")
	resp, _ = bob.do("POST", "/workspaces/heart-main/outputs/", url.Values{})
	draft := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/workspaces/heart-main/outputs/"), "/")
	snap := "/api/v2/workspaces/heart-main/snapshots/" + draft
	if resp, _ := anon.do("GET", snap, nil); resp.StatusCode != 403 {
		t.Fatalf("anonymous reads a draft index: %d", resp.StatusCode)
	}
	erin.want(http.StatusOK, "GET", snap, nil)
	erin.want(http.StatusSeeOther, "POST", "/workspaces/heart-main/outputs/"+draft+"/publish", url.Values{})
	if _, body := anon.do("GET", snap, nil); !strings.Contains(body, `"url":"/published/`+svg.ID+`"`) {
		t.Fatalf("published index %s", body)
	}
}

// TestFileView: a released file's page previews it as the jobs site's
// viewer does, for whoever may read it.
func TestFileView(t *testing.T) {
	t.Parallel()
	h, _ := newHarness(t)
	svg, table := uploaded(t, h)
	frank := signedIn(t, h, "frank")
	if body := frank.want(http.StatusOK, "GET", "/files/"+table.ID+"/view", nil); !strings.Contains(body, "on its way from the backend") {
		t.Fatalf("pending file page: %s", body)
	}
	expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/table.csv"), readFixture(t, "files/output/table.csv")), 201, "")
	body := frank.want(http.StatusOK, "GET", "/files/"+table.ID+"/view", nil)
	if !strings.Contains(body, `<th scope="col">group</th>`) || !strings.Contains(body, "<td>A</td><td>10</td>") {
		t.Fatalf("table preview: %s", body)
	}
	if body := frank.want(http.StatusOK, "GET", "/files/"+svg.ID+"/view", nil); !strings.Contains(body, `<img src="/files/`+svg.ID+`"`) {
		t.Fatalf("image preview: %s", body)
	}
	newBrowser(t, h).want(http.StatusForbidden, "GET", "/files/"+svg.ID+"/view", nil)
	frank.want(http.StatusNotFound, "GET", "/files/01NOPE/view", nil)
}
