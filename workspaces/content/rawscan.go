package content

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The raw pass serves the views that need few cells of each row: a filter
// looks for its terms in a row's bytes and a sort reads one cell, so
// neither needs every row cut into strings, which is most of the cost of
// scan. It finds each row's end and cell count, and where one chosen
// column's cell lies, with the CSV reader's rules (LazyQuotes: a quote
// opens a quoted cell only at the start of a cell; in a quoted cell `""`
// is a quote, a quote before the separator or the end of the line closes
// it, any other quote is kept; blank lines are skipped; a CR before a line
// end and at the end of the file is dropped), and builds the same row
// index and notes as scan. Rows are cut into cells by the table's
// rowReader, as scan cuts them, only when needed: a page's rows, rows
// with a cell long enough for the long-cell note, a chosen cell with
// quotes or CRs to undo.
//
// Where it cannot be sure to match scan it gives up with errRawFallback
// and the caller uses scan instead: a separator that is not one byte, a
// row over MaxRecordBytes or MaxRecordCells (where scan stops, with a
// note).
var errRawFallback = errors.New("raw pass not applicable")

// rawReadSize is how much the raw pass reads at a time.
const rawReadSize = 256 << 10

// rawPass reads the data rows of a table from its raw bytes.
type rawPass struct {
	t     *Table
	src   io.Reader
	utf8  utf8Check // the first byte that is not valid UTF-8
	comma byte
	col   int // the column whose cell is found, or -1

	buf      []byte // buf[pos:end] is read and not yet consumed
	pos, end int
	gen      int   // counts the fills of buf
	base     int64 // file offset of buf[0]
	eof      bool

	rowBuf []byte // the buffer of the rowReader that cuts single rows
}

// rawRow is one data row of a raw pass, valid during the visit only.
type rawRow struct {
	n     int
	raw   []byte // the row's bytes, from its first cell to its line end
	at    int    // where raw starts in the pass's buffer
	cells int
	// cellFrom and cellTo delimit the chosen column's cell in raw (from
	// -1 when the row is too short for it); cellExact says they hold the
	// cell's text as the CSV reader gives it (no quote or CR to undo).
	cellFrom, cellTo int
	cellExact        bool

	p      *rawPass
	rec    []string // the row cut into cells, once it was needed
	parsed bool
	// cellText is the chosen cell when the row comes from scan (raw and
	// p are then nil).
	cellText string
}

func (t *Table) newRawPass(col int) (*rawPass, error) {
	if t.opts.Comma >= utf8.RuneSelf {
		return nil, errRawFallback
	}
	p := &rawPass{t: t, comma: byte(t.opts.Comma), col: col, base: t.dataStart}
	p.src = io.NewSectionReader(t.r, t.dataStart, t.size-t.dataStart)
	p.utf8.invalidAt = -1
	p.buf = make([]byte, rawReadSize)
	return p, nil
}

// record returns the row cut into cells by the table's rowReader, as scan
// cuts it. A row that it does not read as exactly one row of the same
// cells means the raw pass went wrong: it gives up.
func (r *rawRow) record() ([]string, error) {
	if r.parsed {
		return r.rec, nil
	}
	p := r.p
	rr := readRows(bytes.NewReader(r.raw), 0, &p.t.opts, p.rowBuf)
	rec, err := rr.next()
	p.rowBuf = rr.buf
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errRawFallback, err)
	}
	if rr.consumed() != int64(len(r.raw)) || len(rec) != r.cells {
		return nil, errRawFallback
	}
	r.rec, r.parsed = rec, true
	return rec, nil
}

// cell returns the chosen column's cell ("" when the row is too short).
func (r *rawRow) cell() ([]byte, error) {
	switch {
	case r.cellFrom < 0:
		return nil, nil
	case r.p == nil:
		return []byte(r.cellText), nil
	case r.cellExact:
		return r.raw[r.cellFrom:r.cellTo], nil
	}
	rec, err := r.record()
	if err != nil {
		return nil, err
	}
	return []byte(rec[r.p.col]), nil
}

