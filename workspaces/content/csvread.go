package content

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/bits"
	"unicode/utf8"
)

// rowReader reads CSV records from a byte offset of a table's file. It
// gives exactly the records encoding/csv gives with FieldsPerRecord -1
// and LazyQuotes (FuzzRowReaderMatchesCSV holds it to that), several
// times faster: it reads a large buffer, cuts a record without quotes
// straight out of it, and follows encoding/csv's rules line by line only
// for a record with a quote. The bytes are untrusted, so it also bounds
// what one record can take: a record of more than MaxRecordBytes bytes
// (line ends included) is errRecordTooLong, one of more than
// MaxRecordCells cells errRecordTooWide, and neither is held in memory
// whole. Each record's cells are slices of one string per record, so a
// cell a caller keeps pins its record only.
type rowReader struct {
	src   io.Reader
	base  int64 // offset of the source's first byte in the file
	buf   []byte
	pos   int   // next unread byte of buf
	end   int   // end of the bytes read into buf
	off   int64 // offset of buf[0] from base
	err   error // the source's error (io.EOF at its end) once it gave one
	stuck error // a record over the limits: every later read fails too

	sep      []byte // the separator's UTF-8 bytes
	comma    byte   // the separator when it is one byte, else 0
	maxBytes int64
	maxCells int

	recStart int64 // offset from base of the record being read
	// start is the file offset where the last record returned began.
	start int64

	utf8 utf8Check

	rec    []byte // unquoted bytes of a record with quotes
	spans  []int  // start and end of each cell of the record
	fields []string
}

// rowReaderBuf is the buffer of a reader that starts with none.
const rowReaderBuf = 64 << 10

func (t *Table) newRowReader(off int64) *rowReader { return t.newRowReaderBuf(off, nil) }

// newRowReaderBuf reads into buf when it is not nil: reading a few rows at
// many offsets then needs a small buffer only (it grows for a longer line).
func (t *Table) newRowReaderBuf(off int64, buf []byte) *rowReader {
	return readRows(io.NewSectionReader(t.r, off, t.size-off), off, &t.opts, buf)
}

// readRows reads the records of src, which starts at offset base of the
// file, with the separator and limits of opts (filled).
func readRows(src io.Reader, base int64, opts *TableOptions, buf []byte) *rowReader {
	if buf == nil {
		buf = make([]byte, rowReaderBuf)
	}
	rr := &rowReader{
		src:      src,
		base:     base,
		start:    base,
		buf:      buf,
		sep:      []byte(string(opts.Comma)),
		maxBytes: opts.MaxRecordBytes,
		maxCells: int(min(opts.MaxRecordCells, int64(^uint(0)>>1))),
		utf8:     utf8Check{invalidAt: -1},
	}
	if len(rr.sep) == 1 {
		rr.comma = rr.sep[0]
	}
	return rr
}

// offset is where the next record starts (any blank lines before it
// included, as encoding/csv's InputOffset counts them).
func (rr *rowReader) offset() int64 { return rr.base + rr.off + int64(rr.pos) }

// consumed is how many bytes of the source the records read so far span.
func (rr *rowReader) consumed() int64 { return rr.off + int64(rr.pos) }

// invalidUTF8 reports whether a byte that is not valid UTF-8 was read in
// the records returned so far.
func (rr *rowReader) invalidUTF8() bool {
	return rr.utf8.invalidAt >= 0 && rr.utf8.invalidAt < rr.consumed()
}

// next returns the next record (valid until the following call), io.EOF at
// the end, errRecordTooLong, errRecordTooWide, or a read error. Its cells
// are slices of one new string.
func (rr *rowReader) next() ([]string, error) {
	raw, spans, err := rr.read()
	if err != nil {
		return nil, err
	}
	rr.fields = cellStrings(rr.fields, raw, spans)
	return rr.fields, nil
}

// cellStrings cuts a record read by read into strings, slices of one
// string, reusing the memory of fields.
func cellStrings(fields []string, raw []byte, spans []int) []string {
	s := string(raw)
	fields = fields[:0]
	for k := 0; k < len(spans); k += 2 {
		fields = append(fields, s[spans[k]:spans[k+1]])
	}
	return fields
}

// read returns the next record as bytes and where each cell lies in them
// (its start and end, in pairs), both valid until the following call,
// with next's errors. Nothing is copied for a record without quotes.
func (rr *rowReader) read() (raw []byte, spans []int, err error) {
	if rr.stuck != nil {
		return nil, nil, rr.stuck
	}
	var line []byte
	for {
		rr.recStart = rr.consumed()
		if line, err = rr.readLine(); err != nil {
			return nil, nil, rr.fail(err)
		}
		if len(line) != lengthNL(line) {
			break // encoding/csv skips blank lines
		}
	}
	body := line[:len(line)-lengthNL(line)]
	raw = body
	if bytes.IndexByte(body, '"') < 0 {
		// No quote: the record is this line, cut at each separator.
		err = rr.split(body)
	} else if ok, e := rr.splitQuoted(body); e != nil || !ok {
		err = e
		if err == nil {
			raw, err = rr.quoted(line)
		}
	}
	if err != nil {
		return nil, nil, rr.fail(err)
	}
	rr.start = rr.base + rr.recStart
	return raw, rr.spans, nil
}

