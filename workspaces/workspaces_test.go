package workspaces

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

func TestValidName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"good", true},
		{"my-workspace_2", true},
		{"with space", true},
		{"", false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"a/b", false},
		{"a\\b", false},
		{"a\x00b", false},
		{"a\nb", false},
		{strings.Repeat("x", 255), true},
		{strings.Repeat("x", 256), false},
		{"café", true},
		{"caf\xe9", false},
		{"caf\uFFFD", false},
	}
	for _, tt := range tests {
		if got := ValidName(tt.name); got != tt.ok {
			t.Errorf("ValidName(%q)=%v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestValidatePath(t *testing.T) {
	tests := []struct {
		in, want string
		msg      string // "" means valid
	}{
		{"", "", ""},
		{".", "", ""},
		{"output/a.csv", "output/a.csv", ""},
		{"output", "output", ""},
		{"a b/c.csv", "a b/c.csv", ""},
		{"../good/output/secret.csv", "", "'..'"},
		{"output/../../x", "", "'..'"},
		{"..", "", "'..'"},
		{"/etc/passwd", "", "start with '/'"},
		{"a\x00b", "", "NUL"},
		{"output/", "", "end with '/'"},
		{"output//a.csv", "", "empty"},
		{"./output", "", "'.' parts"},
		{strings.Repeat("a/", 3000) + "a", "", "longer than"},
		{"output/café.csv", "output/café.csv", ""},
		{"output/caf\xe9.csv", "", "not valid UTF-8"},
		{"output/caf\uFFFD.csv", "", "not valid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ValidatePath(tt.in)
			if tt.msg == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ValidatePath(%q)=%q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			wantCode(t, err, airlock.EINVALID, tt.msg)
		})
	}
}

func TestParseManifest(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		data, err := os.ReadFile("testdata/workspaces/good/metadata/manifest.json")
		if err != nil {
			t.Fatal(err)
		}
		m, err := ParseManifest("good", data)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, o := range m.Outputs {
			paths = append(paths, o.Path)
		}
		want := []string{
			"output/B.csv", "output/big.csv.txt", "output/changed.csv", "output/missing.csv",
			"output/mixed/current.csv", "output/mixed/stale2.csv", "output/notes.txt",
			"output/ood/stale.csv", "output/plot.png", "output/summary.csv",
			"output/tables/counts.csv", "report.md",
		}
		if !slices.Equal(paths, want) {
			t.Fatalf("paths=%q\nwant %q", paths, want)
		}
		if got, want := m.Hash, hashBytes(data); got != want {
			t.Fatalf("Hash=%s, want %s", got, want)
		}
		if got, want := m.Repo, "https://github.com/example/study"; got != want {
			t.Fatalf("Repo=%q, want %q", got, want)
		}
		if got, want := m.OutOfDateActionCount, 2; got != want {
			t.Fatalf("OutOfDateActionCount=%d, want %d", got, want)
		}
		if got, want := m.LatestUser, "carol"; got != want {
			t.Fatalf("LatestUser=%q, want %q", got, want)
		}
		i := slices.IndexFunc(m.Outputs, func(o airlock.WorkspaceFile) bool { return o.Path == "output/tables/counts.csv" })
		c := m.Outputs[i]
		if !c.InManifest || c.Excluded || c.RowCount == nil || *c.RowCount != 2 || *c.ColCount != 2 {
			t.Fatalf("counts.csv meta = %+v", c)
		}
		if got, want := c.Timestamp, time.Unix(1700000001, 5e8).UTC(); !got.Equal(want) {
			t.Fatalf("Timestamp=%v, want %v", got, want)
		}
		i = slices.IndexFunc(m.Outputs, func(o airlock.WorkspaceFile) bool { return o.Path == "output/big.csv.txt" })
		if b := m.Outputs[i]; b.InManifest || !b.Excluded || b.ContentHash != "" || b.Size != 0 {
			t.Fatalf("placeholder meta = %+v", b)
		}
	})
	t.Run("NoOutputs", func(t *testing.T) {
		m, err := ParseManifest("x", []byte(`{"workspace": "x", "repo": "r"}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Outputs) != 0 || m.Repo != "r" || len(m.Problems) != 1 {
			t.Fatalf("m=%+v", m)
		}
	})
	t.Run("RepoFromFirstOutput", func(t *testing.T) {
		m, err := ParseManifest("x", []byte(`{"outputs": {"b.csv": {"repo": "rb"}, "a.csv": {"repo": "ra"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if m.Repo != "ra" || len(m.Outputs) != 0 {
			t.Fatalf("m=%+v", m)
		}
	})
	t.Run("PlaceholderCollision", func(t *testing.T) {
		m, err := ParseManifest("x", []byte(`{"outputs": {
			"a.csv": {"level": "moderately_sensitive", "excluded": true},
			"a.csv.txt": {"level": "moderately_sensitive", "content_hash": "AB"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Outputs) != 1 || !m.Outputs[0].InManifest || m.Outputs[0].ContentHash != "ab" {
			t.Fatalf("outputs=%+v", m.Outputs)
		}
	})
	t.Run("SkipsBadPaths", func(t *testing.T) {
		m, err := ParseManifest("x", []byte(`{"outputs": {
			"../escape.csv": {"level": "moderately_sensitive"},
			"/abs.csv": {"level": "moderately_sensitive"},
			"metadata/fake.log": {"level": "moderately_sensitive"},
			"ok.csv": {"level": "moderately_sensitive"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Outputs) != 1 || m.Outputs[0].Path != "ok.csv" || len(m.Problems) != 3 {
			t.Fatalf("m=%+v", m)
		}
	})
	// A name that is not UTF-8, raw or as the lone surrogate escape Python's
	// json module writes for such a file name, decodes to U+FFFD: it no
	// longer names the file on disk, so the entry is refused, and says why.
	t.Run("SkipsNamesNotUTF8", func(t *testing.T) {
		m, err := ParseManifest("x", []byte("{\"outputs\": {"+
			"\"raw/caf\xe9.csv\": {\"level\": \"moderately_sensitive\"},"+
			`"escaped/caf\udce9.csv": {"level": "moderately_sensitive"},`+
			`"ok/café.csv": {"level": "moderately_sensitive"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Outputs) != 1 || m.Outputs[0].Path != "ok/café.csv" || len(m.Problems) != 2 {
			t.Fatalf("m=%+v", m)
		}
		for _, p := range m.Problems {
			if !strings.Contains(p, "not valid UTF-8") {
				t.Errorf("problem %q does not say what is wrong", p)
			}
		}
	})
	for _, tt := range []struct{ name, data, msg string }{
		{"InvalidJSON", `{"outputs": {`, `workspace "w": metadata/manifest.json is not valid JSON`},
		{"Empty", ``, `is not valid JSON`},
		{"Array", `[1, 2]`, `is not a JSON object`},
		{"Null", `null`, `is not a JSON object`},
		{"BadShape", `{"outputs": []}`, `has an unexpected shape`},
		{"BadSize", `{"outputs": {"a": {"size": true}}}`, `has an unexpected shape`},
		{"TrailingGarbage", `{} x`, `is not valid JSON`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseManifest("w", []byte(tt.data))
			wantCode(t, err, airlock.EINVALID, tt.msg)
		})
	}
}

func TestRootGet(t *testing.T) {
	r := mustOpenRoot(t, copyFixtures(t))
	ctx := context.Background()
	for _, name := range []string{"missing", "", ".", "..", ".hidden", "good/output", "../workspaces", "a\x00b"} {
		_, err := r.Get(ctx, name)
		wantCode(t, err, airlock.ENOTFOUND, "was not found")
	}
	// A missing or damaged manifest: a plain message for people, the
	// parser's reason for the log, and a mark callers can test for.
	for _, tt := range []struct{ name, detail string }{
		{"badjson", `workspace "badjson": metadata/manifest.json is not valid JSON`},
		{"badshape", `workspace "badshape": metadata/manifest.json has an unexpected shape`},
		{"nomanifest", `workspace "nomanifest": metadata/manifest.json is missing`},
	} {
		_, err := r.Get(ctx, tt.name)
		wantUnreadable(t, err, tt.detail)
		wantCode(t, err, airlock.ECONFLICT, "Workspace "+tt.name+": the list of files could not be read")
	}
	// A damaged manifest is read once per change, like a good one.
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(r.Dir(), "badjson", "metadata", "manifest.json"), old, old); err != nil {
		t.Fatal(err)
	}
	_, _ = r.Get(ctx, "badjson")
	reads := r.cache["badjson"].reads
	if _, err := r.Get(ctx, "badjson"); !errors.Is(err, airlock.ErrManifestUnreadable) || r.cache["badjson"].reads != reads {
		t.Errorf("unchanged damaged manifest: %v, read again: %v", err, r.cache["badjson"].reads != reads)
	}
	w := mustGet(t, r, "nooutputs")
	es, err := w.Children(ctx, "", airlock.ChildrenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := entryNames(es), []string{"metadata/"}; !slices.Equal(got, want) {
		t.Fatalf("root children = %q, want %q", got, want)
	}
}

func TestRootNames(t *testing.T) {
	dir := copyFixtures(t)
	if err := os.WriteFile(filepath.Join(dir, "afile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("good", filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".hidden", "metadata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".hidden", "metadata", "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustOpenRoot(t, dir)
	names, err := r.Names(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"badjson", "badshape", "good", "nooutputs"}; !slices.Equal(names, want) {
		t.Fatalf("Names=%q, want %q", names, want)
	}
	// A symlinked workspace directory is not a workspace.
	_, err = r.Get(context.Background(), "linked")
	wantCode(t, err, airlock.ENOTFOUND, "")
}

func TestChildren(t *testing.T) {
	r := mustOpenRoot(t, copyFixtures(t))
	w := mustGet(t, r, "good")
	ctx := context.Background()
	tests := []struct {
		dir  string
		hide bool
		want []string
	}{
		{"", false, []string{"metadata/", "output/", "report.md"}},
		{".", false, []string{"metadata/", "output/", "report.md"}},
		{"output", false, []string{"mixed/", "ood/", "tables/", "B.csv", "big.csv.txt", "changed.csv",
			"missing.csv", "notes.txt", "plot.png", "summary.csv"}},
		{"output", true, []string{"mixed/", "tables/", "B.csv", "big.csv.txt", "changed.csv",
			"missing.csv", "notes.txt", "plot.png", "summary.csv"}},
		{"output/mixed", false, []string{"current.csv", "stale2.csv"}},
		{"output/mixed", true, []string{"current.csv"}},
		{"output/ood", true, []string{}},
		{"metadata", false, []string{"logs/", "generate.log", "manifest.json"}},
		{"metadata/logs", false, []string{"extra.log"}},
	}
	for _, tt := range tests {
		es, err := w.Children(ctx, tt.dir, airlock.ChildrenOptions{HideOutOfDateAction: tt.hide})
		if err != nil {
			t.Fatalf("Children(%q): %v", tt.dir, err)
		}
		if got := entryNames(es); !slices.Equal(got, tt.want) {
			t.Errorf("Children(%q, hide=%v) = %q\nwant %q", tt.dir, tt.hide, got, tt.want)
		}
	}

	es, _ := w.Children(ctx, "output", airlock.ChildrenOptions{})
	if e := es[0]; e.Path != "output/mixed" || !e.IsDir || e.File != (airlock.WorkspaceFile{}) {
		t.Fatalf("dir entry = %+v", e)
	}
	big := es[slices.IndexFunc(es, func(e airlock.WorkspaceEntry) bool { return e.Name == "big.csv.txt" })]
	if big.File.Size != 53 || big.File.Timestamp.IsZero() || big.File.InManifest {
		t.Fatalf("placeholder entry = %+v", big.File)
	}
	es[0].Name = "changed by caller"
	if again, _ := w.Children(ctx, "output", airlock.ChildrenOptions{}); again[0].Name != "mixed" {
		t.Fatal("Children returned shared storage")
	}

	_, err := w.Children(ctx, "output/summary.csv", airlock.ChildrenOptions{})
	wantCode(t, err, airlock.ENOTFOUND, "is a file")
	_, err = w.Children(ctx, "nothere", airlock.ChildrenOptions{})
	wantCode(t, err, airlock.ENOTFOUND, "does not exist")
	_, err = w.Children(ctx, "../good", airlock.ChildrenOptions{})
	wantCode(t, err, airlock.EINVALID, "")

	for p, want := range map[string][2]bool{ // path: valid, dir
		"":                   {true, true},
		"output":             {true, true},
		"output/ood":         {true, true},
		"output/summary.csv": {true, false},
		"metadata/logs":      {true, true},
		"output/secret.csv":  {false, false},
		"output/old.csv":     {false, false},
		"output/big.csv":     {false, false},
		"stray.csv":          {false, false},
		"output/stray2.csv":  {false, false},
		"../good":            {false, false},
	} {
		if w.IsValidPath(p) != want[0] || w.IsDir(p) != want[1] {
			t.Errorf("%q: IsValidPath=%v IsDir=%v, want %v", p, w.IsValidPath(p), w.IsDir(p), want)
		}
	}
	for p, want := range map[string]string{
		"output/tables/counts.csv": "output/tables/counts.csv",
		"output/tables/gone.csv":   "output/tables",
		"output/secret.csv":        "output",
		"nothing/at/all":           "",
		"../x":                     "",
	} {
		if got := w.NearestValid(p); got != want {
			t.Errorf("NearestValid(%q)=%q, want %q", p, got, want)
		}
	}
}

func TestFile(t *testing.T) {
	r := mustOpenRoot(t, copyFixtures(t))
	w := mustGet(t, r, "good")
	ctx := context.Background()

	m, err := w.File(ctx, "output/summary.csv")
	if err != nil {
		t.Fatal(err)
	}
	if m.ContentHash != "929bd5e4a2e37eb849766f9abb719b3200de17d28e670e9dee333a47b5f8dc69" || !m.InManifest ||
		m.Size != 42 || m.User != "alice" || m.JobID != "job0" || !m.Timestamp.Equal(time.Unix(1700000000, 5e8)) {
		t.Fatalf("meta = %+v", m)
	}
	m, err = w.File(ctx, "metadata/generate.log")
	if err != nil {
		t.Fatal(err)
	}
	if m.InManifest || m.Size != 24 || m.ContentHash != "" {
		t.Fatalf("log meta = %+v", m)
	}
	if m, _ := w.File(ctx, "output/ood/stale.csv"); !m.OutOfDateAction {
		t.Fatalf("stale meta = %+v", m)
	}

	for _, p := range []string{"output/secret.csv", "output/old.csv", "stray.csv", "output", "output/big.csv"} {
		_, err := w.File(ctx, p)
		wantCode(t, err, airlock.ENOTFOUND, "")
	}

	// Through the airlock.Workspaces interface, disk files get their hash.
	var ws airlock.Workspaces = r
	f, err := ws.File(ctx, "good", "metadata/generate.log")
	if err != nil {
		t.Fatal(err)
	}
	if f.ContentHash != "61abb9398e05f5d4ea6e333a38abdd3d437111999ceae969bbc437aae37b8894" || f.InManifest {
		t.Fatalf("WorkspaceFile = %+v", f)
	}
	f, err = ws.File(ctx, "good", "output/big.csv.txt")
	if err != nil || f.InManifest || f.ContentHash == "" {
		t.Fatalf("placeholder WorkspaceFile = %+v, %v", f, err)
	}
	f, err = ws.File(ctx, "good", "output/tables/counts.csv")
	if err != nil || !f.InManifest || *f.RowCount != 2 {
		t.Fatalf("counts WorkspaceFile = %+v, %v", f, err)
	}
	_, err = ws.File(ctx, "nope", "output/summary.csv")
	wantCode(t, err, airlock.ENOTFOUND, "")
}

func TestOpen(t *testing.T) {
	r := mustOpenRoot(t, copyFixtures(t))
	w := mustGet(t, r, "good")
	ctx := context.Background()

	f, err := w.Open(ctx, "output/summary.csv")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(f)
	f.Close()
	if !strings.HasPrefix(string(data), "age_band,count\n") {
		t.Fatalf("content = %q", data)
	}
	rc, err := r.Open(ctx, "good", "metadata/logs/extra.log")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if h, err := w.Hash(ctx, "output/summary.csv"); err != nil || h != "929bd5e4a2e37eb849766f9abb719b3200de17d28e670e9dee333a47b5f8dc69" {
		t.Fatalf("Hash = %s, %v", h, err)
	}

	for _, tt := range []struct{ path, code, msg string }{
		{"output/secret.csv", airlock.ENOTFOUND, "not a visible file"},
		{"output/old.csv", airlock.ENOTFOUND, "not a visible file"},
		{"stray.csv", airlock.ENOTFOUND, "not a visible file"},
		{"output/missing.csv", airlock.ENOTFOUND, "missing on disk"},
		{"output", airlock.ENOTFOUND, "is a directory"},
		{"", airlock.ENOTFOUND, "is a directory"},
		{"../good/output/secret.csv", airlock.EINVALID, "'..'"},
		{"../../outside/secret.txt", airlock.EINVALID, "'..'"},
		{"/etc/passwd", airlock.EINVALID, "start with '/'"},
		{"output/summary.csv\x00", airlock.EINVALID, "NUL"},
	} {
		_, err := w.Open(ctx, tt.path)
		wantCode(t, err, tt.code, tt.msg)
	}
}

// TestSymlinks replaces visible files and directories with symbolic links.
// Links that leave the workspace are refused (also by os.Root); links that
// stay inside are refused by our policy, because they could expose a hidden
// file under a visible name. Links under metadata/ are not listed.
func TestSymlinks(t *testing.T) {
	dir := copyFixtures(t)
	ws := filepath.Join(dir, "good")
	replace := func(rel, target string) {
		t.Helper()
		p := filepath.Join(ws, filepath.FromSlash(rel))
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	replace("output/notes.txt", "../../../outside/secret.txt")                      // relative, escapes
	replace("report.md", filepath.Join(filepath.Dir(dir), "outside", "secret.txt")) // absolute, escapes
	replace("output/B.csv", "secret.csv")                                           // inside, to a hidden file
	replace("output/tables", "../../../outside")                                    // a directory, escapes
	if err := os.Symlink("../output/secret.csv", filepath.Join(ws, "metadata", "sneaky.log")); err != nil {
		t.Fatal(err)
	}

	r := mustOpenRoot(t, dir)
	w := mustGet(t, r, "good")
	ctx := context.Background()
	for _, p := range []string{"output/notes.txt", "report.md", "output/B.csv", "output/tables/counts.csv"} {
		f, err := w.Open(ctx, p)
		if err == nil {
			data, _ := io.ReadAll(f)
			f.Close()
			t.Fatalf("Open(%q) succeeded, read %q", p, data)
		}
		wantCode(t, err, airlock.ENOTFOUND, "")
		if strings.Contains(airlock.ErrorMessage(err), dir) {
			t.Fatalf("message leaks the directory: %q", airlock.ErrorMessage(err))
		}
		if _, err := w.Hash(ctx, p); err == nil {
			t.Fatalf("Hash(%q) succeeded", p)
		}
	}
	es, err := w.Children(ctx, "metadata", airlock.ChildrenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := entryNames(es), []string{"logs/", "generate.log", "manifest.json"}; !slices.Equal(got, want) {
		t.Fatalf("metadata children = %q, want %q", got, want)
	}

	// The OS layer refuses escapes even if our own checks were skipped.
	wr, err := r.root.OpenRoot("good")
	if err != nil {
		t.Fatal(err)
	}
	defer wr.Close()
	for _, p := range []string{"../badjson/metadata/manifest.json", "/etc/passwd", "output/notes.txt", "output/tables/counts.csv"} {
		if f, err := wr.Open(p); err == nil {
			f.Close()
			t.Fatalf("os.Root opened %q", p)
		}
	}

	// A symlinked manifest is refused too.
	replace("metadata/manifest.json", "../../badjson/metadata/manifest.json")
	_, err = r.Get(ctx, "good")
	wantUnreadable(t, err, "is missing or is not a regular file")
}

func TestCache(t *testing.T) {
	dir := copyFixtures(t)
	r := mustOpenRoot(t, dir)
	ctx := context.Background()
	mpath := filepath.Join(dir, "good", "metadata", "manifest.json")

	w1 := mustGet(t, r, "good")
	w2 := mustGet(t, r, "good")
	if w1.snap != w2.snap {
		t.Fatal("unchanged workspace was rebuilt")
	}

	// Old enough to trust the stat: the next Get must not even read the file.
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{mpath, filepath.Dir(mpath), filepath.Join(filepath.Dir(mpath), "logs")} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	mustGet(t, r, "good")
	reads := r.cache["good"].reads
	if w := mustGet(t, r, "good"); w.snap != w1.snap || r.cache["good"].reads != reads {
		t.Fatal("stat-fresh manifest was reread")
	}

	// A change is seen at the next Get.
	data, _ := os.ReadFile(mpath)
	data = []byte(strings.Replace(string(data), `"output/B.csv"`, `"output/C.csv"`, 1))
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	w3 := mustGet(t, r, "good")
	if w3.ManifestHash() == w1.ManifestHash() || !w3.IsValidPath("output/C.csv") || w3.IsValidPath("output/B.csv") {
		t.Fatalf("change not seen: hash %s", w3.ManifestHash())
	}
	// The old view stays consistent.
	if !w1.IsValidPath("output/B.csv") {
		t.Fatal("old view changed")
	}

	// A new log under metadata/ is seen without a manifest change.
	if err := os.WriteFile(filepath.Join(dir, "good", "metadata", "new.log"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	w4 := mustGet(t, r, "good")
	if !w4.IsValidPath("metadata/new.log") || w4.snap.manifest != w3.snap.manifest {
		t.Fatal("new log not seen, or manifest reparsed")
	}

	// A broken manifest is reported, and a fixed one is picked up again.
	if err := os.WriteFile(mpath, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := r.Get(ctx, "good")
	wantUnreadable(t, err, "not valid JSON")
	if err := os.WriteFile(mpath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if w := mustGet(t, r, "good"); w.ManifestHash() != w3.ManifestHash() {
		t.Fatal("fixed manifest not picked up")
	}

	// A removed workspace is not found.
	if err := os.RemoveAll(filepath.Join(dir, "good")); err != nil {
		t.Fatal(err)
	}
	_, err = r.Get(ctx, "good")
	wantCode(t, err, airlock.ENOTFOUND, "")
}

func TestConcurrentGet(t *testing.T) {
	dir := copyFixtures(t)
	r := mustOpenRoot(t, dir)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				w, err := r.Get(ctx, "good")
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := w.Children(ctx, "output", airlock.ChildrenOptions{}); err != nil {
					t.Error(err)
				}
				if _, err := w.File(ctx, "metadata/generate.log"); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
}

// TestGenerate checks that wstest writes workspaces this package reads as
// intended: real files matching their manifest hashes, in the documented layout.
func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	gen := wstest.MustGenerate(t, dir, "gen", 250, wstest.Options{Fanout: 5, Depth: 2})
	r := mustOpenRoot(t, dir)
	w := mustGet(t, r, "gen")
	ctx := context.Background()
	if got, want := len(gen.LeafDirs), 25; got != want {
		t.Fatalf("leaf dirs = %d, want %d", got, want)
	}
	es, err := w.Children(ctx, gen.LeafDirs[0], airlock.ChildrenOptions{})
	if err != nil || len(es) != 10 {
		t.Fatalf("Children = %d entries, %v", len(es), err)
	}
	if got, want := w.OutOfDateActionCount(), 5; got != want {
		t.Fatalf("OutOfDateActionCount = %d, want %d", got, want)
	}
	for _, p := range []string{gen.Paths[0], gen.Paths[249]} {
		m, err := w.File(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if h, err := w.Hash(ctx, p); err != nil || h != m.ContentHash {
			t.Fatalf("Hash(%s) = %s, %v; manifest says %s", p, h, err, m.ContentHash)
		}
	}
	mo := wstest.MustGenerate(t, dir, "manifestonly", 10, wstest.Options{ManifestOnly: true})
	w = mustGet(t, r, "manifestonly")
	if !w.IsValidPath(mo.Paths[3]) {
		t.Fatal("manifest-only output not listed")
	}
	_, err = w.Open(ctx, mo.Paths[3])
	wantCode(t, err, airlock.ENOTFOUND, "missing on disk")
}

// TestNamesNotUTF8OnDisk checks that files and workspaces whose names on
// disk are not UTF-8 are left out, rather than listed under a name that
// cannot be audited or matched.
func TestNamesNotUTF8OnDisk(t *testing.T) {
	dir := copyFixtures(t)
	if err := os.WriteFile(filepath.Join(dir, "good", "metadata", "caf\xe9.log"), []byte("x"), 0o644); err != nil {
		t.Skipf("file system refuses names that are not UTF-8: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "caf\xe9", "metadata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "caf\xe9", "metadata", "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := mustOpenRoot(t, dir)
	ctx := context.Background()
	names, err := r.Names(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(names, "caf\xe9") {
		t.Errorf("Names = %q lists a workspace whose name is not UTF-8", names)
	}
	es, err := mustGet(t, r, "good").Children(ctx, "metadata", airlock.ChildrenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !utf8.ValidString(e.Name) {
			t.Errorf("metadata lists %q", e.Name)
		}
	}
}

// TestManifestHash checks the two-halves hash of a large manifest against
// its definition, and that a change anywhere, or a change of length,
// changes it.
func TestManifestHash(t *testing.T) {
	small := bytes.Repeat([]byte("s"), hashInHalvesFrom-1)
	if got, want := manifestHash(small), hashBytes(small); got != want {
		t.Fatalf("small manifest: %s, want plain SHA-256 %s", got, want)
	}
	large := make([]byte, hashInHalvesFrom+11)
	for i := range large {
		large[i] = byte(i * 7)
	}
	first, second := sha256.Sum256(large[:len(large)/2]), sha256.Sum256(large[len(large)/2:])
	want := hashBytes(append(first[:], second[:]...))
	if got := manifestHash(large); got != want {
		t.Fatalf("large manifest: %s, want %s", got, want)
	}
	seen := map[string]string{want: "original"}
	for _, at := range []int{0, len(large)/2 - 1, len(large) / 2, len(large) - 1} {
		changed := slices.Clone(large)
		changed[at]++
		h := manifestHash(changed)
		if prev, ok := seen[h]; ok {
			t.Fatalf("byte %d changed: same hash as %s", at, prev)
		}
		seen[h] = fmt.Sprint("byte ", at)
	}
	if h := manifestHash(large[:len(large)-1]); seen[h] != "" {
		t.Fatalf("one byte shorter: same hash as %s", seen[h])
	}
}
