package content

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/testdata"
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
	return zipParts(tb, parts)
}

// TestWriteFixtures regenerates the shared testdata/small.xlsx (at the top
// of the repository; the viewer's tests use it too) when asked.
func TestWriteFixtures(t *testing.T) {
	if os.Getenv("AIRLOCK_WRITE_FIXTURES") == "" {
		t.Skip("set AIRLOCK_WRITE_FIXTURES=1 to rewrite testdata/small.xlsx")
	}
	if err := os.WriteFile(filepath.Join("..", "..", "testdata", "small.xlsx"), handXLSX(t), 0o644); err != nil {
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
	wb := mustOpenWorkbook(t, testdata.SmallXLSX())
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

// zipParts builds a workbook from its parts, in name order.
func zipParts(tb testing.TB, parts map[string]string) []byte {
	tb.Helper()
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range names {
		// Stored, not deflated: fuzzing builds thousands of these.
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
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

// oneSheetParts is a workbook with one sheet "Data" holding sheetXML and,
// if sst is not empty, a shared string table.
func oneSheetParts(sheetXML, sst string) map[string]string {
	parts := map[string]string{
		"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
		"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml":   sheetXML,
	}
	if sst != "" {
		parts["xl/sharedStrings.xml"] = sst
	}
	return parts
}

// allRows converts a sheet and returns every row of it as the viewer
// pages them.
func allRows(tb testing.TB, data []byte, sheet string) PageResult {
	tb.Helper()
	wb := mustOpenWorkbook(tb, data)
	sh, err := wb.Sheet(context.Background(), sheet)
	if err != nil {
		tb.Fatalf("Sheet: %v", err)
	}
	tb.Cleanup(func() { _ = sh.Close() })
	return mustPage(tb, sh.Table, Query{Limit: MaxPageLimit, SortCol: -1, FilterCol: -1})
}

// TestSheetShows checks what the viewer shows for the kinds of cells a
// sheet holds, written by hand as Excel and other programs write them.
func TestSheetShows(t *testing.T) {
	sst := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">` +
		`<si><t>name</t></si>` +
		`<si><t>value</t></si>` +
		`<si><r><t>rich</t></r><r><rPr><b/></rPr><t xml:space="preserve"> text</t></r></si>` +
		`<si><t>a &lt; b &amp; "c"</t></si>` +
		`<si><t xml:space="preserve">two
lines, _x0041_</t></si>` +
		`</sst>`
	tests := []struct {
		name, sheet string
		header      []string
		rows        [][]string
		numbers     []int
	}{
		{
			name: "SharedStrings",
			sheet: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>` +
				`<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>` +
				`<row r="3"><c r="A3" t="s"><v>4</v></c></row>`,
			header:  []string{"name", "value"},
			rows:    [][]string{{"rich text", `a < b & "c"`}, {"two\nlines, A", ""}},
			numbers: []int{1, 2},
		},
		{
			name: "InlineStrings",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><t>head</t></is></c></row>` +
				`<row r="2"><c r="A2" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c></row>`,
			header:  []string{"head"},
			rows:    [][]string{{"inline"}},
			numbers: []int{1},
		},
		{
			name: "FormulasShowCachedValues",
			sheet: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="inlineStr"><is><t>text</t></is></c><c r="D1" t="inlineStr"><is><t>error</t></is></c><c r="E1" t="inlineStr"><is><t>flag</t></is></c></row>` +
				`<row r="2"><c r="A2"><v>15</v></c><c r="B2"><f>A2*2</f><v>30</v></c><c r="C2" t="str"><f>"x"&amp;"y"</f><v>xy</v></c><c r="D2" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="E2" t="b"><f>TRUE()</f><v>1</v></c></row>` +
				`<row r="3"><c r="A3"><v>1</v></c><c r="B3"><f>A3*2</f></c></row>`,
			header:  []string{"name", "value", "text", "error", "flag"},
			rows:    [][]string{{"15", "30", "xy", "#DIV/0!", "1"}, {"1", "", "", "", ""}},
			numbers: []int{1, 2},
		},
		{
			name: "GapsInRowsAndColumns",
			sheet: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>far</t></is></c></row>` +
				`<row r="3"><c r="D3"><v>4</v></c></row>` +
				`<row r="4"><c r="A4"><v>1</v></c><c r="C4"><v>3</v></c></row>` +
				`<row r="7"><c r="B7"><v>2</v></c><c r="F7"><v>6</v></c></row>`,
			header:  []string{"name", "value", "", "far", "Column 5", "Column 6"},
			rows:    [][]string{{"", "", "", "", "", ""}, {"", "", "", "4", "", ""}, {"1", "", "3", "", "", ""}, {"", "", "", "", "", ""}, {"", "", "", "", "", ""}, {"", "2", "", "", "", "6"}},
			numbers: []int{1, 2, 3, 4, 5, 6},
		},
		{
			name: "RowsWithoutNumbers",
			sheet: `<row><c t="s"><v>0</v></c></row>` +
				`<row><c><v>1.5E-3</v></c></row>` +
				`<row/>` +
				`<row><c><v>-2</v></c></row>`,
			header:  []string{"name"},
			rows:    [][]string{{"1.5E-3"}, {""}, {"-2"}},
			numbers: []int{1, 2, 3},
		},
		{
			name: "DatesAreStoredNumbers",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><t>day</t></is></c><c r="B1" t="inlineStr"><is><t>time</t></is></c></row>` +
				`<row r="2"><c r="A2" s="1"><v>45292</v></c><c r="B2" s="2"><v>45292.75</v></c></row>`,
			header:  []string{"day", "time"},
			rows:    [][]string{{"45292", "45292.75"}},
			numbers: []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sheet := `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` + tt.sheet + `</sheetData></worksheet>`
			p := allRows(t, zipParts(t, oneSheetParts(sheet, sst)), "Data")
			if !reflect.DeepEqual(p.Header, tt.header) {
				t.Errorf("Header=%q, want %q", p.Header, tt.header)
			}
			if !reflect.DeepEqual(p.Rows, tt.rows) || !reflect.DeepEqual(p.RowNumbers, tt.numbers) {
				t.Errorf("rows %q numbers %v\nwant %q numbers %v", p.Rows, p.RowNumbers, tt.rows, tt.numbers)
			}
		})
	}
}

// TestSheetWrittenByExcelize reads a workbook that excelize wrote itself:
// shared strings with markup characters and line breaks, rich text,
// numbers, booleans and dates, with gaps between rows and cells.
func TestSheetWrittenByExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "name")
	set("B1", "count")
	set("C1", "ratio")
	set("D1", "flag")
	set("E1", "when")
	set("A2", `say "hi", <b> & more`)
	set("B2", 42)
	set("C2", 0.125)
	set("D2", true)
	set("E2", time.Date(2024, 1, 1, 18, 0, 0, 0, time.UTC))
	set("A4", "two\nlines")
	set("D4", false)
	set("G4", "far right")
	if err := f.SetCellRichText("Sheet1", "A5", []excelize.RichTextRun{{Text: "bold "}, {Text: "and plain"}}); err != nil {
		t.Fatal(err)
	}
	if err := f.MergeCell("Sheet1", "B5", "C5"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	wb := mustOpenWorkbook(t, buf.Bytes())
	sh, err := wb.Sheet(context.Background(), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	p := mustPage(t, sh.Table, NewQuery())
	if want := []string{"name", "count", "ratio", "flag", "when", "Column 6", "Column 7"}; !reflect.DeepEqual(p.Header, want) {
		t.Fatalf("Header=%q, want %q", p.Header, want)
	}
	want := [][]string{
		{`say "hi", <b> & more`, "42", "0.125", "1", "45292.75", "", ""},
		{"", "", "", "", "", "", ""},
		{"two\nlines", "", "", "0", "", "", "far right"},
		{"bold and plain", "", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(p.Rows, want) || !reflect.DeepEqual(p.RowNumbers, []int{1, 2, 3, 4}) {
		t.Fatalf("rows %q numbers %v\nwant %q", p.Rows, p.RowNumbers, want)
	}
	if !reflect.DeepEqual(sh.Merged, []string{"B5:C5"}) {
		t.Fatalf("Merged=%q", sh.Merged)
	}
}

func TestSheetCellsCut(t *testing.T) {
	big := strings.Repeat("é", maxCellText) // two bytes each
	sheet := `<worksheet><sheetData><row><c t="inlineStr"><is><t>head</t></is></c></row><row><c t="inlineStr"><is><t>` + big + `</t></is></c></row></sheetData></worksheet>`
	p := allRows(t, zipParts(t, oneSheetParts(sheet, "")), "Data")
	if !hasNote(p.Notes, "longer than 128 KB and are cut short") {
		t.Fatalf("notes %q", p.Notes)
	}
	if got := cutText(big, maxCellText); len(got) != maxCellText || !utf8.ValidString(got) {
		t.Fatalf("cutText gave %d bytes", len(got))
	}
}

func firstCells(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

func TestSheetDamaged(t *testing.T) {
	ctx := context.Background()
	t.Run("AfterSomeRows", func(t *testing.T) {
		data := zipParts(t, oneSheetParts(`<worksheet><sheetData><row><c t="inlineStr"><is><t>h</t></is></c></row><row><c><v>1</v></c></row><row><c><v>2</v></c></row><row><c><v>3`, ""))
		wb := mustOpenWorkbook(t, data)
		sh, err := wb.Sheet(ctx, "Data")
		if err != nil {
			t.Fatal(err)
		}
		defer sh.Close()
		p := mustPage(t, sh.Table, NewQuery())
		if got := firstCells(p.Rows); !reflect.DeepEqual(got, []string{"1", "2"}) {
			t.Fatalf("rows %q", got)
		}
		if !hasNote(p.Notes, "could not be read after row 3") {
			t.Fatalf("Notes=%q", p.Notes)
		}
	})
	t.Run("BeforeTheFirstRow", func(t *testing.T) {
		data := zipParts(t, oneSheetParts(`<worksheet><sheetData><row><c t="inlineStr"><is><t>h`, ""))
		wb := mustOpenWorkbook(t, data)
		_, err := wb.Sheet(ctx, "Data")
		if airlock.ErrorCode(err) != airlock.EINVALID || !strings.Contains(airlock.ErrorMessage(err), "could not be read") {
			t.Fatalf("err=%v, want EINVALID", err)
		}
	})
	t.Run("MissingPart", func(t *testing.T) {
		parts := oneSheetParts("", "")
		delete(parts, "xl/worksheets/sheet1.xml")
		wb := mustOpenWorkbook(t, zipParts(t, parts))
		_, err := wb.Sheet(ctx, "Data")
		if airlock.ErrorCode(err) != airlock.EINVALID || !strings.Contains(airlock.ErrorMessage(err), "missing") {
			t.Fatalf("err=%v, want EINVALID", err)
		}
	})
	t.Run("BrokenSheetList", func(t *testing.T) {
		parts := oneSheetParts("<worksheet/>", "")
		parts["xl/workbook.xml"] = "<workbook><sheets><sheet name='x'"
		data := zipParts(t, parts)
		_, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{})
		if airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("err=%v, want EINVALID", err)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		wb := mustOpenWorkbook(t, zipParts(t, oneSheetParts(`<worksheet><sheetData/></worksheet>`, "")))
		sh, err := wb.Sheet(ctx, "Data")
		if err != nil {
			t.Fatal(err)
		}
		defer sh.Close()
		if p := mustPage(t, sh.Table, NewQuery()); p.Total != 0 || !hasNote(p.Notes, "empty") {
			t.Fatalf("Total=%d Notes=%q", p.Total, p.Notes)
		}
	})
}

func TestSheetCut(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.xlsx")
	genXLSX(t, path, 2000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{MaxSheetBytes: 10000})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sh, err := wb.Sheet(context.Background(), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	p := mustPage(t, sh.Table, Query{Offset: 1000, SortCol: -1, FilterCol: -1})
	if p.Total <= 0 || p.Total > 200 || !hasNote(p.Notes, "larger than") {
		t.Fatalf("Total=%d Notes=%q", p.Total, p.Notes)
	}
}

// TestOpenSheetPagesEarly opens a sheet the way the viewer does: the
// workbook is closed at once, the first page is read while the conversion
// may still run, and the whole-sheet notes come once it is done. The
// converted text never shows in the temporary directory, and nothing is
// left there.
func TestOpenSheetPagesEarly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(t.TempDir(), "gen.xlsx")
	genXLSX(t, path, 20000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	sh, err := wb.OpenSheet(ctx, "Sheet1")
	wb.Close()
	if err != nil {
		t.Fatal(err)
	}
	p := mustPage(t, sh.Table, NewQuery())
	if len(p.Rows) != DefaultPageLimit || p.RowNumbers[0] != 1 {
		t.Fatalf("first page: %d rows from %v", len(p.Rows), p.RowNumbers[:1])
	}
	// excelize unpacks the sheet there while it reads it; the converted
	// text is unlinked at once.
	if entries, _ := os.ReadDir(dir); runtime.GOOS == "linux" {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "airlock-sheet") {
				t.Errorf("converted text visible while open: %v", e)
			}
		}
	}
	p = mustPage(t, sh.Table, Query{Offset: 19990, Limit: 20, SortCol: 1, Desc: true, FilterCol: -1})
	if p.Total != 20000 || len(p.Rows) != 10 {
		t.Fatalf("last sorted page: Total=%d rows=%d", p.Total, len(p.Rows))
	}
	if err := sh.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}

	// Merged ranges are known once the conversion is done.
	wb = mustOpenWorkbook(t, testdata.SmallXLSX())
	sh, err = wb.OpenSheet(ctx, "Counts")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	<-sh.Done()
	if !reflect.DeepEqual(sh.Merged, []string{"A5:C5"}) || !hasNote(mustPage(t, sh.Table, NewQuery()).Notes, "1 merged cell ranges") {
		t.Fatalf("Merged=%q", sh.Merged)
	}
}

func TestSheetCloseStopsConversion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.xlsx")
	genXLSX(t, path, 50000)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	wb := mustOpenWorkbook(t, data)
	sh, err := wb.OpenSheet(context.Background(), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	if err := sh.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sh.Done():
	default:
		t.Fatal("Close returned before the conversion stopped")
	}
	// A cancelled context stops it too, and is reported as such.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := wb.Sheet(ctx, "Sheet1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err=%v, want context.Canceled", err)
	}
}

func TestSheetLongRow(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData><row><c t="inlineStr"><is><t>head</t></is></c></row><row><c><v>1</v></c></row><row>`)
	big := strings.Repeat("x", maxCellText)
	for i := 0; i < maxRowText/maxCellText+2; i++ {
		fmt.Fprintf(&b, `<c t="inlineStr"><is><t>%s</t></is></c>`, big)
	}
	b.WriteString(`</row><row><c><v>3</v></c></row></sheetData></worksheet>`)
	wb := mustOpenWorkbook(t, zipParts(t, oneSheetParts(b.String(), "")))
	sh, err := wb.Sheet(context.Background(), "Data")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	p := mustPage(t, sh.Table, NewQuery())
	if got := firstCells(p.Rows); !reflect.DeepEqual(got, []string{"1"}) || !hasNote(p.Notes, "Row 3 of the sheet is longer than") {
		t.Fatalf("rows %q, notes %q", got, p.Notes)
	}
}
