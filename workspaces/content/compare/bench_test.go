//go:build unix

package compare_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/content"
	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// writeBig writes a table of n rows keyed by area and age band; the rows
// in changed get a different count.
func writeBig(b *testing.B, path string, n int, changed map[int]bool) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "area,age_band,count,rate")
	bands := [...]string{"0-17", "18-39", "40-64", "65-79", "80+"}
	for i := range n {
		count := (i*7)%1000 + 10
		if changed[i] {
			count += 3
		}
		fmt.Fprintf(w, "area-%06d,%s,%d,%d.%d\n", i/len(bands), bands[i%len(bands)], count, i%97, i%10)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

func openFile(b *testing.B, path string) (*content.Table, *os.File) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	t, err := content.OpenTable(f, fi.Size(), content.TableOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return t, f
}

// peakHeap samples the live heap every millisecond until stop is called,
// and returns the largest value seen above the heap at the start.
func peakHeap() (stop func() uint64) {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		if peak < base {
			return 0
		}
		return peak - base
	}
}

// BenchmarkMillionRows compares two 1,000,000-row tables that differ in
// 10 cells, from opening both to the first page of changes with its
// summary, and reports the peak extra heap. "read-both" is the baseline:
// the one pass over both tables that any comparison needs (the table
// viewer's row index), run in the same way, interleaved.
func BenchmarkMillionRows(b *testing.B) {
	const n = 1_000_000
	dir := b.TempDir()
	oldPath, newPath := filepath.Join(dir, "old.csv"), filepath.Join(dir, "new.csv")
	changed := map[int]bool{}
	for i := range 10 {
		changed[i*99_991+12_345] = true
	}
	writeBig(b, oldPath, n, nil)
	writeBig(b, newPath, n, changed)
	ctx := context.Background()
	b.Run("compare", func(b *testing.B) {
		var peak uint64
		var cpu time.Duration
		for b.Loop() {
			ot, of := openFile(b, oldPath)
			nt, nf := openFile(b, newPath)
			stop := peakHeap()
			cpu0 := cpuTime()
			d, err := compare.Tables(ctx, ot, nt)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.CountCells(ctx); err != nil {
				b.Fatal(err)
			}
			pg, err := d.Page(ctx, compare.Query{})
			if err != nil {
				b.Fatal(err)
			}
			cpu += cpuTime() - cpu0
			peak = max(peak, stop())
			if len(pg.Rows) != 10 || d.CellsChanged != 10 {
				b.Fatalf("first page has %d rows, %d cells changed; want 10 (%s)", len(pg.Rows), d.CellsChanged, d.Summary())
			}
			runtime.KeepAlive(d)
			of.Close()
			nf.Close()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	})
	b.Run("read-both", func(b *testing.B) {
		var peak uint64
		var cpu time.Duration
		for b.Loop() {
			ot, of := openFile(b, oldPath)
			nt, nf := openFile(b, newPath)
			stop := peakHeap()
			cpu0 := cpuTime()
			var wg sync.WaitGroup
			for _, t := range []*content.Table{ot, nt} {
				wg.Go(func() {
					if err := t.Index(ctx); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
			cpu += cpuTime() - cpu0
			peak = max(peak, stop())
			of.Close()
			nf.Close()
		}
		b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	})
}

// cpuTime is the CPU time the process has used, user and system: on a
// shared machine it says what the work costs, whatever the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
