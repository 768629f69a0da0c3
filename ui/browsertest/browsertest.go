// Package browsertest runs headless Chromium for airlock's browser tests
// through chromedp: one browser process per test, one browser context (its
// own cookies and storage) per person, short timeouts, and screenshots
// saved as test artifacts.
//
// Without Chromium the tests skip with a message, except when the
// environment variable CI is set: there a missing browser fails the test.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds every browser step (a navigation, a click and the
// wait that follows it). Steps wait for elements, never for a fixed time.
const StepTimeout = 15 * time.Second

// Flags returns the Chromium command-line switches the tests run with,
// besides a fresh --user-data-dir and the debugging pipe chromedp adds.
func Flags() []string {
	return []string{
		"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
		"disable-component-update", "disable-sync", "no-first-run", "disable-quic",
	}
}

// FindChromium returns the path of a Chromium or Chrome binary, or "" if
// there is none. AIRLOCK_CHROMIUM, when set, is the only place looked at.
func FindChromium() string {
	if p := os.Getenv("AIRLOCK_CHROMIUM"); p != "" {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() {
			return ""
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium process. Its People share the process
// but nothing else.
type Browser struct {
	t         testing.TB
	ctx       context.Context // the first tab; keeps the browser alive
	artifacts string
}

// Start launches Chromium for the test and closes it when the test ends.
// Without Chromium it skips the test, or fails it when CI is set.
func Start(t testing.TB) *Browser {
	t.Helper()
	exe := FindChromium()
	if exe == "" {
		msg := "Chromium not found (install it with `apt-get install chromium`, or set AIRLOCK_CHROMIUM): browser tests skipped"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " — but CI is set, so they must run")
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir())}
	for _, f := range Flags() {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	start, cancelStart := context.WithTimeout(ctx, 30*time.Second)
	defer cancelStart()
	// The first Run starts the browser; it must get ctx itself, not the
	// timeout child, or the browser would end with the child.
	errc := make(chan error, 1)
	go func() { errc <- chromedp.Do(ctx) }()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("start Chromium %s: %v", exe, err)
		}
	case <-start.Done():
		t.Fatalf("start Chromium %s: no answer within 30s", exe)
	}
	b := &Browser{t: t, ctx: ctx, artifacts: os.Getenv("AIRLOCK_ARTIFACTS")}
	if b.artifacts == "" {
		b.artifacts = t.TempDir()
	} else {
		b.artifacts = filepath.Join(b.artifacts, safeName(t.Name()))
	}
	if err := os.MkdirAll(b.artifacts, 0o755); err != nil {
		t.Fatalf("artifacts dir: %v", err)
	}
	t.Logf("browser test screenshots are saved in %s", b.artifacts)
	return b
}

// Person is one person's browser context with one tab: their own cookies,
// storage and CSRF token, closed when the test ends.
type Person struct {
	Name string
	b    *Browser
	t    testing.TB
	ctx  context.Context
	tab  *Person // set when this drives a frame's own target (see Frame): the tab holding it
}

// NewPerson opens a fresh browser context for a person.
func (b *Browser) NewPerson(t testing.TB, name string) *Person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Create the tab with ctx itself (see Start), give it a desktop size and
	// record Content-Security-Policy violations in every page it loads.
	watch := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch})
		return err
	})
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), watch); err != nil {
		t.Fatalf("%s: open browser context: %v", name, err)
	}
	return &Person{Name: name, b: b, t: t, ctx: ctx}
}

// cspWatch records the page's Content-Security-Policy violations, such as
// an inline style or script the policy blocked, in window.__airlockCSP.
const cspWatch = `window.__airlockCSP = [];
document.addEventListener("securitypolicyviolation", function (e) {
	window.__airlockCSP.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + (e.sourceFile || "?") + ":" + e.lineNumber);
});`