// fill reads more of the file, keeping buf[pos:end]; it grows the buffer
// when one row fills it.
func (p *rawPass) fill() error {
	p.gen++
	if p.pos > 0 {
		n := copy(p.buf, p.buf[p.pos:p.end])
		p.base += int64(p.pos)
		p.pos, p.end = 0, n
	}
	if p.end == len(p.buf) {
		// One row fills the buffer. Rows over MaxRecordBytes are left
		// to scan, so it never grows much past that.
		if int64(len(p.buf)) > p.t.opts.MaxRecordBytes {
			return errRawFallback
		}
		p.buf = append(p.buf, make([]byte, len(p.buf))...)
	}
	for p.end < len(p.buf) {
		n, err := p.src.Read(p.buf[p.end:])
		p.utf8.check(p.buf[p.end:p.end+n], p.base+int64(p.end))
		p.end += n
		if err == io.EOF {
			p.utf8.atEOF(p.base + int64(p.end))
			p.eof = true
			return nil
		}
		if err != nil {
			return fmt.Errorf("read table: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("read table: %w", io.ErrNoProgress)
		}
	}
	return nil
}

// rawVisit is called for every data row of a raw pass; an error stops it.
type rawVisit func(r *rawRow) error

// run reads every data row in order, calling visit, and builds the row
// index on the way if it is not built yet. It returns errRawFallback,
// with nothing recorded, when scan has to do the work instead.
func (p *rawPass) run(ctx context.Context, visit rawVisit) error {
	t := p.t
	if t.empty {
		return nil
	}
	build := t.indexed() == nil
	ib := t.newIndexBuilder()
	idx := ib.idx
	row := rawRow{p: p}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		start := p.pos
		var skip, end int
		var ok bool
		for {
			skip, end, ok = p.split(&row)
			if ok || p.eof {
				break
			}
			if err := p.fill(); err != nil {
				return err
			}
			start = p.pos
		}
		// scan stops at a row of more than MaxRecordBytes or more than
		// MaxRecordCells cells, with a note: it is left to scan, and so
		// are blank lines beyond MaxRecordBytes.
		if int64(end-start) > t.opts.MaxRecordBytes || (ok && int64(row.cells) > t.opts.MaxRecordCells) {
			return errRawFallback
		}
		off := p.base + int64(start)
		if !ok {
			break // only blank lines were left
		}
		row.n, row.raw, row.at, row.rec, row.parsed = n, p.buf[start+skip:end], start+skip, nil, false
		p.pos = end
		if build {
			ib.add(n, off, row.cells)
			if len(row.raw) > t.opts.MaxCellBytes {
				rec, err := row.record()
				if err != nil {
					return err
				}
				ib.cn.scanLengths(rec, t.opts.MaxCellBytes)
			}
		}
		idx.total = n + 1
		if err := visit(&row); err != nil {
			return err
		}
	}
	if build {
		// At the end of the file every byte was read, as scan reads them.
		ib.cn.invalid = p.utf8.invalidAt >= 0
		ib.keep()
	}
	return nil
}

