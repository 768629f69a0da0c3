package ui_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// TestBrowser drives airlock in headless Chromium: one browser process for
// all subtests, one browser context (own cookies) per person. It skips
// without Chromium unless CI is set.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	t.Run("HTMLOutputsNeverRunScripts", func(t *testing.T) { testHTMLSandbox(t, b) })
	t.Run("Journey", func(t *testing.T) { testJourney(t, b) })
	t.Run("NoSelfReview", func(t *testing.T) { testSelfReview(t, b) })
	t.Run("ReleaseWhileJobsiteDown", func(t *testing.T) { testReleaseWhileJobsiteDown(t, b) })
	t.Run("SignOutEverywhere", func(t *testing.T) { testSignOutEverywhere(t, b) })
	t.Run("APITokens", func(t *testing.T) { testAPITokens(t, b) })
	t.Run("DamagedManifest", func(t *testing.T) { testDamagedManifest(t, b) })
	t.Run("Compare", func(t *testing.T) { testCompare(t, b) })
}

// signIn signs a person in with the sign-in form and checks where they land.
func signIn(t *testing.T, w *world, p *browsertest.Person, base, username string) {
	t.Helper()
	p.Navigate(base + "/login")
	p.SetValue("#login-user", username)
	p.SetValue("#login-token", w.tokens[username])
	resp := p.ClickNav("[data-testid=login-submit]")
	// Output checkers land on their review queue, everyone else on
	// their workspaces.
	home := "/workspaces/"
	if w.users[username].OutputChecker {
		home = "/reviews/"
	}
	if resp.Status != http.StatusOK || !strings.HasSuffix(p.URL(), home) {
		t.Fatalf("%s: after sign-in: status %d at %s", username, resp.Status, p.URL())
	}
	if got := p.Text("[data-testid=account-menu] summary"); got != w.users[username].Fullname {
		t.Fatalf("%s: account menu shows %q, want %q", username, got, w.users[username].Fullname)
	}
}

// person opens a browser context for someone and signs them in.
func person(t *testing.T, b *browsertest.Browser, w *world, base, username string) *browsertest.Person {
	t.Helper()
	p := b.NewPerson(t, username)
	signIn(t, w, p, base, username)
	return p
}

// header returns a response header (CDP reports them as a map of any).
func header(h map[string]any, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

// testHTMLSandbox opens an HTML output whose script would mark the page
// and call the server, inline in the preview frame and directly in a tab,
// and checks the script never ran (D8).
func testHTMLSandbox(t *testing.T, b *browsertest.Browser) {
	w := newWorld(t)
	base := w.serve()
	p := person(t, b, w, base, researcher)

	// Inline: the file page shows the output in a sandboxed iframe.
	p.Navigate(base + "/workspaces/view/cardiac-main/output/report/chart.html")
	p.WaitVisible("iframe[data-testid=preview]")
	if sb := p.Attr("iframe[data-testid=preview]", "sandbox"); strings.Contains(sb, "allow-scripts") {
		t.Errorf("preview frame sandbox = %q, must not allow scripts", sb)
	}
	p.Screenshot("html-output-inline")
	if got := p.Title(); strings.Contains(got, scriptMarker) {
		t.Errorf("app page title = %q: the output's script ran", got)
	}
	frameText := browsertest.Eval[string](p, `(function () {
		var f = document.querySelector("iframe[data-testid=preview]");
		try { return f.contentDocument ? f.contentDocument.documentElement.outerHTML : "(no access)"; } catch (e) { return "(no access)"; }
	})()`)
	if strings.Contains(frameText, `id="heading">`+scriptMarker) {
		t.Errorf("the output's script rewrote its heading inside the frame")
	}

	// New tab: navigate straight to the content URL.
	contentURL := base + "/workspaces/content/cardiac-main/output/report/chart.html"
	resp := p.Navigate(contentURL)
	if resp.Status != http.StatusOK {
		t.Fatalf("content status = %d", resp.Status)
	}
	if csp := header(resp.Headers, "Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("content Content-Security-Policy = %q, want it to start with sandbox", csp)
	}
	if got := header(resp.Headers, "X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("content X-Content-Type-Options = %q", got)
	}
	p.Screenshot("html-output-new-tab")
	html := p.HTML()
	if !strings.Contains(html, "Incidence by month") {
		t.Fatalf("the output did not render in the tab: %.300s", html)
	}
	if strings.Contains(html, `id="heading">`+scriptMarker) {
		t.Errorf("the output's script ran in the tab: it rewrote the heading")
	}
	if got := p.Title(); strings.Contains(got, scriptMarker) {
		t.Errorf("tab title = %q: the output's script ran", got)
	}
	if hits := w.pwnedRequests(); len(hits) > 0 {
		t.Errorf("the output's script called the server: %v", hits)
	}

	// The same file on a request: the request file page's preview frame,
	// and its content URL opened directly.
	u := w.users[researcher]
	if _, err := w.svc.AddFiles(context.Background(), &u, "cardiac-main", []review.AddItem{{Path: "output/report/chart.html", Type: airlock.FileOutput}}, "report"); err != nil {
		t.Fatal(err)
	}
	id := w.request(researcher).Request.ID
	p.Navigate(base + "/requests/file/" + id + "/report/output/report/chart.html")
	p.WaitVisible("iframe[data-testid=preview]")
	if sb := p.Attr("iframe[data-testid=preview]", "sandbox"); strings.Contains(sb, "allow-scripts") {
		t.Errorf("request preview frame sandbox = %q, must not allow scripts", sb)
	}
	if got := p.Title(); strings.Contains(got, scriptMarker) {
		t.Errorf("request file page title = %q: the output's script ran", got)
	}
	resp = p.Navigate(base + "/requests/content/" + id + "/report/output/report/chart.html")
	if resp.Status != http.StatusOK {
		t.Fatalf("request content status = %d", resp.Status)
	}
	if csp := header(resp.Headers, "Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
		t.Errorf("request content Content-Security-Policy = %q, want it to start with sandbox", csp)
	}
	if got := header(resp.Headers, "X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("request content X-Content-Type-Options = %q", got)
	}
	if html := p.HTML(); !strings.Contains(html, "Incidence by month") || strings.Contains(html, `id="heading">`+scriptMarker) {
		t.Errorf("request content in a tab: rendered=%v, script ran=%v", strings.Contains(html, "Incidence by month"), strings.Contains(html, `id="heading">`+scriptMarker))
	}
	if got := p.Title(); strings.Contains(got, scriptMarker) {
		t.Errorf("request content tab title = %q: the output's script ran", got)
	}
	if hits := w.pwnedRequests(); len(hits) > 0 {
		t.Errorf("the output's script called the server: %v", hits)
	}

	// Control: served without protection, the same file's script does run
	// and every detector above notices it.
	p.Navigate(base + "/control/unsandboxed.html")
	p.WaitVisible("#heading")
	if got := p.Text("#heading"); got != scriptMarker {
		t.Errorf("control: heading = %q; the detector would miss a running script", got)
	}
	if got := p.Title(); got != scriptMarker {
		t.Errorf("control: title = %q; the detector would miss a running script", got)
	}
	// ...and the accessibility check notices the page has no language.
	if problems := p.AccessibilityProblems(); !slices.Contains(problems, "page without lang") {
		t.Errorf("control: accessibility check missed the page's missing lang: %q", problems)
	}
}