// CSPViolations returns what the page's Content-Security-Policy blocked
// since it loaded: on an application page, each is a broken feature.
func (p *Person) CSPViolations() []string {
	p.t.Helper()
	return Eval[[]string](p, "window.__airlockCSP || []")
}

// Get runs one chromedp action that returns a value, within StepTimeout,
// and fails the test on error.
func Get[T any](p *Person, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.fail(what, err)
	}
	return v
}

// Do runs chromedp actions within StepTimeout and fails the test on error.
func (p *Person) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	Get(p, what, chromedp.Steps(steps...))
}

// Try runs chromedp actions within StepTimeout and returns the error.
func (p *Person) Try(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// fail saves a screenshot of what the person sees, then fails the test.
func (p *Person) fail(what string, err error) {
	p.t.Helper()
	shot := p.screenshot("FAILED-" + what)
	if errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("%w (waited %s)", err, StepTimeout)
	}
	p.t.Fatalf("%s: %s: %v (url %s; screenshot %s)", p.Name, what, err, p.URL(), shot)
}

// Navigate opens a URL and waits for the page to load. It returns the
// response of the main document (status and headers).
func (p *Person) Navigate(url string) *network.Response {
	p.t.Helper()
	return p.Nav("open "+url, chromedp.Navigate(url))
}

// Nav runs actions that cause a navigation (a click on a link or a submit
// button) and waits for the new page to load. It returns the response of
// the new main document.
func (p *Person) Nav(what string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err == nil && resp == nil {
		err = errors.New("no navigation happened")
	}
	if err != nil {
		p.fail(what, err)
	}
	return resp
}

