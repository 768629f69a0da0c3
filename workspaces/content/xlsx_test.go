package content

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/airlock-project/airlock/airlock"
	"github.com/xuri/excelize/v2"
)

// handXLSX builds a small workbook by hand, so it can hold what excelize
// does not write itself: cached formula results, merged cells, a hidden
// sheet and rows with gaps.
func handXLSX(tb testing.TB) []byte {
	tb.Helper()
	parts := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Counts" sheetId="1" r:id="rId1"/><sheet name="Hidden notes" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/sharedStrings.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5"><si><t>group</t></si><si><t>count</t></si><si><t>doubled</t></si><si><t>North</t></si><si><t>South "quoted"</t></si></sst>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>
<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>15</v></c><c r="C2"><f>B2*2</f><v>30</v></c></row>
<row r="4"><c r="A4" t="s"><v>4</v></c><c r="B4"><v>0.125</v></c></row>
<row r="5"><c r="A5" t="inlineStr"><is><t>merged</t></is></c></row>
</sheetData><mergeCells count="1"><mergeCell ref="A5:C5"/></mergeCells></worksheet>`,
		"xl/worksheets/sheet2.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>note</t></is></c></row></sheetData></worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} {
		w, err := zw.Create(name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(parts[name])); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriteFixtures regenerates testdata/small.xlsx when asked.
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("AIRLOCK_WRITE_FIXTURES") == "" {
		t.Skip("set AIRLOCK_WRITE_FIXTURES=1 to rewrite testdata/small.xlsx")
	}
	if err := os.WriteFile(filepath.Join("testdata", "small.xlsx"), handXLSX(t), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustOpenWorkbook(tb testing.TB, data []byte) *Workbook {
	tb.Helper()
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{})
	if err != nil {
		tb.Fatalf("OpenWorkbook: %v", err)
	}
	tb.Cleanup(func() { _ = wb.Close() })
	return wb
}

func TestWorkbookSheets(t *testing.T) {
	ctx := context.Background()
	wb := mustOpenWorkbook(t, readFixture(t, "small.xlsx"))
	if got, want := wb.Sheets(), []SheetInfo{{Name: "Counts"}, {Name: "Hidden notes", Hidden: true}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Sheets=%+v, want %+v", got, want)
	}
	sh, err := wb.Sheet(ctx, "Counts")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sh.Merged, []string{"A5:C5"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Merged=%q, want %q", got, want)
	}
	p := mustPage(t, sh.Table, NewQuery())
	if got, want := p.Header, []string{"group", "count", "doubled"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Header=%q, want %q", got, want)
	}
	want := [][]string{{"North", "15", "30"}, {"", "", ""}, {`South "quoted"`, "0.125", ""}, {"merged", "", ""}}
	if !reflect.DeepEqual(p.Rows, want) {
		t.Fatalf("Rows=%q, want %q", p.Rows, want)
	}
	if got, want := p.RowNumbers, []int{1, 2, 3, 4}; !reflect.DeepEqual(got, want) {
		t.Fatalf("RowNumbers=%v (the empty row 3 must be kept)", got)
	}
	if !hasNote(p.Notes, "merged cell") || !hasNote(p.Notes, "without Excel's number formatting") {
		t.Fatalf("Notes=%q", p.Notes)
	}
	s, err := sh.Table.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Columns[1]; c.Type != ColumnFloat || c.Sum != 15.125 || c.Missing != 2 {
		t.Fatalf("count column stats %+v", c)
	}
	if _, err := wb.Sheet(ctx, "Nope"); airlock.ErrorCode(err) != airlock.ENOTFOUND {
		t.Fatalf("unknown sheet: err=%v, want ENOTFOUND", err)
	}
}

func TestWorkbookRefusals(t *testing.T) {
	// A zip whose entries claim to expand enormously.
	var bomb bytes.Buffer
	zw := zip.NewWriter(&bomb)
	w, _ := zw.Create("[Content_Types].xml")
	_, _ = w.Write([]byte("x"))
	w, _ = zw.Create("xl/workbook.xml")
	_, _ = w.Write(bytes.Repeat([]byte("a"), 3<<20)) // compresses to a few KB
	_ = zw.Close()

	var many bytes.Buffer
	zw = zip.NewWriter(&many)
	for i := 0; i < 30; i++ {
		_, _ = zw.Create(strings.Repeat("x", i+1))
	}
	_ = zw.Close()

	var notBook bytes.Buffer
	zw = zip.NewWriter(&notBook)
	_, _ = zw.Create("hello.txt")
	_ = zw.Close()

	lim := WorkbookLimits{MaxEntries: 20, MaxUncompressedBytes: 1 << 20}
	tests := []struct {
		name string
		data []byte
		msg  string
	}{
		{"NotZip", []byte("a,b\n1,2\n"), "not a valid Excel workbook"},
		{"Empty", nil, "not a valid Excel workbook"},
		{"Bomb", bomb.Bytes(), "expands to more than"},
		{"ManyEntries", many.Bytes(), "more than the 20 allowed"},
		{"ZipNotWorkbook", notBook.Bytes(), "not an Excel workbook"},
		{"TooBig", make([]byte, 100), "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lim
			if tt.name == "TooBig" {
				l.MaxFileBytes = 10
			}
			_, err := OpenWorkbook(bytes.NewReader(tt.data), int64(len(tt.data)), l)
			var e *airlock.Error
			if !errors.As(err, &e) || e.Code != airlock.EINVALID || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("err=%v, want EINVALID containing %q", err, tt.msg)
			}
		})
	}
}

// genXLSX writes a workbook of rows x 10 columns with excelize's streaming
// writer.
func genXLSX(tb testing.TB, path string, rows int) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	head := make([]any, 10)
	for i := range head {
		head[i] = "col" + string(rune('A'+i))
	}
	if err := sw.SetRow("A1", head); err != nil {
		tb.Fatal(err)
	}
	vals := make([]any, 10)
	for r := 0; r < rows; r++ {
		for c := range vals {
			if c%3 == 0 {
				vals[c] = "text" + string(rune('a'+(r+c)%26))
			} else {
				vals[c] = (r*7 + c*13) % 1000
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, vals); err != nil {
			tb.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

func TestWorkbookGenerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.xlsx")
	genXLSX(t, path, 500)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wb := mustOpenWorkbook(t, data)
	sh, err := wb.Sheet(context.Background(), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	p := mustPage(t, sh.Table, Query{Offset: 490, Limit: 20, SortCol: -1, FilterCol: -1})
	if p.Total != 500 || len(p.Rows) != 10 || p.RowNumbers[0] != 491 {
		t.Fatalf("Total=%d rows=%d first=%v", p.Total, len(p.Rows), p.RowNumbers)
	}
}
