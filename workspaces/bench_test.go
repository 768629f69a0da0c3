package workspaces

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/wstest"
)

// BenchmarkLarge measures a generated workspace of 100,000 outputs in 100
// leaf directories of 1,000 files (manifest only: the tree does not need
// the files). The workspace is generated once for all sub-benchmarks.
//
//	go test -run='^$' -bench=Large -benchmem ./workspaces/
func BenchmarkLarge(b *testing.B) {
	const n = 100_000
	dir := b.TempDir()
	gen := wstest.MustGenerate(b, dir, "big", n, wstest.Options{ManifestOnly: true})
	mpath := filepath.Join(gen.Dir, "metadata", "manifest.json")
	data, err := os.ReadFile(mpath)
	if err != nil {
		b.Fatal(err)
	}
	// Age the manifest and metadata/ so that their stats can be trusted.
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{mpath, filepath.Dir(mpath)} {
		if err := os.Chtimes(p, old, old); err != nil {
			b.Fatal(err)
		}
	}
	r := mustOpenRoot(b, dir)
	ctx := context.Background()
	w := mustGet(b, r, "big")
	leaf := gen.LeafDirs[0]

	b.Run("ParseManifest", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParseManifest("big", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetCold", func(b *testing.B) { // read, hash, parse, walk metadata/, build the index
		b.ReportAllocs()
		for b.Loop() {
			r2, err := OpenRoot(dir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r2.Get(ctx, "big"); err != nil {
				b.Fatal(err)
			}
			r2.Close()
		}
	})
	b.Run("GetCached", func(b *testing.B) { // a few stat calls
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Get(ctx, "big"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetRehash", func(b *testing.B) { // stat too recent to trust: read and hash, no parse
		r2 := mustOpenRoot(b, dir)
		r2.now = func() time.Time { return old } // every stat looks racy
		mustGet(b, r2, "big")
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r2.Get(ctx, "big"); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tt := range []struct{ name, dir string }{
		{"ChildrenRoot", ""},
		{"ChildrenMid", "output/d00"},
		{"ChildrenLeaf1000", leaf},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Children(ctx, tt.dir, airlock.ChildrenOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("ChildrenLeaf1000HideOutOfDate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.Children(ctx, leaf, airlock.ChildrenOptions{HideOutOfDateAction: true}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("File", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := w.File(ctx, gen.Paths[12345]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkStorePut copies 1 MiB into the store, hashing and syncing it.
func BenchmarkStorePut(b *testing.B) {
	s, _ := mustOpenStore(b)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	h := sha(data)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	i := 0
	for b.Loop() {
		i++
		if _, _, err := s.Put(ctx, "ws", "r"+string(rune('a'+i%26))+time.Now().Format("150405.000000000"), bytes.NewReader(data), h); err != nil {
			b.Fatal(err)
		}
	}
}
