package preview

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// sheetXLSX is a workbook whose sheet "Data" has an id column 1..rows,
// a group and a count, with cells A2:B2 merged.
func sheetXLSX(tb testing.TB, rows int) string {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "Data"); err != nil {
		tb.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Data")
	if err != nil {
		tb.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{"id", "group", "count"}); err != nil {
		tb.Fatal(err)
	}
	for r := 1; r <= rows; r++ {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := sw.SetRow(cell, []any{r, "g" + strconv.Itoa(r%7), (r * 13) % 101}); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.MergeCell("A2", "B2"); err != nil {
		tb.Fatal(err)
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.String()
}

// TestContentLargeSheet pages, sorts and filters a sheet large enough to
// be converted in the background: every page is right whether or not the
// conversion has finished, and the statistics and merged ranges arrive
// once it has.
func TestContentLargeSheet(t *testing.T) {
	const rows = 20000
	c := newFiles(t, Options{SyncStatsBytes: 1}, map[string]string{"output/big.xlsx": sheetXLSX(t, rows)})
	const base = "output/big.xlsx"
	rec := c.get(base)
	mustStatus(t, rec, http.StatusOK, "first page")
	if got := firstColumn(rec.Body.String()); len(got) != 100 || got[0] != "1" || got[99] != "100" {
		t.Fatalf("first page: %d rows, %v…", len(got), got[:min(len(got), 3)])
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"?offset=19990&limit=20", []string{"19991", "19992", "19993", "19994", "19995", "19996", "19997", "19998", "19999", "20000"}},
		{"?sort=0&desc=1&limit=3", []string{"20000", "19999", "19998"}},
		{"?sort=0&desc=1&limit=3&offset=3", []string{"19997", "19996", "19995"}},
		{"?q=g3&fcol=1&limit=3&offset=1", []string{"10", "17", "24"}},
		{"?q=g3&fcol=1&sort=0&desc=1&limit=2", []string{"19995", "19988"}},
	} {
		rec := c.get(base + tc.query)
		mustStatus(t, rec, http.StatusOK, tc.query)
		if got := firstColumn(rec.Body.String()); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%s: rows %v, want %v", tc.query, got, tc.want)
		}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		body := c.get(base).Body.String()
		if strings.Contains(body, "Divisible by 5") && strings.Contains(body, "A2:B2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no statistics or merged ranges: %.2000s", body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSheetCacheEvictsAndCloses checks that a converted sheet leaves the
// cache when another takes its place, is closed (its conversion stopped
// and its files closed), and that closing the viewer closes the rest.
func TestSheetCacheEvictsAndCloses(t *testing.T) {
	c := newFiles(t, Options{Sheets: 1, SyncStatsBytes: 1}, map[string]string{
		"output/a.xlsx": sheetXLSX(t, 30000),
		"output/b.xlsx": sheetXLSX(t, 10),
	})
	v := c.e
	mustStatus(t, c.get("output/a.xlsx"), http.StatusOK, "a")
	v.sheets.mu.Lock()
	a := v.sheets.ll.Front().Value.(*tableEntry)
	v.sheets.mu.Unlock()
	mustStatus(t, c.get("output/b.xlsx"), http.StatusOK, "b")
	v.sheets.mu.Lock()
	b := v.sheets.ll.Front().Value.(*tableEntry)
	n := v.sheets.ll.Len()
	gone := a.gone
	v.sheets.mu.Unlock()
	if a == b || n != 1 || !gone {
		t.Fatalf("a not evicted: %d entries", n)
	}
	// a's background statistics may still hold it; once they let go it is
	// closed.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		v.sheets.mu.Lock()
		refs := a.refs
		v.sheets.mu.Unlock()
		if refs == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("evicted sheet still has %d users", refs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The last user closes the entry just after letting go of the cache's
	// lock, so the close may land a moment after refs reads zero.
	select {
	case <-a.sheet.Done():
	case <-time.After(time.Until(deadline)):
		t.Error("evicted sheet's conversion still running")
	}
	for {
		if _, err := a.file.Stat(); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Error("evicted sheet's workbook file still open")
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.file.Stat(); err == nil {
		t.Error("cached sheet's workbook file still open after Close")
	}
}

// BenchmarkContentSheetPage serves pages of a 100,000-row sheet through
// Render. "first" is the first view of the workbook: it opens it and
// shows the first page while the sheet converts in the background (after
// each view the viewer is replaced, untimed, so every view is cold). The
// others page the converted, cached sheet.
//
//	go test -run='^$' -bench=BenchmarkContentSheetPage -benchmem ./ui/preview/
func BenchmarkContentSheetPage(b *testing.B) {
	c := newFiles(b, Options{}, map[string]string{"output/big.xlsx": sheetXLSX(b, 100_000)})
	fresh := func() *Engine {
		v, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		c.e = v
		return v
	}
	v := c.e
	const base = "output/big.xlsx"
	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			if rec := c.get(base); rec.Code != http.StatusOK {
				b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
			}
			b.StopTimer()
			v.Close()
			v = fresh()
			b.StartTimer()
		}
	})
	for _, q := range []string{"?offset=50000", "?sort=2&desc=1", "?sort=2&desc=1&offset=50000", "?q=g3"} {
		if rec := c.get(base + q); rec.Code != http.StatusOK { // converts and sorts once
			b.Fatalf("warm up %s: status %d", q, rec.Code)
		}
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if rec := c.get(base + q); rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", q, rec.Code)
				}
			}
		})
	}
}
