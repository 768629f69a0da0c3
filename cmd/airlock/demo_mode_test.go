package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/cmd/jobsite/receiver/receivertest"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// TestRunDemoSignIn runs the demo and signs in with the DEMO MODE
// switcher, which posts a username only: no page carries a token. The dev
// users file is read again at each sign-in, so editing it (a new name, a
// new token, a user removed) takes effect without a restart.
func TestRunDemoSignIn(t *testing.T) {
	dir := t.TempDir()
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(dir, "data"), "AIRLOCK_LISTEN": "127.0.0.1:0"})
	tokens := regexp.MustCompile(`(?m)^  (\S+)\s+token "(demo [0-9a-f]+)"`).FindAllStringSubmatch(p.stdout.String(), -1)
	if len(tokens) < 5 {
		t.Fatalf("demo sign-ins not printed:\n%s", p.stdout.String())
	}

	b := newBrowser(t, p.base)
	_, _, page := b.send(http.MethodGet, "/login", nil)
	if !strings.Contains(page, `data-testid="demo-switcher"`) || !strings.Contains(page, `data-testid="demo-login-checker1"`) {
		t.Fatal("the demo's sign-in page has no DEMO MODE switcher")
	}
	for _, m := range tokens {
		if strings.Contains(page, m[2]) {
			t.Errorf("the anonymous sign-in page carries %s's token", m[1])
		}
	}
	if code, loc, _ := b.post("/demo/sign-in", url.Values{"user": {"checker1"}, "next": {"/reviews/"}}); code != http.StatusSeeOther || loc != "/reviews/" {
		t.Fatalf("demo sign-in: %d to %q", code, loc)
	}
	if _, _, page := b.send(http.MethodGet, "/workspaces/", nil); !strings.Contains(page, "Charlotte Checker") {
		t.Error("the switcher did not sign in as checker1")
	}

	// Edit the users file while the program runs.
	path := filepath.Join(dir, "data", "dev-users.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var users map[string]map[string]any
	if err := json.Unmarshal(raw, &users); err != nil {
		t.Fatal(err)
	}
	users["researcher"]["details"].(map[string]any)["fullname"] = "Rita Renamed"
	users["checker2"]["token"] = "new token for checker2"
	delete(users, "readonly")
	raw, _ = json.Marshal(users)
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	r := newBrowser(t, p.base)
	r.send(http.MethodGet, "/login", nil)
	r.post("/demo/sign-in", url.Values{"user": {"researcher"}})
	if _, _, page := r.send(http.MethodGet, "/workspaces/", nil); !strings.Contains(page, "Rita Renamed") {
		t.Error("an edited name did not take effect at the next sign-in")
	}
	c := newBrowser(t, p.base)
	c.send(http.MethodGet, "/login", nil)
	old := ""
	for _, m := range tokens {
		if m[1] == "checker2" {
			old = m[2]
		}
	}
	if code, _, _ := c.post("/login", url.Values{"user": {"checker2"}, "token": {old}}); code != http.StatusUnauthorized {
		t.Errorf("the replaced token still signs in: %d", code)
	}
	if code, _, _ := c.post("/login", url.Values{"user": {"checker2"}, "token": {"new token for checker2"}}); code != http.StatusSeeOther {
		t.Errorf("the new token does not sign in: %d", code)
	}
	gone := newBrowser(t, p.base)
	gone.send(http.MethodGet, "/login", nil)
	if code, _, _ := gone.post("/demo/sign-in", url.Values{"user": {"readonly"}}); code != http.StatusForbidden {
		t.Errorf("a removed demo user signs in: %d", code)
	}
	if _, _, page := gone.send(http.MethodGet, "/login", nil); strings.Contains(page, `data-testid="demo-login-readonly"`) {
		t.Error("the switcher still offers a removed user")
	}
}

// TestRunWithJobsiteHasNoDemo runs the program against a real jobs site:
// nothing of demo mode exists. No demo users or tokens are printed, no page
// shows the switcher or mentions demo mode, the demo sign-in address does
// not exist, and people sign in with the jobs site's tokens.
func TestRunWithJobsiteHasNoDemo(t *testing.T) {
	js := receivertest.NewDemo(t)
	dir := t.TempDir()
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(dir, "data"), "AIRLOCK_LISTEN": "127.0.0.1:0",
		"AIRLOCK_JOBSITE_URL": js.HTTP.URL + "/api/v2", "AIRLOCK_JOBSITE_TOKEN": receiver.DemoBackendToken})
	if out := p.stdout.String(); strings.Contains(out, "DEMO") || strings.Contains(out, "token") {
		t.Errorf("a production start prints demo sign-ins:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "dev-users.json")); !os.IsNotExist(err) {
		t.Errorf("a production start wrote a dev users file (%v)", err)
	}
	b := newBrowser(t, p.base)
	_, _, page := b.send(http.MethodGet, "/login", nil)
	for _, s := range []string{"demo-switcher", "DEMO MODE", "demo mode", "demo-login-"} {
		if strings.Contains(page, s) {
			t.Errorf("the sign-in page holds %q", s)
		}
	}
	if code, _, _ := b.post("/demo/sign-in", url.Values{"user": {"checker1"}}); code != http.StatusNotFound {
		t.Errorf("demo sign-in with a real jobs site: %d, want 404", code)
	}
	token, err := js.Server.IssueToken(context.Background(), "researcher")
	if err != nil {
		t.Fatal(err)
	}
	if code, loc, page := b.post("/login", url.Values{"user": {"researcher"}, "token": {token}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in with a jobs-site token: %d to %q\n%.300s", code, loc, page)
	}
	if _, _, page := b.send(http.MethodGet, "/workspaces/", nil); !strings.Contains(page, "Rita Researcher") || strings.Contains(page, "DEMO MODE") {
		t.Error("signed in with the jobs site, the page is not Rita's, or shows DEMO MODE")
	}
}

// TestBrowserDemoSwitcher signs in with the DEMO MODE switcher of the real
// demo in Chromium, as a newcomer does after go run ./cmd/airlock.
func TestBrowserDemoSwitcher(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(t.TempDir(), "data"), "AIRLOCK_LISTEN": "127.0.0.1:0"})
	person := b.NewPerson(t, "newcomer")
	person.Navigate(p.base + "/login")
	person.Click("[data-testid=demo-switcher] summary")
	person.WaitVisible("[data-testid=demo-login-researcher]")
	person.Screenshot("demo-switcher")
	if html := person.HTML(); regexp.MustCompile(`demo [0-9a-f]{12}`).MatchString(html) {
		t.Error("the sign-in page carries a demo token")
	}
	person.ClickNav("[data-testid=demo-login-researcher]")
	if !strings.HasSuffix(person.URL(), "/workspaces/") || !strings.Contains(person.Text("[data-testid=account-menu] summary"), "Rita Researcher") {
		t.Fatalf("after the switcher: at %s as %q", person.URL(), person.Text("[data-testid=account-menu] summary"))
	}
	person.Screenshot("demo-signed-in")
}