// fail makes the limits' errors stick: the reader cannot find the next
// record without reading the whole over-long one.
func (rr *rowReader) fail(err error) error {
	if err == errRecordTooLong || err == errRecordTooWide {
		rr.stuck = err
	}
	return err
}

// split finds the cells of a line without quotes.
func (rr *rowReader) split(line []byte) error {
	spans := append(rr.spans[:0], 0)
	defer func() { rr.spans = spans }()
	sepLen := len(rr.sep)
	limit := 2 * rr.maxCells
	if c := rr.comma; c != 0 {
		// Eight bytes at a time: a mask of the separators in each word,
		// then one step per separator, with no branch per byte.
		pat := repeat8(c)
		i := 0
		for ; i+8 <= len(line); i += 8 {
			m := zeroBytes(binary.LittleEndian.Uint64(line[i:]) ^ pat)
			for ; m != 0; m &= m - 1 {
				if len(spans) == limit-1 {
					return errRecordTooWide
				}
				j := i + bits.TrailingZeros64(m)/8
				spans = append(spans, j, j+1)
			}
		}
		for ; i < len(line); i++ {
			if line[i] == c {
				if len(spans) == limit-1 {
					return errRecordTooWide
				}
				spans = append(spans, i, i+1)
			}
		}
	} else {
		for i := 0; ; {
			j := bytes.Index(line[i:], rr.sep)
			if j < 0 {
				break
			}
			if len(spans) == limit-1 {
				return errRecordTooWide
			}
			spans = append(spans, i+j, i+j+sepLen)
			i += j + sepLen
		}
	}
	spans = append(spans, len(line))
	return nil
}

// splitQuoted finds the cells of a line whose quoted cells all end on
// it, with no quote inside; it reports false for any other line, which
// quoted reads.
func (rr *rowReader) splitQuoted(line []byte) (bool, error) {
	spans := rr.spans[:0]
	defer func() { rr.spans = spans }()
	for i := 0; ; {
		if len(spans) == 2*rr.maxCells {
			return false, errRecordTooWide
		}
		if i < len(line) && line[i] == '"' {
			j := bytes.IndexByte(line[i+1:], '"')
			if j < 0 {
				return false, nil // the cell goes on past the line
			}
			end := i + 1 + j
			spans = append(spans, i+1, end)
			if end+1 == len(line) {
				return true, nil
			}
			if !bytes.HasPrefix(line[end+1:], rr.sep) {
				return false, nil // `""` or a bare quote
			}
			i = end + 1 + len(rr.sep)
			continue
		}
		j := bytes.Index(line[i:], rr.sep)
		if j < 0 {
			spans = append(spans, i, len(line))
			return true, nil
		}
		spans = append(spans, i, i+j)
		i += j + len(rr.sep)
	}
}

// quoted reads a record whose first line, given, has a quote, following
// encoding/csv's readRecord with LazyQuotes step by step: a quoted cell
// may span lines, `""` in it is a quote, and a quote that neither ends
// the cell nor doubles is kept as it is.
func (rr *rowReader) quoted(line []byte) ([]byte, error) {
	rec, spans := rr.rec[:0], rr.spans[:0]
	defer func() { rr.rec, rr.spans = rec, spans }()
	from := 0 // where the cell being read starts in rec
	endCell := func() error {
		spans = append(spans, from, len(rec))
		from = len(rec)
		if len(spans) > 2*rr.maxCells {
			return errRecordTooWide
		}
		return nil
	}
	sepLen := len(rr.sep)
cells:
	for {
		if len(line) == 0 || line[0] != '"' {
			// A cell without quotes ends at the separator or the line.
			i := bytes.Index(line, rr.sep)
			cell := line
			if i >= 0 {
				cell = cell[:i]
			} else {
				cell = cell[:len(cell)-lengthNL(cell)]
			}
			rec = append(rec, cell...)
			if err := endCell(); err != nil {
				return nil, err
			}
			if i >= 0 {
				line = line[i+sepLen:]
				continue cells
			}
			break cells
		}
		line = line[1:]
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				rec = append(rec, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"':
					rec = append(rec, '"') // `""`
					line = line[1:]
				case bytes.HasPrefix(line, rr.sep):
					line = line[sepLen:]
					if err := endCell(); err != nil {
						return nil, err
					}
					continue cells
				case len(line) == lengthNL(line):
					if err := endCell(); err != nil {
						return nil, err
					}
					break cells
				default:
					rec = append(rec, '"') // a bare quote
				}
			case len(line) > 0:
				// The cell goes on past the end of the line.
				rec = append(rec, line...)
				var err error
				if line, err = rr.readLine(); err == io.EOF {
					line = nil
				} else if err != nil {
					return nil, err
				}
			default:
				// The file ends inside the quotes.
				if err := endCell(); err != nil {
					return nil, err
				}
				break cells
			}
		}
	}
	return rec, nil
}

