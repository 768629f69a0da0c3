package content

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// addFixtureSeeds adds every testdata file with one of the extensions.
func addFixtureSeeds(f *testing.F, exts ...string) [][]byte {
	var out [][]byte
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		for _, ext := range exts {
			if strings.HasSuffix(e.Name(), ext) {
				b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
				if err != nil {
					f.Fatal(err)
				}
				out = append(out, b)
			}
		}
	}
	return out
}

func FuzzTable(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".csv", ".tsv") {
		f.Add(b, 0, "a", 0, false)
	}
	f.Add([]byte("a,b\n\"x\n"), 1, "", 5, true)
	f.Fuzz(func(t *testing.T, data []byte, sortCol int, filter string, offset int, tsv bool) {
		opts := TableOptions{MaxRecordBytes: 4096, IndexEvery: 3, MaxColumns: 50, MaxCellBytes: 40}
		if tsv {
			opts.Comma = '\t'
		}
		tbl, err := OpenTable(bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		offset %= 1000
		for _, q := range []Query{
			NewQuery(),
			{Offset: offset, Limit: 7, SortCol: -1, FilterCol: -1},
			{Offset: offset, Limit: 7, SortCol: sortCol % 60, Desc: offset%2 == 0, FilterCol: -1},
			{Limit: 7, SortCol: -1, Filter: filter, FilterCol: sortCol % 60},
			{Offset: offset, Limit: 3, SortCol: sortCol % 60, Filter: filter, FilterCol: -1},
		} {
			p, err := tbl.Page(ctx, q)
			if err != nil {
				t.Fatalf("Page(%+v): %v", q, err)
			}
			if len(p.Rows) > p.Query.Limit || len(p.Rows) != len(p.RowNumbers) || len(p.Rows) != len(p.Widths) {
				t.Fatalf("inconsistent page %+v", p)
			}
			for _, r := range p.Rows {
				if len(r) != len(p.Header) {
					t.Fatalf("row width %d, header %d", len(r), len(p.Header))
				}
				for _, c := range r {
					if !utf8.ValidString(c) || len(c) > 40+len("…") {
						t.Fatalf("bad cell %q", c)
					}
				}
			}
			if p.Total >= 0 && p.Matched > p.Total {
				t.Fatalf("Matched %d > Total %d", p.Matched, p.Total)
			}
		}
	})
}

type discardRows struct{}

func (discardRows) Add([]string) {}

func FuzzStats(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".csv", ".tsv") {
		f.Add(b)
	}
	f.Add([]byte("v\n1\n2.5\nNA\n<=7\n\nnull\n-0\n1e308\n1e308\n"))
	f.Add([]byte("a,b\n 1 ,\u00a02\n\" N/A \",1e3\n\"x\"\"\",\u00a0Nan\u2003\n[ReDacted],+.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := OpenTable(bytes.NewReader(data), int64(len(data)), TableOptions{MaxRecordBytes: 4096, MaxColumns: 50})
		if err != nil {
			t.Fatal(err)
		}
		s, err := tbl.Stats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := tbl.Total(); !ok || n != s.Rows {
			t.Fatalf("Total=%d,%v but stats counted %d rows", n, ok, s.Rows)
		}
		// With a sink the pass reads the cells as strings, without one as
		// bytes in place: the statistics are the same.
		tbl2, _ := OpenTable(bytes.NewReader(data), int64(len(data)), TableOptions{MaxRecordBytes: 4096, MaxColumns: 50})
		s2, err := tbl2.StatsWith(context.Background(), discardRows{})
		if err != nil {
			t.Fatal(err)
		}
		if a, b := fmt.Sprintf("%+v", s), fmt.Sprintf("%+v", s2); a != b {
			t.Fatalf("statistics from bytes\n%s\nfrom strings\n%s", a, b)
		}
		for _, c := range s.Columns {
			if c.Total != s.Rows || c.Numbers+c.Missing+c.Redacted > c.Total {
				t.Fatalf("inconsistent column %+v (rows %d)", c, s.Rows)
			}
			if c.Numeric() && (c.Min > c.Max) {
				t.Fatalf("min > max: %+v", c)
			}
		}
	})
}

