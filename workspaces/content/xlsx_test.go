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

// writeQuotedRow is the conversion the reader replaced, kept as the
// reference: every field quoted, rows padded to the header's width.
func writeQuotedRow(buf *bytes.Buffer, cells []string, width int) {
	n := max(len(cells), width, 1)
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		if i < len(cells) {
			buf.WriteString(strings.ReplaceAll(cells[i], `"`, `""`))
		}
		buf.WriteByte('"')
	}
	buf.WriteByte('\n')
}

// excelizeTable converts a sheet with excelize's row iterator and raw cell
// values, as the viewer used to, into a Table.
func excelizeTable(tb testing.TB, data []byte, sheet string) *Table {
	tb.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		tb.Fatalf("excelize: %v", err)
	}
	defer f.Close()
	rows, err := f.Rows(sheet)
	if err != nil {
		tb.Fatalf("excelize rows: %v", err)
	}
	defer rows.Close()
	var buf bytes.Buffer
	width := -1
	for rows.Next() {
		cells, err := rows.Columns()
		if err != nil {
			tb.Fatalf("excelize columns: %v", err)
		}
		if width < 0 {
			width = len(cells)
		}
		writeQuotedRow(&buf, cells, width)
	}
	return mustOpenTable(tb, buf.Bytes(), TableOptions{})
}

// sameTable compares every row of two tables.
func sameTable(t *testing.T, got, want *Table) {
	t.Helper()
	q := Query{Limit: MaxPageLimit, SortCol: -1, FilterCol: -1}
	for {
		g, w := mustPage(t, got, q), mustPage(t, want, q)
		if !reflect.DeepEqual(g.Header, w.Header) {
			t.Fatalf("Header=%q, want %q", g.Header, w.Header)
		}
		if !reflect.DeepEqual(g.Rows, w.Rows) || !reflect.DeepEqual(g.RowNumbers, w.RowNumbers) || !reflect.DeepEqual(g.Widths, w.Widths) {
			t.Fatalf("offset %d:\n got rows %q numbers %v widths %v\nwant rows %q numbers %v widths %v", q.Offset, g.Rows, g.RowNumbers, g.Widths, w.Rows, w.RowNumbers, w.Widths)
		}
		if len(g.Rows) < q.Limit {
			if g.Total != w.Total {
				t.Fatalf("Total=%d, want %d", g.Total, w.Total)
			}
			return
		}
		q.Offset += q.Limit
	}
}