// lengthNL is 1 if b ends with a line feed, else 0.
func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// readLine returns the next line with its line feed, if it has one, and
// consumes it. Like encoding/csv it turns a final "\r\n" into "\n" and
// drops a '\r' that ends the file (in the buffer, whose bytes are not
// read again). It returns io.EOF when no bytes are left, and
// errRecordTooLong once the record would pass maxBytes. The line is valid
// until the next call.
func (rr *rowReader) readLine() ([]byte, error) {
	from := rr.pos // where the search for the line feed resumes
	for {
		if i := bytes.IndexByte(rr.buf[from:rr.end], '\n'); i >= 0 {
			stop := from + i + 1
			line := rr.buf[rr.pos:stop]
			rr.pos = stop
			if rr.consumed()-rr.recStart > rr.maxBytes {
				return nil, errRecordTooLong
			}
			if n := len(line); n >= 2 && line[n-2] == '\r' {
				line[n-2] = '\n'
				line = line[:n-1]
			}
			return line, nil
		}
		if rr.off+int64(rr.end)-rr.recStart > rr.maxBytes {
			return nil, errRecordTooLong
		}
		if rr.err != nil {
			if rr.pos == rr.end || rr.err != io.EOF {
				return nil, rr.err
			}
			line := rr.buf[rr.pos:rr.end]
			rr.pos = rr.end
			if n := len(line); line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		from = rr.end - rr.pos
		rr.fill()
	}
}

// fill moves the unread bytes to the front of the buffer, growing it if
// they fill it, and reads more.
func (rr *rowReader) fill() {
	if rr.pos > 0 {
		n := copy(rr.buf, rr.buf[rr.pos:rr.end])
		rr.off += int64(rr.pos)
		rr.pos, rr.end = 0, n
	}
	if rr.end == len(rr.buf) {
		rr.buf = append(rr.buf[:rr.end], make([]byte, max(len(rr.buf), 64))...)
	}
	for range 100 {
		n, err := rr.src.Read(rr.buf[rr.end:])
		if n > 0 {
			rr.utf8.check(rr.buf[rr.end:rr.end+n], rr.off+int64(rr.end))
			rr.end += n
		}
		if err != nil {
			if err == io.EOF {
				rr.utf8.atEOF(rr.off + int64(rr.end))
			}
			rr.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	rr.err = io.ErrNoProgress
}

// utf8Check finds the first byte that is not valid UTF-8 in a stream fed
// chunk by chunk (checked per read, on whole chunks, far cheaper than per
// cell).
type utf8Check struct {
	// invalidAt is the offset of the first byte that is not valid UTF-8,
	// or -1; pend holds the start of a character cut by a read.
	invalidAt int64
	pend      [4]byte
	pendN     int
}

// check records the first invalid UTF-8 byte of b, which starts at offset
// at, carrying a character cut at the end of b over to the next chunk.
func (g *utf8Check) check(b []byte, at int64) {
	if g.invalidAt >= 0 {
		return
	}
	if g.pendN > 0 {
		var buf [4]byte
		k := copy(buf[:], g.pend[:g.pendN])
		m := copy(buf[k:], b)
		if !utf8.FullRune(buf[:k+m]) {
			g.pendN = copy(g.pend[:], buf[:k+m])
			return
		}
		if r, size := utf8.DecodeRune(buf[:k+m]); r == utf8.RuneError && size <= 1 {
			g.invalidAt = at - int64(k)
			return
		} else {
			b, at = b[size-k:], at+int64(size-k)
		}
		g.pendN = 0
	}
	tail := 0
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				tail = len(b) - i
			}
			break
		}
	}
	body := b[:len(b)-tail]
	if !utf8.Valid(body) {
		for i := 0; i < len(body); {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size <= 1 {
				g.invalidAt = at + int64(i)
				return
			}
			i += size
		}
	}
	g.pendN = copy(g.pend[:], b[len(b)-tail:])
}

// atEOF notes a stream of size bytes that ends inside a character.
func (g *utf8Check) atEOF(size int64) {
	if g.pendN > 0 && g.invalidAt < 0 {
		g.invalidAt = size - int64(g.pendN)
	}
}
