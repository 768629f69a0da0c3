package content

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"github.com/airlock-project/airlock/airlock"
)

// WorkbookLimits bound what OpenWorkbook accepts and what a sheet may take.
// The zero value uses the defaults.
type WorkbookLimits struct {
	// MaxFileBytes refuses larger files (0 means 256 MB).
	MaxFileBytes int64
	// MaxEntries refuses archives with more entries (0 means 10,000).
	MaxEntries int
	// MaxUncompressedBytes refuses archives whose entries add up to more
	// (0 means 1 GB). The zip reader also refuses entries that expand beyond
	// their declared size, so the declared sizes cannot lie.
	MaxUncompressedBytes int64
	// MaxSheetBytes caps the converted text of one sheet, which is written
	// to a temporary file in TempDir (0 means 1 GB); beyond it the sheet is
	// cut, with a note.
	MaxSheetBytes int64
	// MaxSharedStrings caps the distinct texts read from the workbook's
	// shared string table, which costs 4 bytes of memory each (0 means
	// 16,000,000); cells using the others are shown empty, with a note.
	MaxSharedStrings int
	// TempDir is where converted sheets, and shared string tables larger
	// than 16 MB, are written ("" means the system default). The files are
	// unlinked as soon as they are created where the system allows it, and
	// otherwise removed on Close.
	TempDir string
}

func (l *WorkbookLimits) fill() {
	if l.MaxFileBytes <= 0 {
		l.MaxFileBytes = 256 << 20
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = 10000
	}
	if l.MaxUncompressedBytes <= 0 {
		l.MaxUncompressedBytes = 1 << 30
	}
	if l.MaxSheetBytes <= 0 {
		l.MaxSheetBytes = 1 << 30
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = 16_000_000
	}
}

// SheetInfo names one sheet of a workbook.
type SheetInfo struct {
	Name   string
	Hidden bool
}

// Workbook is an opened .xlsx file. It reads the parts it needs straight
// from the zip archive through the io.ReaderAt it was opened with, so its
// memory does not grow with the file; the reader must stay readable while
// the workbook or any sheet conversion it started is in use. It is safe for
// concurrent use; Close releases it.
type Workbook struct {
	zr      *zip.Reader
	files   map[string]*zip.File // by part name, and by lower-case name
	sheets  []SheetInfo
	parts   []string // zip part of each sheet; "" when missing
	sstPart string
	limits  WorkbookLimits

	mu     sync.Mutex
	refs   int // the caller's until Close, plus one per running conversion
	closed bool
	sst    *sharedStrings // loaded by the first sheet conversion
}

// Sheet is one sheet converted to a Table, with what the conversion found.
// The converted text is kept in a temporary file until Close.
type Sheet struct {
	Name  string
	Table *Table
	// Merged lists the merged ranges, such as "A1:C1". Their value is shown
	// in the top-left cell only, as Excel stores it. It is set when the
	// conversion has finished: always once Workbook.Sheet returns; after
	// Workbook.OpenSheet, read it only once Done is closed.
	Merged []string

	sp     *spool
	source int64 // bytes of the sheet's XML, unpacked
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	mu     sync.Mutex
	notes  []string // conversion notes besides the merged ranges
	merged int      // len(Merged) once done
	fatal  error    // the conversion failed before the first row
}

// CheckWorkbook inspects the zip central directory of an .xlsx file without
// decompressing anything. It returns an EINVALID *airlock.Error for a file
// that is not a workbook, or whose size, number of entries or total
// expanded size exceeds the limits (zip bombs).
func CheckWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) error {
	_, err := checkWorkbook(r, size, lim)
	return err
}

func checkWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) (*zip.Reader, error) {
	lim.fill()
	if size > lim.MaxFileBytes {
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook is %s, larger than the %s that can be shown.", approxSize(size), approxSize(lim.MaxFileBytes))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, airlock.Errorf(airlock.EINVALID, "This file is not a valid Excel workbook (.xlsx): it is not a readable zip archive. Password-protected workbooks cannot be shown.")
	}
	if len(zr.File) > lim.MaxEntries {
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook has %d parts, more than the %d allowed; it cannot be shown.", len(zr.File), lim.MaxEntries)
	}
	var total uint64
	var hasTypes, hasBook bool
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUncompressedBytes) {
			return nil, airlock.Errorf(airlock.EINVALID, "This workbook expands to more than %s when unpacked; it cannot be shown.", approxSize(lim.MaxUncompressedBytes))
		}
		switch f.Name {
		case "[Content_Types].xml":
			hasTypes = true
		case "xl/workbook.xml":
			hasBook = true
		}
	}
	if !hasTypes || !hasBook {
		return nil, airlock.Errorf(airlock.EINVALID, "This file is a zip archive but not an Excel workbook (.xlsx).")
	}
	return zr, nil
}

// OpenWorkbook checks the file with CheckWorkbook and reads its list of
// sheets. Nothing else is decompressed until a sheet is asked for; sheets
// are then read as a stream, never held in memory whole.
func OpenWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) (*Workbook, error) {
	lim.fill()
	zr, err := checkWorkbook(r, size, lim)
	if err != nil {
		return nil, err
	}
	w := &Workbook{zr: zr, files: make(map[string]*zip.File, 2*len(zr.File)), limits: lim, refs: 1}
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, `\`, "/")
		if _, ok := w.files[name]; !ok {
			w.files[name] = f
		}
		if lower := strings.ToLower(name); lower != name {
			if _, ok := w.files[lower]; !ok {
				w.files[lower] = f
			}
		}
	}
	var book struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if !w.decodePart("xl/workbook.xml", &book) {
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read: its list of sheets is damaged.")
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Type   string `xml:"Type,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	w.decodePart("xl/_rels/workbook.xml.rels", &rels)
	target := func(t string) string {
		t = strings.TrimPrefix(strings.ReplaceAll(t, `\`, "/"), "/")
		if !strings.HasPrefix(t, "xl/") {
			t = "xl/" + t
		}
		return path.Clean(t)
	}
	for _, r := range rels.Rels {
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			w.sstPart = target(r.Target)
		}
	}
	if w.sstPart == "" {
		w.sstPart = "xl/sharedStrings.xml"
	}
	for _, s := range book.Sheets {
		rid := ""
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "relationships") {
				rid = a.Value
			}
		}
		part := ""
		for _, r := range rels.Rels {
			if rid != "" && r.ID == rid {
				part = target(r.Target)
			}
		}
		w.sheets = append(w.sheets, SheetInfo{Name: s.Name, Hidden: s.State != "" && s.State != "visible"})
		w.parts = append(w.parts, part)
	}
	return w, nil
}

// file finds a part of the archive, ignoring case if it must.
func (w *Workbook) file(name string) *zip.File {
	if f, ok := w.files[name]; ok {
		return f
	}
	return w.files[strings.ToLower(name)]
}

// decodePart decodes a small XML part (at most 16 MB) into v.
func (w *Workbook) decodePart(name string, v any) bool {
	f := w.file(name)
	if f == nil || f.UncompressedSize64 > 16<<20 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v) == nil
}

// Sheets lists the sheets in workbook order.
func (w *Workbook) Sheets() []SheetInfo { return append([]SheetInfo(nil), w.sheets...) }

// Close releases the workbook. Conversions already started go on until
// they end, and release what they share with it then.
func (w *Workbook) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	w.release()
	return nil
}

// release drops one reference, freeing the shared strings after the last.
func (w *Workbook) release() {
	w.mu.Lock()
	w.refs--
	var sst *sharedStrings
	if w.refs == 0 {
		sst, w.sst = w.sst, nil
	}
	w.mu.Unlock()
	if sst != nil {
		sst.close()
	}
}

// Sheet converts one sheet into a Table with the same paging, sorting,
// filtering and statistics as a CSV file: its first row is the header.
// Values are the stored cell values, formulas as their cached results,
// without Excel's number formatting, so checkers see exact numbers. It
// returns once the whole sheet is converted; see OpenSheet to page a large
// sheet sooner. Returns ENOTFOUND for an unknown sheet name. Close the
// sheet to remove its temporary file.
func (w *Workbook) Sheet(ctx context.Context, name string) (*Sheet, error) {
	sh, err := w.OpenSheet(ctx, name)
	if err != nil {
		return nil, err
	}
	if err := sh.Wait(ctx); err != nil {
		sh.Close()
		return nil, err
	}
	return sh, nil
}

// OpenSheet starts converting a sheet in the background, as Sheet does,
// and returns as soon as its first rows are converted (or the conversion
// has ended). The sheet's Table can be used at once: a read beyond what is
// converted so far waits for it, so the first pages come at once while the
// statistics, sorting, filtering and the last pages wait for the whole
// sheet. ctx bounds the conversion, which goes on after OpenSheet returns
// and keeps reading the workbook's file until Done is closed; Close stops
// it. Notes about the whole sheet (merged cells, a cut) appear in pages once
// it is done.
func (w *Workbook) OpenSheet(ctx context.Context, name string) (*Sheet, error) {
	idx := -1
	for i, s := range w.sheets {
		if s.Name == name {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The workbook has no sheet named %q.", name)
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, airlock.Errorf(airlock.EINVALID, "The workbook is closed.")
	}
	w.refs++
	started := false
	defer func() {
		if !started {
			w.release()
		}
	}()
	if w.sst == nil {
		sst := loadSharedStrings(ctx, w.file(w.sstPart), w.limits)
		if err := ctx.Err(); err != nil {
			w.mu.Unlock()
			sst.close() // cut short: read it again next time
			return nil, err
		}
		w.sst = sst
	}
	sst := w.sst
	w.mu.Unlock()
	zf := w.file(w.parts[idx])
	if w.parts[idx] == "" || zf == nil {
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: its data is missing from the workbook.", name)
	}
	rc, err := zf.Open()
	if err != nil {
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, plainError(err))
	}
	sp, err := newSpool(w.limits.TempDir)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("convert sheet: %w", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	sh := &Sheet{Name: name, sp: sp, source: int64(zf.UncompressedSize64), cancel: cancel, done: make(chan struct{})}
	started = true
	go func() {
		defer close(sh.done)
		defer w.release()
		defer rc.Close()
		sh.convert(cctx, rc, sst, w.limits)
	}()
	// Wait for the first rows, so the header can be read without waiting
	// and an unreadable sheet is refused rather than shown empty.
	size, done, _ := sp.waitFor(1)
	if done {
		<-sh.done
		if err := sh.fatal; err != nil {
			sh.Close()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, err.Error())
		}
	}
	tsize := int64(1 << 62) // the spool ends the table at the converted size
	if done && size == 0 {
		tsize = 0
	}
	t, err := OpenTable(sp, tsize, TableOptions{notes: sh.tableNotes})
	if err != nil {
		sh.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("convert sheet: %w", err)
	}
	sh.Table = t
	return sh, nil
}

// SourceBytes is the size of the sheet's XML in the workbook, unpacked;
// converting the sheet takes time in proportion to it.
func (s *Sheet) SourceBytes() int64 { return s.source }

// Done is closed when the conversion has ended.
func (s *Sheet) Done() <-chan struct{} { return s.done }

// Wait waits for the conversion to end.
func (s *Sheet) Wait(ctx context.Context) error {
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the conversion if it is still running and removes the
// converted text. The Table cannot be used afterwards.
func (s *Sheet) Close() error {
	var err error
	s.once.Do(func() {
		s.cancel()
		<-s.done
		err = s.sp.Close()
	})
	return err
}

// tableNotes are the sheet's notes shown above every page.
func (s *Sheet) tableNotes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if s.merged > 0 {
		out = append(out, fmt.Sprintf("The sheet has %d merged cell ranges; each value is shown in the top-left cell of its range.", s.merged))
	}
	out = append(out, "Values are shown as stored, without Excel's number formatting; formulas show their last calculated value.")
	return append(out, s.notes...)
}

func (s *Sheet) addNote(n string) {
	s.mu.Lock()
	s.notes = append(s.notes, n)
	s.mu.Unlock()
}

// Limits of the conversion.
const (
	// maxExcelRows and maxExcelColumns are Excel's own limits; row and
	// column references beyond them are treated as damaged.
	maxExcelRows    = 1 << 20
	maxExcelColumns = 1 << 14
	// maxCellText bounds one cell's text: Excel allows 32,767 characters.
	maxCellText = 128 << 10
	// maxRowText bounds one converted row, well inside the table's
	// DefaultMaxRecordBytes.
	maxRowText = DefaultMaxRecordBytes / 2
	// publishEvery is how much converted text is buffered before readers
	// may see it.
	publishEvery = 64 << 10
	// maxMerged bounds the merged ranges reported for one sheet.
	maxMerged = 10000
	// maxXMLDepth bounds element nesting.
	maxXMLDepth = 256
)

// Elements of SpreadsheetML the conversion looks at.
const (
	elOther uint8 = iota
	elSheetData
	elRow
	elC
	elV
	elF
	elIS
	elR
	elT
	elSI
	elMergeCell
)

func elementID(local []byte) uint8 {
	switch string(local) {
	case "sheetData":
		return elSheetData
	case "row":
		return elRow
	case "c":
		return elC
	case "v":
		return elV
	case "f":
		return elF
	case "is":
		return elIS
	case "r":
		return elR
	case "t":
		return elT
	case "si":
		return elSI
	case "mergeCell":
		return elMergeCell
	}
	return elOther
}

// inRichText reports whether a <t> element with the given ancestors (the
// nearest last) holds text of the string element root (<is> or <si>): it
// must be a child of root or of one of its <r> runs, which leaves out
// phonetic runs (<rPh>), as Excel does.
func inRichText(stack []uint8, root uint8) bool {
	n := len(stack)
	return n >= 1 && stack[n-1] == root || n >= 2 && stack[n-1] == elR && stack[n-2] == root
}

// Cell types that change how a cell's value is read.
const (
	cellOther  uint8 = iota // the value as stored
	cellShared              // an index into the shared strings
	cellInline              // rich text inside the cell
)

// sheetWriter writes converted rows as CSV with every field quoted, so
// empty rows survive (encoding/csv skips blank lines) and row numbers stay
// those of the sheet.
type sheetWriter struct {
	sp       *spool
	bw       *bufio.Writer
	written  int64 // bytes given to bw
	rowStart int64
	fields   int // fields written in the current row
	width    int // fields of the header row; -1 before it
	rows     int // rows completed
}

func (sw *sheetWriter) field(val []byte) {
	if sw.fields > 0 {
		sw.bw.WriteByte(',')
		sw.written++
	}
	sw.bw.WriteByte('"')
	for {
		i := indexQuote(val)
		if i < 0 {
			break
		}
		sw.bw.Write(val[:i+1])
		sw.bw.WriteByte('"')
		sw.written += int64(i + 2)
		val = val[i+1:]
	}
	sw.bw.Write(val)
	sw.bw.WriteByte('"')
	sw.written += int64(len(val) + 2)
	sw.fields++
}

func indexQuote(b []byte) int {
	for i, c := range b {
		if c == '"' {
			return i
		}
	}
	return -1
}

// cell writes a value at a 1-based column, padding the gap before it.
// A column at or before the last one written is taken as the next.
func (sw *sheetWriter) cell(col int, val []byte) {
	for sw.fields < col-1 {
		sw.field(nil)
	}
	sw.field(val)
}

// endRow pads the row to the header's width and ends it.
func (sw *sheetWriter) endRow() {
	n := sw.fields
	for sw.fields < max(sw.width, 1) {
		sw.field(nil)
	}
	sw.bw.WriteByte('\n')
	sw.written++
	if sw.width < 0 {
		sw.width = n
	}
	sw.fields = 0
	sw.rows++
	sw.rowStart = sw.written
}

// commit publishes every complete row.
func (sw *sheetWriter) commit() error {
	if err := sw.bw.Flush(); err != nil {
		return err
	}
	sw.sp.publish(sw.rowStart)
	return nil
}

// convert reads the sheet's XML and writes its rows into the spool, then
// records the merged ranges and notes and finishes the spool.
func (s *Sheet) convert(ctx context.Context, r io.Reader, sst *sharedStrings, lim WorkbookLimits) {
	sw := &sheetWriter{sp: s.sp, bw: bufio.NewWriterSize(s.sp.f, 2*publishEvery), width: -1}
	var merged []string
	var note string
	var werr error // a write error or cancellation: readers see it
	defer func() {
		if p := recover(); p != nil {
			note, werr = "", nil
			s.setFatalOrNote(sw.rows, errors.New("its data could not be read"))
		}
		if werr == nil {
			werr = sw.commit()
		}
		if note != "" {
			s.addNote(note)
		}
		s.mu.Lock()
		s.Merged = merged
		s.merged = len(merged)
		s.mu.Unlock()
		if werr != nil && s.fatal == nil && sw.rowStart == 0 {
			s.fatal = werr
		}
		s.sp.finish(werr)
	}()

	if sst.note != "" {
		s.addNote(sst.note)
	}
	strs := sst.reader()
	sc := newXMLScanner(r, maxCellText)
	stack := make([]uint8, 0, 16)
	var (
		inRows    bool  // between <sheetData> and </sheetData>
		rowOpen   bool  // inside <row>
		cellOpen  bool  // inside <c>
		col       int   // column of the current or last cell
		ctype     uint8 // the type (t attribute) of the current cell
		v, inline []byte
		sawF      bool
		sawIS     bool
		cutSST    bool
	)
	var endRow func() bool
	// startRow starts a row, after empty rows for any gap in the row
	// numbers; it reports false if the conversion must stop.
	startRow := func() bool {
		if ref, ok := sc.attr("r"); ok {
			if n, ok := parseUint(ref); ok && n <= maxExcelRows {
				for sw.rows+1 < n {
					if !endRow() {
						return false
					}
				}
			}
		}
		rowOpen, col = true, 0
		return true
	}
	startCell := func() {
		cellOpen, sawF, sawIS = true, false, false
		v, inline = v[:0], inline[:0]
		ctype = cellOther
		if t, ok := sc.attr("t"); ok {
			switch string(t) {
			case "s":
				ctype = cellShared
			case "inlineStr":
				ctype = cellInline
			}
		}
		next := col + 1
		if ref, ok := sc.attr("r"); ok {
			if c, ok := columnOf(ref); ok {
				next = c
			}
		}
		col = next
	}
	// endCell writes the current cell; it reports false if the conversion
	// must stop.
	endCell := func() bool {
		cellOpen = false
		val := v
		switch ctype {
		case cellShared:
			if i, ok := parseUint(trimSpace(v)); ok {
				if sv, ok := strs.get(i); ok {
					val = sv
				} else if i < sst.seen {
					val, cutSST = nil, true
				}
			}
		case cellInline:
			if sawIS {
				val = decodeExcelEscapes(inline)
			}
		}
		if (len(val) > 0 || sawF) && col <= maxExcelColumns {
			sw.cell(col, val)
		}
		if sw.written-sw.rowStart > maxRowText {
			note = fmt.Sprintf("Row %d of the sheet is longer than %s as text; the sheet is shown up to the row before it.", sw.rows+1, byteSize(maxRowText))
			return false
		}
		return true
	}
	// endRow ends the current row (or writes an empty one); it reports
	// false if the conversion must stop.
	endRow = func() bool {
		rowOpen = false
		if sw.written-sw.rowStart > maxRowText {
			note = fmt.Sprintf("Row %d of the sheet is longer than %s as text; the sheet is shown up to the row before it.", sw.rows+1, byteSize(maxRowText))
			return false
		}
		sw.endRow()
		if sw.rowStart > lim.MaxSheetBytes {
			note = fmt.Sprintf("The sheet is larger than %s as text; only its first %d rows are shown.", approxSize(lim.MaxSheetBytes), sw.rows)
			return false
		}
		if sw.bw.Buffered() >= publishEvery {
			if werr = sw.commit(); werr != nil {
				return false
			}
		}
		if sw.rows%1024 == 0 {
			if werr = ctx.Err(); werr != nil {
				return false
			}
		}
		return true
	}

	for {
		if err := ctx.Err(); err != nil {
			werr = err
			return
		}
		n := len(stack)
		wantText := n >= 2 && cellOpen && (stack[n-1] == elV && stack[n-2] == elC || stack[n-1] == elT && inRichText(stack[:n-1], elIS))
		tok, err := sc.next(wantText)
		if err != nil {
			s.setFatalOrNote(sw.rows, errDamaged(err))
			return
		}
		switch tok {
		case xmlEOF:
			if rowOpen || inRows {
				s.setFatalOrNote(sw.rows, errors.New("its data ends too early"))
			}
			if sc.textCut {
				s.addNote(fmt.Sprintf("Some cells are longer than %s and are cut short.", byteSize(maxCellText)))
			}
			if cutSST {
				s.addNote(fmt.Sprintf("The workbook has more than %d distinct texts; cells using the others are shown empty.", lim.MaxSharedStrings))
			}
			return
		case xmlText:
			if stack[n-1] == elV {
				v = appendCapped(v, sc.text, maxCellText)
			} else {
				inline = appendCapped(inline, sc.text, maxCellText)
			}
		case xmlStart:
			id := elementID(sc.local)
			parent := elOther
			if n > 0 {
				parent = stack[n-1]
			}
			switch {
			case id == elSheetData && n == 1:
				inRows = true
			case id == elRow && inRows && parent == elSheetData:
				if !startRow() {
					return
				}
			case id == elC && rowOpen && parent == elRow:
				startCell()
			case id == elF && cellOpen && parent == elC:
				sawF = true
			case id == elIS && cellOpen && parent == elC:
				sawIS = true
			case id == elMergeCell && !inRows && len(merged) < maxMerged:
				if ref, ok := sc.attr("ref"); ok && len(ref) > 0 && len(ref) < 32 {
					merged = append(merged, string(ref))
				}
			}
			if sc.selfClose {
				switch {
				case id == elC && cellOpen && parent == elRow:
					if !endCell() {
						return
					}
				case id == elRow && rowOpen && parent == elSheetData:
					if !endRow() {
						return
					}
				case id == elSheetData && inRows:
					inRows = false
				}
				continue
			}
			if n >= maxXMLDepth {
				s.setFatalOrNote(sw.rows, errors.New("its XML is nested too deeply"))
				return
			}
			stack = append(stack, id)
		case xmlEnd:
			if n == 0 {
				continue
			}
			id := stack[n-1]
			stack = stack[:n-1]
			parent := elOther
			if n > 1 {
				parent = stack[n-2]
			}
			switch {
			case id == elC && cellOpen && parent == elRow:
				if !endCell() {
					return
				}
			case id == elRow && rowOpen && parent == elSheetData:
				if !endRow() {
					return
				}
			case id == elSheetData && inRows && n == 2:
				inRows = false
			}
		}
	}
}

// setFatalOrNote records why the conversion stopped: the sheet cannot be
// shown at all if no row was converted, otherwise the rows so far are
// shown with a note.
func (s *Sheet) setFatalOrNote(rows int, err error) {
	if rows == 0 {
		s.mu.Lock()
		s.fatal = err
		s.mu.Unlock()
		return
	}
	s.addNote(fmt.Sprintf("The sheet could not be read after row %d (%s); only the rows before it are shown.", rows, err.Error()))
}

// errDamaged words a read error of a sheet for a person.
func errDamaged(err error) error {
	switch {
	case errors.Is(err, errXMLDamaged):
		return errors.New("its XML is damaged")
	case errors.Is(err, zip.ErrChecksum), errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("the file is damaged")
	}
	return errors.New("the file is damaged: " + plainError(err))
}

func appendCapped(dst, b []byte, limit int) []byte {
	if room := limit - len(dst); len(b) > room {
		b = b[:max(room, 0)]
	}
	return append(dst, b...)
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isXMLSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// parseUint parses a small decimal number.
func parseUint(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// columnOf returns the 1-based column of a cell reference such as "AB12",
// ignoring "$" signs.
func columnOf(ref []byte) (int, bool) {
	col, i := 0, 0
	if i < len(ref) && ref[i] == '$' {
		i++
	}
	start := i
	for ; i < len(ref); i++ {
		c := ref[i] | 0x20 // lower case
		if c < 'a' || c > 'z' {
			break
		}
		col = col*26 + int(c-'a'+1)
		if col > maxExcelColumns {
			return 0, false
		}
	}
	if i == start {
		return 0, false
	}
	return col, true
}

// plainError turns a library error into something short enough to show.
func plainError(err error) string {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func approxSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
