package content

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
	"github.com/xuri/excelize/v2"
)

// WorkbookLimits bound what OpenWorkbook accepts and what a sheet may take.
// The zero value uses the defaults.
type WorkbookLimits struct {
	// MaxFileBytes refuses larger files (0 means 256 MB). An open workbook
	// holds its file in memory.
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
	// TempDir is where converted sheets are written, and where excelize
	// unpacks parts of the workbook larger than 16 MB ("" means the system
	// default). Converted sheets are unlinked as soon as they are created
	// where the system allows it, and otherwise removed on Close; excelize's
	// files are removed when the workbook and its conversions are closed.
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
}

// unzipXMLBytes is the size beyond which excelize unpacks a part of the
// workbook to a file in TempDir instead of keeping it in memory.
const unzipXMLBytes = 16 << 20

// SheetInfo names one sheet of a workbook.
type SheetInfo struct {
	Name   string
	Hidden bool
}

// Workbook is an opened .xlsx file, read with excelize. It holds the file
// in memory, and its parts up to 16 MB unpacked (larger ones are unpacked
// to TempDir); sheets are read with excelize's streaming row iterator. It
// is safe for concurrent use; Close releases it once the conversions it
// started have ended.
type Workbook struct {
	f      *excelize.File
	files  map[string]*zip.File // by part name, and by lower-case name
	sheets []SheetInfo
	parts  []string // zip part of each sheet; "" when missing
	limits WorkbookLimits

	mu     sync.Mutex
	refs   int // the caller's until Close, plus one per running conversion
	closed bool
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

// checkWorkbook inspects the zip central directory of an .xlsx file without
// decompressing anything. It returns an EINVALID *airlock.Error for a file
// that is not a workbook, or whose size, number of entries or total
// expanded size exceeds the limits (zip bombs).
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

// OpenWorkbook checks the file with checkWorkbook, then opens it with
// excelize, which reads the whole file into memory and unpacks its parts
// (those over 16 MB to TempDir). Sheets are converted when asked for, with
// excelize's streaming row iterator.
func OpenWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) (wb *Workbook, err error) {
	lim.fill()
	zr, err := checkWorkbook(r, size, lim)
	if err != nil {
		return nil, err
	}
	w := &Workbook{files: make(map[string]*zip.File, 2*len(zr.File)), limits: lim, refs: 1}
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
	parts, ok := w.sheetParts()
	if !ok {
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read: its list of sheets is damaged.")
	}
	defer func() {
		// excelize parses untrusted XML; never let a fault there take the
		// server down.
		if p := recover(); p != nil {
			if w.f != nil {
				_ = w.f.Close()
			}
			wb, err = nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read: it is damaged.")
		}
	}()
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    lim.MaxUncompressedBytes,
		UnzipXMLSizeLimit: min(unzipXMLBytes, lim.MaxUncompressedBytes),
		TmpDir:            lim.TempDir,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read: %s.", plainError(err))
	}
	w.f = f
	for _, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		w.sheets = append(w.sheets, SheetInfo{Name: name, Hidden: err == nil && !visible})
		w.parts = append(w.parts, parts[name])
	}
	return w, nil
}

