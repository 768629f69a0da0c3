package content

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func mustOpenTable(tb testing.TB, data []byte, opts TableOptions) *Table {
	tb.Helper()
	tbl, err := OpenTable(bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		tb.Fatalf("OpenTable: %v", err)
	}
	return tbl
}

func mustPage(tb testing.TB, tbl *Table, q Query) PageResult {
	tb.Helper()
	p, err := tbl.Page(context.Background(), q)
	if err != nil {
		tb.Fatalf("Page(%+v): %v", q, err)
	}
	return p
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func hasNote(notes []string, substr string) bool {
	for _, n := range notes {
		if strings.Contains(n, substr) {
			return true
		}
	}
	return false
}

func TestTableOddFiles(t *testing.T) {
	tests := []struct {
		file     string
		opts     TableOptions
		header   []string
		rows     [][]string
		widths   []int
		total    int
		noteWith string
	}{
		{file: "simple.csv", header: []string{"name", "count", "rate"},
			rows:  [][]string{{"alpha", "10", "0.5"}, {"beta", "", "1.25"}, {"gamma, delta", "15", "NA"}},
			total: 3},
		{file: "simple.tsv", opts: TableOptionsFor("simple.tsv"), header: []string{"id", "text"},
			rows: [][]string{{"1", "hello"}, {"2", "world"}}, total: 2},
		{file: "bom.csv", header: []string{"a", "b"}, rows: [][]string{{"1", "2"}}, total: 1},
		{file: "empty.csv", total: 0, noteWith: "empty"},
		{file: "header_only.csv", header: []string{"a", "b", "c"}, total: 0, noteWith: "no data rows"},
		{file: "ragged.csv", header: []string{"a", "b", "c", "Column 4"},
			rows:   [][]string{{"1", "2", "", ""}, {"1", "2", "3", "4"}, {"5", "6", "7", ""}},
			widths: []int{2, 4, 3}, total: 3, noteWith: "different number of cells"},
		{file: "quoted_newline.csv", header: []string{"id", "text"},
			rows: [][]string{{"1", "line one\nline two"}, {"2", `say "hi"`}}, total: 2},
		{file: "invalid_utf8.csv", header: []string{"id", "text"},
			rows: [][]string{{"1", "caf\uFFFD"}, {"2", "ok"}}, total: 2, noteWith: "not valid UTF-8"},
		{file: "unclosed_quote.csv", header: []string{"a", "b"},
			rows: [][]string{{"1", "unclosed\n2,3\n"}}, total: 1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			tbl := mustOpenTable(t, readFixture(t, tt.file), tt.opts)
			// Build the index first so Total and whole-file notes are known.
			if err := tbl.Index(context.Background()); err != nil {
				t.Fatal(err)
			}
			p := mustPage(t, tbl, NewQuery())
			if len(tt.header) > 0 || len(p.Header) > 0 {
				if !reflect.DeepEqual(p.Header, tt.header) {
					t.Fatalf("Header=%q, want %q", p.Header, tt.header)
				}
			}
			if !reflect.DeepEqual(p.Rows, tt.rows) && !(len(p.Rows) == 0 && len(tt.rows) == 0) {
				t.Fatalf("Rows=%q, want %q", p.Rows, tt.rows)
			}
			if tt.widths != nil && !reflect.DeepEqual(p.Widths, tt.widths) {
				t.Fatalf("Widths=%v, want %v", p.Widths, tt.widths)
			}
			if got, want := p.Total, tt.total; got != want {
				t.Fatalf("Total=%d, want %d", got, want)
			}
			if tt.noteWith != "" && !hasNote(p.Notes, tt.noteWith) {
				t.Fatalf("Notes=%q, want one containing %q", p.Notes, tt.noteWith)
			}
			if _, err := tbl.Stats(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTableFirstPageNeedsNoIndex(t *testing.T) {
	data := genCSV(2000, 3, 1)
	tbl := mustOpenTable(t, data, TableOptions{})
	p := mustPage(t, tbl, Query{Limit: 10, SortCol: -1, FilterCol: -1})
	if got, want := p.Total, -1; got != want {
		t.Fatalf("Total=%d, want %d (unknown before the index)", got, want)
	}
	if got, want := len(p.Rows), 10; got != want {
		t.Fatalf("len(Rows)=%d, want %d", got, want)
	}
	if _, known := tbl.Total(); known {
		t.Fatal("Total known after the first page")
	}
	// A page at the end of a small file learns the total.
	small := mustOpenTable(t, genCSV(5, 3, 1), TableOptions{})
	if p := mustPage(t, small, NewQuery()); p.Total != 5 {
		t.Fatalf("small Total=%d, want 5", p.Total)
	}
}

func TestTableLongCellsAndRecords(t *testing.T) {
	long := strings.Repeat("é", 800) // 1600 bytes
	data := []byte("a,b\n1," + long + "\n")
	tbl := mustOpenTable(t, data, TableOptions{MaxCellBytes: 100})
	p := mustPage(t, tbl, NewQuery())
	if got := p.Rows[0][1]; len(got) > 100+len("…") || !strings.HasSuffix(got, "…") {
		t.Fatalf("cell not capped: %d bytes", len(got))
	}
	if !hasNote(p.Notes, "cut short") {
		t.Fatalf("Notes=%q, want a cut-short note", p.Notes)
	}
	// Filtering still sees the whole cell.
	if p := mustPage(t, tbl, Query{Filter: "ÉÉÉ", SortCol: -1, FilterCol: 1, Limit: 5}); p.Matched != 1 {
		t.Fatalf("Matched=%d, want 1", p.Matched)
	}

	// An unclosed quote in a big file stops the table with a note instead
	// of reading everything into one cell.
	var buf bytes.Buffer
	buf.WriteString("a,b\n1,2\n3,\"open\n")
	for buf.Len() < 300<<10 {
		buf.WriteString("x,y\n")
	}
	tbl = mustOpenTable(t, buf.Bytes(), TableOptions{MaxRecordBytes: 64 << 10})
	if err := tbl.Index(context.Background()); err != nil {
		t.Fatal(err)
	}
	p = mustPage(t, tbl, NewQuery())
	if got, want := p.Total, 1; got != want {
		t.Fatalf("Total=%d, want %d", got, want)
	}
	if !hasNote(p.Notes, "never closed") {
		t.Fatalf("Notes=%q, want an unclosed-quote note", p.Notes)
	}
}

// TestTableRowOfManyCells stops a table at a row with more cells than
// MaxRecordCells, which the CSV reader would hold at about 40 bytes each,
// and says so on the first page, before any full pass has run.
func TestTableRowOfManyCells(t *testing.T) {
	data := "a,b\n1,2\n3,4\n" + strings.Repeat(",", 200_000) + "\n5,6\n"
	tbl := mustOpenTable(t, []byte(data), TableOptions{MaxRecordCells: 1000})
	p := mustPage(t, tbl, NewQuery())
	if p.Total != 2 || len(p.Rows) != 2 {
		t.Fatalf("Total=%d, %d rows, want 2 and 2", p.Total, len(p.Rows))
	}
	if !hasNote(p.Notes, "Row 3 has more than 1,000 cells; the table stops before it.") {
		t.Fatalf("Notes=%q", p.Notes)
	}
	tbl = mustOpenTable(t, []byte(strings.Repeat(",", 200_000)+"\n1\n"), TableOptions{MaxRecordCells: 1000})
	if p := mustPage(t, tbl, NewQuery()); !hasNote(p.Notes, "The header row has more than 1,000 cells") {
		t.Fatalf("Notes=%q", p.Notes)
	}
}

func TestTableManyColumns(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", i)
	}
	b.WriteString("\n")
	b.WriteString(strings.Repeat("1,", 19) + "1\n")
	tbl := mustOpenTable(t, []byte(b.String()), TableOptions{MaxColumns: 5})
	p := mustPage(t, tbl, NewQuery())
	if len(p.Header) != 5 || len(p.Rows[0]) != 5 {
		t.Fatalf("got %d header cells, %d row cells; want 5", len(p.Header), len(p.Rows[0]))
	}
	if !hasNote(p.Notes, "only the first 5") {
		t.Fatalf("Notes=%q", p.Notes)
	}
	s, err := tbl.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Columns) != 5 {
		t.Fatalf("stats columns=%d, want 5", len(s.Columns))
	}
}

// genCSV writes rows of random cells drawn from a small pool, so sorting
// and filtering meet duplicates, numbers, text, case and empty cells.
func genCSV(rows, cols int, seed uint64) []byte {
	pool := []string{"", " ", "0", "1", "7", "10", "-3", "2.5", "1e3", "007", "apple", "Apple", "banana",
		"Éclair", "éclair", "zebra", "NA", "[REDACTED]", "a b", "x,y", "say \"hi\"", "multi\nline", "ünï", "12abc"}
	rng := rand.New(rand.NewPCG(seed, 1))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	head := make([]string, cols)
	for i := range head {
		head[i] = "col" + strconv.Itoa(i)
	}
	_ = w.Write(head)
	rec := make([]string, cols)
	for r := 0; r < rows; r++ {
		for c := range rec {
			rec[c] = pool[rng.IntN(len(pool))]
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// naiveRows parses everything into memory.
func naiveRows(t *testing.T, data []byte) [][]string {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	all, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return all[1:]
}

// naivePage is an independent, obviously correct (and slow) model of Page.
func naivePage(rows [][]string, q Query) (nums []int, matched int) {
	type row struct {
		n    int
		cell []string
	}
	var keep []row
	for i, r := range rows {
		ok := true
		for _, term := range strings.Fields(strings.ToLower(q.Filter)) {
			found := false
			for c, cell := range r {
				if (q.FilterCol < 0 || q.FilterCol == c) && strings.Contains(strings.ToLower(cell), term) {
					found = true
				}
			}
			ok = ok && found
		}
		if ok {
			keep = append(keep, row{i, r})
		}
	}
	if q.SortCol >= 0 {
		class := func(s string) (int, float64) {
			if strings.TrimSpace(s) == "" {
				return 2, 0
			}
			if v, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && !strings.ContainsAny(s, "xXnNiI_") {
				return 0, v
			}
			return 1, 0
		}
		cellOf := func(r row) string {
			if q.SortCol < len(r.cell) {
				return r.cell[q.SortCol]
			}
			return ""
		}
		sort.SliceStable(keep, func(i, j int) bool {
			a, b := cellOf(keep[i]), cellOf(keep[j])
			ka, va := class(a)
			kb, vb := class(b)
			if ka == 2 || kb == 2 {
				return ka != 2 && kb == 2
			}
			c := 0
			switch {
			case ka != kb:
				c = ka - kb
			case ka == 0:
				if va < vb {
					c = -1
				} else if va > vb {
					c = 1
				}
			default:
				c = strings.Compare(strings.ToLower(a), strings.ToLower(b))
				if c == 0 {
					c = strings.Compare(a, b)
				}
			}
			if q.Desc {
				c = -c
			}
			return c < 0
		})
	}
	for i := q.Offset; i < len(keep) && i < q.Offset+q.Limit; i++ {
		nums = append(nums, keep[i].n+1)
	}
	return nums, len(keep)
}

func TestTablePageMatchesNaive(t *testing.T) {
	data := genCSV(700, 4, 42)
	rows := naiveRows(t, data)
	rng := rand.New(rand.NewPCG(7, 7))
	filters := []string{"", "", "a", "APPLE", "1", "é", "na", "line a", "zzz", "\"hi\""}
	// The cache holds everything (0), only small filters (400 bytes, 100
	// rows) or nothing (-1): every mix of cached and scanned answers.
	for _, cfg := range []struct {
		every int
		cache int64
	}{{1, 0}, {3, 0}, {64, 0}, {3, 400}, {64, 400}, {3, -1}, {64, -1}} {
		every := cfg.every
		tbl := mustOpenTable(t, data, TableOptions{IndexEvery: every, CacheBytes: cfg.cache})
		for i := 0; i < 150; i++ {
			q := Query{
				Offset:    rng.IntN(720),
				Limit:     1 + rng.IntN(40),
				SortCol:   rng.IntN(5) - 1,
				Desc:      rng.IntN(2) == 0,
				Filter:    filters[rng.IntN(len(filters))],
				FilterCol: rng.IntN(5) - 1,
			}
			if i%10 == 0 {
				q.Offset = rng.IntN(30)
			}
			p := mustPage(t, tbl, q)
			wantNums, wantMatched := naivePage(rows, q)
			if len(p.RowNumbers) != len(wantNums) || (len(wantNums) > 0 && !reflect.DeepEqual(p.RowNumbers, wantNums)) {
				t.Fatalf("every=%d cache=%d q=%+v: RowNumbers=%v, want %v", every, cfg.cache, q, p.RowNumbers, wantNums)
			}
			if q.Filter != "" || q.SortCol >= 0 || p.Total >= 0 {
				if p.Matched != wantMatched {
					t.Fatalf("every=%d cache=%d q=%+v: Matched=%d, want %d", every, cfg.cache, q, p.Matched, wantMatched)
				}
			}
			for j, n := range p.RowNumbers {
				for c, cell := range rows[n-1] {
					if p.Rows[j][c] != cell {
						t.Fatalf("q=%+v row %d col %d = %q, want %q", q, n, c, p.Rows[j][c], cell)
					}
				}
			}
		}
	}
}

func TestTableConcurrentPages(t *testing.T) {
	data := genCSV(3000, 3, 3)
	tbl := mustOpenTable(t, data, TableOptions{IndexEvery: 16})
	done := make(chan error, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			_, err := tbl.Page(context.Background(), Query{Offset: g * 300, Limit: 20, SortCol: g%3 - 1, FilterCol: -1})
			if err == nil && g%2 == 0 {
				_, err = tbl.Stats(context.Background())
			}
			done <- err
		}(g)
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n, ok := tbl.Total(); !ok || n != 3000 {
		t.Fatalf("Total=%d,%v, want 3000,true", n, ok)
	}
}

func TestTableCancelled(t *testing.T) {
	tbl := mustOpenTable(t, genCSV(5000, 3, 1), TableOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := tbl.Page(ctx, Query{SortCol: 0, FilterCol: -1}); err == nil {
		t.Fatal("sorted page with a cancelled context succeeded")
	}
	if _, err := tbl.Stats(ctx); err == nil {
		t.Fatal("stats with a cancelled context succeeded")
	}
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n atomic.Int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

func TestTableSortedPagesReuseOrder(t *testing.T) {
	data := genCSV(50000, 4, 5)
	cr := &countingReaderAt{r: bytes.NewReader(data)}
	tbl, err := OpenTable(cr, int64(len(data)), TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	queries := []Query{
		{Limit: 50, SortCol: 1, FilterCol: -1},
		{Limit: 50, SortCol: 2, Desc: true, FilterCol: -1},
		{Limit: 50, SortCol: -1, Filter: "apple", FilterCol: -1},
		{Limit: 50, SortCol: 1, Filter: "apple", FilterCol: -1},
	}
	for _, q := range queries {
		first, err := tbl.Page(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		before := cr.n.Load()
		q.Offset = 50
		second, err := tbl.Page(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// A page of 50 rows reads at most 50 small blocks of the file.
		if read := cr.n.Load() - before; read > 50*8<<10 || read > int64(len(data))/2 {
			t.Errorf("q=%+v: the second page read %d of %d bytes", q, read, len(data))
		}
		if second.Matched != first.Matched || len(second.Rows) != 50 {
			t.Errorf("q=%+v: matched %d then %d, %d rows", q, first.Matched, second.Matched, len(second.Rows))
		}
	}
}

func TestTableOrderCacheBounded(t *testing.T) {
	data := genCSV(1000, 4, 9)
	// 4,000 bytes: one sort order of 1,000 rows at a time.
	tbl := mustOpenTable(t, data, TableOptions{CacheBytes: 4000})
	ctx := context.Background()
	for col := 0; col < 4; col++ {
		for _, desc := range []bool{false, true} {
			mustPage(t, tbl, Query{Limit: 10, SortCol: col, Desc: desc, FilterCol: -1})
		}
	}
	for _, f := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		mustPage(t, tbl, Query{Limit: 10, SortCol: -1, Filter: f, FilterCol: -1})
	}
	tbl.mu.Lock()
	n, bytes := len(tbl.orders.entries), tbl.orders.bytes
	var sum int64
	for _, e := range tbl.orders.entries {
		sum += e.nbytes
	}
	tbl.mu.Unlock()
	if n > maxCachedOrders || bytes > 4000 || sum != bytes {
		t.Fatalf("cache holds %d entries, %d bytes (sum %d)", n, bytes, sum)
	}
	if _, err := tbl.Page(ctx, Query{Limit: 10, SortCol: 0, FilterCol: -1}); err != nil {
		t.Fatal(err)
	}
}

func TestTableOrderCacheConcurrent(t *testing.T) {
	data := genCSV(5000, 3, 11)
	rows := naiveRows(t, data)
	tbl := mustOpenTable(t, data, TableOptions{IndexEvery: 16, CacheBytes: 30000})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 8; i++ {
				q := Query{Offset: (g * 37 * i) % 5000, Limit: 25, SortCol: (g+i)%4 - 1, Desc: g%2 == 0, FilterCol: -1}
				if i%3 == 0 {
					q.Filter = []string{"apple", "1", "na"}[g%3]
				}
				ctx, cancel := context.WithCancel(context.Background())
				if g%5 == 0 && i == 0 {
					cancel() // a cancelled build must not poison the cache
				}
				p, err := tbl.Page(ctx, q)
				cancel()
				if err != nil {
					if g%5 == 0 && i == 0 {
						continue
					}
					errs <- err
					return
				}
				want, matched := naivePage(rows, q)
				if !reflect.DeepEqual(p.RowNumbers, want) && len(want)+len(p.RowNumbers) > 0 || (p.Matched != matched && (q.Filter != "" || q.SortCol >= 0)) {
					errs <- fmt.Errorf("q=%+v: rows %v matched %d, want %v, %d", q, p.RowNumbers, p.Matched, want, matched)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
