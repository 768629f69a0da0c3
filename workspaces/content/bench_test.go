package content

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

const benchRows = 1_000_000

// writeBenchCSV writes rows x 10 columns: ids, counts, rates, words.
func writeBenchCSV(tb testing.TB, rows int) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,group,count,rate,region,flag,total,code,note,year\n")
	words := []string{"north", "south", "east", "west", "[REDACTED]", "", "Central Area", "n/a"}
	var buf []byte
	for r := 0; r < rows; r++ {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(r+1), 10)
		buf = append(buf, ',')
		buf = append(buf, words[r%len(words)]...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64((r*7919)%10007), 10)
		buf = append(buf, ',')
		buf = strconv.AppendFloat(buf, float64(r%1000)/7, 'f', 3, 64)
		buf = append(buf, ',')
		buf = append(buf, words[(r/3)%len(words)]...)
		buf = append(buf, ',')
		buf = strconv.AppendBool(buf, r%2 == 0)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(r%97)*5, 10)
		buf = append(buf, ",C"...)
		buf = strconv.AppendInt(buf, int64(r%5000), 36)
		buf = append(buf, `,"a note, with a comma"`...)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(2000+r%25), 10)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

func openBenchTable(b *testing.B, path string) (*Table, *os.File) {
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
	tbl, err := OpenTable(f, st.Size(), TableOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return tbl, f
}

// BenchmarkTableFirstPage opens a million-row file and reads its first page
// without an index: the cost of showing any table for the first time.
func BenchmarkTableFirstPage(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tbl, _ := openBenchTable(b, path)
		p, err := tbl.Page(ctx, NewQuery())
		if err != nil || len(p.Rows) != DefaultPageLimit {
			b.Fatal(err, len(p.Rows))
		}
	}
}

