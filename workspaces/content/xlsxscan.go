package content

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/airlock-project/airlock/airlock"
)

// Limits of what excelize may expand while it reads one row.
const (
	// maxStringBytes bounds one shared string: Excel's own limit is 32,767
	// characters.
	maxStringBytes = 1 << 20
	// maxRowBytes bounds the text of one row as excelize expands it, shared
	// strings included, before the row is read.
	maxRowBytes = 16 << 20
	// maxRowCells bounds the cells of one row: Excel's own limit.
	maxRowCells = 16384
)

// sharedStrings is what the check of a workbook's shared string table
// found: how long each string is at most once excelize expands it.
type sharedStrings struct {
	lens    []uint32
	longest uint32
}

// length is how long shared string idx is at most; like excelize, a
// reference that is not a number means the first string, and one out of
// range shows the reference itself.
func (s *sharedStrings) length(ref []byte, refCut bool) int64 {
	if s == nil {
		return 0
	}
	if refCut {
		return int64(s.longest)
	}
	idx, err := strconv.Atoi(strings.TrimSpace(string(ref)))
	if err != nil {
		idx = 0
	}
	if idx < 0 || idx >= len(s.lens) {
		return 0
	}
	return int64(s.lens[idx])
}

// scanSharedStrings checks a shared string table as a stream of XML tokens,
// through xmlGuard, without keeping any string: the number of strings, each
// one's length and their total. It returns an EINVALID *airlock.Error,
// with a reason for a person, when one is over its limit. A table damaged
// part way is kept up to the damage, as excelize reads it.
//
// The lengths count all the text inside each <si>, phonetic runs included,
// so they are never less than what excelize makes of the string. excelize
// numbers the <si> elements under the root (kept in memory) or anywhere
// outside another <si> (unpacked to a file); the table is refused unless
// they are the same, so the numbering here is excelize's.
func scanSharedStrings(zf *zip.File, lim WorkbookLimits) (*sharedStrings, error) {
	refuse := func(format string, args ...any) (*sharedStrings, error) {
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook cannot be shown: its table of shared text "+format+".", args...)
	}
	// The text cannot be longer than the part; twice the text allowed
	// leaves ample room for the markup of a million strings.
	if limit := 2 * lim.MaxSharedStringBytes; zf.UncompressedSize64 > uint64(limit) {
		return refuse("is %s unpacked, more than the %s it may take", approxSize(int64(zf.UncompressedSize64)), byteSize(limit))
	}
	rc, err := zf.Open()
	if err != nil {
		return refuse("cannot be read (%s)", plainError(err))
	}
	defer rc.Close()
	d := xml.NewDecoder(newXMLGuard(bufio.NewReaderSize(rc, 64<<10)))
	sst := &sharedStrings{}
	depth := 0
	inString := false
	var cur, total int64
	end := func() {
		sst.lens = append(sst.lens, uint32(cur))
		sst.longest = max(sst.longest, uint32(cur))
		inString = false
	}
	for {
		tok, err := d.RawToken()
		if err != nil {
			var lerr *xmlLimitError
			if errors.As(err, &lerr) {
				return refuse("%s, more than a cell can hold (Excel allows 32,767 characters), so the file is damaged or was not written by a spreadsheet program", lerr.why)
			}
			break // the end, or damage: excelize reads as far as here too
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1 && t.Name.Local != "sst":
				return refuse("is damaged: it starts with <%s> instead of <sst>", plainName(t.Name.Local))
			case t.Name.Local == "si" && (depth != 2 || inString):
				return refuse("is damaged: it has a string inside another element")
			case t.Name.Local == "si":
				if len(sst.lens) >= lim.MaxSharedStrings {
					return refuse("holds more than %d strings", lim.MaxSharedStrings)
				}
				inString, cur = true, 0
			}
		case xml.EndElement:
			if depth == 2 && inString {
				end()
			}
			depth--
		case xml.CharData:
			if !inString {
				break
			}
			cur += int64(len(t))
			total += int64(len(t))
			if cur > maxStringBytes {
				return refuse("holds a text longer than %s, more than a cell can hold (Excel allows 32,767 characters), so the file is damaged or was not written by a spreadsheet program", byteSize(maxStringBytes))
			}
			if total > lim.MaxSharedStringBytes {
				return refuse("holds more than %s of shared text", byteSize(lim.MaxSharedStringBytes))
			}
		}
	}
	if inString {
		end() // excelize keeps what it read of a string cut short
	}
	return sst, nil
}

