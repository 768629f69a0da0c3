package preview

import (
	"net/http"
	"runtime"
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

// TestFileBombs shows every other decoder's bombs in the preview frame:
// images declaring more pixels than a browser can hold are refused, bytes
// and page alike, from their header alone; text, tables, logs and SVG are
// shown as far as they can be with a note saying what was left out; and
// the heap never passes 200 MB.
func TestFileBombs(t *testing.T) {
	tests := []struct {
		name   string
		bomb   func() bombtest.Bomb
		query  string
		status int
		want   string
	}{
		{bomb: func() bombtest.Bomb { return bombtest.PNG("huge.png", 100_000, 100_000) }, status: http.StatusUnsupportedMediaType, want: "declares 100,000 × 100,000 pixels (10,000 megapixels), more than the 100 megapixels"},
		{bomb: func() bombtest.Bomb { return bombtest.PNG("huge.png", 100_000, 100_000) }, query: "?raw=1", status: http.StatusUnsupportedMediaType, want: "more than the 100 megapixels"},
		{bomb: func() bombtest.Bomb { return bombtest.PNG("gigapixel.png", 40_000, 30_000) }, status: http.StatusUnsupportedMediaType, want: "(1,200 megapixels)"},
		{bomb: func() bombtest.Bomb { return bombtest.JPEG("huge.jpg", 65_535, 65_535) }, status: http.StatusUnsupportedMediaType, want: "declares 65,535 × 65,535 pixels"},
		{bomb: bombtest.DeepJSON, status: http.StatusOK, want: "too long to colour (over 128 KB)"},
		{bomb: bombtest.LongJSON, status: http.StatusOK, want: "too long to colour"},
		{bomb: bombtest.EscapedText, query: "?plaintext=1", status: http.StatusOK, want: "This page stops after line 104, at 1 MB of text"},
		{bomb: bombtest.OneLine, status: http.StatusOK, want: "longer than 10000 characters and are cut short"},
		{bomb: bombtest.WideCSV, status: http.StatusOK, want: "Row 1 has more than 262,144 cells; the table stops before it."},
		{bomb: bombtest.WideHeader, status: http.StatusOK, want: "The header row has more than 262,144 cells"},
		{bomb: bombtest.LongCSVLine, status: http.StatusOK, want: "Row 1 is longer than 8 MB"},
		{bomb: bombtest.DeepSVG, status: http.StatusOK, want: "</svg>"},
		{bomb: bombtest.LogSummary, status: http.StatusOK, want: "ansi-green"},
	}
	// The bombs are written one at a time and let go of, so that the
	// heap measured is the engine's.
	c := newFiles(t, Options{}, nil)
	does := map[string]string{}
	for i, tt := range tests {
		b := tt.bomb()
		tests[i].name, does[b.Name] = b.Name, b.Does
		c.write("output/"+b.Name, string(b.Data))
	}
	runtime.GC()
	for _, tt := range tests {
		t.Run(tt.name+tt.query, func(t *testing.T) {
			stop := bombtest.WatchHeap(t, tt.name, 200<<20)
			start := time.Now()
			rec := c.get("output/" + tt.name + tt.query)
			peak := stop()
			t.Logf("%s%s (%s): %d in %v, heap peak %d MB", tt.name, tt.query, does[tt.name], rec.Code, time.Since(start).Round(time.Millisecond), peak>>20)
			mustStatus(t, rec, tt.status, tt.name)
			if body := rec.Body.String(); !strings.Contains(body, tt.want) {
				t.Errorf("no %q in %.1000s", tt.want, body)
			}
		})
	}
}
