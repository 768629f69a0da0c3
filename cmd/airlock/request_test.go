package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/airlock/sqlite"
)

// mustBackendDir is a work directory as the demo leaves it: the sample
// workspaces of testdata, the demo's users file and an empty database. It
// returns the directory and a getenv naming it.
func mustBackendDir(t *testing.T) (string, func(string) string) {
	t.Helper()
	dir := t.TempDir()
	if err := copyDemoWorkspaces(filepath.Join(dir, "workspaces")); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureDevUsers(dir); err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	return dir, func(k string) string {
		if k == "AIRLOCK_WORK_DIR" {
			return dir
		}
		return ""
	}
}

// runCmdInput is runCmd with stdin.
func runCmdInput(t *testing.T, getenv func(string) string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx := withStdin(context.Background(), strings.NewReader(stdin))
	err := run(ctx, append([]string{"airlock"}, args...), getenv, &out, &errOut)
	code := exitCode(err, &errOut)
	return out.String(), errOut.String(), code
}

// openTestBackend opens the work directory's service, for looking at what
// a command did and for the steps of other people.
func openTestBackend(t *testing.T, dir string) *backend {
	t.Helper()
	b, err := (&backendSettings{workDir: dir, reviews: "2"}).open(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// theRequest returns the user's open request in a workspace, or nil.
func theRequest(t *testing.T, dir, user, workspace string) *airlock.Request {
	t.Helper()
	b := openTestBackend(t, dir)
	u := demoUser(t, b, user)
	rs, err := b.svc.Requests(context.Background(), u, airlock.RequestFilter{Workspace: workspace, Author: user})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		return nil
	}
	return rs[0]
}

func demoUser(t *testing.T, b *backend, name string) *airlock.User {
	t.Helper()
	u, err := currentUser(context.Background(), b.svc, b.roles, name)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// viewDB runs fn on the work directory's database.
func viewDB(t *testing.T, dir string, fn func(tx airlock.Tx) error) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "airlock.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// auditEvents returns every event of the log, newest first.
func auditEvents(t *testing.T, dir string) []*airlock.AuditEvent {
	t.Helper()
	var evs []*airlock.AuditEvent
	viewDB(t, dir, func(tx airlock.Tx) (err error) {
		evs, err = tx.AuditEvents(airlock.AuditFilter{})
		return err
	})
	return evs
}

func TestRequestCreate(t *testing.T) {
	t.Parallel()
	t.Run("GroupsPerDirectory", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		out, stderr, code := runCmd(t, env, "request", "create", "researcher", "cardiac-main",
			"--dirs", "output/tables", "output/figures/", "--supporting-files", "output/tables/small_counts.csv", "output/figures/incidence.png",
			"--context", "Counts by region and age")
		if code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		if !strings.Contains(out, "Success, not submitted") || !strings.Contains(out, "output/tables → group output-tables: 3 files, 3 added") ||
			!strings.Contains(out, "output/figures → group output-figures: 1 file, 0 added, 1 supporting file left out") {
			t.Errorf("printed:\n%s", out)
		}
		r := theRequest(t, dir, "researcher", "cardiac-main")
		if r == nil || r.Status != airlock.StatusPending {
			t.Fatalf("request %+v, want a pending one", r)
		}
		g := r.Group("output-tables")
		if g == nil || len(r.Groups) != 1 {
			t.Fatalf("groups %v: want only output-tables, because output/figures has no outputs to go with its supporting file", groupNames(r))
		}
		if got, want := len(g.OutputFiles()), 2; got != want {
			t.Errorf("%d outputs, want %d", got, want)
		}
		if f := r.File("output/tables/small_counts.csv"); f == nil || f.Type != airlock.FileSupporting {
			t.Errorf("small_counts.csv is %+v, want a supporting file", f)
		}
		if g.Context != "Counts by region and age" || g.Controls != "" {
			t.Errorf("context %q, controls %q", g.Context, g.Controls)
		}
		for _, e := range auditEvents(t, dir) {
			if e.Request == r.ID && !e.Automated() {
				t.Errorf("event %s is not marked as automated: %v", e.Type, e.Extra)
			}
		}
		// Run again: the files are on the request already, and nothing new is added.
		out, stderr, code = runCmd(t, env, "request", "create", "researcher", "cardiac-main", "--dirs", "output/tables", "--json")
		var got automatedJSON
		if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 {
			t.Fatalf("exit %d, %q: %v %s", code, out, err, stderr)
		}
		if !got.Completed || got.RequestID != r.ID || got.Groups[0].AlreadyAdded != 3 || got.Groups[0].Added != 0 {
			t.Errorf("second run: %+v", got)
		}
	})
	t.Run("SubmitThenAlreadySubmitted", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		args := []string{"request", "create", "researcher", "cardiac-sensitivity", "--dirs", "output", "--context", "Sensitivity analysis", "--controls", "Counts rounded to 5", "--submit"}
		if out, stderr, code := runCmd(t, env, args...); code != 0 || !strings.Contains(out, "Success, submitted") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		r := theRequest(t, dir, "researcher", "cardiac-sensitivity")
		if r.Status != airlock.StatusSubmitted || r.Group("output") == nil {
			t.Fatalf("status %s, groups %v", r.Status, groupNames(r))
		}
		out, stderr, code := runCmd(t, env, args...)
		if code != 0 || !strings.Contains(out, "Already submitted") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
	})
	t.Run("SubmitRulesApply", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		_, stderr, code := runCmd(t, env, "request", "create", "researcher", "cardiac-sensitivity", "--dirs", "output", "--submit")
		if code != 1 || !strings.Contains(stderr, "describe the context and disclosure controls") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if r := theRequest(t, dir, "researcher", "cardiac-sensitivity"); r == nil || r.Status != airlock.StatusPending || len(r.OutputFiles()) != 2 {
			t.Fatalf("request %+v: the files should stay on a pending request", r)
		}
	})
	t.Run("AlreadyReleased", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		args := []string{"request", "create", "researcher", "vaccine-uptake", "--dirs", "output", "--context", "c", "--controls", "k", "--submit"}
		if out, stderr, code := runCmd(t, env, args...); code != 0 {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		releaseAsCheckers(t, dir, theRequest(t, dir, "researcher", "vaccine-uptake").ID)
		out, stderr, code := runCmd(t, env, args...)
		if code != 0 || !strings.Contains(out, "Already released") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		if r := theRequest(t, dir, "researcher", "vaccine-uptake"); r.Status != airlock.StatusApproved {
			t.Fatalf("the newest request is %s; no new one should be made", r.Status)
		}
	})
	t.Run("LatestOutputsUser", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		editManifest(t, dir, "vaccine-uptake", func(outputs map[string]map[string]any) {
			outputs["output/uptake.png"]["timestamp"] = 1800000000
			outputs["output/uptake.png"]["user"] = "researcher-checker"
		})
		out, stderr, code := runCmd(t, env, "request", "create", "vaccine-uptake", "--dirs", "output")
		if code != 0 || !strings.Contains(out, "as researcher-checker (the user of the latest output)") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		if r := theRequest(t, dir, "researcher-checker", "vaccine-uptake"); r == nil {
			t.Fatal("no request by researcher-checker")
		}
		editManifest(t, dir, "vaccine-uptake", func(outputs map[string]map[string]any) {
			delete(outputs["output/uptake.png"], "user")
		})
		if _, stderr, code := runCmd(t, env, "request", "create", "", "vaccine-uptake", "--dirs", "output"); code != 1 || !strings.Contains(stderr, "no user for its latest output, output/uptake.png") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
	t.Run("SkipsWhatCannotBeAdded", func(t *testing.T) {
		t.Parallel()
		dir, env := mustBackendDir(t)
		out, stderr, code := runCmd(t, env, "request", "create", "researcher", "cardiac-main", "--dirs", "metadata", "output/old")
		if code != 0 || !strings.Contains(out, "skipped: metadata/manifest.json is not an output of a job") {
			t.Fatalf("exit %d: %s%s", code, out, stderr)
		}
		r := theRequest(t, dir, "researcher", "cardiac-main")
		if r == nil || len(r.AllFiles()) != 1 || r.Group("metadata") != nil {
			t.Fatalf("request %+v", r)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"ErrNoDirs", []string{"researcher", "cardiac-main"}, 2, "name the directories"},
		{"ErrNoWorkspace", []string{"--dirs", "output"}, 2, "missing arguments"},
		{"ErrTooManyArguments", []string{"a", "b", "c", "--dirs", "output"}, 2, "unexpected arguments"},
		{"ErrUnknownDir", []string{"researcher", "cardiac-main", "--dirs", "output/nope"}, 1, "output/nope is not a directory of workspace cardiac-main"},
		{"ErrFileAsDir", []string{"researcher", "cardiac-main", "--dirs", "output/notes.txt"}, 1, "is a file, not a directory"},
		{"ErrRoot", []string{"researcher", "cardiac-main", "--dirs", "/"}, 1, "Name a directory inside workspace"},
		{"ErrSupportingElsewhere", []string{"researcher", "cardiac-main", "--dirs", "output/tables", "--supporting-files", "output/notes.txt"}, 1, "output/notes.txt is not under any of the directories"},
		{"ErrNotMember", []string{"collaborator", "cardiac-main", "--dirs", "output"}, 1, "cardiac-main"},
		{"ErrUnknownUser", []string{"nobody", "cardiac-main", "--dirs", "output"}, 1, `Could not retrieve user information for "nobody"`},
		{"ErrUnknownWorkspace", []string{"researcher", "no-such-workspace", "--dirs", "output"}, 1, "no-such-workspace"},
		{"ErrSubmitWithInvalidFile", []string{"researcher", "cardiac-main", "--dirs", "metadata", "--context", "c", "--controls", "k", "--submit"}, 1, "Nothing was changed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir, env := mustBackendDir(t)
			out, stderr, code := runCmd(t, env, append([]string{"request", "create"}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, want %d with %q:\n%s%s", code, tc.code, tc.want, out, stderr)
			}
			for _, e := range auditEvents(t, dir) {
				t.Errorf("a refusal wrote %s", e.Type)
			}
		})
	}
}

// releaseAsCheckers approves every output of a submitted request as the
// demo's two checkers, submits both reviews and releases it.
func releaseAsCheckers(t *testing.T, dir, id string) {
	t.Helper()
	ctx := context.Background()
	b := openTestBackend(t, dir)
	checkers := []*airlock.User{demoUser(t, b, "checker1"), demoUser(t, b, "checker2")}
	v, err := b.svc.View(ctx, checkers[0], id)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range checkers {
		for _, f := range v.Request.OutputFiles() {
			if err := b.svc.Vote(ctx, u, id, f.Path, airlock.VoteApproved); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.svc.SubmitReview(ctx, u, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.svc.Release(ctx, checkers[0], id); err != nil {
		t.Fatal(err)
	}
}

// editManifest changes a workspace's manifest in place.
func editManifest(t *testing.T, dir, workspace string, edit func(outputs map[string]map[string]any)) {
	t.Helper()
	p := filepath.Join(dir, "workspaces", workspace, "metadata", "manifest.json")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	outputs := map[string]map[string]any{}
	for k, v := range m["outputs"].(map[string]any) {
		outputs[k] = v.(map[string]any)
	}
	edit(outputs)
	m["outputs"] = outputs
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func groupNames(r *airlock.Request) []string {
	var names []string
	for _, g := range r.Groups {
		names = append(names, g.Name)
	}
	return names
}