// Click clicks the first element matching a CSS selector once it is visible.
func (p *Person) Click(sel string) {
	p.t.Helper()
	p.Do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// ClickNav clicks an element that navigates, and waits for the new page.
func (p *Person) ClickNav(sel string) *network.Response {
	p.t.Helper()
	return p.Nav("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// WaitVisible waits until the first element matching the selector is visible.
func (p *Person) WaitVisible(sel string) {
	p.t.Helper()
	p.Do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Press focuses an element and presses a key on it, as a keyboard user
// would (keys from github.com/chromedp/chromedp/kb, e.g. kb.Enter).
func (p *Person) Press(sel, key string) {
	p.t.Helper()
	p.Do("press a key on "+sel, chromedp.Focus(chromedp.CSS(sel), chromedp.NodeVisible), chromedp.KeyEvent(key))
}

// WaitFor waits until a JavaScript expression is truthy in the page.
func (p *Person) WaitFor(what, js string) {
	p.t.Helper()
	Get(p, "wait for "+what, chromedp.Poll[any](js))
}

// WaitHTMXIdle waits until htmx has no request, swap or settle under way,
// so that content it swapped in has its own behaviour attached.
func (p *Person) WaitHTMXIdle() {
	p.t.Helper()
	p.WaitFor("htmx to settle", `document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added") === null`)
}

// SetValue sets the value of a form field.
func (p *Person) SetValue(sel, value string) {
	p.t.Helper()
	p.Do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value, chromedp.NodeVisible))
}

// Eval evaluates a JavaScript expression in the page and returns its value
// decoded from JSON.
// Options such as chromedp.EvalAwaitPromise pass through.
func Eval[T any](p *Person, js string, opts ...chromedp.EvaluateOption) T {
	p.t.Helper()
	return Get(p, "evaluate "+js, chromedp.Evaluate[T](js, opts...))
}

// Count returns how many elements match a selector now, without waiting.
func (p *Person) Count(sel string) int {
	p.t.Helper()
	return Eval[int](p, fmt.Sprintf("document.querySelectorAll(%q).length", sel))
}

// Has reports whether an element matching the selector exists now.
func (p *Person) Has(sel string) bool {
	p.t.Helper()
	return p.Count(sel) > 0
}

// Text returns the visible text of the first element matching sel, waiting
// for it to exist.
func (p *Person) Text(sel string) string {
	p.t.Helper()
	return strings.TrimSpace(Get(p, "read text of "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// PageText returns the visible text of the whole page.
func (p *Person) PageText() string {
	p.t.Helper()
	return Eval[string](p, "document.body ? document.body.innerText : ''")
}

// HTML returns the page's current markup, read through the DOM domain so
// that it works in documents where scripts are disabled.
func (p *Person) HTML() string {
	p.t.Helper()
	return Get(p, "read page HTML", chromedp.OuterHTML(chromedp.CSS("html")))
}

// Attr returns an attribute of the first element matching sel ("" when
// it has none).
func (p *Person) Attr(sel, name string) string {
	p.t.Helper()
	return Get(p, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// Title returns the document title as the browser reports it for the tab.
func (p *Person) Title() string {
	p.t.Helper()
	return Get(p, "read title", chromedp.Title())
}

// URL returns the address of the current page ("" if it cannot be read).
func (p *Person) URL() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	u, _ := chromedp.Run(ctx, chromedp.Location())
	return u
}

// Screenshot saves a full-page PNG of the current page as
// <artifacts>/<person>-<name>.png and returns its path.
func (p *Person) Screenshot(name string) string {
	p.t.Helper()
	return p.screenshot(name)
}

func (p *Person) screenshot(name string) string {
	if p.tab != nil {
		return p.tab.screenshot(name)
	}
	ctx, cancel := context.WithTimeout(p.ctx, StepTimeout)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Logf("%s: screenshot %s: %v", p.Name, name, err)
		return ""
	}
	path := filepath.Join(p.b.artifacts, safeName(p.Name+"-"+name)+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Logf("%s: save screenshot: %v", p.Name, err)
		return ""
	}
	return path
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

func safeName(s string) string { return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_") }

// a11yScript lists elements a screen-reader or keyboard user could not
// use: form controls and buttons without an accessible name, images
// without alt text, frames without a title, and a page without a language.
const a11yScript = `(function () {
	var bad = [];
	function name(el) {
		var n = (el.getAttribute("aria-label") || "").trim();
		if (!n && el.getAttribute("aria-labelledby")) {
			var l = document.getElementById(el.getAttribute("aria-labelledby"));
			if (l) { n = l.textContent.trim(); }
		}
		if (!n && el.id) {
			var f = document.querySelector('label[for="' + el.id + '"]');
			if (f) { n = f.textContent.trim(); }
		}
		if (!n && el.closest("label")) { n = el.closest("label").textContent.trim(); }
		if (!n && (el.tagName === "BUTTON" || el.tagName === "A")) { n = el.textContent.trim(); }
		if (!n) { n = (el.getAttribute("title") || "").trim(); }
		return n;
	}
	document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href]').forEach(function (el) {
		if (!name(el)) { bad.push("no accessible name: " + el.outerHTML.slice(0, 160)); }
	});
	document.querySelectorAll("img:not([alt])").forEach(function (el) { bad.push("image without alt: " + el.outerHTML.slice(0, 160)); });
	document.querySelectorAll("iframe:not([title])").forEach(function (el) { bad.push("frame without title: " + el.outerHTML.slice(0, 160)); });
	if (!document.documentElement.getAttribute("lang")) { bad.push("page without lang"); }
	return bad;
})()`

// AccessibilityProblems returns the page's elements that have no
// accessible name (form controls, buttons, links), images without alt
// text, frames without a title, and a missing page language (D11).
func (p *Person) AccessibilityProblems() []string {
	p.t.Helper()
	return Eval[[]string](p, a11yScript)
}

// Resize sets the width and height of the person's window, as a narrow
// laptop or a tablet would have it; pages lay out again at once.
func (p *Person) Resize(width, height int64) {
	p.t.Helper()
	p.Do(fmt.Sprintf("resize to %dx%d", width, height), chromedp.EmulateViewport(width, height))
}
