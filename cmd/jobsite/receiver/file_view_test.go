package receiver

import (
	"runtime"
	"strings"
	"testing"
)

// TestPreviewTableBounded previews a released CSV as the file page does:
// 16 MB of commas (the largest release file) is read only as far as its
// first 256 KB, at most 200 cells a row, so the page costs a few tens of
// MB whatever the file; an ordinary table is shown whole.
func TestPreviewTableBounded(t *testing.T) {
	t.Parallel()
	rows, cut, err := previewTable(strings.NewReader("a,b\n1,2\n3,4\n"))
	if err != nil || cut || len(rows) != 3 || rows[2][1] != "4" {
		t.Fatalf("small table: %v, cut %v, %v", rows, cut, err)
	}
	wide := "a\n" + strings.Repeat(",", DefaultSizeLimit-3) + "\n"
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	rows, cut, err = previewTable(strings.NewReader(wide))
	runtime.ReadMemStats(&after)
	if err != nil || !cut || len(rows) != 1 {
		t.Fatalf("wide table: %d rows, cut %v, %v", len(rows), cut, err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("previewing a 16 MB row allocated %d MB", alloc>>20)
	}
	long := "a,b\n" + strings.Repeat("1,2\n", 2_000)
	rows, cut, err = previewTable(strings.NewReader(long))
	if err != nil || !cut || len(rows) != previewRows || len(rows[previewRows-1]) != 2 {
		t.Fatalf("long table: %d rows, cut %v, %v", len(rows), cut, err)
	}
	cols := strings.Repeat("x,", 500) + "x\n1\n"
	if rows, cut, _ = previewTable(strings.NewReader(cols)); !cut || len(rows[0]) != previewColumns {
		t.Fatalf("500 columns: %d shown, cut %v", len(rows[0]), cut)
	}
}
