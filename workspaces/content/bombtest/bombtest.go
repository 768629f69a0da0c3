// Package bombtest builds hostile files for tests: files of a few hundred
// kilobytes that decode into gigabytes, or that declare sizes and shapes
// no real output has. Every decoder of untrusted bytes is tested against
// them, with the limits it runs with in production.
//
// The archives are built without ever holding their expanded bytes: each
// repeated piece is compressed once and its compressed block repeated, so
// a workbook that unpacks to 600 MB is built in a fraction of a second.
package bombtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A Piece is a run of an archive entry's bytes: Data repeated Times times
// (once when Times is 0).
type Piece struct {
	Data  string
	Times int
}

// Text is a piece written once.
func Text(s string) Piece { return Piece{Data: s, Times: 1} }

// Repeat is s written n times.
func Repeat(s string, n int) Piece { return Piece{Data: s, Times: n} }

// Entry is one file of an archive.
type Entry struct {
	Name   string
	Pieces []Piece
}

// Size is the expanded size of the entry.
func (e Entry) Size() int64 {
	var n int64
	for _, p := range e.Pieces {
		n += int64(len(p.Data)) * int64(max(p.Times, 1))
	}
	return n
}

// chunkBytes is about how much of a repeated piece is compressed at once.
const chunkBytes = 1 << 20

// Zip builds a zip archive of deflated entries.
func Zip(entries ...Entry) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		body, crc := deflate(e.Pieces)
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: e.Name, Method: zip.Deflate, CRC32: crc,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(e.Size()),
		})
		if err != nil {
			panic(err) // only a programming error gets here
		}
		if _, err := w.Write(body); err != nil {
			panic(err)
		}
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// deflate compresses pieces into one raw deflate stream and returns it with
// the CRC-32 of the expanded bytes. Each chunk is compressed on its own and
// flushed to a byte boundary, so compressed chunks can be repeated: a chunk
// never refers back to bytes before it. The checksum of repeated bytes is
// combined from the checksum of one chunk, never computed over all of them.
func deflate(pieces []Piece) ([]byte, uint32) {
	var key strings.Builder
	for _, p := range pieces {
		fmt.Fprintf(&key, "%d:%d:%s", p.Times, len(p.Data), p.Data)
	}
	if d, ok := deflated.Load(key.String()); ok {
		d := d.(deflatedEntry)
		return d.body, d.crc
	}
	var out bytes.Buffer
	var crc uint32
	emit := func(plain string, times int) {
		if times <= 0 || plain == "" {
			return
		}
		c := compressChunk(plain)
		for range times {
			out.Write(c)
		}
		one := crc32.ChecksumIEEE([]byte(plain))
		crc = crc32Combine(crc, repeatCRC(one, int64(len(plain)), times), int64(len(plain))*int64(times))
	}
	for _, p := range pieces {
		times := max(p.Times, 1)
		per := max(1, min(times, chunkBytes/max(len(p.Data), 1)))
		emit(strings.Repeat(p.Data, per), times/per)
		emit(strings.Repeat(p.Data, times%per), 1)
	}
	fw, _ := flate.NewWriter(&out, flate.BestCompression)
	fw.Close() // the final, empty block
	deflated.Store(key.String(), deflatedEntry{out.Bytes(), crc})
	return out.Bytes(), crc
}

// deflated caches whole entries: many bombs repeat one entry many times.
var deflated sync.Map // key of the pieces → deflatedEntry

type deflatedEntry struct {
	body []byte
	crc  uint32
}

// compressed caches compressed chunks: the bombs repeat the same few.
var compressed sync.Map // plain string → []byte

// compressChunk deflates plain as a non-final, byte-aligned part of a
// stream.
func compressChunk(plain string) []byte {
	if c, ok := compressed.Load(plain); ok {
		return c.([]byte)
	}
	var c bytes.Buffer
	fw, _ := flate.NewWriter(&c, flate.BestCompression)
	fw.Write([]byte(plain))
	fw.Flush()
	compressed.Store(plain, c.Bytes())
	return c.Bytes()
}

// repeatCRC is the CRC-32 of n copies of a block of size bytes whose
// CRC-32 is one, by doubling.
func repeatCRC(one uint32, size int64, n int) uint32 {
	var crc uint32
	for n > 0 {
		if n&1 == 1 {
			crc = crc32Combine(crc, one, size)
		}
		one = crc32Combine(one, one, size)
		size *= 2
		n >>= 1
	}
	return crc
}

