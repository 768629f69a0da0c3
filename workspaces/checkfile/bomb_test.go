package checkfile

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/workspaces/checks"
	"github.com/airlock-project/airlock/workspaces/content/bombtest"
)

// TestChecksOfBombs runs the disclosure checks, as the review service does
// on every request file, on files shaped to multiply in them: a sheet
// padded to 16,384 columns (whose rows the background checker batched 512
// at a time, 1.3 GB), an SVG nested a million deep (whose open elements
// the XML decoder keeps) and one holding 60 MB of text. Each is checked
// with the heap under 200 MB, and a figure read only in part says so.
func TestChecksOfBombs(t *testing.T) {
	tests := []struct {
		bomb func() bombtest.Bomb
		note string
	}{
		{bombtest.Dimension, ""},
		{bombtest.DeepSVG, "nests elements more than 256 deep"},
		{func() bombtest.Bomb {
			return bombtest.Bomb{Name: "labels.svg", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><text>` + strings.Repeat("12 ", 20<<20) + `</text></svg>`)}
		}, "Only the first 16 MB of the figure was read"},
	}
	for _, tt := range tests {
		b := tt.bomb()
		t.Run(b.Name, func(t *testing.T) {
			runtime.GC()
			stop := bombtest.WatchHeap(t, b.Name, 200<<20)
			f, err := Check(context.Background(), b.Name, bytes.NewReader(b.Data), int64(len(b.Data)), checks.DefaultSettings(), nil)
			peak := stop()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: heap peak %d MB", b.Name, peak>>20)
			if tt.note != "" && !strings.Contains(strings.Join(f.Reports[0].Result.Notes, " "), tt.note) {
				t.Errorf("notes %q, want %q", f.Reports[0].Result.Notes, tt.note)
			}
		})
	}
}