// sheetParts maps each sheet's name to its part in the archive through
// workbook.xml and its relationships, for the merged ranges and the size
// of a sheet. It reports false if the list of sheets cannot be read.
func (w *Workbook) sheetParts() (map[string]string, bool) {
	var book struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if !w.decodePart("xl/workbook.xml", &book) {
		return nil, false
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	w.decodePart("xl/_rels/workbook.xml.rels", &rels)
	parts := make(map[string]string, len(book.Sheets))
	for _, s := range book.Sheets {
		rid := ""
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "relationships") {
				rid = a.Value
			}
		}
		for _, r := range rels.Rels {
			if rid != "" && r.ID == rid {
				t := strings.TrimPrefix(strings.ReplaceAll(r.Target, `\`, "/"), "/")
				if !strings.HasPrefix(t, "xl/") {
					t = "xl/" + t
				}
				parts[s.Name] = path.Clean(t)
			}
		}
	}
	return parts, true
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
// they end, and release the workbook then.
func (w *Workbook) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	return w.release()
}

// release drops one reference, closing excelize's file (and removing its
// temporary files) after the last.
func (w *Workbook) release() error {
	w.mu.Lock()
	w.refs--
	last := w.refs == 0
	w.mu.Unlock()
	if last {
		return w.f.Close()
	}
	return nil
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
// and keeps the workbook open until Done is closed; Close stops it. Notes
// about the whole sheet (merged cells, a cut) appear in pages once it is
// done.
func (w *Workbook) OpenSheet(ctx context.Context, name string) (sh *Sheet, err error) {
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
	zf := w.file(w.parts[idx])
	if w.parts[idx] == "" || zf == nil {
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: its data is missing from the workbook.", name)
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, airlock.Errorf(airlock.EINVALID, "The workbook is closed.")
	}
	w.refs++
	w.mu.Unlock()
	started := false
	defer func() {
		if p := recover(); p != nil {
			sh, err = nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: its data is damaged.", name)
		}
		if !started {
			w.release()
		}
	}()
	rows, err := w.f.Rows(name)
	if err != nil {
		if rows != nil {
			rows.Close()
		}
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, plainError(err))
	}
	sp, err := newSpool(w.limits.TempDir)
	if err != nil {
		rows.Close()
		return nil, fmt.Errorf("convert sheet: %w", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	sh = &Sheet{Name: name, sp: sp, source: int64(zf.UncompressedSize64), cancel: cancel, done: make(chan struct{})}
	started = true
	go func() {
		defer close(sh.done)
		defer w.release()
		defer rows.Close()
		sh.convert(cctx, rows, zf, w.limits)
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
	// maxExcelRows is Excel's own limit; a sheet numbering its rows beyond
	// it is cut there.
	maxExcelRows = 1 << 20
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
)

// sheetWriter writes converted rows as CSV with every field quoted, so
// empty rows survive (encoding/csv skips blank lines) and row numbers stay
// those of the sheet.
type sheetWriter struct {
	sp        *spool
	bw        *bufio.Writer
	written   int64 // bytes given to bw
	rowStart  int64 // where the current row starts: the end of the last
	prevStart int64 // where the last completed row starts
	fields    int   // fields written in the current row
	width     int   // fields of the header row; -1 before it
	rows      int   // rows completed
}

func (sw *sheetWriter) field(val string) {
	if sw.fields > 0 {
		sw.bw.WriteByte(',')
		sw.written++
	}
	sw.bw.WriteByte('"')
	sw.written++
	for {
		i := strings.IndexByte(val, '"')
		if i < 0 {
			break
		}
		sw.bw.WriteString(val[:i+1])
		sw.bw.WriteByte('"')
		sw.written += int64(i + 2)
		val = val[i+1:]
	}
	sw.bw.WriteString(val)
	sw.bw.WriteByte('"')
	sw.written += int64(len(val) + 1)
	sw.fields++
}

// endRow pads the row to the header's width and ends it.
func (sw *sheetWriter) endRow() {
	n := sw.fields
	for sw.fields < max(sw.width, 1) {
		sw.field("")
	}
	sw.bw.WriteByte('\n')
	sw.written++
	if sw.width < 0 {
		sw.width = n
	}
	sw.fields = 0
	sw.rows++
	sw.prevStart, sw.rowStart = sw.rowStart, sw.written
}

// commit writes out what is buffered and publishes the rows up to end.
func (sw *sheetWriter) commit(end int64) error {
	if err := sw.bw.Flush(); err != nil {
		return err
	}
	sw.sp.publish(end)
	return nil
}

// convert reads the sheet's rows with excelize's iterator and writes them
// into the spool; meanwhile the sheet's XML is scanned for its merged
// ranges and its last row. It then records those and the notes and
// finishes the spool.
//
// excelize stops its iterator without an error where the sheet's XML is
// damaged, and the last row it returns may then be incomplete. The scan
// finds such a sheet (its rows go on beyond the iterator's last row, or it
// does not end), and the row is then dropped. Until the end, readers
// therefore see every row but the last one read.
func (s *Sheet) convert(ctx context.Context, rows *excelize.Rows, zf *zip.File, lim WorkbookLimits) {
	sw := &sheetWriter{sp: s.sp, bw: bufio.NewWriterSize(s.sp.f, 2*publishEvery), width: -1}
	scanned := make(chan sheetScan, 1)
	go func() { scanned <- scanSheet(ctx, zf) }()
	var (
		note    string
		werr    error // a write error or cancellation: readers see it
		stopped bool  // the rows were cut short on purpose
		cellCut bool
	)
	defer func() {
		if p := recover(); p != nil {
			note, werr, stopped = "", nil, true
			s.setFatalOrNote(sw.rows, errors.New("its data could not be read"))
		}
		scan := <-scanned
		end := sw.rowStart
		if werr == nil && !stopped && ctx.Err() == nil && (scan.lastRow > sw.rows || !scan.complete && sw.rows > 0) {
			end = sw.prevStart
			sw.rows = max(sw.rows-1, 0)
			s.setFatalOrNote(sw.rows, errors.New("its data is damaged"))
		}
		if werr == nil {
			werr = sw.commit(end)
		}
		if note != "" {
			s.addNote(note)
		}
		if cellCut {
			s.addNote(fmt.Sprintf("Some cells are longer than %s and are cut short.", byteSize(maxCellText)))
		}
		s.mu.Lock()
		s.Merged = scan.merged
		s.merged = len(scan.merged)
		if werr != nil && s.fatal == nil && end == 0 {
			s.fatal = werr
		}
		s.mu.Unlock()
		s.sp.finish(werr)
	}()

	for rows.Next() {
		if sw.rows%64 == 0 {
			if werr = ctx.Err(); werr != nil {
				return
			}
		}
		if sw.rows >= maxExcelRows {
			note = fmt.Sprintf("The sheet numbers its rows beyond Excel's limit of %d; only the rows up to it are shown.", maxExcelRows)
			stopped = true
			return
		}
		cells, err := rows.Columns()
		if err != nil {
			s.setFatalOrNote(sw.rows, errors.New("its data is damaged: "+plainError(err)))
			stopped = true
			return
		}
		for _, c := range cells {
			if len(c) > maxCellText {
				c, cellCut = cutText(c, maxCellText), true
			}
			sw.field(c)
			if sw.written-sw.rowStart > maxRowText {
				break
			}
		}
		if sw.written-sw.rowStart > maxRowText {
			note = fmt.Sprintf("Row %d of the sheet is longer than %s as text; the sheet is shown up to the row before it.", sw.rows+1, byteSize(maxRowText))
			stopped = true
			return
		}
		sw.endRow()
		if sw.rowStart > lim.MaxSheetBytes {
			note = fmt.Sprintf("The sheet is larger than %s as text; only its first %d rows are shown.", approxSize(lim.MaxSheetBytes), sw.rows)
			stopped = true
			return
		}
		if sw.bw.Buffered() >= publishEvery {
			if werr = sw.commit(sw.prevStart); werr != nil {
				return
			}
		}
	}
	if err := rows.Error(); err != nil {
		s.setFatalOrNote(sw.rows, errors.New("its data is damaged: "+plainError(err)))
		stopped = true
	}
}

// cutText cuts s to at most n bytes, at the start of a character.
func cutText(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// sheetScan is what scanSheet finds in a sheet's XML.
type sheetScan struct {
	merged   []string
	lastRow  int  // the number of the last row element
	complete bool // the rows end with </sheetData>, and the XML could be read
}

// scanSheet reads a sheet's XML as a stream of bytes, without parsing it,
// for its merged ranges (excelize's GetMergeCells loads the whole sheet)
// and for where its rows end. Row numbers count as excelize counts them:
// a row's r attribute, or one more than the last.
func scanSheet(ctx context.Context, zf *zip.File) (sc sheetScan) {
	rc, err := zf.Open()
	if err != nil {
		return sc
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	inRows := true
	// tag reads the rest of the current tag; it may be cut short if the
	// tag is very long.
	tag := func() ([]byte, bool) {
		t, err := br.ReadSlice('>')
		return t, err == nil || errors.Is(err, bufio.ErrBufferFull)
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return sc
		}
		if _, err := br.ReadSlice('<'); err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if err != io.EOF {
				sc.complete = false // the archive is damaged
			}
			return sc
		}
		head, _ := br.Peek(64)
		closing := len(head) > 0 && head[0] == '/'
		if closing {
			head = head[1:]
		}
		name := head
		if i := bytes.IndexAny(name, " \t\r\n/>"); i >= 0 {
			name = name[:i]
		}
		if i := bytes.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		switch {
		case !inRows:
			if !closing && string(name) == "mergeCell" && len(sc.merged) < maxMerged {
				t, ok := tag()
				if !ok {
					return sc
				}
				if v, ok := attrValue(t, "ref"); ok && len(v) > 0 && len(v) < 32 {
					sc.merged = append(sc.merged, string(v))
				}
			}
		case string(name) == "sheetData":
			if closing {
				inRows, sc.complete = false, true
			} else if t, ok := tag(); !ok {
				return sc
			} else if bytes.HasSuffix(t, []byte("/>")) {
				inRows, sc.complete = false, true
			}
		case !closing && string(name) == "row":
			t, ok := tag()
			if !ok {
				return sc
			}
			if r, ok := attrInt(t, "r"); ok && r != 0 {
				sc.lastRow = r
			} else {
				sc.lastRow++
			}
		}
	}
}

// attrValue finds the value of attribute name in a start tag.
func attrValue(tag []byte, name string) ([]byte, bool) {
	for i := 0; ; {
		j := bytes.Index(tag[i:], []byte(name+"="))
		if j < 0 {
			return nil, false
		}
		j += i
		i = j + len(name) + 1
		if j > 0 && !isSpace(tag[j-1]) || i >= len(tag) {
			continue
		}
		q := tag[i]
		if q != '"' && q != '\'' {
			continue
		}
		end := bytes.IndexByte(tag[i+1:], q)
		if end < 0 {
			return nil, false
		}
		return tag[i+1 : i+1+end], true
	}
}

func attrInt(tag []byte, name string) (int, bool) {
	v, ok := attrValue(tag, name)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

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
