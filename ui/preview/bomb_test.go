package preview

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/workspaces/content"
	"github.com/airlock-project/airlock/workspaces/content/bombtest"
)

// TestSpreadsheetBombs shows every spreadsheet bomb in the preview frame:
// each gets a page that says why it cannot be shown, or shows what can be
// with a note, at once, and the heap never passes 200 MB.
func TestSpreadsheetBombs(t *testing.T) {
	tests := []struct {
		bomb   bombtest.Bomb
		status int
		want   string
	}{
		{bombtest.SharedString(), http.StatusUnsupportedMediaType, "is 600.0 MB unpacked"},
		{bombtest.LongSharedString(), http.StatusUnsupportedMediaType, "holds a piece of text longer than 1 MB"},
		{bombtest.ManySharedStrings(), http.StatusUnsupportedMediaType, "more than the 256 MB it may take"},
		{bombtest.InlineString(), http.StatusUnsupportedMediaType, "row 1 holds a piece of text longer than 1 MB"},
		{bombtest.InlineRuns(), http.StatusOK, "row 2 is longer than 16 MB as text"},
		{bombtest.DeepInlineString(), http.StatusUnsupportedMediaType, "nests elements more than 64 deep"},
		{bombtest.Dimension(), http.StatusOK, "more than 5,000,000 cells"},
		{bombtest.ManySheets(), http.StatusUnsupportedMediaType, "5000 sheets"},
	}
	files := map[string]string{}
	for _, tt := range tests {
		files["output/"+tt.bomb.Name] = string(tt.bomb.Data)
	}
	c := newFiles(t, Options{Workbook: content.WorkbookLimits{TempDir: t.TempDir(), MaxCells: 5_000_000}}, files)
	for _, tt := range tests {
		t.Run(tt.bomb.Name, func(t *testing.T) {
			stop := bombtest.WatchHeap(t, tt.bomb.Name, 200<<20)
			start := time.Now()
			rec := c.get("output/" + tt.bomb.Name)
			peak := stop()
			t.Logf("%s: %d in %v, heap peak %d MB", tt.bomb.Name, rec.Code, time.Since(start).Round(time.Millisecond), peak>>20)
			mustStatus(t, rec, tt.status, tt.bomb.Name)
			body := rec.Body.String()
			if !strings.Contains(body, tt.want) {
				t.Errorf("no note saying %q: %.2000s", tt.want, body)
			}
		})
	}
}
