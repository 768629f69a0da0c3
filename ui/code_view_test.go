package ui

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// codeEvents returns the CODE_FILE_VIEW events of the audit log.
func codeEvents(t *testing.T, e *env) []*airlock.AuditEvent {
	t.Helper()
	var out []*airlock.AuditEvent
	for _, ev := range auditEvents(t, e) {
		if ev.Type == airlock.EventCodeView {
			out = append(out, ev)
		}
	}
	return out
}

// auditEvents returns the whole audit log, newest first.
func auditEvents(t *testing.T, e *env) []*airlock.AuditEvent {
	t.Helper()
	var evs []*airlock.AuditEvent
	err := e.db.View(context.Background(), func(tx airlock.Tx) error {
		var err error
		evs, err = tx.AuditEvents(airlock.AuditFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestCodeViewFromAWorkspaceFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("member")

	// The file page links to the code at the output's commit, with a way back.
	rec := wantCode(t, c.get("/workspaces/view/ws1/output/summary.csv"), http.StatusOK)
	fileURL := "/workspaces/view/ws1/output/summary.csv"
	want := codeURL("workspace", "ws1", testCommit(), fileURL)
	if !strings.Contains(rec.Body.String(), `href="`+html.EscapeString(want)+`"`) {
		t.Fatalf("file page has no source code link %q", want)
	}

	// The root lists the repository with the commit's details.
	body := wantCode(t, c.get(want), http.StatusOK).Body.String()
	for _, s := range []string{"repo@" + testCommit()[:7], testCommit(), "Analysis", "Ann Author",
		"project.yaml", "analysis/", "Back to summary.csv", `href="` + fileURL + `"`} {
		if !strings.Contains(body, html.EscapeString(s)) && !strings.Contains(body, s) {
			t.Errorf("code root lacks %q", s)
		}
	}

	// A file shows in the sandboxed frame; every link keeps the way back.
	base := "/code/view/workspace/ws1/" + testCommit() + "/"
	ret := "?" + url.Values{paramReturn: {fileURL}}.Encode()
	body = wantCode(t, c.get(base+"analysis/model.R"+ret), http.StatusOK).Body.String()
	if !strings.Contains(body, `sandbox="allow-forms allow-same-origin"`) || !strings.Contains(body, "/code/content/workspace/ws1/"+testCommit()+"/analysis/model.R?v=") {
		t.Errorf("file page has no sandboxed preview frame:\n%s", body)
	}
	if !strings.Contains(body, html.EscapeString(base+"analysis/"+ret)) {
		t.Error("breadcrumbs lose the way back")
	}
	if !strings.Contains(body, `class="file selected"`) {
		t.Error("the tree does not mark the open file")
	}

	// The content is highlighted code under a script-free sandbox, and audited.
	rec = wantCode(t, c.get("/code/content/workspace/ws1/"+testCommit()+"/analysis/report.py"), http.StatusOK)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || strings.Contains(csp, "allow-scripts") {
		t.Errorf("CSP = %q", csp)
	}
	if b := rec.Body.String(); strings.Contains(b, "<script>alert") || !strings.Contains(b, "&lt;script&gt;") {
		t.Errorf("code is not escaped:\n%s", b)
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	// An HTML file of the repository is served raw, still sandboxed.
	rec = wantCode(t, c.get("/code/content/workspace/ws1/"+testCommit()+"/docs/page.html"), http.StatusOK)
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") || strings.Contains(csp, "allow-scripts") {
		t.Errorf("HTML source CSP = %q", csp)
	}
	evs := codeEvents(t, e) // newest first
	if len(evs) != 2 || evs[1].Path != "analysis/report.py" || evs[1].User != "member" || evs[1].Workspace != "ws1" ||
		evs[1].Extra["commit"] != testCommit() || evs[1].Extra["repo"] != "https://github.com/example/repo" {
		for _, ev := range evs {
			t.Errorf("audit event %+v", *ev)
		}
	}

	// Folders without a trailing slash are redirected; an unknown path is a
	// 404 page, like its content URL, with the ways back.
	wantCode(t, c.get(base+"analysis"), http.StatusFound)
	wantCode(t, c.get("/code/content/workspace/ws1/"+testCommit()+"/no/such.R"), http.StatusNotFound)
	from := "/workspaces/view/ws1/output/summary.csv"
	body = wantCode(t, c.get(base+"no/such.R?return="+url.QueryEscape(from)), http.StatusNotFound).Body.String()
	for _, want := range []string{`data-testid="code-missing"`, "“no/such.R” is not a file or folder of repo at commit",
		`href="` + base + `?return=` + url.QueryEscape(from) + `">Go to the top of the repository`, `href="` + from + `">← Back to summary.csv`,
		`data-testid="code-tree"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the not-found page lacks %s", want)
		}
	}
}

func TestCodeViewRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	base := "/code/view/workspace/ws1/" + testCommit() + "/"
	content := "/code/content/workspace/ws1/" + testCommit() + "/analysis/model.R"

	// People without access to the workspace see nothing of its code.
	out := e.as("outsider")
	wantCode(t, out.get(base), http.StatusForbidden)
	wantCode(t, out.get(content), http.StatusForbidden)
	if n := len(codeEvents(t, e)); n != 0 {
		t.Errorf("%d code views audited for refused reads", n)
	}

	c := e.as("member")
	// A back link can only lead inside airlock.
	for _, evil := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`} {
		body := wantCode(t, c.get(base+"?"+url.Values{paramReturn: {evil}}.Encode()), http.StatusOK).Body.String()
		if strings.Contains(body, "evil.example") && strings.Contains(body, `href="`+html.EscapeString(evil)) {
			t.Errorf("return %q became a link", evil)
		}
		if !strings.Contains(body, "Back to workspace ws1") {
			t.Errorf("return %q: no fallback back link", evil)
		}
	}

	// Malformed commits and paths are refused, not passed on.
	wantCode(t, c.get("/code/view/workspace/ws1/main/"), http.StatusBadRequest)
	wantCode(t, c.get("/code/view/workspace/ws1/--all/"), http.StatusBadRequest)
	wantCode(t, c.get(base+"../x"), http.StatusBadRequest)
	wantCode(t, c.get("/code/content/workspace/ws1/"+testCommit()+"/analysis"), http.StatusBadRequest)
	wantCode(t, c.get("/code/content/workspace/ws1/"+testCommit()+"/nope.R"), http.StatusNotFound)
}

func TestCodeViewExplainsMissingCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.as("member")
	from := "/workspaces/view/ws1/output/notes.txt"
	cases := map[string]struct {
		prepare func()
		commit  string
		want    string
	}{
		"commit not cached": {commit: strings.Repeat("e", 40), want: "is not in the cached copy of repository"},
		"repository not cached": {
			prepare: func() {
				if err := os.Rename(filepath.Join(e.repoDir, "repo.git"), filepath.Join(e.repoDir, "moved.git")); err != nil {
					t.Fatal(err)
				}
			},
			commit: testCommit(), want: "is not in this backend",
		},
	}
	for _, name := range []string{"commit not cached", "repository not cached"} {
		tc := cases[name]
		t.Run(name, func(t *testing.T) {
			if tc.prepare != nil {
				tc.prepare()
			}
			rec := wantCode(t, c.get(codeURL("workspace", "ws1", tc.commit, from)), http.StatusNotFound)
			body := rec.Body.String()
			if !strings.Contains(body, "Source code unavailable") || !strings.Contains(body, html.EscapeString(tc.want)) {
				t.Errorf("page does not explain %q:\n%s", tc.want, body)
			}
			if !strings.Contains(body, `href="`+from+`"`) || !strings.Contains(body, "Back to notes.txt") {
				t.Error("no way back to the file")
			}
			wantCode(t, c.get("/code/content/workspace/ws1/"+tc.commit+"/project.yaml"), http.StatusNotFound)
		})
	}

	// Without a configured cache the page says so.
	e2 := newEnv(t)
	e2.svc = review.New(review.Config{Store: e2.db, Workspaces: e2.root, Policy: airlock.NewPolicy(2, nil)})
	srv, err := NewServer(Deps{Service: e2.svc, Auth: e2.auth, Sessions: e2.db,
		SessionKeys: [][]byte{[]byte("0123456789abcdef0123456789abcdef")}, Now: e2.clock})
	if err != nil {
		t.Fatal(err)
	}
	e2.srv = srv
	body := wantCode(t, e2.as("member").get(codeURL("workspace", "ws1", testCommit(), from)), http.StatusNotFound).Body.String()
	if !strings.Contains(body, "no repository cache configured") {
		t.Errorf("no explanation without a cache:\n%s", body)
	}
}

func TestCodeViewFromARequest(t *testing.T) {
	t.Parallel()
	m := newMatrixState(t)
	e, id := m.e, m.byUser["author"]

	// The checker reviewing the request reaches the code from the file page.
	checker := e.as("checker")
	fileURL := "/requests/file/" + id + "/tables/output/summary.csv"
	want := codeURL("request", id, testCommit(), fileURL)
	if !strings.Contains(wantCode(t, checker.get(fileURL), http.StatusOK).Body.String(), html.EscapeString(want)) {
		t.Fatalf("request file page has no source code link %q", want)
	}
	body := wantCode(t, checker.get(want), http.StatusOK).Body.String()
	if !strings.Contains(body, "request "+id) || !strings.Contains(body, "analysis/") {
		t.Errorf("request code view:\n%s", body)
	}
	short := testCommit()[:10]
	wantCode(t, checker.get("/code/content/request/"+id+"/"+short+"/analysis/model.R"), http.StatusOK)
	evs := codeEvents(t, e)
	if len(evs) != 1 || evs[0].Request != id || evs[0].User != "checker" || evs[0].Extra["commit"] != testCommit() {
		t.Errorf("audit = %+v", evs)
	}
	// A code view is not an activity line: it is read-only like file views.
	act, err := e.svc.Activity(context.Background(), e.user("author"), id, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range act {
		if ev.Type == airlock.EventCodeView {
			t.Error("code views appear in the request's activity")
		}
	}

	// Only commits that produced the request's files can be opened from it.
	wantCode(t, checker.get("/code/view/request/"+id+"/"+strings.Repeat("f", 40)+"/"), http.StatusNotFound)
	// People who cannot see the request learn nothing.
	wantCode(t, e.as("outsider").get(want), http.StatusNotFound)
	if _, err := e.svc.BrowseCode(context.Background(), e.user("outsider"), review.CodeRef{Request: id, Commit: testCommit()}); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Errorf("service let an outsider list the code: %v", err)
	}
	if _, err := e.svc.OpenCodeFile(context.Background(), e.user("outsider"), review.CodeRef{Workspace: "ws1", Commit: testCommit()}, "project.yaml"); airlock.ErrorCode(err) != airlock.EFORBIDDEN {
		t.Errorf("service let an outsider read a workspace's code: %v", err)
	}
}

// wantCode fails the test unless rec has the status, and returns rec.
func wantCode(t *testing.T, rec *httptest.ResponseRecorder, status int) *httptest.ResponseRecorder {
	t.Helper()
	mustStatus(t, rec, status, rec.Body.String())
	return rec
}