// BenchmarkTableIndex is the one streaming pass that counts the rows and
// builds the sparse index.
func BenchmarkTableIndex(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tbl, _ := openBenchTable(b, path)
		if err := tbl.Index(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableDeepPage reads a page near the end once the index exists.
func BenchmarkTableDeepPage(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	tbl, _ := openBenchTable(b, path)
	if err := tbl.Index(context.Background()); err != nil {
		b.Fatal(err)
	}
	q := Query{Offset: benchRows - 1000, Limit: 100, SortCol: -1, FilterCol: -1}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableSortedPage is the first page of a million rows sorted by a
// numeric column, asked again (the first time is
// BenchmarkTableSortedPageFirst).
func BenchmarkTableSortedPage(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	tbl, _ := openBenchTable(b, path)
	q := Query{Limit: 100, SortCol: 2, Desc: true, FilterCol: -1}
	if _, err := tbl.Page(context.Background(), q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableFilteredPage is the first page of a million rows filtered
// on any column, asked again (the first time is
// BenchmarkTableFilteredPageFirst).
func BenchmarkTableFilteredPage(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	tbl, _ := openBenchTable(b, path)
	q := Query{Limit: 100, SortCol: -1, Filter: "central 2003", FilterCol: -1}
	if _, err := tbl.Page(context.Background(), q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableSortedPageFirst is the first sorted view of a freshly
// opened million-row table: one full read, plus building the column's
// order where it is cached.
func BenchmarkTableSortedPageFirst(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	q := Query{Limit: 100, SortCol: 2, Desc: true, FilterCol: -1}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tbl, _ := openBenchTable(b, path)
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) != 100 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTableFilteredPageFirst is the first filtered view of a freshly
// opened million-row table: one full read.
func BenchmarkTableFilteredPageFirst(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	q := Query{Limit: 100, SortCol: -1, Filter: "central 2003", FilterCol: -1}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tbl, _ := openBenchTable(b, path)
		if p, err := tbl.Page(context.Background(), q); err != nil || len(p.Rows) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkTablePaging pages warm tables of 100,000 and 1,000,000 rows:
// the first page, a page in the middle, the middle of a sorted view and
// the second page of a filtered view. Equal B/op and allocs/op at both
// sizes show that a page costs what it shows, not the table's length.
func BenchmarkTablePaging(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		path := writeBenchCSV(b, rows)
		tbl, _ := openBenchTable(b, path)
		if err := tbl.Index(context.Background()); err != nil {
			b.Fatal(err)
		}
		for _, pg := range []struct {
			name string
			q    Query
		}{
			{"first", Query{Limit: 100, SortCol: -1, FilterCol: -1}},
			{"middle", Query{Offset: rows / 2, Limit: 100, SortCol: -1, FilterCol: -1}},
			{"sorted-middle", Query{Offset: rows / 2, Limit: 100, SortCol: 2, Desc: true, FilterCol: -1}},
			{"filtered-page2", Query{Offset: 100, Limit: 100, SortCol: -1, Filter: "central 2003", FilterCol: -1}},
		} {
			// The first request builds what later pages reuse.
			if p, err := tbl.Page(context.Background(), pg.q); err != nil || len(p.Rows) != 100 {
				b.Fatal(err, len(p.Rows))
			}
			b.Run(fmt.Sprintf("rows=%d/%s", rows, pg.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if p, err := tbl.Page(context.Background(), pg.q); err != nil || len(p.Rows) != 100 {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkTableStats computes the statistics of a million rows and reports
// the peak extra heap seen while doing it.
func BenchmarkTableStats(b *testing.B) {
	path := writeBenchCSV(b, benchRows)
	b.ReportAllocs()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		tbl, _ := openBenchTable(b, path)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapAlloc
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					if ms.HeapAlloc > base && ms.HeapAlloc-base > peak {
						peak = ms.HeapAlloc - base
					}
				}
			}
		}()
		s, err := tbl.Stats(context.Background())
		close(stop)
		wg.Wait()
		if err != nil || s.Rows != benchRows {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-extra-MB")
}

// benchXLSX generates a workbook of rows x 10 columns once per size.
var benchXLSX = struct {
	sync.Mutex
	paths map[int]string
}{paths: map[int]string{}}

func benchWorkbook(b *testing.B, rows int) string {
	b.Helper()
	benchXLSX.Lock()
	defer benchXLSX.Unlock()
	if p, ok := benchXLSX.paths[rows]; ok {
		return p
	}
	dir, err := os.MkdirTemp("", "airlock-bench-xlsx-")
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "big.xlsx")
	genXLSX(b, p, rows)
	benchXLSX.paths[rows] = p
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range benchXLSX.paths {
		os.RemoveAll(filepath.Dir(p))
	}
	os.Exit(code)
}

// openBenchWorkbook opens a generated workbook file; the caller closes both.
func openBenchWorkbook(b *testing.B, path string) (*os.File, *Workbook) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	wb, err := OpenWorkbook(f, st.Size(), WorkbookLimits{})
	if err != nil {
		b.Fatal(err)
	}
	return f, wb
}

// BenchmarkSpreadsheetSheet opens a 100,000-row workbook, converts its
// whole sheet and reads the first page.
func BenchmarkSpreadsheetSheet(b *testing.B) {
	path := benchWorkbook(b, 100_000)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, wb := openBenchWorkbook(b, path)
		sh, err := wb.Sheet(ctx, "Sheet1")
		if err != nil {
			b.Fatal(err)
		}
		if p, err := sh.Table.Page(ctx, NewQuery()); err != nil || len(p.Rows) != DefaultPageLimit {
			b.Fatal(err)
		}
		sh.Close()
		wb.Close()
		f.Close()
	}
}

// BenchmarkSpreadsheetFirstPage opens a workbook and shows the first page
// of its sheet while the rest is still being converted: the cost of
// showing a large sheet for the first time. excelize reads the whole file
// and unpacks its parts when it opens it, so this grows with the file;
// the pages after it do not.
func BenchmarkSpreadsheetFirstPage(b *testing.B) {
	for _, rows := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) {
			path := benchWorkbook(b, rows)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				f, wb := openBenchWorkbook(b, path)
				sh, err := wb.OpenSheet(ctx, "Sheet1")
				if err != nil {
					b.Fatal(err)
				}
				wb.Close()
				if p, err := sh.Table.Page(ctx, NewQuery()); err != nil || len(p.Rows) != DefaultPageLimit {
					b.Fatal(err)
				}
				sh.Close()
				f.Close()
			}
		})
	}
}

// BenchmarkRowReader reads every record of a 200,000-row file (a quoted
// cell in each row) and of the same file without quotes, with
// encoding/csv as the tables used to and with their own reader.
func BenchmarkRowReader(b *testing.B) {
	quoted, err := os.ReadFile(writeBenchCSV(b, 200_000))
	if err != nil {
		b.Fatal(err)
	}
	plain := bytes.ReplaceAll(quoted, []byte(`,"a note, with a comma"`), []byte(`,a note without a comma`))
	opts := TableOptions{}
	opts.fill()
	for _, f := range []struct {
		name string
		data []byte
	}{{"quoted", quoted}, {"plain", plain}} {
		b.Run(f.name+"/encoding-csv", func(b *testing.B) {
			b.SetBytes(int64(len(f.data)))
			for b.Loop() {
				cr := csv.NewReader(bufio.NewReaderSize(bytes.NewReader(f.data), rowReaderBuf))
				cr.FieldsPerRecord, cr.LazyQuotes, cr.ReuseRecord = -1, true, true
				for {
					if _, err := cr.Read(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(f.name+"/rowReader", func(b *testing.B) {
			b.SetBytes(int64(len(f.data)))
			for b.Loop() {
				rr := readRows(bytes.NewReader(f.data), 0, &opts, nil)
				for {
					if _, err := rr.next(); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
