package ui_test

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/wstest"
)

// benchClient is one signed-in browser that talks to the handler through
// ServeHTTP, keeping its cookies.
type benchClient struct {
	tb  testing.TB
	w   *world
	jar *cookiejar.Jar
}

var benchCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// do sends one request through the real handler.
func (c *benchClient) do(method, target string, form url.Values) *httptest.ResponseRecorder {
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, "http://airlock.test"+target, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, "http://airlock.test"+target, nil)
	}
	for _, ck := range c.jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.w.srv.ServeHTTP(rec, req)
	c.jar.SetCookies(req.URL, rec.Result().Cookies())
	return rec
}

// signInBench signs a user in with the sign-in form, through ServeHTTP.
func signInBench(tb testing.TB, w *world, username string) *benchClient {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	c := &benchClient{tb: tb, w: w, jar: jar}
	m := benchCSRF.FindStringSubmatch(c.do("GET", "/login", nil).Body.String())
	if m == nil {
		tb.Fatal("sign-in page has no CSRF token")
	}
	rec := c.do("POST", "/login", url.Values{"_csrf": {m[1]}, "user": {username}, "token": {w.tokens[username]}, "next": {"/workspaces/"}})
	if rec.Code != http.StatusSeeOther {
		tb.Fatalf("sign in %s: status %d", username, rec.Code)
	}
	// Follow the redirect, as a browser does: its page shows the sign-in
	// message and clears it from the browser's cookie. A client that kept
	// sending the cookie from before (wrk does) would be shown the message
	// again on every page, each answer setting a new cookie.
	c.do("GET", rec.Header().Get("Location"), nil)
	return c
}

// backdate makes a generated workspace's metadata an hour old, as a real
// workspace's is: the manifest cache re-reads files modified in the last
// moments (workspaces.racyWindow), which would time the re-read, not the page.
func backdate(tb testing.TB, wsDir string) {
	tb.Helper()
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(filepath.Join(wsDir, "metadata"), func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkWorkspacePages serves the workspace page, a directory page and
// a tree fragment of generated workspaces of 1,000, 10,000 and 100,000
// outputs through the real handler with a signed-in session. Every leaf
// directory holds 100 outputs whatever the workspace size (the tree is one
// level deeper per factor of ten), so equal bytes and allocations per page
// across sizes show that a page costs what it shows, not the workspace
// size (D9). Target: a directory page under 50 ms. The pages are
// rendered every time; directory-cached is the directory page sent again
// from the page cache while nothing changed.
//
//	go test -run='^$' -bench=BenchmarkWorkspacePages -benchmem ./ui/
func BenchmarkWorkspacePages(b *testing.B) {
	for _, size := range []struct{ n, depth int }{{1_000, 1}, {10_000, 2}, {100_000, 3}} {
		b.Run(fmt.Sprintf("outputs=%d", size.n), func(b *testing.B) {
			w := newWorld(b, "generated")
			w.srv.SetPageCache(false) // the cost of rendering; directory-cached is a page sent again
			ws := wstest.MustGenerate(b, w.wsDir, "generated", size.n, wstest.Options{ManifestOnly: true, Fanout: 10, Depth: size.depth})
			backdate(b, ws.Dir)
			c := signInBench(b, w, researcher)
			leaf := ws.LeafDirs[len(ws.LeafDirs)/2]
			pages := []struct{ name, path, want string }{
				{"workspace", "/workspaces/view/generated/", "output/"},
				{"directory", "/workspaces/view/generated/" + leaf + "/", "file"},
				{"tree", "/workspaces/tree/generated/" + leaf[:strings.LastIndexByte(leaf, '/')] + "/", "data-path"},
				{"directory-cached", "/workspaces/view/generated/" + leaf + "/", "file"},
			}
			for _, pg := range pages {
				w.srv.SetPageCache(pg.name == "directory-cached")
				// Warm the manifest cache and check the page once.
				rec := c.do("GET", pg.path, nil)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), pg.want) {
					b.Fatalf("%s: status %d: %.300s", pg.path, rec.Code, rec.Body.String())
				}
				if strings.HasPrefix(pg.name, "directory") {
					if rows := strings.Count(rec.Body.String(), `name="path" value=`); rows != 100 {
						b.Fatalf("directory page lists %d files, want 100", rows)
					}
				}
				b.Run(pg.name, func(b *testing.B) {
					b.ReportAllocs()
					var bytes int
					// On a shared machine the wall time tells more about the
					// neighbours than about us: report the CPU spent too.
					cpu := cpuTime()
					defer func() { b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op") }()
					for b.Loop() {
						rec := c.do("GET", pg.path, nil)
						if rec.Code != http.StatusOK {
							b.Fatalf("%s: status %d", pg.path, rec.Code)
						}
						bytes = rec.Body.Len()
					}
					b.ReportMetric(float64(bytes), "page-bytes")
				})
			}
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
