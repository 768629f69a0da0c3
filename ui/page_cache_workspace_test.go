package ui

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// A workspace changed on disk and in the store, step by step as jobs and
// people change it: after every step, every person's folder pages,
// fetched twice through the cache, are byte for byte what a fresh render
// gives them, and folder pages were served from the cache.
func TestPageCacheWorkspaceMatchesFreshRender(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	files := ws1Files()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	writeFile := func(p, body string) {
		t.Helper()
		full := filepath.Join(e.wsDir, "ws1", filepath.FromSlash(p))
		must(os.MkdirAll(filepath.Dir(full), 0o755))
		must(os.WriteFile(full, []byte(body), 0o644))
	}
	jobWrote := func(change map[string]string) {
		t.Helper()
		for p, body := range change {
			if body == "" {
				delete(files, p)
			} else {
				files[p] = body
			}
		}
		writeWorkspace(t, e.wsDir, "ws1", maps.Clone(files))
	}
	people := []string{"author", "member", "checker", "readonly", "outsider"}
	clients := map[string]*client{}
	for _, p := range people {
		clients[p] = e.as(p)
	}
	author := e.user("author")
	var id string
	steps := []struct {
		name string
		do   func()
	}{
		{"as first written", func() {}},
		{"a file added to a request", func() {
			res, err := e.svc.AddFiles(ctx, author, "ws1", []review.AddItem{{Path: "output/summary.csv", Type: airlock.FileOutput}}, "tables")
			must(err)
			must(res[0].Err)
			reqs, err := e.svc.Requests(ctx, author, airlock.RequestFilter{Author: "author"})
			must(err)
			id = reqs[0].ID
		}},
		{"a job wrote a new output", func() { jobWrote(map[string]string{"output/new.csv": "n\n1\n"}) }},
		{"the added output changed", func() { jobWrote(map[string]string{"output/summary.csv": "group,count\na,15\nb,25\n"}) }},
		{"a log under metadata/", func() { writeFile("metadata/job.log", "started\n") }},
		{"the log grew, same name", func() { writeFile("metadata/job.log", "started\nfinished after a long while\n") }},
		{"an action left the pipeline", func() { markOutOfDate(t, e, "ws1", "output/notes.txt") }},
		{"submitted", func() {
			must(e.svc.EditGroup(ctx, author, id, "tables", "context", "controls"))
			must(e.svc.Submit(ctx, author, id))
		}},
		{"member shows out-of-date outputs", func() {
			wantCode(t, clients["member"].post("/workspaces/out-of-date/ws1", url.Values{"show": {"1"}}), http.StatusSeeOther)
		}},
		{"a folder's last output removed", func() { jobWrote(map[string]string{"output/deep/nested.csv": ""}) }},
	}
	pages := []string{"/workspaces/view/ws1/", "/workspaces/view/ws1/output/", "/workspaces/view/ws1/metadata/",
		"/workspaces/view/ws1/output/summary.csv", "/workspaces/view/ws2/"}
	for _, st := range steps {
		st.do()
		for _, p := range people {
			for _, target := range pages {
				compareCached(t, clients[p], p, st.name, target)
			}
		}
	}
	// The new output is listed, the removed folder is gone and its address
	// leads to the nearest folder, and the grown log shows its new size.
	body := clients["author"].get("/workspaces/view/ws1/output/").Body.String()
	if !strings.Contains(body, "new.csv") || strings.Contains(body, "deep/") {
		t.Error("the output folder does not show the workspace as it is now")
	}
	if rec := clients["author"].get("/workspaces/view/ws1/output/deep/"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/workspaces/view/ws1/output/" {
		t.Errorf("the removed folder: status %d to %q, want a redirect to its parent", rec.Code, rec.Header().Get("Location"))
	}
	if body := clients["author"].get("/workspaces/view/ws1/metadata/").Body.String(); !strings.Contains(body, "36 B") {
		t.Error("the metadata folder does not show the log's size now (36 B)")
	}
	if e.srv.pages.hits.Load() == 0 {
		t.Fatal("no folder page was ever served from the cache")
	}
}

// Which workspace pages are kept: a folder of outputs is; a file's page,
// and a folder listing files that are not outputs (their size and time
// are read from disk each time), are rendered every time.
func TestPageCacheKeepsFoldersOfOutputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	full := filepath.Join(e.wsDir, "ws1", "metadata", "job.log")
	if err := os.WriteFile(full, []byte("started\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := e.as("author")
	for _, tc := range []struct {
		target string
		kept   bool
	}{
		{"/workspaces/view/ws1/output/", true},
		{"/workspaces/view/ws1/", true},
		{"/workspaces/view/ws1/metadata/", false},
		{"/workspaces/view/ws1/output/summary.csv", false},
		{"/workspaces/view/ws1/output", false}, // a redirect to the folder
	} {
		before := e.srv.pages.hits.Load()
		c.get(tc.target)
		c.get(tc.target)
		if kept := e.srv.pages.hits.Load() > before; kept != tc.kept {
			t.Errorf("%s: kept %v, want %v", tc.target, kept, tc.kept)
		}
	}
}
