package content

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The cold benchmarks open a fresh table for every view (no row index, no
// cached order; the file is in the page cache) and run the command-line
// baseline in the same loop, interleaved, so that both see the same load.
// They report the table's and the baseline's milliseconds, their ratio and
// the peak extra resident memory of the view: VmHWM after it minus VmRSS
// before it, with the heap returned to the system and the peak reset
// (/proc/self/clear_refs) first. That is the process's real memory, GC
// slack included.

// procStatusKB reads one "Vm..." line of /proc/self/status, in KB.
func procStatusKB(tb testing.TB, field string) int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				tb.Fatal(err)
			}
			return kb
		}
	}
	tb.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// processCPU is the CPU time the process has used, all threads.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// coldRun runs fn once and returns its wall time, the CPU time the process
// used meanwhile (a steadier figure on a loaded machine) and the peak
// resident memory it added, in bytes.
func coldRun(tb testing.TB, fn func()) (wall, cpu time.Duration, peak int64) {
	tb.Helper()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Skip("cannot reset the peak RSS:", err)
	}
	base := procStatusKB(tb, "VmRSS")
	start, startCPU := time.Now(), processCPU()
	fn()
	wall, cpu = time.Since(start), processCPU()-startCPU
	return wall, cpu, (procStatusKB(tb, "VmHWM") - base) << 10
}

// runBaseline runs a shell command line, discarding its output, and
// returns its wall time. LC_ALL=C makes sort and grep compare bytes, their
// fastest setting.
func runBaseline(tb testing.TB, line string) time.Duration {
	tb.Helper()
	cmd := exec.Command("sh", "-c", line)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var out bytes.Buffer
	cmd.Stdout = &out
	start := time.Now()
	// grep exits 1 when it finds nothing, which is not a failure here.
	if err := cmd.Run(); err != nil && cmd.ProcessState.ExitCode() != 1 {
		tb.Fatalf("%s: %v", line, err)
	}
	return time.Since(start)
}

// benchCold runs view on a fresh table and the baseline command alternately.
func benchCold(b *testing.B, path, baseline string, view func(*Table)) {
	var tableTime, tableCPU, baseTime time.Duration
	var peak int64
	runs := 0
	for b.Loop() {
		baseTime += runBaseline(b, baseline)
		tbl, _ := openBenchTable(b, path)
		wall, cpu, extra := coldRun(b, func() { view(tbl) })
		tableTime += wall
		tableCPU += cpu
		peak = max(peak, extra)
		runs++
	}
	b.ReportMetric(float64(tableTime.Milliseconds())/float64(runs), "table-ms")
	b.ReportMetric(float64(tableCPU.Milliseconds())/float64(runs), "table-cpu-ms")
	b.ReportMetric(float64(baseTime.Milliseconds())/float64(runs), "baseline-ms")
	b.ReportMetric(float64(tableTime)/float64(baseTime), "ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak-extra-RSS-MB")
}

// BenchmarkTableColdFilterVersusGrep is the first filtered page (q=C042,
// any column) of a freshly opened million-row table, against
// `grep -c C042` on the same file.
func BenchmarkTableColdFilterVersusGrep(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	q := Query{Limit: DefaultPageLimit, SortCol: -1, Filter: "C042", FilterCol: -1}
	benchCold(b, path, "grep -c C042 "+path, func(tbl *Table) {
		if _, err := tbl.Page(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkTableColdSortVersusSort is the first page of a freshly opened
// million-row table sorted by a numeric column, descending, against
// `sort -t, -k3,3nr | head` on the same file.
func BenchmarkTableColdSortVersusSort(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	q := Query{Limit: DefaultPageLimit, SortCol: 2, Desc: true, FilterCol: -1}
	benchCold(b, path, "sort -t, -k3,3nr "+path+" | head -n 100", func(tbl *Table) {
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) != DefaultPageLimit {
			b.Fatal(err)
		}
	})
}
