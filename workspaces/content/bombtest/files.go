package bombtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"strings"
)

// The bombs below are plain files: images that declare sizes no figure
// has, and text whose shape (one enormous line, millions of cells, deep
// nesting) multiplies in a decoder's memory or time.

// PNG is a PNG that declares width × height pixels of RGBA and holds one
// empty data chunk: a few dozen bytes that a browser would decode into
// width × height × 4 bytes.
func PNG(name string, width, height uint32) Bomb {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits per sample, RGBA
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}) // empty zlib stream
	chunk("IEND", nil)
	return Bomb{Name: name, Does: "declares " + dims(width, height) + " pixels", Data: b.Bytes()}
}

// JPEG is a baseline JPEG whose frame header declares width × height
// pixels (at most 65,535 each) of three components, with no image data.
func JPEG(name string, width, height uint16) Bomb {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8}) // start of image
	b.Write([]byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0})
	b.Write([]byte{0xFF, 0xC0, 0x00, 0x11}) // baseline frame, 17 bytes
	b.WriteByte(8)
	binary.Write(&b, binary.BigEndian, height)
	binary.Write(&b, binary.BigEndian, width)
	b.WriteByte(3)
	for id := byte(1); id <= 3; id++ {
		b.Write([]byte{id, 0x11, 0})
	}
	b.Write([]byte{0xFF, 0xD9}) // end of image
	return Bomb{Name: name, Does: "declares " + dims(uint32(width), uint32(height)) + " pixels", Data: b.Bytes()}
}

func dims(w, h uint32) string {
	return thousands(int64(w)) + " × " + thousands(int64(h))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Images are the image bombs: the largest PNG and JPEG a header can
// declare, and a PNG just over a gigapixel.
func Images() []Bomb {
	return []Bomb{
		PNG("huge.png", 100_000, 100_000),
		PNG("gigapixel.png", 40_000, 30_000),
		JPEG("huge.jpg", 65_535, 65_535),
	}
}

// lines is n lines of unit repeated to about width bytes each.
func lines(unit string, width, n int) string {
	return strings.Repeat(strings.Repeat(unit, width/len(unit))+"\n", n)
}

// DeepJSON is 10 MB of opening brackets in 1,000 lines of 10,000: every
// line is as long as the text viewer shows, and a highlighter pushes a
// state for each bracket.
func DeepJSON() Bomb {
	return Bomb{Name: "deep.json", Does: "10 million nested arrays in 1,000 lines", Data: []byte(lines("[", 9999, 1000))}
}

// LongJSON is 10 MB of JSON records in 1,000 lines of 10,000 bytes:
// ordinary tokens, only many of them.
func LongJSON() Bomb {
	return Bomb{Name: "records.json", Does: "1,000 lines of 10,000 bytes of JSON records", Data: []byte(lines(`{"n": 1, "s": "x", "v": [2.5, true]}, `, 9999, 1000))}
}

// EscapedText is 40 MB of "<" in lines of 10,000: each byte is escaped to
// four, and the plain-text view pages by 10,000 lines.
func EscapedText() Bomb {
	return Bomb{Name: "brackets.txt", Does: "40 MB of < in 4,000 lines", Data: []byte(lines("<", 9999, 4000))}
}

// OneLine is a text file of one 64 MB line.
func OneLine() Bomb {
	return Bomb{Name: "one-line.txt", Does: "one line of 64 MB", Data: []byte(strings.Repeat("word ", 64*MiB/5))}
}

// WideCSV has a header and one row of 8 million empty cells, just under
// the 8 MB a row may take.
func WideCSV() Bomb {
	return Bomb{Name: "wide.csv", Does: "one row of 8 million cells", Data: []byte("a,b\n" + strings.Repeat(",", 8*MiB-64) + "\n")}
}

// WideHeader is WideCSV's row as the header.
func WideHeader() Bomb {
	return Bomb{Name: "wide-header.csv", Does: "a header of 8 million cells", Data: []byte(strings.Repeat(",", 8*MiB-64) + "\n1\n")}
}

// LongCSVLine has a header and one 64 MB row, a quote never closed.
func LongCSVLine() Bomb {
	return Bomb{Name: "long-row.csv", Does: "one row of 64 MB in an unclosed quote", Data: []byte("a,b\n\"" + strings.Repeat("x", 64*MiB) + "\n")}
}

// DeepSVG nests 1 million groups: 3 MB that a browser's SVG parser must
// hold as a tree.
func DeepSVG() Bomb {
	const depth = 1_000_000
	return Bomb{Name: "deep.svg", Does: "1 million nested groups", Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg">` +
		strings.Repeat("<g>", depth) + `<text>x</text>` + strings.Repeat("</g>", depth) + `</svg>`)}
}

// LogSummary is a job log whose summary is 1 MB of colour changes, one
// per character.
func LogSummary() Bomb {
	return Bomb{Name: "summary.log", Does: "a 1 MB job summary that changes colour at every character", Data: []byte("job started\n=============JOB SUMMARY=============\n" +
		strings.Repeat("\x1b[31mx\x1b[1;4;32my\x1b[0m", (1<<20)/24))}
}

// Texts are the bombs of the text, table, log and SVG viewers.
func Texts() []Bomb {
	return []Bomb{DeepJSON(), LongJSON(), EscapedText(), OneLine(), WideCSV(), WideHeader(), LongCSVLine(), DeepSVG(), LogSummary()}
}
