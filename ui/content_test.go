package ui

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// The preview engine's own behaviour is tested in ui/preview; these tests
// check that the content handlers hand it the right bytes under the right
// headers.

// viewEnv is a test environment whose workspace ws1 holds files.
func viewEnv(t *testing.T, files map[string]string) *client {
	t.Helper()
	e := newEnv(t)
	writeWorkspace(t, e.wsDir, "ws1", files)
	return e.as("author")
}

func TestContentHTMLSandboxed(t *testing.T) {
	t.Parallel()
	page := "<html><body><script>alert(1)</script><p>hi</p></body></html>"
	c := viewEnv(t, map[string]string{"output/page.html": page, "output/pic.svg": `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`})
	for _, p := range []string{"output/page.html", "output/pic.svg"} {
		rec := c.get("/workspaces/content/ws1/" + p)
		mustStatus(t, rec, http.StatusOK, p)
		h := rec.Header()
		csp := h.Get("Content-Security-Policy")
		if !strings.HasPrefix(csp, "sandbox;") || strings.Contains(csp, "allow-") {
			t.Errorf("%s: CSP %q, want a sandbox without allowances", p, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
		if p == "output/page.html" && (rec.Body.String() != page || !strings.HasPrefix(h.Get("Content-Type"), "text/html")) {
			t.Errorf("%s: raw bytes not served: %q %q", p, h.Get("Content-Type"), rec.Body.String())
		}
	}
}

var frameRE = regexp.MustCompile(`<iframe class="preview-frame" src="([^"]+)"`)

func TestRequestContentHashedURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("author")
	id := authorRequest(t, e, c)
	page := c.get("/requests/file/" + id + "/tables/output/summary.csv")
	mustStatus(t, page, http.StatusOK, "request file page")
	m := frameRE.FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatalf("no preview frame: %s", page.Body.String())
	}
	src := strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.Contains(src, "?v=") {
		t.Fatalf("frame URL %q is not pinned to the content", src)
	}
	rec := c.get(src)
	mustStatus(t, rec, http.StatusOK, "request content")
	if cc := rec.Header().Get("Cache-Control"); cc != "private, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if rows := strings.Count(rec.Body.String(), `<tr id="R`); rows != 2 {
		t.Errorf("%d table rows, want 2", rows)
	}
	etag := rec.Header().Get("ETag")
	mustStatus(t, c.do("GET", src, nil, map[string]string{"If-None-Match": etag}), http.StatusNotModified, "revalidation")
	// Sorting links stay pinned to the same content.
	if !strings.Contains(rec.Body.String(), "v="+strings.Trim(etag, `"`)) {
		t.Errorf("table links lose the version tag")
	}
}