func FuzzSpreadsheet(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".xlsx") {
		f.Add(b)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lim := WorkbookLimits{MaxEntries: 50, MaxUncompressedBytes: 4 << 20, MaxSheetBytes: 1 << 20, TempDir: t.TempDir()}
		wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			return
		}
		defer wb.Close()
		for i, s := range wb.Sheets() {
			if i == 3 {
				break
			}
			sh, err := wb.Sheet(context.Background(), s.Name)
			if err != nil {
				continue
			}
			if _, err := sh.Table.Page(context.Background(), Query{Limit: 5, SortCol: 0, FilterCol: -1}); err != nil {
				t.Fatal(err)
			}
			if _, err := sh.Table.Page(context.Background(), Query{Offset: 3, Limit: 5, SortCol: -1, Filter: "a", FilterCol: -1}); err != nil {
				t.Fatal(err)
			}
			if err := sh.Close(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// FuzzSheetXML feeds arbitrary sheet and shared-string XML to the sheet
// reader inside a valid workbook, which mutations of zipped bytes rarely
// reach.
func FuzzSheetXML(f *testing.F) {
	f.Add(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>a</t></r><rPh><t>b</t></rPh></is></c></row><row r="4"><c><f>1</f><v>2</v></c></row></sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>`,
		`<sst><si><t>x&amp;y_x0041_</t></si><si><r><t>r</t></r></si></sst>`)
	f.Add(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x:worksheet xmlns:x="u"><!-- c --><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t><![CDATA[<&>]]></x:t></x:is></x:c><x:c r="XFD1"><x:v>1</x:v></x:c></x:row></x:sheetData></x:worksheet>`, "")
	f.Add(`<worksheet><sheetData><row r="1048576"><c r="ZZZZ9"/></row><row><c a='>' t="s"><v>99</v></c></row>`, `<sst><si/><si>`)
	f.Fuzz(func(t *testing.T, sheetXML, sst string) {
		data := zipParts(t, oneSheetParts(sheetXML, sst))
		lim := WorkbookLimits{MaxSheetBytes: 64 << 10, TempDir: t.TempDir()}
		wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), lim)
		if err != nil {
			t.Fatal(err)
		}
		defer wb.Close()
		sh, err := wb.Sheet(context.Background(), "Data")
		if err != nil {
			return
		}
		defer sh.Close()
		for _, q := range []Query{NewQuery(), {Offset: 2, Limit: 5, SortCol: 1, FilterCol: -1}} {
			p, err := sh.Table.Page(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range p.Rows {
				if len(r) != len(p.Header) {
					t.Fatalf("row width %d, header %d", len(r), len(p.Header))
				}
			}
		}
		if len(sh.Merged) > maxMerged {
			t.Fatalf("%d merged ranges", len(sh.Merged))
		}
	})
}

func FuzzLogTail(f *testing.F) {
	f.Add([]byte("a\n"+LogSummaryMarker+"\n\x1b[31mx\x1b[0m\n"), int64(3), 10)
	f.Add([]byte("\x1b[1;38;5;3mhi\x1b]0;t\x07\r\n\xff"), int64(100), 4)
	f.Fuzz(func(t *testing.T, data []byte, before int64, limit int) {
		ctx := context.Background()
		r := bytes.NewReader(data)
		l, err := ReadLog(ctx, r, int64(len(data)), LogOptions{MaxChars: 50})
		if err != nil {
			t.Fatal(err)
		}
		checkSpans(t, l.Body)
		checkSpans(t, l.Trailer)
		if l.Start < 0 || l.Start > int64(len(data)) {
			t.Fatalf("Start=%d", l.Start)
		}
		c, err := LogTail(ctx, r, int64(len(data)), before, limit%5000)
		if err != nil {
			t.Fatal(err)
		}
		if c.End > 0 && c.Start >= c.End {
			t.Fatalf("no progress: %d..%d", c.Start, c.End)
		}
		checkSpans(t, c.Spans)
	})
}

func checkSpans(t *testing.T, spans []Span) {
	t.Helper()
	for _, s := range spans {
		if !utf8.ValidString(s.Text) {
			t.Fatalf("invalid UTF-8 in span %q", s.Text)
		}
		for _, r := range s.Text {
			if (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r < 0xa0) {
				t.Fatalf("control %U in span %q", r, s.Text)
			}
		}
	}
}

func FuzzSniff(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".csv", ".tsv", ".xlsx") {
		f.Add("x.csv", b)
	}
	for _, h := range [][]byte{pngHead, jpegHead, htmlHead, svgHead, binHead, zipHead} {
		f.Add("x.png", h)
	}
	f.Fuzz(func(t *testing.T, name string, head []byte) {
		s := Sniff(name, head)
		if s.Kind <= KindUnknown || s.Kind > KindBinary {
			t.Fatalf("kind %v", s.Kind)
		}
		if s.MIME == "" {
			t.Fatal("no MIME")
		}
	})
}

func FuzzLines(f *testing.F) {
	f.Add([]byte("a\nb\r\nc\xff"), 1, 2)
	f.Fuzz(func(t *testing.T, data []byte, offset, limit int) {
		p, err := Lines(context.Background(), bytes.NewReader(data), offset%100, limit%100, 16)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range p.Lines {
			if !utf8.ValidString(l) || len(l) > 3*16+len("…") { // U+FFFD is 3 bytes
				t.Fatalf("bad line %q", l)
			}
		}
	})
}
