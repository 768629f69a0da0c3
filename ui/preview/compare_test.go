package preview

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// compareFiles renders the comparison of two versions named name.
func compareFiles(t *testing.T, e *Engine, name, query string, old, new []byte) *httptest.ResponseRecorder {
	t.Helper()
	file := func(b []byte, label string) File {
		sum := sha256.Sum256(b)
		return File{Name: name, Size: int64(len(b)), Hash: hex.EncodeToString(sum[:]), Allowed: allowedTypes[name[strings.LastIndex(name, "."):]],
			Content: bytes.NewReader(b), Label: label}
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://airlock.test/diff/"+name+query, nil)
	if err := e.Compare(rec, req, file(old, "Reviewed in round 1"), file(new, "Current version")); err != nil {
		t.Fatalf("compare %s: %v", name, err)
	}
	return rec
}

func pngOf(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func workbookOf(t *testing.T, sheets map[string][][]any) []byte {
	f := excelize.NewFile()
	defer f.Close()
	first := true
	for name, rows := range sheets {
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCompare: each kind of file compares as it should, under the
// sandbox, with its changes in <ins> and <del>.
func TestCompare(t *testing.T) {
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	for _, tc := range []struct {
		name, query string
		old, new    []byte
		want        []string
	}{
		{"out/notes.md", "", []byte("# Notes\nCounts under 8 are hidden.\nEnd.\n"), []byte("# Notes\nCounts under 10 are hidden.\nEnd.\n"),
			[]string{"1 line added; 1 line removed.", `<ins class="diff-char">10</ins>`, `<del class="diff-char">8</del>`}},
		{"out/table.csv", "", []byte("region,count\nNorth,5\nSouth,9\n"), []byte("region,count\nNorth,5\nSouth,12\nEast,3\n"),
			[]string{"1 cell changed in 1 row; 1 row added.", "<del>9</del> <ins>12</ins>", `data-diff="added"`}},
		{"out/table.csv", "?all=1", []byte("region,count\nNorth,5\nSouth,9\n"), []byte("region,count\nNorth,5\nSouth,12\n"),
			[]string{"Showing rows 1–2 of 2.", "Show only the rows that differ"}},
		{"out/chart.png", "", pngOf(t, 4, 3), pngOf(t, 8, 6),
			[]string{"from 4 × 3 to 8 × 6 pixels", `src="?side=old"`, `src="?side=new"`}},
		{"out/book.xlsx", "", workbookOf(t, map[string][][]any{"Data": {{"area", "count"}, {"North", 5}}}),
			workbookOf(t, map[string][][]any{"Data": {{"area", "count"}, {"North", 6}}}),
			[]string{"1 cell changed in 1 row.", "<del>5</del> <ins>6</ins>", "sheet-tabs"}},
		{"out/same.txt", "", []byte("same\n"), []byte("same\n"), []string{"No differences: both versions are the same bytes."}},
		{"out/data.json", "", []byte(`{"n": 1}`), []byte("\x00\x01binary"), []string{"cannot be compared cell by cell or line by line"}},
	} {
		t.Run(tc.name+tc.query, func(t *testing.T) {
			rec := compareFiles(t, e, tc.name, tc.query, tc.old, tc.new)
			mustStatus(t, rec, http.StatusOK, tc.name)
			body := rec.Body.String()
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("comparison of %s lacks %q:\n%s", tc.name, w, body)
				}
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") {
				t.Errorf("comparison of %s is not sandboxed: %q", tc.name, csp)
			}
		})
	}
	// An image version by itself, for the side-by-side view.
	rec := compareFiles(t, e, "out/chart.png", "?side=old", pngOf(t, 4, 3), pngOf(t, 8, 6))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/png" {
		t.Fatalf("old image: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if rec := compareFiles(t, e, "out/table.csv", "?side=old", []byte("a\n1\n"), []byte("a\n2\n")); rec.Code != 404 {
		t.Fatalf("a table's bytes by themselves: %d", rec.Code)
	}
}
