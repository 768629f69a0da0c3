package receiver_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
)

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	h    *receivertest.Harness
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, h *receivertest.Harness) *browser {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &browser{t: t, h: h, c: c}
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		if _, ok := form["csrf"]; !ok {
			form.Set("csrf", b.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, b.h.HTTP.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
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

func (b *browser) signIn(user, password string) {
	b.t.Helper()
	b.do("GET", "/login", nil)
	resp, body := b.do("POST", "/login", url.Values{"username": {user}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: %d %s", user, resp.StatusCode, body)
	}
	b.do("GET", "/", nil)
}

func TestPagesSignInAndToken(t *testing.T) {
	h, _ := newHarness(t)
	b := newBrowser(t, h)

	resp, body := b.do("GET", "/login", nil)
	if got := resp.Header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") || strings.Contains(got, "script-src") {
		t.Fatalf("CSP=%q", got)
	}
	if !strings.Contains(body, `<label for="password">`) {
		t.Fatal("login form missing")
	}
	resp, body = b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"wrong"}})
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Invalid username or password.") {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = b.do("POST", "/login", url.Values{"username": {"bob"}, "password": {"bob-password"}, "csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged csrf: %d", resp.StatusCode)
	}
	b.signIn("bob@example.org", "bob-password")

	_, body = b.do("GET", "/settings", nil)
	if !strings.Contains(body, "Generate a single-use token") {
		t.Fatalf("settings page: %s", body)
	}
	resp, body = b.do("POST", "/settings/token", url.Values{})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Do not share this token") || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("token page: %d %s", resp.StatusCode, body)
	}
	m := regexp.MustCompile(`<p class="token" id="token">([a-z]+ [a-z]+ [a-z]+)</p>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no token shown: %s", body)
	}
	login, _ := json.Marshal(map[string]string{"user": "bob", "token": m[1]})
	expect(t, post(t, h, "/api/v2/releases/authenticate", jsonHeaders(tppToken, ""), login), http.StatusOK, "")

	resp, _ = b.do("POST", "/settings/token", url.Values{"csrf": {"forged"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("token with forged csrf: %d", resp.StatusCode)
	}
	b.do("POST", "/logout", url.Values{})
	if resp, _ := b.do("GET", "/settings", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("settings after sign-out: %d", resp.StatusCode)
	}
}

func TestPagesReleasedFilesAndPublishing(t *testing.T) {
	h, _ := newHarness(t)
	released(t, h)
	expect(t, upload(t, h, releaseID, uploadHeaders(tppToken, "alice", "output/figs/plot.svg"), readFixture(t, "files/output/figs/plot.svg")), 201, "")
	files, _ := h.Server.ReleasedFiles(context.Background(), releaseID)
	svg := files[0]

	anon := newBrowser(t, h)
	if resp, _ := anon.do("GET", "/files/"+svg.ID, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("anonymous sees unpublished file: %d", resp.StatusCode)
	}
	if resp, _ := anon.do("GET", "/api/v2/releases/file/"+svg.ID, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("anonymous sees unpublished file by API: %d", resp.StatusCode)
	}
	if _, body := anon.do("GET", "/workspaces/heart-main/", nil); strings.Contains(body, "output/figs/plot.svg") {
		t.Fatal("anonymous sees released files")
	}

	// A collaborator sees and opens released files, sandboxed.
	frank := newBrowser(t, h)
	frank.signIn("frank", "frank-password")
	_, body := frank.do("GET", "/workspaces/heart-main/", nil)
	if !strings.Contains(body, "output/figs/plot.svg") || strings.Contains(body, "Prepare selected files") {
		t.Fatalf("collaborator workspace page: %s", body)
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
	resp, content = frank.do("GET", "/files/"+files[1].ID, nil)
	if resp.StatusCode != 200 || content != `"File not yet uploaded"` {
		t.Fatalf("not uploaded: %d %q", resp.StatusCode, content)
	}
	if resp, _ := frank.do("POST", "/workspaces/heart-main/snapshots", url.Values{"file_id": {svg.ID}}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("collaborator made a snapshot: %d", resp.StatusCode)
	}

	// A developer prepares a draft; only a publisher publishes it.
	bob := newBrowser(t, h)
	bob.signIn("bob", "bob-password")
	if resp, body := bob.do("POST", "/workspaces/heart-main/snapshots", url.Values{"file_id": {files[1].ID}}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("snapshot of a file not uploaded: %d %s", resp.StatusCode, body)
	}
	if resp, _ := bob.do("POST", "/workspaces/heart-main/snapshots", url.Values{"file_id": {svg.ID}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("developer snapshot: %d", resp.StatusCode)
	}
	_, body = bob.do("GET", "/workspaces/heart-main/", nil)
	snap := regexp.MustCompile(`id="snapshot-([0-9A-Z]+)"`).FindStringSubmatch(body)
	if snap == nil || !strings.Contains(body, "Draft outputs") || strings.Contains(body, "Publish these outputs") {
		t.Fatalf("draft not shown to developer: %s", body)
	}
	if resp, _ := bob.do("POST", "/workspaces/heart-main/snapshots/"+snap[1]+"/publish", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("developer published: %d", resp.StatusCode)
	}
	if resp, _ := anon.do("GET", "/published/"+svg.ID, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("draft file public: %d", resp.StatusCode)
	}

	erin := newBrowser(t, h)
	erin.signIn("erin", "erin-password")
	if resp, _ := erin.do("POST", "/workspaces/heart-main/snapshots/"+snap[1]+"/publish", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("publisher publish: %d", resp.StatusCode)
	}
	resp, content = anon.do("GET", "/published/"+svg.ID, nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Security-Policy") != "sandbox" || !strings.HasPrefix(content, "<svg") {
		t.Fatalf("published file: %d", resp.StatusCode)
	}
	if _, body := anon.do("GET", "/", nil); !strings.Contains(body, `href="/workspaces/heart-main/"`) {
		t.Fatalf("home does not list the published workspace: %s", body)
	}
	if _, body := anon.do("GET", "/workspaces/heart-main/", nil); !strings.Contains(body, "Published outputs") {
		t.Fatalf("published outputs not shown: %s", body)
	}
	if resp, _ := anon.do("GET", "/files/"+files[1].ID, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unpublished sibling visible: %d", resp.StatusCode)
	}
}
