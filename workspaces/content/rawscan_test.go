package content

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// scanRows is what scan gives: every row's cells, and the row index.
func scanRows(tb testing.TB, data []byte, opts TableOptions) ([][]string, *rowIndex) {
	tb.Helper()
	tbl := mustOpenTable(tb, data, opts)
	var rows [][]string
	if err := tbl.scan(context.Background(), func(_ int, rec []string) error {
		rows = append(rows, slices.Clone(rec))
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return rows, tbl.indexed()
}

// checkRawPass checks that a raw pass choosing column col gives the rows
// scan gives, with the same cell counts, chosen cells, filter matches, row
// index and notes, or gives up. It reports whether it gave up.
func checkRawPass(tb testing.TB, data []byte, opts TableOptions, col int, filters []Query) (fellBack bool) {
	tb.Helper()
	want, wantIdx := scanRows(tb, data, opts)
	tbl := mustOpenTable(tb, data, opts)
	p, err := tbl.newRawPass(col)
	if err != nil {
		if !errors.Is(err, errRawFallback) {
			tb.Fatal(err)
		}
		return true
	}
	var ms []*matcher
	var fs []*rawFilter
	for _, q := range filters {
		m := newMatcher(q.Normalize().Filter, q.FilterCol)
		ms = append(ms, m)
		fs = append(fs, newRawFilter(m, p.comma))
	}
	n := 0
	err = p.run(context.Background(), func(r *rawRow) error {
		if r.n != n || n >= len(want) {
			return fmt.Errorf("row %d given as row %d (scan has %d rows)", n, r.n, len(want))
		}
		rec := want[n]
		n++
		if r.cells != len(rec) {
			return fmt.Errorf("row %d %q: %d cells, scan has %d: %q", r.n, r.raw, r.cells, len(rec), rec)
		}
		cell, err := r.cell()
		if err != nil {
			return err
		}
		wantCell := ""
		if col >= 0 && col < len(rec) {
			wantCell = rec[col]
		}
		if string(cell) != wantCell || (col >= 0 && col < len(rec)) != (r.cellFrom >= 0) {
			return fmt.Errorf("row %d %q col %d: cell %q (from %d), scan has %q", r.n, r.raw, col, cell, r.cellFrom, wantCell)
		}
		for i, f := range fs {
			ok, err := f.match(r)
			if err != nil {
				return err
			}
			if ok != ms[i].match(rec) {
				return fmt.Errorf("row %d %q: filter %+v matches %v, on cells %v", r.n, r.raw, filters[i], ok, !ok)
			}
		}
		got, err := r.record()
		if err != nil {
			return err
		}
		if !slices.Equal(got, rec) {
			return fmt.Errorf("row %d: cells %q, scan has %q", r.n, got, rec)
		}
		return nil
	})
	if errors.Is(err, errRawFallback) {
		if tbl.indexed() != nil {
			tb.Fatal("a raw pass that gave up kept a row index")
		}
		return true
	}
	if err != nil {
		tb.Fatalf("%q: %v", data, err)
	}
	if n != len(want) {
		tb.Fatalf("%q: raw pass gave %d rows, scan %d", data, n, len(want))
	}
	if got := tbl.indexed(); !reflect.DeepEqual(got, wantIdx) {
		tb.Fatalf("%q: row index\n%+v\nscan built\n%+v", data, got, wantIdx)
	}
	return false
}

// rawCases are files that the CSV reader reads in unusual ways.
var rawCases = []string{
	"",
	"a,b\n",
	"a,b",
	"a,b\n1,2",
	"a,b\n1,2\n",
	"a,b\r\n1,2\r\n3,4\r\n",
	"a,b\r\n1,2\r",
	"a,b\n1,2\r",
	"a,b\n\n\n1,2\n\r\n\r\n3,4\n\n",
	"a,b\n\r\r\n1,2\n",
	"a,b\n\r",
	"a,b\n\r\n",
	"a,b\n1,\n,2\n,\n",
	"a,b\n1,2,3\n4\n5,6\n",
	"a,b\n\"x\ny\",2\n\"p,q\",\"r\"\"s\"\n",
	"a,b\n\"x\r\ny\",2\r\n",
	"a,b\n\"unclosed,2\n3,4\n",
	"a,b\n\"unclosed\r",
	"a,b\n\"closed at the end\"",
	"a,b\n\"closed, then CR\"\r",
	"a,b\n\"lazy\"quote,2\n",
	"a,b\nmid\"quote,2\"\n",
	"a,b\n\"\",\"\"\n\"\"\"\",x\n",
	"a,b\nx,\"quoted \"\" last\"\n",
	"a,b\n\"a\"\r\r\n,2\n",
	"a,b\n\"a\"\rb\",2\n",
	"a,b\n1,\"2\"\n\"3\",4",
	"a,b\n1,2\"\n3,4\n",
	"a,b\n\"x\"\"\n",
	"a,b\n,\"\n\"\n",
	"name,city\nÉCOLE,Zürich\nécole,zürich\nİstanbul,KELVIN \u212a\n",
	"a,b\n\xff\xfe,ok\nok,\xc3\n",
	"a,b\nok,\"\xc3\"\n",
	"a,b\nend\xe2\x82",
	"\xef\xbb\xbfa,b\n1,2\n",
	"a,b\nNUL\x00inside,2\n",
	"a,b\n" + strings.Repeat("long cell ", 20) + ",2\n",
	"a,b\n\"" + strings.Repeat("long \"\" quoted ", 10) + "\",2\n",
	"a,b\n" + strings.Repeat("x", 300) + "\n1,2\n",
	"a\n" + strings.Repeat("1\n", 50),
	"a,b\n" + strings.Repeat("\n", 100) + "1,2\n",
	"a,b\n" + strings.Repeat(",", 100) + "\n",
}

var rawFilters = []Query{
	{Filter: "1", FilterCol: -1},
	{Filter: "x", FilterCol: 0},
	{Filter: "école", FilterCol: -1},
	{Filter: "ÉCOLE zürich", FilterCol: 1},
	{Filter: "k", FilterCol: 1},
	{Filter: "i", FilterCol: 0},
	{Filter: "\"", FilterCol: -1},
	{Filter: "r\"s", FilterCol: 1},
	{Filter: "p,q", FilterCol: -1},
	{Filter: "x,y", FilterCol: 0},
	{Filter: "\x00", FilterCol: -1},
	{Filter: "lazy\"quote", FilterCol: 0},
	{Filter: "\xc3", FilterCol: -1},
	{Filter: "\xff", FilterCol: 0},
	{Filter: "ok", FilterCol: 1},
	{Filter: "quoted", FilterCol: 0},
	{Filter: "cell long", FilterCol: -1},
	{Filter: "2 1", FilterCol: -1},
	{Filter: "y 2", FilterCol: 3},
	{Filter: "2.5", FilterCol: -1},
	{Filter: "long-z", FilterCol: 0},
	{Filter: "é1", FilterCol: -1},
	{Filter: "B1 a", FilterCol: -1},
	{Filter: "i1", FilterCol: 0},
	{Filter: "k2 ", FilterCol: -1},
}

func TestRawPassMatchesScan(t *testing.T) {
	for _, opts := range []TableOptions{
		{},
		{IndexEvery: 1, MaxCellBytes: 8, MaxColumns: 2},
		{IndexEvery: 3, MaxRecordBytes: 64},
		{Comma: ';'},
		{Comma: '\t'},
	} {
		for _, data := range rawCases {
			if opts.Comma != 0 {
				data = strings.ReplaceAll(data, ",", string(opts.Comma))
			}
			for col := -1; col < 4; col++ {
				checkRawPass(t, []byte(data), opts, col, rawFilters)
			}
		}
	}
}

// TestRawPassGivesUp checks that the raw pass leaves to scan what only scan
// can do exactly.
func TestRawPassGivesUp(t *testing.T) {
	// An unclosed quote: the row runs to the end, 200 KB.
	long := "a,b\n1,2\n\"" + strings.Repeat("x", 200<<10) + "\n" + strings.Repeat("3,4\n", 100)
	for _, c := range []struct {
		name string
		data string
		opts TableOptions
		want bool
	}{
		{"multi-byte separator", "a¦b\n1¦2\n", TableOptions{Comma: '¦'}, true},
		{"row over MaxRecordBytes", long, TableOptions{MaxRecordBytes: 180 << 10}, true},
		{"file within MaxRecordBytes", long, TableOptions{MaxRecordBytes: 256 << 10}, false},
		{"row well within MaxRecordBytes", long, TableOptions{}, false},
		{"file within MaxRecordBytes", long, TableOptions{MaxRecordBytes: 1 << 20}, false},
		{"row over MaxRecordCells", "a\n" + strings.Repeat(",", 200<<10) + "\n1\n", TableOptions{MaxRecordCells: 190 << 10}, true},
		{"file within MaxRecordCells", "a\n" + strings.Repeat(",", 200<<10) + "\n1\n", TableOptions{}, false},
		{"many blank lines", "a\n1\n" + strings.Repeat("\n", 300<<10), TableOptions{MaxRecordBytes: 256 << 10}, true},
		{"row of MaxRecordBytes", "a\n1\n" + strings.Repeat("x", 99) + "\n2\n", TableOptions{MaxRecordBytes: 100}, false},
		{"row of MaxRecordBytes and one", "a\n1\n" + strings.Repeat("x", 100) + "\n2\n", TableOptions{MaxRecordBytes: 100}, true},
		{"row of MaxRecordCells", "a\n1\n" + strings.Repeat(",", 99) + "\n2\n", TableOptions{MaxRecordCells: 100}, false},
		{"row of MaxRecordCells and one", "a\n1\n" + strings.Repeat(",", 100) + "\n2\n", TableOptions{MaxRecordCells: 100}, true},
	} {
		if got := checkRawPass(t, []byte(c.data), c.opts, 0, rawFilters[:2]); got != c.want {
			t.Errorf("%s: gave up %v, want %v", c.name, got, c.want)
		}
	}
}

// messyCSV makes a file of rows of random cells, quoting and line ends,
// meant to be read in unusual ways.
func messyCSV(rng *rand.Rand, rows int) []byte {
	parts := []string{"a", "B", "école", "ÉCOLE", "1", "2.5", "", " ", ",", "\"", "\"\"", "\n", "\r\n", "\r",
		"\"q\"", "\"x,y\"", "\"l\nm\"", "\xff", "\xc3", "İ", "\u212a", "long-" + strings.Repeat("z", 30), "a1", "B1", "É1", "\u212a2"}
	var b bytes.Buffer
	b.WriteString("h1,h2,h3\n")
	for r := 0; r < rows; r++ {
		for c := rng.IntN(5); c >= 0; c-- {
			for k := rng.IntN(3); k >= 0; k-- {
				b.WriteString(parts[rng.IntN(len(parts))])
			}
			if c > 0 {
				b.WriteByte(',')
			}
		}
		if rng.IntN(4) == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestRawPassMessyFiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	for i := 0; i < 300; i++ {
		data := messyCSV(rng, 1+rng.IntN(30))
		opts := TableOptions{IndexEvery: 1 + rng.IntN(4), MaxCellBytes: 5 + rng.IntN(40)}
		checkRawPass(t, data, opts, rng.IntN(5)-1, rawFilters)
	}
}

// TestRawPassSmallReads runs rows across many buffer refills: a file far
// larger than one read, with rows ending at every offset of a read.
func TestRawPassSmallReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := messyCSV(rng, 40000)
	for _, col := range []int{-1, 1} {
		checkRawPass(t, data, TableOptions{}, col, rawFilters[:4])
	}
}

// TestColdViewsMatchScan checks whole pages: a freshly opened table (raw
// pass) gives the same sorted and filtered pages, totals, matched counts
// and notes as one whose index scan built first, with the cache on and
// off.
func TestColdViewsMatchScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	filters := []string{"", "a", "école", "ÉCOLE", "1", "\"q", "x,y", "l m", "z", "a1", "b1 é", "é1", "k2"}
	for i := 0; i < 60; i++ {
		data := messyCSV(rng, 1+rng.IntN(200))
		for _, cache := range []int64{0, -1, 40} {
			opts := TableOptions{IndexEvery: 1 + rng.IntN(8), MaxCellBytes: 20, CacheBytes: cache}
			q := Query{
				Offset:    rng.IntN(10),
				Limit:     1 + rng.IntN(20),
				SortCol:   rng.IntN(4) - 1, // within the header: Page keeps
				Desc:      rng.IntN(2) == 0,
				Filter:    filters[rng.IntN(len(filters))],
				FilterCol: rng.IntN(4) - 1, // wider columns once the index is built
			}
			cold := mustOpenTable(t, data, opts)
			got := mustPage(t, cold, q)
			warm := mustOpenTable(t, data, opts)
			if err := warm.scan(context.Background(), func(int, []string) error { return nil }); err != nil {
				t.Fatal(err)
			}
			want := mustPage(t, warm, q)
			if q.SortCol < 0 && q.Filter == "" {
				continue // a plain first page is served before the index
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%q\n%+v:\ncold %+v\nwarm %+v", data, q, got, want)
			}
		}
	}
}

func TestLowerASCII(t *testing.T) {
	all := make([]byte, 0, 256*9)
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	for c := 0; c < 256; c++ {
		all = append(all, bytes.Repeat([]byte{byte(c)}, 8)...) // whole words too
	}
	for start := 0; start < 8; start++ {
		got, ascii := lowerASCII([]byte("kept"), all[start:])
		if ascii {
			t.Fatal("lowerASCII finds only ASCII in all bytes")
		}
		if _, ascii := lowerASCII(nil, all[start:128]); !ascii {
			t.Fatal("lowerASCII finds a byte over 0x7f in ASCII")
		}
		want := append([]byte("kept"), all[start:]...)
		for i, c := range want {
			if 'A' <= c && c <= 'Z' {
				want[i] = c + 'a' - 'A'
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("start %d: lowerASCII differs", start)
		}
		for i := start; i < len(all); i++ {
			want := -1
			if k := slices.IndexFunc(all[i:], func(c byte) bool { return c >= 0x80 }); k >= 0 {
				want = k
			}
			if got := indexNonASCII(all[i:]); got != want {
				t.Fatalf("indexNonASCII from %d = %d, want %d", i, got, want)
			}
		}
	}
}

// FuzzRawPass checks the raw pass against scan on any bytes.
func FuzzRawPass(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".csv", ".tsv") {
		f.Add(b, 0, "a", false)
	}
	for i, c := range rawCases {
		f.Add([]byte(c), i%4-1, rawFilters[i%len(rawFilters)].Filter, i%5 == 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, col int, filter string, tsv bool) {
		opts := TableOptions{MaxRecordBytes: 4096, IndexEvery: 3, MaxColumns: 50, MaxCellBytes: 40}
		if tsv {
			opts.Comma = '\t'
		}
		col = col%8 - 1
		if col < -1 {
			col = -col
		}
		filters := []Query{{Filter: filter, FilterCol: -1}, {Filter: filter, FilterCol: max(col, 0)}}
		checkRawPass(t, data, opts, col, filters)
	})
}

func TestIndexFrom(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.IntN(40))
		for j := range b {
			b[j] = "00104\x80\xff"[rng.IntN(7)]
		}
		lo := rng.IntN(3)
		sep := []byte("010\x80\xff0"[lo : lo+1+rng.IntN(4)])
		from := rng.IntN(len(b) + 1)
		want := len(b)
		if k := bytes.Index(b[from:], sep); k >= 0 {
			want = from + k
		}
		if got := indexFrom(b, from, sep); got != want {
			t.Fatalf("indexFrom(%q, %d, %q) = %d, want %d", b, from, sep, got, want)
		}
	}
}

