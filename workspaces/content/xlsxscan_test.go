package content

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/airlock-project/airlock/airlock"
)

// guardTokens decodes doc through a guard with small limits and returns
// the raw tokens and the error that ended them.
func guardTokens(doc string, maxToken, maxDepth int) ([]xml.Token, error) {
	g := newXMLGuard(strings.NewReader(doc))
	g.maxToken, g.maxDepth = maxToken, maxDepth
	d := xml.NewDecoder(g)
	var toks []xml.Token
	for {
		tok, err := d.RawToken()
		if err != nil {
			return toks, err
		}
		toks = append(toks, xml.CopyToken(tok))
	}
}

func TestXMLGuard(t *testing.T) {
	tests := []struct {
		name, doc string
		want      string // in the limit error; "" for none
	}{
		{"Small", `<?xml version="1.0"?><a b='x>y"z'><!-- c > d --><![CDATA[<e>]]>text<f/></a>`, ""},
		{"LongText", "<a>" + strings.Repeat("x", 101) + "</a>", "text longer than 100 bytes"},
		{"TextAtLimit", "<a>" + strings.Repeat("x", 100) + "</a>", ""},
		{"LongTag", `<a b="` + strings.Repeat("y", 100) + `"/>`, "longer than 100 bytes"},
		{"LongComment", "<a><!--" + strings.Repeat("x", 100) + "--></a>", "longer than 100 bytes"},
		{"LongCDATA", "<a><![CDATA[" + strings.Repeat("<", 100) + "]]></a>", "longer than 100 bytes"},
		{"Deep", strings.Repeat("<a>", 5) + strings.Repeat("</a>", 5), "more than 4 deep"},
		{"DeepSelfClosing", "<a><a><a><a><b/><b/></a></a></a></a>", ""},
		{"WideNotDeep", "<a>" + strings.Repeat("<b></b>", 50) + "</a>", ""},
		{"Doctype", `<!DOCTYPE a [<!ENTITY b "c">]><a/>`, "document type declaration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			guarded, err := guardTokens(tt.doc, 100, 4)
			var lerr *xmlLimitError
			if tt.want == "" {
				if err != io.EOF {
					t.Fatalf("err=%v, want the whole document", err)
				}
			} else if !errors.As(err, &lerr) || !strings.Contains(lerr.why, tt.want) {
				t.Fatalf("err=%v, want a limit error saying %q", err, tt.want)
			}
			// Up to where it stops, the guard changes nothing (the token it
			// stops in may come out cut short).
			if lerr != nil && len(guarded) > 0 {
				guarded = guarded[:len(guarded)-1]
			}
			d := xml.NewDecoder(strings.NewReader(tt.doc))
			for i, want := range guarded {
				got, err := d.RawToken()
				if err != nil {
					t.Fatalf("token %d: %v", i, err)
				}
				if !tokensEqual(got, want) {
					t.Fatalf("token %d: %#v, want %#v", i, got, want)
				}
			}
		})
	}
}

func tokensEqual(a, b xml.Token) bool {
	switch a := a.(type) {
	case xml.StartElement:
		b, ok := b.(xml.StartElement)
		return ok && a.Name == b.Name && len(a.Attr) == len(b.Attr)
	case xml.EndElement:
		return a == b
	case xml.CharData:
		b, ok := b.(xml.CharData)
		return ok && bytes.Equal(a, b)
	case xml.Comment:
		b, ok := b.(xml.Comment)
		return ok && bytes.Equal(a, b)
	case xml.ProcInst:
		b, ok := b.(xml.ProcInst)
		return ok && a.Target == b.Target && bytes.Equal(a.Inst, b.Inst)
	}
	return false
}

// sstWorkbook is a one-sheet workbook with the given shared strings and
// sheet rows.
func sstWorkbook(t *testing.T, sst, rows string) []byte {
	t.Helper()
	return zipParts(t, oneSheetParts(`<worksheet><sheetData>`+rows+`</sheetData></worksheet>`, sst))
}