// crc32Combine returns the CRC-32 of A followed by B from crcA, crcB and
// the length of B, as zlib's crc32_combine does: shifting crcA through
// lenB zero bytes is a linear map over GF(2), applied by repeated squaring.
func crc32Combine(crcA, crcB uint32, lenB int64) uint32 {
	if lenB <= 0 {
		return crcA
	}
	var even, odd [32]uint32
	odd[0] = 0xedb88320 // the reflected IEEE polynomial
	row := uint32(1)
	for i := 1; i < 32; i++ {
		odd[i] = row
		row <<= 1
	}
	gf2Square(even[:], odd[:]) // two zero bits
	gf2Square(odd[:], even[:]) // four zero bits
	for {
		gf2Square(even[:], odd[:])
		if lenB&1 != 0 {
			crcA = gf2Times(even[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(odd[:], even[:])
		if lenB&1 != 0 {
			crcA = gf2Times(odd[:], crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat []uint32, vec uint32) uint32 {
	var sum uint32
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat []uint32) {
	for n := range 32 {
		square[n] = gf2Times(mat, mat[n])
	}
}

const (
	mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
	relNS  = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	pkgRel = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// Sheet is one worksheet of a Workbook: its name and the pieces of its
// sheetData element's content (the rows).
type Sheet struct {
	Name string
	// Head comes before <sheetData>, such as a <dimension>.
	Head []Piece
	Rows []Piece
}

// Workbook is an .xlsx package, built by Bytes.
type Workbook struct {
	Sheets []Sheet
	// Strings are the pieces of the shared string table's content (the
	// <si> elements); nil means the workbook has none.
	Strings []Piece
}

// Bytes builds the workbook's archive.
func (w Workbook) Bytes() []byte {
	var types, sheets, rels strings.Builder
	types.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	entries := []Entry{}
	for i, s := range w.Sheets {
		part := fmt.Sprintf("worksheets/sheet%d.xml", i+1)
		fmt.Fprintf(&types, `<Override PartName="/xl/%s" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, part)
		fmt.Fprintf(&sheets, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, s.Name, i+1, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="%s/worksheet" Target="%s"/>`, i+1, relNS, part)
		pieces := []Piece{Text(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="` + mainNS + `" xmlns:r="` + relNS + `">`)}
		pieces = append(pieces, s.Head...)
		pieces = append(pieces, Text("<sheetData>"))
		pieces = append(pieces, s.Rows...)
		pieces = append(pieces, Text("</sheetData></worksheet>"))
		entries = append(entries, Entry{Name: "xl/" + part, Pieces: pieces})
	}
	if w.Strings != nil {
		types.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		fmt.Fprintf(&rels, `<Relationship Id="rIdS" Type="%s/sharedStrings" Target="sharedStrings.xml"/>`, relNS)
		pieces := []Piece{Text(`<?xml version="1.0" encoding="UTF-8"?><sst xmlns="` + mainNS + `">`)}
		pieces = append(pieces, w.Strings...)
		pieces = append(pieces, Text("</sst>"))
		entries = append(entries, Entry{Name: "xl/sharedStrings.xml", Pieces: pieces})
	}
	types.WriteString(`</Types>`)
	head := []Entry{
		{Name: "[Content_Types].xml", Pieces: []Piece{Text(types.String())}},
		{Name: "_rels/.rels", Pieces: []Piece{Text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkgRel + `"><Relationship Id="rId1" Type="` + relNS + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`)}},
		{Name: "xl/workbook.xml", Pieces: []Piece{Text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="` + mainNS + `" xmlns:r="` + relNS + `"><sheets>` + sheets.String() + `</sheets></workbook>`)}},
		{Name: "xl/_rels/workbook.xml.rels", Pieces: []Piece{Text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="` + pkgRel + `">` + rels.String() + `</Relationships>`)}},
	}
	return Zip(append(head, entries...)...)
}

// MiB is a mebibyte.
const MiB = 1 << 20

// A Bomb is a hostile file with what it does.
type Bomb struct {
	// Name is a file name for it, with its extension.
	Name string
	// Does says in a few words what decoding it would take.
	Does string
	Data []byte
}

// sharedCells is a row of n cells each showing shared string idx(i).
func sharedCells(n int, idx func(i int) int) string {
	var b strings.Builder
	b.WriteString("<row>")
	for i := range n {
		fmt.Fprintf(&b, `<c t="s"><v>%d</v></c>`, idx(i))
	}
	b.WriteString("</row>")
	return b.String()
}

// SharedString is the workbook of the security review: one shared string
// of 600 MiB, shown by every cell of a 2000 × 100 sheet. It is about 600 KB
// and unpacks to about 604 MB, under a 1 GB unpacking limit.
func SharedString() Bomb {
	row := sharedCells(100, func(int) int { return 0 })
	return Bomb{Name: "shared-string.xlsx", Does: "one 600 MiB shared string in each of 200,000 cells", Data: Workbook{
		Sheets:  []Sheet{{Name: "Data", Head: []Piece{Text(`<dimension ref="A1:CV2000"/>`)}, Rows: []Piece{Repeat(row, 2000)}}},
		Strings: []Piece{Text("<si><t>"), Repeat("A", 600*MiB), Text("</t></si>")},
	}.Bytes()}
}

// LongSharedString is SharedString with a string of 200 MiB: a shared
// string table of a size a workbook may have, holding one string no cell
// can.
func LongSharedString() Bomb {
	row := sharedCells(100, func(int) int { return 0 })
	return Bomb{Name: "long-string.xlsx", Does: "one 200 MiB shared string in each of 200,000 cells", Data: Workbook{
		Sheets:  []Sheet{{Name: "Data", Rows: []Piece{Repeat(row, 2000)}}},
		Strings: []Piece{Text("<si><t>"), Repeat("A", 200*MiB), Text("</t></si>")},
	}.Bytes()}
}

// ManySharedStrings holds 600 shared strings of 1 MiB each, and a 2000 ×
// 100 sheet whose cells show them in turn: every row is 100 MiB of text.
func ManySharedStrings() Bomb {
	var rows strings.Builder
	for r := range 2000 {
		rows.WriteString(sharedCells(100, func(c int) int { return (r*100 + c) % 600 }))
	}
	return Bomb{Name: "many-strings.xlsx", Does: "600 shared strings of 1 MiB, 100 of them in every row", Data: Workbook{
		Sheets:  []Sheet{{Name: "Data", Rows: []Piece{Text(rows.String())}}},
		Strings: []Piece{Repeat("<si><t>"+strings.Repeat("B", MiB-16)+"</t></si>", 600)},
	}.Bytes()}
}

// InlineString has one cell holding a 600 MiB inline string.
func InlineString() Bomb {
	return Bomb{Name: "inline-string.xlsx", Does: "one cell with a 600 MiB inline string", Data: Workbook{Sheets: []Sheet{{Name: "Data", Rows: []Piece{
		Text(`<row><c t="inlineStr"><is><t>`), Repeat("C", 600*MiB), Text(`</t></is></c></row>`),
	}}}}.Bytes()}
}

// InlineRuns has one cell whose inline string is 9,600 rich-text runs of
// 64 KiB: each piece of text is small, the cell is 600 MiB.
func InlineRuns() Bomb {
	return Bomb{Name: "inline-runs.xlsx", Does: "one cell of 9,600 runs of 64 KiB", Data: Workbook{Sheets: []Sheet{{Name: "Data", Rows: []Piece{
		Text(`<row><c t="inlineStr"><is><t>head</t></is></c></row><row><c t="inlineStr"><is>`),
		Repeat("<r><t>"+strings.Repeat("D", 64<<10)+"</t></r>", 9600),
		Text(`</is></c></row>`),
	}}}}.Bytes()}
}

// DeepInlineString nests 100 million elements in one cell's inline string.
func DeepInlineString() Bomb {
	const depth = 100_000_000
	return Bomb{Name: "deep-string.xlsx", Does: "an inline string nested 100 million elements deep", Data: Workbook{Sheets: []Sheet{{Name: "Data", Rows: []Piece{
		Text(`<row><c t="inlineStr"><is>`), Repeat("<r>", depth), Text("<t>x</t>"), Repeat("</r>", depth), Text(`</is></c></row>`),
	}}}}.Bytes()}
}

// Dimension declares the largest sheet Excel allows, A1:XFD1048576, and
// fills its corners, so that a reader padding rows to the header's width
// would write 1,048,576 rows of 16,384 cells.
func Dimension() Bomb {
	return Bomb{Name: "dimension.xlsx", Does: "a sheet of 1,048,576 rows of 16,384 cells, corners only", Data: Workbook{Sheets: []Sheet{{Name: "Data",
		Head: []Piece{Text(`<dimension ref="A1:XFD1048576"/>`)},
		Rows: []Piece{Text(`<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row><row r="1048576"><c r="A1048576"><v>3</v></c><c r="XFD1048576"><v>4</v></c></row>`)},
	}}}.Bytes()}
}

// ManySheets has 5,000 sheets of 190 KB each: each part is small, together
// they unpack to 950 MB.
func ManySheets() Bomb {
	sheets := make([]Sheet, 5000)
	for i := range sheets {
		sheets[i] = Sheet{Name: fmt.Sprintf("S%d", i+1), Rows: []Piece{Repeat("<row><c><v>1</v></c></row>", 7300)}}
	}
	return Bomb{Name: "many-sheets.xlsx", Does: "5,000 sheets of 190 KB", Data: Workbook{Sheets: sheets}.Bytes()}
}

// Workbooks are the spreadsheet bombs.
func Workbooks() []Bomb {
	return []Bomb{SharedString(), LongSharedString(), ManySharedStrings(), InlineString(), InlineRuns(), DeepInlineString(), Dimension(), ManySheets()}
}

// WatchHeap fails the whole test binary at once if the Go heap grows past
// limit bytes while a decoder runs, so a decoder that would exhaust the
// machine is stopped at a known size instead of taking it down. Call the
// returned function when the decoding is done: it stops watching and
// returns the largest heap seen.
func WatchHeap(tb testing.TB, what string, limit uint64) (stop func() uint64) {
	tb.Helper()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	done := make(chan struct{})
	var peak atomic.Uint64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			heap := sample[0].Value.Uint64()
			if heap > peak.Load() {
				peak.Store(heap)
			}
			if heap > limit {
				panic(fmt.Sprintf("%s: the heap reached %d MB, over the %d MB allowed", what, heap>>20, limit>>20))
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	var once sync.Once
	stop = func() uint64 {
		once.Do(func() { close(done); wg.Wait() })
		return peak.Load()
	}
	tb.Cleanup(func() { stop() })
	return stop
}