func TestAnchorOf(t *testing.T) {
	for term, want := range map[string]string{"c042": "042", "central": "", "2003": "2003", "a-1.5b": "-1.5", "é1": "1", "x_y": "_", "": ""} {
		if got := string(anchorOf([]byte(term))); got != want {
			t.Errorf("anchorOf(%q) = %q, want %q", term, got, want)
		}
	}
}

func TestRadixSortNumKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{0, 1, 2, 100, 5000} {
		for _, spread := range []uint64{1, 3, 1 << 20, math.MaxUint64} {
			keys := make([]numKey, n)
			for i := range keys {
				keys[i] = numKey{u: rng.Uint64() % spread, row: int32(i)}
				if spread == 1<<20 {
					keys[i].u <<= 40 // only the high bytes differ
				}
			}
			want := slices.Clone(keys)
			slices.SortStableFunc(want, func(a, b numKey) int { return cmp.Compare(a.u, b.u) })
			radixSortNumKeys(keys, make([]numKey, n))
			if !slices.Equal(keys, want) {
				t.Fatalf("n=%d spread=%d: radix sort differs", n, spread)
			}
		}
	}
}

// TestIndexMatchesScan checks that Index, which makes a raw pass, builds
// the row index scan builds.
func TestIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for i := 0; i < 100; i++ {
		data := messyCSV(rng, 1+rng.IntN(100))
		opts := TableOptions{IndexEvery: 1 + rng.IntN(5), MaxCellBytes: 10 + rng.IntN(30)}
		_, want := scanRows(t, data, opts)
		tbl := mustOpenTable(t, data, opts)
		if err := tbl.Index(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := tbl.indexed(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Index built\n%+v\nscan built\n%+v", data, got, want)
		}
	}
}