func TestSharedStringLimits(t *testing.T) {
	lim := WorkbookLimits{MaxSharedStrings: 3, MaxSharedStringBytes: 40}
	tests := []struct {
		name, sst, want string
	}{
		{"Fine", `<sst><si><t>ab</t></si><si><r><t>c</t></r><r><t>d</t></r></si></sst>`, ""},
		{"TooMany", `<sst><si/><si/><si/><si/></sst>`, "more than 3 strings"},
		{"TooMuchText", `<sst><si>12345678901234567890</si><si>123456789012345678901</si></sst>`, "more than 40 bytes of shared text"},
		{"TooLarge", `<sst>` + strings.Repeat(" ", 80) + `</sst>`, "is 91 bytes unpacked, more than the 80 bytes it may take"},
		{"NotSST", `<foo><si/></foo>`, "starts with <foo>"},
		{"Nested", `<sst><x><si/></x></sst>`, "inside another element"},
		{"NestedInString", `<sst><si><si/></si></sst>`, "inside another element"},
		{"Damaged", `<sst><si><t>ab</t></si><si><t>c`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := sstWorkbook(t, tt.sst, "")
			_, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), lim)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if airlock.ErrorCode(err) != airlock.EINVALID || !strings.Contains(airlock.ErrorMessage(err), tt.want) {
				t.Fatalf("err=%v, want EINVALID saying %q", err, tt.want)
			}
		})
	}
	// One string longer than a cell can hold.
	data := sstWorkbook(t, `<sst><si><t>`+strings.Repeat("é", maxStringBytes/2+1)+`</t></si></sst>`, "")
	if _, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{}); !strings.Contains(airlock.ErrorMessage(err), "longer than 1 MB") {
		t.Fatalf("err=%v", err)
	}
}

func TestSharedStringLengths(t *testing.T) {
	data := sstWorkbook(t, `<sst><si><t>ab</t></si><si><r><t>c&amp;</t></r><rPh><t>de</t></rPh></si><si><t>`, "")
	wb, err := OpenWorkbook(bytes.NewReader(data), int64(len(data)), WorkbookLimits{})
	if err != nil {
		t.Fatal(err)
	}
	// Lengths with the phonetic runs, never less than what excelize makes
	// of each string; a string cut short by damage counts as far as it
	// goes.
	if got := wb.sst.lens; len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 0 || wb.sst.longest != 4 {
		t.Fatalf("lengths %v, longest %d", got, wb.sst.longest)
	}
	for _, tc := range []struct {
		ref  string
		cut  bool
		want int64
	}{
		{"0", false, 2}, {" 1 ", false, 4}, {"x", false, 2}, {"-1", false, 0}, {"99", false, 0}, {"", true, 4},
	} {
		if got := wb.sst.length([]byte(tc.ref), tc.cut); got != tc.want {
			t.Errorf("length(%q, %v) = %d, want %d", tc.ref, tc.cut, got, tc.want)
		}
	}
}

// sheetOutcome converts a one-sheet workbook and returns the refusal or the
// notes, and the first cells of the rows shown.
func sheetOutcome(t *testing.T, data []byte) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wb := mustOpenWorkbook(t, data)
	sh, err := wb.Sheet(ctx, "Data")
	if err != nil {
		if airlock.ErrorCode(err) != airlock.EINVALID {
			t.Fatalf("Sheet: %v", err)
		}
		return airlock.ErrorMessage(err), nil
	}
	defer sh.Close()
	p := mustPage(t, sh.Table, NewQuery())
	return strings.Join(p.Notes, " "), firstCells(p.Rows)
}