// plainName keeps an element name short enough to quote to a person.
func plainName(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// rowGate lets the conversion ask excelize for a row only once the scan of
// the sheet has checked every byte excelize reads to return it.
//
// excelize's row iterator, asked for row n, reads the sheet's XML up to
// the start tag of the first row numbered above n (or to the end of
// <sheetData>, or, past the last row, to the end of the part). The scan
// reads the same XML ahead of it through xmlGuard and publishes the number
// of the last row whose start tag it has checked, so row n may be read
// once a row above n has been published. The scan refuses rows out of
// order and row or cell elements out of place, so the row numbers it
// counts are excelize's.
type rowGate struct {
	mu        sync.Mutex
	started   int  // the last row whose start tag was checked
	dataEnded bool // </sheetData> was checked
	done      bool
	stop      string        // why the scan stopped short of the end; "" when it did not
	tail      bool          // the stop is after the sheet's rows
	wake      chan struct{} // closed when the state changes, if someone waits
}

// publish records that row n's start tag is checked.
func (g *rowGate) publish(n int) {
	g.mu.Lock()
	g.started = n
	g.signal()
	g.mu.Unlock()
}

// endData records that </sheetData> is checked.
func (g *rowGate) endData() {
	g.mu.Lock()
	g.dataEnded = true
	g.signal()
	g.mu.Unlock()
}

// finish ends the scan; stop says why it ended before the end of the
// part, or is "".
func (g *rowGate) finish(stop string) {
	g.mu.Lock()
	g.done, g.stop, g.tail = true, stop, stop != "" && g.dataEnded
	g.signal()
	g.mu.Unlock()
}

// signal wakes the waiters; g.mu must be held.
func (g *rowGate) signal() {
	if g.wake != nil {
		close(g.wake)
		g.wake = nil
	}
}

// allow waits until row n may be read and reports whether it may; when it
// may not, the scan stopped before it (see reason), or ctx ended.
func (g *rowGate) allow(ctx context.Context, n int) bool {
	for {
		g.mu.Lock()
		switch {
		case g.started > n, g.dataEnded && n <= g.started, g.done && g.stop == "":
			g.mu.Unlock()
			return true
		case g.done:
			g.mu.Unlock()
			return false
		}
		if g.wake == nil {
			g.wake = make(chan struct{})
		}
		wake := g.wake
		g.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false
		}
	}
}

// reason says why the scan stopped short, and whether that was after the
// sheet's rows.
func (g *rowGate) reason() (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stop, g.tail
}

// sheetScan is what scanSheet finds in a sheet's XML.
type sheetScan struct {
	merged   []string
	lastRow  int  // the number of the last row element
	complete bool // the rows end with </sheetData>, and the XML could be read
}

