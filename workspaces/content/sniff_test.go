package content

import (
	"strings"
	"testing"
)

var (
	pngHead  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00")
	jpegHead = []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	htmlHead = []byte("<!DOCTYPE html><html><head><script>alert(1)</script></head></html>")
	svgHead  = []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	binHead  = []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x00\xff\xfe\x00\x00")
	zipHead  = []byte("PK\x03\x04\x14\x00\x00\x00\x08\x00")
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name     string
		head     []byte
		kind     Kind
		mismatch string // substring; "" means no mismatch
	}{
		{"a.csv", []byte("a,b\n1,2\n"), KindTable, ""},
		{"a.tsv", []byte("a\tb\n1\t2\n"), KindTable, ""},
		{"a.CSV", []byte("a,b\n"), KindTable, ""},
		{"a.csv", binHead, KindBinary, "named .csv but contains binary data"},
		{"a.csv", htmlHead, KindTable, "looks like HTML"},
		{"a.txt", []byte("hello\n"), KindText, ""},
		{"a.json", []byte(`{"a": 1}`), KindText, ""},
		{"a.md", []byte("# Title\n"), KindText, ""},
		{"a.py", []byte("print('hi')\n"), KindText, ""},
		{"a.log", []byte("\x1b[31mred\x1b[0m\n"), KindLog, ""},
		{"a.png", pngHead, KindImage, ""},
		{"a.jpg", jpegHead, KindImage, ""},
		{"a.jpeg", pngHead, KindImage, "named .jpeg but contains a PNG image"},
		{"a.png", htmlHead, KindHTML, "named .png but contains HTML"},
		{"a.png", svgHead, KindSVG, "named .png but contains an SVG image"},
		{"a.png", []byte("just text"), KindText, "named .png but contains text"},
		{"a.svg", svgHead, KindSVG, ""},
		{"a.svg", htmlHead, KindHTML, "named .svg but contains HTML"},
		{"a.svgz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"), KindSVG, ""},
		{"a.html", htmlHead, KindHTML, ""},
		{"a.html", []byte("plain words"), KindHTML, ""},
		{"a.html", pngHead, KindImage, "named .html but contains a PNG image"},
		{"a.xlsx", zipHead, KindSpreadsheet, ""},
		{"a.xlsx", htmlHead, KindHTML, "named .xlsx but contains HTML"},
		{"a.xlsx", []byte("a,b\n"), KindText, "named .xlsx but contains text"},
		{"noext", htmlHead, KindHTML, ""},
		{"noext", []byte("text"), KindText, ""},
		{"noext", binHead, KindBinary, ""},
		{"empty.csv", nil, KindTable, ""},
		{"empty", nil, KindText, ""},
		{"empty.png", nil, KindBinary, "named .png but empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+strings.ReplaceAll(string(tt.head[:min(len(tt.head), 8)]), "/", ""), func(t *testing.T) {
			got := Sniff(tt.name, tt.head)
			if got.Kind != tt.kind {
				t.Fatalf("Kind=%v, want %v (%+v)", got.Kind, tt.kind, got)
			}
			if tt.mismatch == "" && got.Mismatch != "" {
				t.Fatalf("Mismatch=%q, want none", got.Mismatch)
			}
			if tt.mismatch != "" && !strings.Contains(got.Mismatch, tt.mismatch) {
				t.Fatalf("Mismatch=%q, want it to contain %q", got.Mismatch, tt.mismatch)
			}
		})
	}
}

func TestSniffedPredicates(t *testing.T) {
	if !(Sniffed{Kind: KindSVG}).Active() || !(Sniffed{Kind: KindHTML}).Active() || (Sniffed{Kind: KindImage}).Active() {
		t.Fatal("Active wrong")
	}
	if !(Sniffed{Kind: KindLog}).IsText() || (Sniffed{Kind: KindImage}).IsText() {
		t.Fatal("IsText wrong")
	}
	if !(Sniffed{Kind: KindBinary}).IsBinary() {
		t.Fatal("IsBinary wrong")
	}
	if KindTable.String() != "table" || Kind(99).String() != "unknown" {
		t.Fatal("String wrong")
	}
}
