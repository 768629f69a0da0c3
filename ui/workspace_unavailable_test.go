package ui

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedManifest breaks a workspace's metadata/manifest.json (issue 9,
// item 9). Before, the index linked to the workspace as if it were fine
// and opening it showed the JSON parser's message. Now every page says in
// plain words that the workspace's list of files could not be read and
// whom to ask, never with the parser's words and never with a 5xx.
func TestDamagedManifest(t *testing.T) {
	e := newEnv(t)
	author := e.as("author")
	if err := os.WriteFile(filepath.Join(e.wsDir, "ws1", "metadata", "manifest.json"), []byte(`{"outputs": {t`), 0o644); err != nil {
		t.Fatal(err)
	}
	const plain = "list of files could not be read"
	parser := []string{"invalid character", "looking for beginning", "not valid JSON"}
	check := func(t *testing.T, rec interface {
		Result() *http.Response
	}, body string, wantStatus int) {
		t.Helper()
		if code := rec.Result().StatusCode; code != wantStatus {
			t.Errorf("status = %d, want %d", code, wantStatus)
		}
		for _, p := range parser {
			if strings.Contains(body, p) {
				t.Errorf("the page shows the parser's message (%q)", p)
			}
		}
	}

	t.Run("Index", func(t *testing.T) {
		rec := author.get("/workspaces/")
		body := rec.Body.String()
		check(t, rec, body, http.StatusOK)
		item := between(body, `data-testid="workspace-ws1"`, "</li>")
		if strings.Contains(item, `href="/workspaces/view/ws1/"`) {
			t.Error("the index links to the damaged workspace as if it were fine")
		}
		if !strings.Contains(item, plain) || !strings.Contains(item, "backend") {
			t.Errorf("the index does not say the workspace is unavailable and why:\n%s", item)
		}
	})
	for _, target := range []string{"/workspaces/view/ws1/", "/workspaces/view/ws1/output/summary.csv"} {
		t.Run("Browse"+target, func(t *testing.T) {
			rec := author.get(target)
			body := rec.Body.String()
			check(t, rec, body, http.StatusOK)
			if !strings.Contains(body, plain) || !strings.Contains(body, "backend support") {
				t.Errorf("the page does not say what is wrong and whom to ask:\n%s", body)
			}
			if !strings.Contains(body, `href="/requests/workspace/ws1"`) {
				t.Error("the page does not lead to the workspace's requests, which still work")
			}
		})
	}
	for name, send := range map[string]func() (*http.Response, string){
		"Content": func() (*http.Response, string) {
			rec := author.get("/workspaces/content/ws1/output/summary.csv")
			return rec.Result(), rec.Body.String()
		},
		"Add": func() (*http.Response, string) {
			rec := author.post("/workspaces/add/ws1", url.Values{"count": {"1"}, "file_0": {"output/summary.csv"}, "type_0": {"OUTPUT"}})
			return rec.Result(), rec.Body.String()
		},
	} {
		t.Run(name, func(t *testing.T) {
			resp, body := send()
			if resp.StatusCode != http.StatusConflict {
				t.Errorf("status = %d, want 409", resp.StatusCode)
			}
			if !strings.Contains(body, plain) {
				t.Errorf("the answer does not say what is wrong:\n%s", body)
			}
			for _, p := range parser {
				if strings.Contains(body, p) {
					t.Errorf("the answer shows the parser's message (%q)", p)
				}
			}
		})
	}
}

// between returns the part of s from the first start to the next end.
func between(s, start, end string) string {
	i := strings.Index(s, start)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, end); j >= 0 {
		return s[:j]
	}
	return s
}
