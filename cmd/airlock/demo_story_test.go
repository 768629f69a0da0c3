package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/airlock-project/airlock/cmd/jobsite/receiver"
	"github.com/airlock-project/airlock/ui/browsertest"
)

// storyFile is the output the demo story releases and publishes.
const storyFile = "output/tables/counts_by_region.csv"

// story is the demo's story as the people in it live it, each in their
// own browser context.
type story struct {
	t   *testing.T
	b   *browsertest.Browser
	d   *demo
	req string // the release request's id
}

// jobsiteSignIn signs a demo person in to the jobs site with the demo
// password.
func (s *story) jobsiteSignIn(p *browsertest.Person, username string) {
	s.t.Helper()
	p.Navigate(s.d.jobsite + "/login")
	p.SetValue("[data-testid=login-username]", username)
	p.SetValue("[data-testid=login-password]", receiver.DemoPassword)
	p.ClickNav("[data-testid=login-submit]")
	if got := p.Text("[data-testid=signed-in-as]"); got == "" {
		s.t.Fatalf("%s: not signed in to the jobs site (at %s)", username, p.URL())
	}
}

// airlockSignIn is how a person reaches airlock: a single-use token made
// on the jobs site's settings page, typed into airlock's sign-in form.
func (s *story) airlockSignIn(p *browsertest.Person, username string) {
	s.t.Helper()
	p.Navigate(s.d.jobsite + "/settings")
	p.ClickNav("[data-testid=token-generate]")
	token := p.Text("[data-testid=token]")
	if !regexp.MustCompile(`^[a-z]+ [a-z]+ [a-z]+$`).MatchString(token) {
		s.t.Fatalf("%s: token %q is not three words", username, token)
	}
	if username == receiver.DemoResearcher {
		p.Screenshot("jobsite-token")
	}
	p.Navigate(s.d.base + "/login")
	p.SetValue("#login-user", username)
	p.SetValue("#login-token", token)
	p.ClickNav("[data-testid=login-submit]")
	// Output checkers land on their work queue, everyone else on their
	// workspaces.
	landing := "/workspaces/"
	if username == receiver.DemoChecker1 || username == receiver.DemoChecker2 {
		landing = "/reviews/"
	}
	if !strings.HasSuffix(p.URL(), landing) {
		s.t.Fatalf("%s: airlock sign-in with the jobs site's token ended at %s:\n%s", username, p.URL(), p.PageText())
	}
}

// person opens a browser context for someone signed in to the jobs site
// (and to airlock when they act there).
func (s *story) person(username string, airlock bool) *browsertest.Person {
	s.t.Helper()
	p := s.b.NewPerson(s.t, username)
	s.jobsiteSignIn(p, username)
	if airlock {
		s.airlockSignIn(p, username)
	}
	return p
}

// confirm runs a request-level action through its confirmation dialog.
func (s *story) confirm(p *browsertest.Person, key string) {
	s.t.Helper()
	p.Navigate(s.d.base + "/requests/view/" + s.req + "/")
	p.Click("a[data-testid=action-" + key + "]")
	p.WaitVisible("dialog#dlg-" + key + "[open] [data-testid=confirm-" + key + "-submit]")
	p.ClickNav("dialog#dlg-" + key + " [data-testid=confirm-" + key + "-submit]")
}

// review approves the story's file and submits the checker's review.
func (s *story) review(p *browsertest.Person) {
	s.t.Helper()
	p.Navigate(s.d.base + "/requests/file/" + s.req + "/tables/" + storyFile)
	p.ClickNav("[data-testid=vote-approve]")
	if got := p.Attr("[data-testid=vote-approve]", "aria-pressed"); got != "true" {
		s.t.Fatalf("%s: approve shows aria-pressed=%q after voting", p.Name, got)
	}
	p.Navigate(s.d.base + "/requests/view/" + s.req + "/")
	p.ClickNav("button[data-testid=action-review]")
}

// fetch downloads an address of the jobs site with the person's cookies
// (a CSV the browser would save rather than show), and returns the body.
func (s *story) fetch(p *browsertest.Person, href string) string {
	s.t.Helper()
	cookies := browsertest.Get(p, "read cookies", chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{s.d.jobsite + "/"}})
		return res.Cookies, err
	}))
	req, err := http.NewRequest(http.MethodGet, s.d.jobsite+href, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("%s: GET %s: %d %s", p.Name, href, resp.StatusCode, body)
	}
	return string(body)
}