// split finds the next row in buf[pos:end]: skip is the length of the
// blank lines before it, end where it ends (after its line end), and
// r.cells and the chosen cell are filled in. ok is false when the row
// does not end within the bytes read (or, at the end of the file, when
// only blank lines are left, end then being the end of the file).
func (p *rawPass) split(r *rawRow) (skip, end int, ok bool) {
	b := p.buf[:p.end]
	i := p.pos
	// Blank lines: "\n" or "\r\n", and at the end of the file "\r".
	for i < len(b) && (b[i] == '\n' || b[i] == '\r') {
		if b[i] == '\n' {
			i++
			continue
		}
		if i+1 == len(b) {
			if !p.eof {
				return 0, 0, false
			}
			i++
			continue
		}
		if b[i+1] != '\n' {
			break
		}
		i += 2
	}
	if i == len(b) {
		return i - p.pos, i, false
	}
	s := i
	skip = s - p.pos
	comma, col := p.comma, p.col
	r.cellFrom, r.cellTo, r.cellExact = -1, -1, false
	found := col < 0
	field := 0      // the cell at pos
	fieldStart := s // where it starts, or -1 when not needed
	pos := s        // outside quoted cells
	setCell := func(from, to int, exact bool) {
		if field == col {
			r.cellFrom, r.cellTo, r.cellExact, found = from-s, to-s, exact, true
		}
	}
	lineEnd := -1 // the end of the line at pos
	for {
		if lineEnd < pos {
			lineEnd = bytes.IndexByte(b[pos:], '\n')
			if lineEnd < 0 {
				if !p.eof {
					return 0, 0, false
				}
				lineEnd = len(b)
			} else {
				lineEnd += pos
			}
		}
		q := bytes.IndexByte(b[pos:lineEnd], '"')
		stop := lineEnd // separators before stop end unquoted cells
		if q >= 0 {
			q += pos
			stop = q
		}
		if !found {
			// Walk the cells up to the chosen one, byte by byte: cells
			// are short, shorter than a call of IndexByte is worth.
			for k := pos; k < stop; k++ {
				if b[k] != comma {
					continue
				}
				setCell(fieldStart, k, true)
				field++
				fieldStart, pos = k+1, k+1
				if field > col {
					break
				}
			}
		}
		if k := bytes.Count(b[pos:stop], []byte{comma}); k > 0 {
			field += k
			fieldStart = -1 // inside an unquoted cell: only a quote there matters
			if q >= 0 && b[q-1] == comma {
				fieldStart = q
			}
		}
		if q < 0 {
			// The row ends with this line.
			if !found {
				setCell(fieldStart, max(trimLineEnd(b, lineEnd, p.eof), fieldStart), true)
			}
			r.cells = field + 1
			return skip, min(lineEnd+1, len(b)), true
		}
		if q != fieldStart {
			// A quote inside an unquoted cell is kept as it is.
			pos = q + 1
			continue
		}
		// A quoted cell: find the quote that ends it.
		exact := true
		x := q + 1
		for {
			e := bytes.IndexByte(b[x:], '"')
			if e < 0 {
				if !p.eof {
					return 0, 0, false
				}
				// An unclosed quote runs to the end of the file.
				setCell(q+1, len(b), false)
				r.cells = field + 1
				return skip, len(b), true
			}
			e += x
			if exact && field == col && bytes.IndexByte(b[x:e], '\r') >= 0 {
				exact = false // a CR before a line end is dropped
			}
			if e+1 == len(b) {
				if !p.eof {
					return 0, 0, false
				}
				setCell(q+1, e, exact)
				r.cells = field + 1
				return skip, len(b), true
			}
			switch b[e+1] {
			case '"': // a quote
				exact = false
				x = e + 2
				continue
			case comma:
				setCell(q+1, e, exact)
				field++
				fieldStart, pos = e+2, e+2
			case '\n':
				setCell(q+1, e, exact)
				r.cells = field + 1
				return skip, e + 2, true
			case '\r':
				if e+2 == len(b) && !p.eof {
					return 0, 0, false
				}
				if e+2 == len(b) || b[e+2] == '\n' {
					setCell(q+1, e, exact)
					r.cells = field + 1
					return skip, min(e+3, len(b)), true
				}
				exact = false // a quote, kept
				x = e + 1
				continue
			default: // a quote, kept
				exact = false
				x = e + 1
				continue
			}
			break
		}
	}
}

// trimLineEnd returns where the text of a line ending at lineEnd (its
// '\n', or the end of the file) stops: before a CR that ends it.
func trimLineEnd(b []byte, lineEnd int, eof bool) int {
	if lineEnd > 0 && b[lineEnd-1] == '\r' && (lineEnd < len(b) || eof) {
		return lineEnd - 1
	}
	return lineEnd
}

// eachRow reads every data row in order, building the row index on the
// way if needed, and calls visit with those matching m (every row when m
// is nil); col is the column whose cell visit reads, or -1. It makes the
// raw pass when it applies and scan otherwise; when a raw pass gives up,
// reset is called before scan starts again from the first row.
func (t *Table) eachRow(ctx context.Context, col int, m *matcher, reset func(), visit rawVisit) error {
	if p, err := t.newRawPass(col); err == nil {
		var f *rawFilter
		if m != nil {
			f = newRawFilter(m, p.comma)
		}
		err := p.run(ctx, func(r *rawRow) error {
			if f != nil {
				if ok, err := f.match(r); err != nil || !ok {
					return err
				}
			}
			return visit(r)
		})
		if !errors.Is(err, errRawFallback) {
			return err
		}
		reset()
	}
	var row rawRow
	return t.scan(ctx, func(n int, rec []string) error {
		if m != nil && !m.match(rec) {
			return nil
		}
		row = rawRow{n: n, cells: len(rec), cellFrom: -1, rec: rec, parsed: true}
		if col >= 0 && col < len(rec) {
			row.cellText = rec[col]
			row.cellFrom = 0
		}
		return visit(&row)
	})
}