// TestColdViewsOverLongRow checks the views of a table that stops at an
// over-long or over-wide row, which the raw pass leaves to scan: the same
// pages and notes as when scan built the index.
func TestColdViewsOverLongRow(t *testing.T) {
	for _, c := range []struct {
		data string
		opts TableOptions
		note string
	}{
		{"a,b\n1,x\n\"" + strings.Repeat("y", 500) + "\n2,x\n", TableOptions{MaxRecordBytes: 200}, "longer than 200 bytes"},
		{"a,b\n1,x\n3,x\n" + strings.Repeat(",", 500) + "\n2,x\n", TableOptions{MaxRecordCells: 100}, "more than 100 cells"},
	} {
		for _, q := range []Query{
			{Limit: 10, SortCol: 0, Desc: true, FilterCol: -1},
			{Limit: 10, SortCol: -1, Filter: "x", FilterCol: -1},
			{Limit: 10, SortCol: 0, Filter: "X", FilterCol: 1},
		} {
			for _, cache := range []int64{0, -1} {
				opts := c.opts
				opts.CacheBytes = cache
				got := mustPage(t, mustOpenTable(t, []byte(c.data), opts), q)
				warm := mustOpenTable(t, []byte(c.data), opts)
				if err := warm.scan(context.Background(), func(int, []string) error { return nil }); err != nil {
					t.Fatal(err)
				}
				if want := mustPage(t, warm, q); !reflect.DeepEqual(got, want) {
					t.Fatalf("%+v:\ncold %+v\nwarm %+v", q, got, want)
				}
				if !hasNote(got.Notes, c.note) || got.Total < 1 {
					t.Fatalf("%+v: notes %q, total %d", q, got.Notes, got.Total)
				}
			}
		}
	}
}
