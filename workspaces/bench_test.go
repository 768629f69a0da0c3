package workspaces

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
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
		defer reportCPU(b)()
		for b.Loop() {
			if _, err := ParseManifest("big", data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("GetCold", func(b *testing.B) { // read, hash, parse, walk metadata/, build the index
		b.ReportAllocs()
		defer reportCPU(b)()
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
	// After a restart with the manifest unchanged: read, hash, decode the
	// parsed manifest kept in the work directory, walk metadata/, build the index.
	cacheDir := filepath.Join(b.TempDir(), "manifest-cache")
	b.Run("GetColdKept", func(b *testing.B) {
		b.ReportAllocs()
		warm, err := OpenRoot(dir)
		if err != nil {
			b.Fatal(err)
		}
		if err := warm.KeepParsedManifests(cacheDir, b.Logf); err != nil {
			b.Fatal(err)
		}
		mustGet(b, warm, "big")
		warm.Close()
		defer reportCPU(b)()
		for b.Loop() {
			r2 := getAfterRestart(b, dir, cacheDir, 0)
			r2.Close()
		}
	})
	// After a restart with the manifest changed since it was kept: as
	// GetCold, with a kept file of other bytes to tell apart first.
	b.Run("GetColdChanged", func(b *testing.B) {
		staleDir := filepath.Join(b.TempDir(), "manifest-cache")
		stale := *w.Manifest()
		stale.Hash = strings.Repeat("0", 64)
		c, err := openManifestCache(staleDir)
		if err != nil {
			b.Fatal(err)
		}
		defer c.close()
		encoded := encodeManifest(&stale)
		b.ReportAllocs()
		defer reportCPU(b)()
		for range b.N {
			b.StopTimer()
			if err := c.write(cacheFileName("big"), encoded); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			r2 := getAfterRestart(b, dir, staleDir, 1)
			b.StopTimer()
			r2.Close() // waits for the kept file to be replaced
			b.StartTimer()
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
	b.Run("BuildIndex", func(b *testing.B) { // the tree from parsed outputs and the metadata/ listing
		snap := w.snap
		b.ReportAllocs()
		for b.Loop() {
			if _, err := buildIndex(ctx, snap.diskFiles, snap.manifest.Outputs); err != nil {
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
// getAfterRestart opens workspace "big" under dir as a new process would,
// keeping parsed manifests in cacheDir, and checks how often it parsed.
func getAfterRestart(b *testing.B, dir, cacheDir string, wantParses int) *Root {
	r, err := OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	if err := r.KeepParsedManifests(cacheDir, b.Logf); err != nil {
		b.Fatal(err)
	}
	if _, err := r.Get(context.Background(), "big"); err != nil {
		b.Fatal(err)
	}
	if n := r.cache["big"].parses; n != wantParses {
		b.Fatalf("parsed %d times, want %d", n, wantParses)
	}
	return r
}

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

// BenchmarkStorePutLarge adds one large file to the store (copy, hash,
// fsync, rename), as adding it to a request does, and in the same loop
// times `openssl dgst -sha256` of the same file, so both meet the same
// load; it reports our time over openssl's as "ratio". It also times
// `dd conv=fsync` copying the file beside the store ("dd-s/op"): hashing
// and writing to the disk are the two limits, and a Put cannot beat the
// slower. The file is generated in a temporary directory and read from
// the page cache by all three.
//
//	AIRLOCK_BENCH_ADD_MB=1024 go test -run='^$' -bench=StorePutLarge -benchtime=5x ./workspaces/
//
// AIRLOCK_BENCH_ADD_MB is the file's size in MiB (default 64).
func BenchmarkStorePutLarge(b *testing.B) {
	mb := 64
	if v, err := strconv.Atoi(os.Getenv("AIRLOCK_BENCH_ADD_MB")); err == nil && v > 0 {
		mb = v
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		b.Skip("openssl is not installed")
	}
	dd, err := exec.LookPath("dd")
	if err != nil {
		b.Skip("dd is not installed")
	}
	s, dir := mustOpenStore(b)
	src := filepath.Join(b.TempDir(), "big.bin")
	want := writeRandomFile(b, src, int64(mb)<<20)
	ctx := context.Background()
	b.SetBytes(int64(mb) << 20)
	var ours, theirs time.Duration
	ddTook := map[string]time.Duration{}
	i := 0
	for b.Loop() {
		i++
		b.StopTimer()
		start := time.Now()
		if out, err := exec.Command(openssl, "dgst", "-sha256", src).CombinedOutput(); err != nil || !bytes.Contains(out, []byte(want)) {
			b.Fatalf("openssl: %v %s", err, out)
		}
		theirs += time.Since(start)
		// What the disk can do: the same bytes written durably by dd, through
		// the page cache then fsync, and around it as Put writes them.
		for _, flag := range []string{"conv=fsync", "oflag=direct"} {
			ddOut := filepath.Join(dir, "dd.out")
			start = time.Now()
			if out, err := exec.Command(dd, "if="+src, "of="+ddOut, "bs=1M", flag, "status=none").CombinedOutput(); err != nil {
				b.Fatalf("dd: %v %s", err, out)
			}
			ddTook[flag] += time.Since(start)
			if err := os.Remove(ddOut); err != nil {
				b.Fatal(err)
			}
		}
		f, err := os.Open(src)
		if err != nil {
			b.Fatal(err)
		}
		req := "r" + strconv.Itoa(i)
		b.StartTimer()
		start = time.Now()
		_, _, err = s.Put(ctx, "ws", req, f, want)
		ours += time.Since(start)
		b.StopTimer()
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(dir, "ws", req)); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(theirs.Seconds()/float64(i), "openssl-s/op")
	b.ReportMetric(ddTook["conv=fsync"].Seconds()/float64(i), "dd-fsync-s/op")
	b.ReportMetric(ddTook["oflag=direct"].Seconds()/float64(i), "dd-direct-s/op")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
}

// writeRandomFile writes size pseudo-random bytes (not compressible, so no
// layer below can shortcut them) to path and returns their SHA-256.
func writeRandomFile(tb testing.TB, path string, size int64) string {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	rng := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(io.MultiWriter(f, h), rng, size); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// reportCPU, deferred as defer reportCPU(b)(), reports the process's CPU
// time per operation (all threads, the garbage collector's included): on a
// shared machine it tells our cost apart from our neighbours' load.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op") }
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
