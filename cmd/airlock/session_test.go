package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// browser is a minimal browser for the end-to-end tests: it keeps
// cookies, never follows redirects, sends Origin with every POST as
// browsers do, and remembers the last CSRF token it saw.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
	csrf   string
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (b *browser) send(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(page); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(page)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	b.t.Helper()
	form.Set("_csrf", b.csrf)
	return b.send(http.MethodPost, path, form)
}

// copy is another browser holding the same cookies and token now, as
// someone who copied them would.
func (b *browser) copy() *browser {
	c := newBrowser(b.t, b.base)
	u, _ := url.Parse(b.base)
	c.client.Jar.SetCookies(u, b.client.Jar.Cookies(u))
	c.csrf = b.csrf
	return c
}

// TestRunSignOutEndsTheSession runs the real program and replays a copied
// session cookie after sign-out: the page is the sign-in page, and adding a
// file with it is refused and stores nothing (issue 9, item 3).
func TestRunSignOutEndsTheSession(t *testing.T) {
	dir := t.TempDir()
	p := startRun(t, map[string]string{"AIRLOCK_WORK_DIR": filepath.Join(dir, "data"), "AIRLOCK_LISTEN": "127.0.0.1:0"})
	m := regexp.MustCompile(`researcher\s+token "(demo [0-9a-f]+)"`).FindStringSubmatch(p.stdout.String())
	if m == nil {
		t.Fatalf("no researcher token printed:\n%s", p.stdout.String())
	}
	b := newBrowser(t, p.base)
	b.send(http.MethodGet, "/login", nil)
	if code, loc, page := b.post("/login", url.Values{"user": {"researcher"}, "token": {m[1]}, "next": {"/workspaces/"}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d to %q\n%s", code, loc, page)
	}
	if code, _, _ := b.send(http.MethodGet, "/workspaces/view/cardiac-main/output/", nil); code != http.StatusOK {
		t.Fatalf("workspace page: %d", code)
	}
	stolen := b.copy()
	if code, _, _ := b.post("/logout", url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("sign-out: %d", code)
	}

	if code, loc, _ := stolen.copy().send(http.MethodGet, "/workspaces/", nil); code != http.StatusFound || !strings.HasPrefix(loc, "/login") {
		t.Errorf("replayed cookie, GET: %d to %q, want the sign-in page", code, loc)
	}
	add := url.Values{"count": {"1"}, "file_0": {"output/tables/counts_by_region.csv"}, "type_0": {"OUTPUT"}, "new_group": {"stolen"}}
	if code, _, page := stolen.copy().post("/workspaces/add/cardiac-main", add); code != http.StatusUnauthorized || !strings.Contains(page, "Your session has ended") {
		t.Errorf("replayed cookie, adding a file: %d, want 401 saying the session ended\n%.400s", code, page)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "data", "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx airlock.Tx) error {
		reqs, err := tx.Requests(airlock.RequestFilter{})
		if err == nil && len(reqs) != 0 {
			t.Errorf("the replayed cookie created a request: %+v", reqs[0])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
