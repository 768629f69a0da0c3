package checks_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content"
)

const benchRows = 1_000_000

// writeAggregateCSV writes a long table of rows x 10 columns shaped like a
// real output: practices by week, age band and sex with a Total row per
// group, rounded counts with some small and redacted ones, denominators,
// rates, means and a midpoint-6 column.
func writeAggregateCSV(tb testing.TB, rows int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "aggregate.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("practice,region,week,age_band,sex,n,population,rate_per_1000,mean_age,n_midpoint6\n")
	regions := []string{"North East", "North West", "Yorkshire", "East Midlands", "West Midlands", "East", "London", "South East", "South West", "Wales"}
	bands := []string{"0-9", "10-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80-89", "90+"}
	var buf []byte
	seed := uint32(1)
	rnd := func() uint32 { seed = seed*1664525 + 1013904223; return seed >> 8 }
	row := func(p, wk, band int, sex string, n int, redacted bool, pop int, mean float64, mid int) {
		buf = buf[:0]
		buf = append(buf, 'P')
		buf = strconv.AppendInt(buf, int64(10000+p), 10)
		buf = append(buf, ',')
		buf = append(buf, regions[p%len(regions)]...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(wk), 10)
		buf = append(buf, ',')
		buf = append(buf, bands[band]...)
		buf = append(buf, ',')
		buf = append(buf, sex...)
		buf = append(buf, ',')
		if redacted {
			buf = append(buf, "[REDACTED],"...)
		} else {
			buf = strconv.AppendInt(buf, int64(n), 10)
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(pop), 10)
		buf = append(buf, ',')
		if redacted {
			buf = append(buf, "[REDACTED]"...)
		} else {
			buf = strconv.AppendFloat(buf, float64(n)/float64(pop)*1000, 'f', 1, 64)
		}
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, mean, 'f', 1, 64)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(mid), 10)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	for r, p, wk := 0, 0, 1; r < rows; {
		for band := 0; band < len(bands) && r < rows; band++ {
			var ns [2]int
			var red [2]bool
			var pops [2]int
			for s := range 2 {
				switch x := rnd() % 100; {
				case x < 2:
					ns[s] = 1 + int(rnd()%7)
				case x < 4:
					ns[s], red[s] = 1+int(rnd()%7), true
				default:
					ns[s] = 5 * int(rnd()%400)
				}
				pops[s] = 5 * (200 + int(rnd()%800))
			}
			mid := 6*int(rnd()%50) + 3
			for s, sex := range []string{"male", "female", "Total"} {
				if r == rows {
					break
				}
				if s < 2 {
					row(p, wk, band, sex, ns[s], red[s], pops[s], 30+float64(rnd()%500)/10, mid)
				} else {
					row(p, wk, band, sex, ns[0]+ns[1], false, pops[0]+pops[1], 30+float64(rnd()%500)/10, 2*mid)
				}
				r++
			}
		}
		if wk++; wk > 52 {
			wk, p = 1, p+1
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

var benchFile = struct {
	once sync.Once
	dir  string
	path string
}{}

// benchCSV generates the million-row table once per test binary.
func benchCSV(b *testing.B) string {
	benchFile.once.Do(func() {
		dir, err := os.MkdirTemp("", "airlock-bench-checks-")
		if err != nil {
			b.Fatal(err)
		}
		benchFile.dir = dir
		benchFile.path = filepath.Join(dir, "aggregate.csv")
		src := writeAggregateCSV(b, benchRows)
		if err := os.Rename(src, benchFile.path); err != nil {
			b.Fatal(err)
		}
	})
	return benchFile.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchFile.dir != "" {
		os.RemoveAll(benchFile.dir)
	}
	os.Exit(code)
}

func openTable(b *testing.B, path string) *content.Table {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	t, err := content.OpenTable(f, st.Size(), content.TableOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return t
}

// cpuTime is the user and system time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakHeap samples the heap while fn runs, through runtime/metrics (which
// does not stop the world), and returns its peak above the heap before.
func peakHeap(fn func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	heap := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	runtime.GC()
	base := heap()
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if h := heap(); h > base && h-base > peak {
					peak = h - base
				}
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	return peak
}

// BenchmarkStatsAndChecks computes the summary statistics and runs the
// disclosure checks on a million-row, ten-column table in one pass, as the
// viewer does, and reports the peak extra heap. Background runs the
// checks on a second goroutine; Inline in the reading one.
func BenchmarkStatsAndChecks(b *testing.B) {
	b.Run("Background", func(b *testing.B) { benchStatsAndChecks(b, true) })
	b.Run("Inline", func(b *testing.B) { benchStatsAndChecks(b, false) })
}

func benchStatsAndChecks(b *testing.B, background bool) {
	path := benchCSV(b)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	cpu0 := cpuTime()
	for b.Loop() {
		t := openTable(b, path)
		var res *checks.Result
		p := peakHeap(func() {
			var c checker = checks.New(t.Header(), checks.DefaultSettings())
			if background {
				c = checks.New(t.Header(), checks.DefaultSettings()).InBackground()
			}
			s, err := t.StatsWith(context.Background(), &numberSink{c: c})
			res = c.Result()
			if err != nil || s.Rows != benchRows {
				b.Fatal(err)
			}
		})
		peak = max(peak, p)
		if res.Rows != benchRows || res.Fails == 0 {
			b.Fatalf("rows %d, fails %d", res.Rows, res.Fails)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-extra-MB")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// checker is a Checker or a Background.
type checker interface {
	Add([]string)
	AddNumbers([]string, []checks.Number)
	Result() *checks.Result
}

// numberSink hands a checker the numbers the statistics read, as package
// checkfile does.
type numberSink struct {
	c    checker
	nums []checks.Number
}

func (s *numberSink) Add(row []string) { s.c.Add(row) }

func (s *numberSink) AddNumbers(row []string, nums []content.Number) {
	if bg, ok := s.c.(*checks.Background); ok {
		checks.AddNumbersOf(bg, row, nums)
		return
	}
	s.nums = slices.Grow(s.nums[:0], len(nums))[:len(nums)]
	for i := range nums {
		s.nums[i] = checks.Number(nums[i])
	}
	s.c.AddNumbers(row, s.nums)
}

// BenchmarkStatsOnly is the same pass without the checks, to show what
// they add.
func BenchmarkStatsOnly(b *testing.B) {
	path := benchCSV(b)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		t := openTable(b, path)
		if s, err := t.StatsWith(context.Background()); err != nil || s.Rows != benchRows {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkVersusMawk alternates, in each iteration, mawk summing one
// column and the statistics with the checks (in the background, as
// airlock check runs them) on the same file, so that both meet the same
// load on a shared machine, and reports the ratios of their wall and CPU
// times. The goal is a wall ratio of at most 2.
func BenchmarkVersusMawk(b *testing.B) {
	versusMawk(b, func(t *content.Table) {
		c := checks.New(t.Header(), checks.DefaultSettings()).InBackground()
		s, err := t.StatsWith(context.Background(), &numberSink{c: c})
		res := c.Result()
		if err != nil || s.Rows != benchRows || res.Rows != benchRows {
			b.Fatal(err)
		}
	})
}

// BenchmarkStatsVersusMawk is BenchmarkVersusMawk for the statistics
// alone, whose goal is a wall ratio of at most 1.5.
func BenchmarkStatsVersusMawk(b *testing.B) {
	versusMawk(b, func(t *content.Table) {
		if s, err := t.StatsWith(context.Background()); err != nil || s.Rows != benchRows {
			b.Fatal(err)
		}
	})
}

// versusMawk times pass and mawk summing one column, alternately, and
// reports the ratios of their wall and CPU times.
func versusMawk(b *testing.B, pass func(*content.Table)) {
	mawk, err := exec.LookPath("mawk")
	if err != nil {
		b.Skip("mawk is not installed (apt-get install mawk)")
	}
	path := benchCSV(b)
	var ourWall, ourCPU, mawkWall, mawkCPU time.Duration
	for b.Loop() {
		start := time.Now()
		cmd := exec.Command(mawk, "-F,", "{s += $6} END {print s}", path)
		if out, err := cmd.Output(); err != nil || len(out) == 0 {
			b.Fatal(err)
		}
		mawkWall += time.Since(start)
		mawkCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()

		t := openTable(b, path)
		start, cpu0 := time.Now(), cpuTime()
		pass(t)
		ourWall += time.Since(start)
		ourCPU += cpuTime() - cpu0
	}
	b.ReportMetric(ourWall.Seconds()/float64(b.N), "wall-s/op")
	b.ReportMetric(mawkWall.Seconds()/float64(b.N), "mawk-wall-s/op")
	b.ReportMetric(ourWall.Seconds()/mawkWall.Seconds(), "x-mawk-wall")
	b.ReportMetric(ourCPU.Seconds()/mawkCPU.Seconds(), "x-mawk-cpu")
}

// BenchmarkMawkSum sums one column of the same file with mawk, the yard
// stick for one pass over a table: the checks aim at no more than twice
// its time.
func BenchmarkMawkSum(b *testing.B) {
	mawk, err := exec.LookPath("mawk")
	if err != nil {
		b.Skip("mawk is not installed (apt-get install mawk)")
	}
	path := benchCSV(b)
	b.ResetTimer()
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.Command(mawk, "-F,", "{s += $6} END {print s}", path)
		out, err := cmd.Output()
		if err != nil || len(out) == 0 {
			b.Fatal(err)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkChecker feeds 100,000 rows of the same shape, already in
// memory, to the checker alone: the cost of the checks per row, without
// reading or parsing the file.
func BenchmarkChecker(b *testing.B) {
	recs := aggregateRecords(b, 100_000)
	b.ResetTimer()
	for b.Loop() {
		c := checks.New(recs[0], checks.DefaultSettings())
		for _, r := range recs[1:] {
			c.Add(r)
		}
		c.Result()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(recs)-1)), "ns/row")
}

// BenchmarkCheckerNumbers is BenchmarkChecker with each row's numbers
// read beforehand, as a statistics pass hands them over: the cost of the
// checks that a pass adds.
func BenchmarkCheckerNumbers(b *testing.B) {
	recs := aggregateRecords(b, 100_000)
	nums := make([][]checks.Number, len(recs))
	for i, r := range recs {
		for _, n := range content.ReadNumbers(nil, r) {
			nums[i] = append(nums[i], checks.Number(n))
		}
	}
	b.ResetTimer()
	for b.Loop() {
		c := checks.New(recs[0], checks.DefaultSettings())
		for i, r := range recs[1:] {
			c.AddNumbers(r, nums[i+1])
		}
		c.Result()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*(len(recs)-1)), "ns/row")
}