func TestSheetScanStops(t *testing.T) {
	head := `<row><c t="inlineStr"><is><t>h</t></is></c></row>`
	// String 0 is short, string 1 just under the longest allowed.
	sst := `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>s</t></si><si><t>` + strings.Repeat("B", maxStringBytes-100) + `</t></si></sst>`
	wide := func(cell string) string { return `<row>` + strings.Repeat(cell, 17) + `</row>` }
	tests := []struct {
		name, rows, want string
		shown            []string // first cells of the data rows shown
	}{
		{"SharedStringsExpandRow", head + `<row><c><v>1</v></c></row>` + wide(`<c t="s"><v>1</v></c>`),
			"shown up to row 2: row 3 is longer than 16 MB as text", []string{"1"}},
		{"EscapedReferences", head + `<row><c><v>1</v></c></row>` + wide(`<c t="s"><v>&#49;</v></c>`),
			"row 3 is longer than 16 MB", []string{"1"}},
		{"ReferencesThatAreNotNumbers", head + wide(`<c t="s"><v>x</v></c>`), "", []string{"s"}},
		{"SmallSharedStrings", head + wide(`<c t="s"><v>0</v></c>`), "", []string{"s"}},
		{"TooManyCells", head + `<row><c><v>1</v></c></row><row>` + strings.Repeat(`<c/>`, maxRowCells+1) + `</row>`,
			"row 3 has more than 16384 cells", []string{"1"}},
		{"OutOfOrder", `<row r="1"><c><v>h</v></c></row><row r="2"><c><v>1</v></c></row><row r="4"><c><v>2</v></c></row><row r="3"><c><v>3</v></c></row>`,
			"shown up to row 3: its rows are out of order after row 4", []string{"1", ""}},
		{"MisplacedCell", head + `<row><c><v>1</v></c></row><row><c><v>2</v></c></row><c><v>3</v></c>`,
			"after row 3, the sheet is laid out in a way", []string{"1"}},
		{"TwoValues", head + `<row><c><v>1</v></c></row><row><c><v>0</v><v>1</v></c></row>`,
			"row 3 has a cell with two values", []string{"1"}},
		{"DeepFirstRow", `<row><c t="inlineStr"><is>` + strings.Repeat("<r>", 70) + `</is></c></row>`,
			"could not be read: row 1 nests elements more than 64 deep", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, shown := sheetOutcome(t, sstWorkbook(t, sst, tt.rows))
			if !strings.Contains(msg, tt.want) {
				t.Errorf("got %q, want it to say %q", msg, tt.want)
			}
			if strings.Join(shown, ",") != strings.Join(tt.shown, ",") {
				t.Errorf("rows %q, want %q", shown, tt.shown)
			}
		})
	}
}

// TestSheetScanTail checks that damage after a sheet's rows costs none of
// them.
func TestSheetScanTail(t *testing.T) {
	sheet := `<worksheet><sheetData><row><c><v>h</v></c></row><row><c><v>1</v></c></row></sheetData><extLst>` +
		strings.Repeat("x", maxXMLToken+1) + `</extLst></worksheet>`
	msg, shown := sheetOutcome(t, zipParts(t, oneSheetParts(sheet, "")))
	if !strings.Contains(msg, "the rest of the sheet could not be read") || strings.Join(shown, ",") != "1" {
		t.Fatalf("notes %q, rows %q", msg, shown)
	}
}

func TestRowGate(t *testing.T) {
	ctx := context.Background()
	g := &rowGate{}
	allowed := make(chan bool)
	go func() { allowed <- g.allow(ctx, 1) }()
	g.publish(1)
	select {
	case <-allowed:
		t.Fatal("row 1 allowed before a later row was checked")
	case <-time.After(20 * time.Millisecond):
	}
	g.publish(3)
	if !<-allowed {
		t.Fatal("row 1 refused")
	}
	if !g.allow(ctx, 2) || g.allow(canceled(), 3) {
		t.Fatal("rows between checked rows, or a cancelled wait")
	}
	g.endData()
	if !g.allow(ctx, 3) {
		t.Fatal("the last row refused once the rows ended")
	}
	g.finish("after its rows, the sheet holds a piece of text longer than 1 MB")
	if g.allow(ctx, 4) {
		t.Fatal("reading past the rows allowed after a stop")
	}
	if why, tail := g.reason(); !tail || why == "" {
		t.Fatalf("reason %q, tail %v", why, tail)
	}
}

func canceled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}
