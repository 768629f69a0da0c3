package content

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/workspaces/content/bombtest"
)

// heapLimit is what a decoder may take of the heap for one hostile file
// in these tests, far below the 512 MB the whole server must stay under.
const heapLimit = 200 << 20

// TestWorkbookBombs opens every spreadsheet bomb with the default limits
// (but a tenth of the cells, so the sheet padded to 16,384 columns is cut
// sooner), as the viewer does: each is refused or cut short with a reason a person
// understands, quickly, and without the heap ever growing past heapLimit.
func TestWorkbookBombs(t *testing.T) {
	tests := []struct {
		bomb bombtest.Bomb
		want string // in the refusal or in a note
		rows int    // at most this many rows are shown
	}{
		{bombtest.SharedString(), "is 600.0 MB unpacked, more than the 256 MB it may take", 0},
		{bombtest.LongSharedString(), "holds a piece of text longer than 1 MB", 0},
		{bombtest.ManySharedStrings(), "more than the 256 MB it may take", 0},
		{bombtest.InlineString(), "longer than 1 MB", 0},
		{bombtest.InlineRuns(), "row 2 is longer than 16 MB", 0},
		{bombtest.DeepInlineString(), "more than 64 deep", 0},
		{bombtest.Dimension(), "more than 5,000,000 cells", 5_000_000 / 16384},
		{bombtest.ManySheets(), "5000 sheets", 0},
	}
	for _, tt := range tests {
		t.Run(tt.bomb.Name, func(t *testing.T) {
			stop := bombtest.WatchHeap(t, tt.bomb.Name, heapLimit)
			start := time.Now()
			msg, rows := openBomb(t, tt.bomb.Data)
			peak := stop()
			t.Logf("%s: %q, %d rows, heap peak %d MB, %v", tt.bomb.Name, msg, rows, peak>>20, time.Since(start).Round(time.Millisecond))
			if !strings.Contains(msg, tt.want) {
				t.Errorf("got %q, want it to say %q", msg, tt.want)
			}
			if rows > tt.rows {
				t.Errorf("%d rows shown, want at most %d", rows, tt.rows)
			}
		})
	}
}

// openBomb opens a workbook and its first sheet as the viewer does and
// returns the refusal, or the notes of the sheet's first page, and the
// number of rows shown.
func openBomb(t *testing.T, data []byte) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{TempDir: t.TempDir(), MaxCells: 5_000_000})
	if err != nil {
		if airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("OpenWorkbook: %v, want EINVALID", err)
		}
		return airlock.ErrorMessage(err), 0
	}
	defer wb.Close()
	sh, err := wb.Sheet(ctx, wb.Sheets()[0].Name)
	if err != nil {
		if airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("Sheet: %v, want EINVALID", err)
		}
		return airlock.ErrorMessage(err), 0
	}
	defer sh.Close()
	if err := sh.Table.Index(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := sh.Table.Page(ctx, NewQuery())
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(p.Notes, " "), p.Total
}
