package ui

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// viewEvents counts the audit events of a type for a path.
func viewEvents(t *testing.T, e *env, typ airlock.EventType, path string) int {
	t.Helper()
	n := 0
	for _, ev := range auditEvents(t, e) {
		if ev.Type == typ && ev.Path == path {
			n++
		}
	}
	return n
}

// TestEveryViewIsAudited checks D12 holds with caching: request file bytes
// are cached as immutable in the preview frame, so opening the file page
// records the view; a new tab uses the revalidated address, so its 304s
// are recorded too; workspace content is always revalidated.
func TestEveryViewIsAudited(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker")
	const p = "output/summary.csv"
	page := "/requests/file/" + id + "/tables/" + p
	content := "/requests/content/" + id + "/tables/" + p

	body := wantCode(t, c.get(page), http.StatusOK).Body.String()
	if got := viewEvents(t, e, airlock.EventRequestFileView, p); got != 1 {
		t.Fatalf("after opening the page: %d view events, want 1", got)
	}
	if !strings.Contains(body, `src="`+content+`?v=`) {
		t.Error("the frame does not use the pinned, cacheable address")
	}
	if !strings.Contains(body, `href="`+content+`" target="_blank"`) {
		t.Error("open in new tab does not use the revalidated address")
	}
	// Reopening the page is a view even when the frame comes from cache.
	wantCode(t, c.get(page), http.StatusOK)
	if got := viewEvents(t, e, airlock.EventRequestFileView, p); got != 2 {
		t.Errorf("after reopening the page: %d view events, want 2", got)
	}

	// The unpinned address must be revalidated; a 304 is still a view.
	rec := wantCode(t, c.get(content), http.StatusOK)
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
		t.Errorf("unpinned content Cache-Control = %q", cc)
	}
	etag := rec.Header().Get("ETag")
	wantCode(t, c.do("GET", content, nil, map[string]string{"If-None-Match": etag}), http.StatusNotModified)
	if got := viewEvents(t, e, airlock.EventRequestFileView, p); got != 4 {
		t.Errorf("after a fetch and a 304: %d view events, want 4", got)
	}

	// Workspace content: never pinned, so every display asks the server.
	ws := "/workspaces/content/ws1/" + p
	rec = wantCode(t, c.get(ws), http.StatusOK)
	if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "no-cache") {
		t.Errorf("workspace content Cache-Control = %q", cc)
	}
	wantCode(t, c.do("GET", ws, nil, map[string]string{"If-None-Match": rec.Header().Get("ETag")}), http.StatusNotModified)
	if got := viewEvents(t, e, airlock.EventWorkspaceFileView, p); got != 2 {
		t.Errorf("workspace views: %d, want 2", got)
	}

	// Pages themselves are never stored.
	if cc := c.get(page).Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("file page Cache-Control = %q", cc)
	}
}

// TestConditionalByDate checks content responses carry Last-Modified beside
// their ETag and answer If-Modified-Since as well as If-None-Match, each
// revalidation still recorded as a view (D12).
func TestConditionalByDate(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]
	c := e.as("checker")
	const p = "output/summary.csv"
	wsFile := filepath.Join(e.wsDir, "ws1", filepath.FromSlash(p))
	for _, tc := range []struct {
		url   string
		event airlock.EventType
		mod   time.Time
	}{
		{"/requests/content/" + id + "/tables/" + p, airlock.EventRequestFileView, e.clock()}, // added at the test's clock
		{"/workspaces/content/ws1/" + p, airlock.EventWorkspaceFileView, fileModTime(t, wsFile)},
	} {
		rec := wantCode(t, c.get(tc.url), http.StatusOK)
		lm := rec.Header().Get("Last-Modified")
		if lm != tc.mod.UTC().Format(http.TimeFormat) || rec.Header().Get("ETag") == "" {
			t.Fatalf("%s: Last-Modified %q, ETag %q; want %s and an ETag", tc.url, lm, rec.Header().Get("ETag"), tc.mod.UTC().Format(http.TimeFormat))
		}
		views := viewEvents(t, e, tc.event, p)
		earlier := tc.mod.Add(-time.Hour).UTC().Format(http.TimeFormat)
		for _, h := range []struct {
			hdr  map[string]string
			want int
		}{
			{map[string]string{"If-Modified-Since": lm}, http.StatusNotModified},
			{map[string]string{"If-Modified-Since": earlier}, http.StatusOK},
			{map[string]string{"If-Modified-Since": "not a date"}, http.StatusOK},
			// If-None-Match decides when both are sent.
			{map[string]string{"If-Modified-Since": lm, "If-None-Match": `"other"`}, http.StatusOK},
			{map[string]string{"If-Modified-Since": earlier, "If-None-Match": rec.Header().Get("ETag")}, http.StatusNotModified},
		} {
			got := c.do("GET", tc.url, nil, h.hdr)
			if got.Code != h.want {
				t.Errorf("%s with %v: status %d, want %d", tc.url, h.hdr, got.Code, h.want)
			}
			if h.want == http.StatusNotModified && got.Body.Len() != 0 {
				t.Errorf("%s: a 304 with a body", tc.url)
			}
		}
		if got := viewEvents(t, e, tc.event, p); got != views+5 {
			t.Errorf("%s: %d views recorded for 5 requests", tc.url, got-views)
		}
	}

	// A workspace file rewritten since is sent again.
	later := fileModTime(t, wsFile).Add(time.Hour)
	if err := os.Chtimes(wsFile, later, later); err != nil {
		t.Fatal(err)
	}
	rec := c.do("GET", "/workspaces/content/ws1/"+p, nil, map[string]string{"If-Modified-Since": later.Add(-time.Minute).UTC().Format(http.TimeFormat)})
	if rec.Code != http.StatusOK || rec.Header().Get("Last-Modified") != later.UTC().Format(http.TimeFormat) {
		t.Errorf("after a rewrite: status %d, Last-Modified %q", rec.Code, rec.Header().Get("Last-Modified"))
	}
}

func fileModTime(t *testing.T, name string) time.Time {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}