// trickyWorkbook is written by excelize itself: shared strings with
// quotes, line breaks, markup characters, escapes and rich text, numbers,
// booleans, gaps between rows and cells.
func trickyWorkbook(tb testing.TB, rows int) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	texts := []string{"plain", `say "hi"`, "two\nlines", "a < b & c > d", "tab\there", "  padded  ", "ünïcödé ✓", "_x0041_ literal", "x,y", ""}
	set := func(col, row int, v any) {
		cell, _ := excelize.CoordinatesToCellName(col, row)
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			tb.Fatal(err)
		}
	}
	for c, h := range []string{"name", "count", "ratio", "flag", "note"} {
		set(c+1, 1, h)
	}
	for r := 2; r <= rows+1; r++ {
		if r%7 == 0 {
			continue // a gap row
		}
		set(1, r, texts[r%len(texts)])
		set(2, r, r*3)
		if r%3 != 0 {
			set(3, r, float64(r)/7)
		}
		set(4, r, r%2 == 0)
		if r%5 == 0 {
			set(7, r, "far right") // beyond the header
		}
	}
	err := f.SetCellRichText("Sheet1", "E2", []excelize.RichTextRun{{Text: "bold "}, {Text: "and plain"}})
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.MergeCell("Sheet1", "A3", "B3"); err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestSheetMatchesExcelize(t *testing.T) {
	gen := filepath.Join(t.TempDir(), "gen.xlsx")
	genXLSX(t, gen, 300)
	genData, err := os.ReadFile(gen)
	if err != nil {
		t.Fatal(err)
	}
	handMade := zipParts(t, oneSheetParts(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE worksheet [ <!ENTITY x "y"> ]>
<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!-- a comment with <row> inside --><x:sheetData>
<x:row r="2"><x:c r="B2" t="s"><x:v> 1 </x:v></x:c><x:c r="C2" t="inlineStr"><x:is><x:r><x:t>rich </x:t></x:r><x:r><x:rPr/><x:t xml:space="preserve">run</x:t></x:r><x:rPh><x:t>phonetic</x:t></x:rPh></x:is></x:c></x:row>
<x:row><x:c t="s"><x:v>0</x:v></x:c><x:c/><x:c t="str"><x:f>A1</x:f><x:v>&lt;&amp;&#62;&#x263A;</x:v></x:c><x:c t="b"><x:v>1</x:v></x:c></x:row>
<x:row r="5" spans="1:3"><x:c r="C5" t="e"><x:v>#DIV/0!</x:v></x:c><x:c r="D5"><x:f>1/0</x:f></x:c></x:row>
<x:row r="6"><x:c r="A6" t="inlineStr"><x:is><x:t><![CDATA[<cdata> & "raw"]]></x:t></x:is></x:c><x:c r="B6" t="s"><x:v>99</x:v></x:c><x:c r="C6" t='n'><x:v>1.5E-3</x:v></x:c></x:row>
<x:row r="7"><x:c r="A7" t="inlineStr"><x:is><x:t>line&#13;&#10;break and _x000D__x005F_x0041_</x:t></x:is></x:c><x:c r="A7"><x:v>2</x:v></x:c></x:row>
</x:sheetData><x:mergeCells><x:mergeCell ref="A2:B2"/></x:mergeCells></x:worksheet>`,
		`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>first</t></si><si><r><t>rich</t></r><r><t xml:space="preserve"> second</t></r><rPh sb="0" eb="1"><t>x</t></rPh></si></sst>`))
	tests := []struct {
		name   string
		data   []byte
		sheets []string
	}{
		{"Fixture", readFixture(t, "small.xlsx"), []string{"Counts", "Hidden notes"}},
		{"StreamWriter", genData, []string{"Sheet1"}},
		{"SharedStrings", trickyWorkbook(t, 200), []string{"Sheet1"}},
		{"HandMade", handMade, []string{"Data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wb := mustOpenWorkbook(t, tt.data)
			for _, name := range tt.sheets {
				sh, err := wb.Sheet(context.Background(), name)
				if err != nil {
					t.Fatal(err)
				}
				sameTable(t, sh.Table, excelizeTable(t, tt.data, name))
				if err := sh.Close(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestSheetSharedStringsOnDisk(t *testing.T) {
	old := sstMemBytes
	sstMemBytes = 100
	t.Cleanup(func() { sstMemBytes = old })
	data := trickyWorkbook(t, 3000)
	wb := mustOpenWorkbook(t, data)
	sh, err := wb.Sheet(context.Background(), "Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	if wb.sst.sp == nil {
		t.Fatal("the shared strings were not written to a file")
	}
	sameTable(t, sh.Table, excelizeTable(t, data, "Sheet1"))
}

func TestSheetSharedStringsCapped(t *testing.T) {
	var sst strings.Builder
	sst.WriteString(`<sst>`)
	var sheet strings.Builder
	sheet.WriteString(`<worksheet><sheetData>`)
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&sst, `<si><t>s%d</t></si>`, i)
		fmt.Fprintf(&sheet, `<row><c t="s"><v>%d</v></c></row>`, i)
	}
	sst.WriteString(`</sst>`)
	sheet.WriteString(`</sheetData></worksheet>`)
	data := zipParts(t, oneSheetParts(sheet.String(), sst.String()))
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{MaxSharedStrings: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sh, err := wb.Sheet(context.Background(), "Data")
	if err != nil {
		t.Fatal(err)
	}
	defer sh.Close()
	p := mustPage(t, sh.Table, NewQuery())
	if got := firstCells(p.Rows); !reflect.DeepEqual(got, []string{"s1", "s2", "s3", "", "", "", "", "", ""}) {
		t.Fatalf("cells %q", got)
	}
	if !hasNote(p.Notes, "more than 4 distinct texts") {
		t.Fatalf("Notes=%q", p.Notes)
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
	if entries, _ := os.ReadDir(dir); runtime.GOOS == "linux" && len(entries) != 0 {
		t.Errorf("temporary files visible while open: %v", entries)
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
	wb = mustOpenWorkbook(t, readFixture(t, "small.xlsx"))
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

func TestDecodeEscapes(t *testing.T) {
	tests := []struct{ in, entities, excel string }{
		{"plain", "plain", "plain"},
		{"a&lt;b&gt;c&amp;d&quot;e&apos;f", `a<b>c&d"e'f`, ""},
		{"&#65;&#x42;&#x1F600;&#0;&#xD800;&bogus;&", "AB😀&#0;&#xD800;&bogus;&", ""},
		{"a\r\nb\rc", "a\nb\nc", ""},
		{"_x0041__x005F_x0042_ _x00e9_ _xD800_ _x12_", "", "A_x0042_ é  _x12_"},
	}
	for _, tt := range tests {
		if tt.entities != "" {
			if got := string(decodeEntities([]byte(tt.in))); got != tt.entities {
				t.Errorf("decodeEntities(%q)=%q, want %q", tt.in, got, tt.entities)
			}
		}
		if tt.excel != "" {
			if got := string(decodeExcelEscapes([]byte(tt.in))); got != tt.excel {
				t.Errorf("decodeExcelEscapes(%q)=%q, want %q", tt.in, got, tt.excel)
			}
		}
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
