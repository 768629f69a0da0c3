package workspaces

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// filledFile is a WorkspaceFile with every field set to a value that is
// not its zero, so a field the cache forgot shows as a difference; a field
// of a kind this does not know fails the test until the cache handles it.
func filledFile(t *testing.T, i int) airlock.WorkspaceFile {
	var f airlock.WorkspaceFile
	v := reflect.ValueOf(&f).Elem()
	for j := range v.NumField() {
		fv, name := v.Field(j), v.Type().Field(j).Name
		switch {
		case fv.Type() == reflect.TypeFor[time.Time]():
			fv.Set(reflect.ValueOf(time.Unix(1700000000+int64(i), 123456789).UTC()))
		case fv.Kind() == reflect.String:
			fv.SetString(name + strings.Repeat("é", i%3))
		case fv.Kind() == reflect.Int64:
			fv.SetInt(int64(1<<40 + i))
		case fv.Kind() == reflect.Bool:
			fv.SetBool(true)
		case fv.Type() == reflect.TypeFor[*int]():
			n := -i - j
			fv.Set(reflect.ValueOf(&n))
		default:
			t.Fatalf("WorkspaceFile.%s is a %s: teach the manifest cache about it (and bump cacheMagic)", name, fv.Type())
		}
	}
	return f
}

func TestManifestCacheEncoding(t *testing.T) {
	m := &Manifest{Hash: strings.Repeat("ab", 32), Repo: "https://example.com/r", LatestUser: "carol",
		OutOfDateActionCount: 2, Problems: []string{"output \"x\": unusable path"}}
	for i := range 4 {
		m.Outputs = append(m.Outputs, filledFile(t, i))
	}
	m.Outputs = append(m.Outputs, airlock.WorkspaceFile{Path: "zero.csv"}) // every optional field absent
	data := encodeManifest(m)
	// Many outputs sharing their repeated values, where the bound has
	// least to spare, encode into the buffer first sized for them.
	many := &Manifest{Hash: m.Hash}
	for i := range 300 {
		f := filledFile(t, i)
		f.Commit, f.Repo, f.JobID, f.User, f.Action = "c", "r", "j", "u", "a"
		many.Outputs = append(many.Outputs, f)
	}
	for _, mm := range []*Manifest{m, many} {
		table := map[string]bool{}
		for _, o := range mm.Outputs {
			for _, s := range []string{o.Commit, o.Repo, o.JobID, o.User, o.Action} {
				table[s] = true
			}
		}
		enc := encodeManifest(mm)
		if bound := encodedSizeBound(mm, slices.Collect(maps.Keys(table))); cap(enc) != bound {
			t.Fatalf("encoded into %d bytes of %d, from a buffer sized %d: the bound is wrong", len(enc), cap(enc), bound)
		}
	}
	got, err := decodeManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, m)
	}
	// Damage anywhere is noticed, never decoded into something else.
	for i := range data {
		bad := append([]byte(nil), data...)
		bad[i] ^= 0x20
		if _, err := decodeManifest(bad); err == nil {
			t.Fatalf("byte %d changed, still decoded", i)
		}
	}
	for n := range len(data) {
		if _, err := decodeManifest(data[:n]); err == nil {
			t.Fatalf("cut to %d bytes, still decoded", n)
		}
	}
}

// TestManifestCacheAfterRestart: a second process (a new Root on the same
// directories) reads and hashes an unchanged manifest but does not parse
// it; a changed manifest, or a damaged cache file, is parsed again.
func TestManifestCacheAfterRestart(t *testing.T) {
	dir := copyFixtures(t)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	open := func() *Root {
		r, err := OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.KeepParsedManifests(cacheDir, t.Logf); err != nil {
			t.Fatal(err)
		}
		return r
	}
	getParses := func(want int) *Manifest {
		t.Helper()
		r := open()
		defer r.Close()
		w := mustGet(t, r, "good")
		if got := r.cache["good"].parses; got != want {
			t.Fatalf("manifest parsed %d times, want %d", got, want)
		}
		return w.snap.manifest
	}
	first := getParses(1)
	if again := getParses(0); !reflect.DeepEqual(again, first) {
		t.Fatalf("manifest from cache\n%+v\nwant\n%+v", again, first)
	}

	mpath := filepath.Join(dir, "good", filepath.FromSlash(ManifestPath))
	data, err := os.ReadFile(mpath)
	must(t, err)
	must(t, os.WriteFile(mpath, append(data, '\n'), 0o644))
	if changed := getParses(1); changed.Hash == first.Hash || !reflect.DeepEqual(changed.Outputs, first.Outputs) {
		t.Fatalf("changed manifest: hash %s (was %s), same outputs %v", changed.Hash, first.Hash, reflect.DeepEqual(changed.Outputs, first.Outputs))
	}
	getParses(0)

	ents, err := os.ReadDir(cacheDir)
	must(t, err)
	if len(ents) != 1 {
		t.Fatalf("cache directory holds %d files, want 1", len(ents))
	}
	cpath := filepath.Join(cacheDir, ents[0].Name())
	cached, err := os.ReadFile(cpath)
	must(t, err)
	cached[len(cached)/2] ^= 1
	must(t, os.WriteFile(cpath, cached, 0o600))
	getParses(1)
	getParses(0)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