// requestStatus is the request's status as airlock's overview shows it.
func (s *story) requestStatus(p *browsertest.Person) string {
	p.Navigate(s.d.base + "/requests/view/" + s.req + "/")
	return p.Attr("section.card .card-head [data-status]", "data-status")
}

// demo is the program running in demo mode, with the URLs of airlock and
// of its in-process jobs site.
type demo struct {
	base, jobsite string
}

// startDemo runs the program in demo mode on a free loopback port, so
// airlock's external URL (which the jobs site links to) is its real one.
func startDemo(t *testing.T) *demo {
	t.Helper()
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(t.TempDir(), "data"), "AIRLOCK_LISTEN": freeAddr(t)})
	re := regexp.MustCompile(`jobs site runs at (http://[^ ]+)/ `)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.stdout.String()); m != nil {
			return &demo{base: p.base, jobsite: m[1]}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not print its jobs site:\n%s", p.stdout.String())
		}
	}
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestDemoStory runs the real program in demo mode, with the reference
// jobs site in-process, and follows the story the README tells in a
// browser: a researcher gets a token on the jobs site and signs in to
// airlock with it, requests the release of a table, two checkers review
// it and one releases it; the collaborator reads the released file on the
// jobs site, the researcher makes a draft publication, a publisher
// publishes it and an anonymous visitor reads it. Screenshots of the jobs
// site's pages are saved as artifacts.
func TestDemoStory(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	s := &story{t: t, b: b, d: startDemo(t)}
	want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workspaces", "cardiac-main", filepath.FromSlash(storyFile)))
	if err != nil {
		t.Fatal(err)
	}

	anon := b.NewPerson(t, "visitor")
	anon.Navigate(s.d.jobsite + "/")
	if !strings.Contains(anon.Text("[data-testid=no-jobs]"), "Jobs are not run here") {
		t.Errorf("the home page does not say that jobs are out of scope")
	}
	anon.Screenshot("jobsite-home")

	// --- The researcher: a token from the jobs site, then airlock. ---
	res := s.person(receiver.DemoResearcher, false)
	res.Screenshot("jobsite-home-signed-in")
	res.Navigate(s.d.jobsite + "/projects/")
	res.Screenshot("jobsite-projects")
	res.Navigate(s.d.jobsite + "/projects/cardiac-outcomes/")
	if res.Count("[data-testid=project-members] tbody tr") != 2 || !res.Has("[data-testid=purpose-warning]") {
		t.Errorf("project page: members or the purpose warning missing")
	}
	res.Screenshot("jobsite-project")
	res.ClickNav("[data-testid=project-edit]")
	res.Screenshot("jobsite-project-edit")
	s.airlockSignIn(res, receiver.DemoResearcher)

	res.Navigate(s.d.base + "/workspaces/view/cardiac-main/" + storyFile)
	res.ClickNav("button[data-testid=add-file]")
	res.SetValue("#add-new-group", "tables")
	res.ClickNav("[data-testid=add-files-submit]")
	res.ClickNav("[data-testid=current-request]")
	m := regexp.MustCompile(`/requests/view/([0-9A-Z]{26})/`).FindStringSubmatch(res.URL())
	if m == nil {
		t.Fatalf("no request page: %s", res.URL())
	}
	s.req = m[1]
	res.Navigate(s.d.base + "/requests/group/" + s.req + "/tables")
	res.SetValue("#g-context", "Cardiac events by region, the main analysis.")
	res.SetValue("#g-controls", "Counts below 8 redacted; all counts rounded to 5.")
	res.ClickNav("[data-testid=edit-group-save]")
	s.confirm(res, "submit")

	// --- Two checkers review; one releases. ---
	c1 := s.person(receiver.DemoChecker1, true)
	s.review(c1)
	c2 := s.person(receiver.DemoChecker2, true)
	s.review(c2)
	s.confirm(c1, "release")
	deadline := time.Now().Add(30 * time.Second)
	for s.requestStatus(c1) != "RELEASED" {
		if time.Now().After(deadline) {
			t.Fatalf("the release did not reach the jobs site: status %s\n%s", s.requestStatus(c1), c1.PageText())
		}
		time.Sleep(200 * time.Millisecond)
	}

	// --- The collaborator reads the released file on the jobs site. ---
	col := s.person(receiver.DemoCollaborator, false)
	col.Navigate(s.d.jobsite + "/workspaces/cardiac-main/")
	col.Screenshot("jobsite-workspace-collaborator")
	col.ClickNav("[data-testid=released-link]")
	col.Screenshot("jobsite-releases")
	col.ClickNav("[data-testid=release-link]")
	col.Screenshot("jobsite-release")
	if col.Has("[data-testid=file-delete-open]") {
		t.Errorf("the collaborator is offered to delete a released file")
	}
	col.ClickNav("[data-testid=file-view]")
	if !col.Has("[data-testid=preview-table]") {
		t.Fatalf("the released table is not shown as a table: %s", col.PageText())
	}
	col.Screenshot("jobsite-file")
	if got := s.fetch(col, col.Attr("[data-testid=file-download]", "href")); got != string(want) {
		t.Fatalf("the collaborator downloads %q, want the released bytes %q", got, want)
	}
	resp := col.Navigate(s.d.jobsite + "/projects/vaccine-uptake/edit")
	if resp.Status != 403 || !strings.Contains(col.Text("[data-testid=error-reason]"), "Only members of Vaccine Uptake may edit it.") {
		t.Errorf("editing another project: %d %q", resp.Status, col.PageText())
	}
	col.Screenshot("jobsite-refusal")

	// The checker sees the delete control, with its reason, on the release page.
	c1.Navigate(s.d.jobsite + "/workspaces/cardiac-main/releases/")
	c1.ClickNav("[data-testid=release-link]")
	c1.Click("[data-testid=file-delete-open]")
	c1.WaitVisible("[data-testid=file-delete-reason]")
	c1.Screenshot("jobsite-release-checker")

	// --- The researcher makes a draft publication. ---
	res.Navigate(s.d.jobsite + "/workspaces/cardiac-main/")
	if res.Attr("[data-testid=level4-link]", "href") != s.d.base+"/workspaces/view/cardiac-main/" {
		t.Errorf("Level 4 outputs link to %q, want this airlock", res.Attr("[data-testid=level4-link]", "href"))
	}
	res.Screenshot("jobsite-workspace-researcher")
	res.Navigate(s.d.jobsite + "/workspaces/cardiac-main/outputs/latest/")
	res.Screenshot("jobsite-latest")
	res.ClickNav("[data-testid=draft-create]")
	if !strings.Contains(res.Text("[data-testid=flash]"), "Draft public outputs created") {
		t.Errorf("no confirmation of the draft: %q", res.PageText())
	}
	draft := strings.TrimPrefix(res.URL(), s.d.jobsite)
	res.Screenshot("jobsite-draft")

	// Before publication the visitor is refused, with the reason.
	resp = anon.Navigate(s.d.jobsite + draft)
	if resp.Status != 403 || !strings.Contains(anon.Text("[data-testid=error-reason]"), "Draft public outputs of Cardiac Outcomes are shown only") {
		t.Errorf("a visitor opening the draft: %d %q", resp.Status, anon.PageText())
	}
	anon.Screenshot("jobsite-draft-refused")

	// --- A publisher publishes. ---
	pub := s.person(receiver.DemoPublisher, false)
	pub.Navigate(s.d.jobsite + "/workspaces/cardiac-main/")
	pub.ClickNav("[data-testid=draft-link]")
	pub.Click("[data-testid=publish-open]")
	pub.WaitVisible("[data-testid=publish]")
	pub.Screenshot("jobsite-publish-confirm")
	pub.ClickNav("[data-testid=publish]")
	if !pub.Has("[data-testid=published-note]") {
		t.Fatalf("not published: %s", pub.PageText())
	}
	pub.Screenshot("jobsite-published")

	// --- Anyone reads it, without signing in. ---
	anon.Navigate(s.d.jobsite + "/workspaces/cardiac-main/")
	anon.Screenshot("jobsite-workspace-anonymous")
	anon.ClickNav("[data-testid=published-link]")
	anon.Screenshot("jobsite-published-anonymous")
	href := anon.Attr("[data-testid=published-file]", "href")
	anon.ClickNav("[data-testid=snapshot-file]")
	if !anon.Has("[data-testid=preview-table]") {
		t.Errorf("the visitor does not see the published table: %s", anon.PageText())
	}
	if got := s.fetch(anon, href); got != string(want) {
		t.Fatalf("the visitor reads %q at the public address, want the published bytes", got)
	}
	for _, p := range []*browsertest.Person{anon, res, col, pub} {
		p.Navigate(s.d.jobsite + "/workspaces/cardiac-main/")
		if v := p.CSPViolations(); len(v) > 0 {
			t.Errorf("%s: the jobs site's page broke its own CSP: %v", p.Name, v)
		}
		if a := p.AccessibilityProblems(); len(a) > 0 {
			t.Errorf("%s: accessibility problems on the workspace page: %v", p.Name, a)
		}
	}
}