// scanSheet reads a sheet's XML as a stream of tokens through xmlGuard,
// ahead of excelize, and publishes to gate how far excelize may read. It
// checks that no row expands to more than maxRowBytes (its text, with the
// shared strings its cells show) or has more than maxRowCells cells; it
// also finds the merged ranges (excelize's GetMergeCells loads the whole
// sheet) and where the rows end. Row numbers count as excelize counts
// them: a row's r attribute, or one more than the last.
func scanSheet(ctx context.Context, zf *zip.File, sst *sharedStrings, gate *rowGate) (sc sheetScan) {
	stop := ""
	defer func() { gate.finish(stop) }()
	rc, err := zf.Open()
	if err != nil {
		stop = "its data cannot be read"
		return sc
	}
	defer rc.Close()
	d := xml.NewDecoder(newXMLGuard(bufio.NewReaderSize(rc, 64<<10)))
	var (
		stack     []string // open elements' local names
		inData    bool     // inside <sheetData>
		afterData bool     // after </sheetData>
		row       int      // the open row's number, or 0
		rowBytes  int64
		cells     int
		inCell    bool
		shared    bool   // the open cell shows a shared string
		values    int    // <v> elements in the open cell
		ref       []byte // the text of its <v>, at most 32 bytes
		refCut    bool
	)
	where := func() string {
		if row > 0 {
			return fmt.Sprintf("row %d", row)
		}
		if afterData || sc.lastRow == 0 {
			return "the sheet"
		}
		return fmt.Sprintf("after row %d, the sheet", sc.lastRow)
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			stop = "the conversion was stopped"
			return sc
		}
		tok, err := d.RawToken()
		if err != nil {
			var lerr *xmlLimitError
			switch {
			case errors.As(err, &lerr):
				stop = where() + " " + lerr.why
			case err == io.EOF:
			default:
				// Damaged XML: excelize stops at the same place, and
				// convert notices the rows it did not get.
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					var serr *xml.SyntaxError
					if !errors.As(err, &serr) {
						sc.complete = false // the archive itself is damaged
					}
				}
			}
			return sc
		}
		switch t := tok.(type) {
		case xml.StartElement:
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			name := t.Name.Local
			stack = append(stack, name)
			switch name {
			case "sheetData":
				if len(stack) != 2 || inData || afterData {
					stop = where() + " is laid out in a way spreadsheet programs never write (a misplaced <sheetData>)"
					return sc
				}
				inData = true
			case "row":
				if parent != "sheetData" || !inData {
					stop = where() + " is laid out in a way spreadsheet programs never write (a misplaced row)"
					return sc
				}
				num := rowNumber(t.Attr, sc.lastRow)
				if num <= sc.lastRow {
					stop = fmt.Sprintf("its rows are out of order after row %d", sc.lastRow)
					return sc
				}
				sc.lastRow, row, rowBytes, cells = num, num, 0, 0
				gate.publish(num)
			case "c":
				if parent != "row" {
					stop = where() + " is laid out in a way spreadsheet programs never write (a misplaced cell)"
					return sc
				}
				if cells++; cells > maxRowCells {
					stop = fmt.Sprintf("row %d has more than %d cells, Excel's limit", row, maxRowCells)
					return sc
				}
				inCell, shared, values, ref, refCut = true, cellType(t.Attr) == "s", 0, ref[:0], false
			case "v":
				if parent == "c" {
					if values++; values > 1 {
						stop = where() + " has a cell with two values"
						return sc
					}
				}
			case "mergeCell":
				if afterData && len(sc.merged) < maxMerged {
					for _, a := range t.Attr {
						if a.Name.Local == "ref" && len(a.Value) > 0 && len(a.Value) < 32 {
							sc.merged = append(sc.merged, a.Value)
						}
					}
				}
			}
		case xml.EndElement:
			// RawToken does not match end tags to start tags; excelize's
			// decoder does, and stops at a mismatch, so the element closed
			// here is the last one opened whenever excelize reads on.
			if len(stack) == 0 {
				break
			}
			name := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			switch name {
			case "c":
				if inCell && shared {
					rowBytes += sst.length(ref, refCut)
				}
				inCell = false
			case "row":
				row = 0
			case "sheetData":
				inData, afterData, sc.complete = false, true, true
				gate.endData()
			}
		case xml.CharData:
			if len(stack) > 0 && stack[len(stack)-1] == "v" && inCell {
				if len(ref)+len(t) <= 32 {
					ref = append(ref, t...)
				} else {
					refCut = true
				}
			}
			if row > 0 {
				rowBytes += int64(len(t))
			}
		}
		if row > 0 && rowBytes > maxRowBytes {
			stop = fmt.Sprintf("row %d is longer than %s as text", row, byteSize(maxRowBytes))
			return sc
		}
	}
}

// rowNumber is the number excelize gives a row element: its last r
// attribute if every r up to it is a number and it is not 0, otherwise one
// more than the last row.
func rowNumber(attrs []xml.Attr, last int) int {
	num := 0
	for _, a := range attrs {
		if a.Name.Local == "r" {
			n, err := strconv.Atoi(a.Value)
			if err != nil {
				num = 0
				break
			}
			num = n
		}
	}
	if num == 0 {
		return last + 1
	}
	return num
}

// cellType is a cell's t attribute as excelize reads it: the last one.
func cellType(attrs []xml.Attr) string {
	t := ""
	for _, a := range attrs {
		if a.Name.Local == "t" {
			t = a.Value
		}
	}
	return t
}
