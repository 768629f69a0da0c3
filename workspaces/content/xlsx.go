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
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/airlock-project/airlock/airlock"
	"github.com/xuri/excelize/v2"
)

// WorkbookLimits bound what OpenWorkbook accepts and what a sheet may take.
// The zero value uses the defaults. Besides these, every XML part is read
// through a guard that refuses any piece of text or markup over 1 MB and
// elements nested over 64 deep, and excelize is never handed a byte that
// has not been checked, so that memory is bounded by what is shown, not by
// what a file claims or expands to.
type WorkbookLimits struct {
	// MaxFileBytes refuses larger files (0 means 256 MB). The file is read
	// in place; only the parts of the sheet being shown are held.
	MaxFileBytes int64
	// MaxEntries refuses archives with more entries (0 means 10,000).
	MaxEntries int
	// MaxUncompressedBytes refuses archives whose entries add up to more
	// (0 means 1 GB). The zip reader also refuses entries that expand beyond
	// their declared size, so the declared sizes cannot lie.
	MaxUncompressedBytes int64
	// MaxSheets refuses workbooks with more sheets (0 means 1,000).
	MaxSheets int
	// MaxSharedStrings refuses workbooks whose shared string table holds
	// more strings (0 means 1,048,576, one per row Excel allows). Each
	// takes about 64 bytes of memory while a sheet is read.
	MaxSharedStrings int
	// MaxSharedStringBytes refuses workbooks whose shared strings add up to
	// more text (0 means 128 MB). It is checked, with each string's length
	// (at most 1 MB), before excelize expands any of them.
	MaxSharedStringBytes int64
	// MaxReadBytes refuses to read a sheet whose parts (the sheet, the
	// shared strings and the workbook's list of sheets) take more, as
	// stored in the file (0 means 64 MB): excelize holds them in memory
	// while it opens them.
	MaxReadBytes int64
	// MaxCells cuts a sheet after the row at which it passes this many
	// cells, counting every row as wide as it is written, padded to the
	// header (0 means 50,000,000).
	MaxCells int64
	// MaxSheetBytes caps the converted text of one sheet, which is written
	// to a temporary file in TempDir (0 means 1 GB); beyond it the sheet is
	// cut, with a note.
	MaxSheetBytes int64
	// TempDir is where converted sheets are written, and where excelize
	// unpacks parts of the workbook larger than 1 MB ("" means the system
	// default). Converted sheets are unlinked as soon as they are created
	// where the system allows it, and otherwise removed on Close; excelize's
	// files are removed when its conversion ends.
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
	if l.MaxSheets <= 0 {
		l.MaxSheets = 1000
	}
	if l.MaxSharedStrings <= 0 {
		l.MaxSharedStrings = maxExcelRows
	}
	if l.MaxSharedStringBytes <= 0 {
		l.MaxSharedStringBytes = 128 << 20
	}
	if l.MaxReadBytes <= 0 {
		l.MaxReadBytes = 64 << 20
	}
	if l.MaxCells <= 0 {
		l.MaxCells = 50_000_000
	}
	if l.MaxSheetBytes <= 0 {
		l.MaxSheetBytes = 1 << 30
	}
}

const (
	// unzipXMLBytes is the size beyond which excelize unpacks a sheet or
	// the shared strings to a file in TempDir instead of keeping them in
	// memory, where it decodes the shared strings whole.
	unzipXMLBytes = 1 << 20
	// maxSmallPart bounds the parts excelize decodes whole: the content
	// types, the package's relationships, the workbook and its
	// relationships.
	maxSmallPart = 4 << 20
	// maxHeldSheetPart bounds a sheet that excelize would keep in memory
	// whole, because its name is not one it unpacks to a file.
	maxHeldSheetPart = 16 << 20
)

// SheetInfo names one sheet of a workbook.
type SheetInfo struct {
	Name   string
	Hidden bool
}

// Workbook is an opened .xlsx file. Opening it reads its list of sheets and
// checks its shared string table; each sheet is read when asked for, by
// excelize's streaming row iterator over an archive holding only the parts
// that sheet needs, each checked first. The file is read in place, through
// the io.ReaderAt given to OpenWorkbook, which must stay open until the
// sheets' conversions have ended. It is safe for concurrent use.
type Workbook struct {
	files  map[string]*zip.File // by part name, and by lower-case name
	sheets []SheetInfo
	parts  []string // zip part of each sheet; "" when missing
	common []*zip.File
	sst    *sharedStrings // nil when the workbook has none
	limits WorkbookLimits

	mu     sync.Mutex
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

// OpenWorkbook checks the file with checkWorkbook, reads its list of sheets
// and checks its shared string table (the number of strings, their total
// length and each one's length), without expanding any of it into memory.
// It returns an EINVALID *airlock.Error, with a reason for a person, for a
// file that is damaged or exceeds a limit.
func OpenWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) (*Workbook, error) {
	lim.fill()
	zr, err := checkWorkbook(r, size, lim)
	if err != nil {
		return nil, err
	}
	w := &Workbook{files: make(map[string]*zip.File, 2*len(zr.File)), limits: lim}
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
	// The parts excelize reads for every sheet, besides the sheet itself.
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"} {
		f := w.file(name)
		if f == nil {
			continue
		}
		if f.UncompressedSize64 > maxSmallPart {
			return nil, airlock.Errorf(airlock.EINVALID, "This workbook cannot be shown: its part %s is %s, more than the %s a workbook needs.", name, approxSize(int64(f.UncompressedSize64)), approxSize(maxSmallPart))
		}
		w.common = append(w.common, f)
	}
	if err := w.readSheetList(); err != nil {
		return nil, err
	}
	if f := w.file("xl/sharedStrings.xml"); f != nil {
		if w.sst, err = scanSharedStrings(f, lim); err != nil {
			return nil, err
		}
		w.common = append(w.common, f)
	}
	return w, nil
}

// readSheetList reads the sheets' names, whether they are hidden (as
// excelize's GetSheetList and GetSheetVisible would) and their parts in the
// archive, through workbook.xml and its relationships.
func (w *Workbook) readSheetList() error {
	var book struct {
		Sheets []struct {
			Name  string     `xml:"name,attr"`
			State string     `xml:"state,attr"`
			Attrs []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := w.decodePart("xl/workbook.xml", &book); err != nil {
		return airlock.Errorf(airlock.EINVALID, "This workbook could not be read: its list of sheets is damaged (%s).", plainError(err))
	}
	if len(book.Sheets) > w.limits.MaxSheets {
		return airlock.Errorf(airlock.EINVALID, "This workbook has %d sheets, more than the %d that can be shown.", len(book.Sheets), w.limits.MaxSheets)
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	_ = w.decodePart("xl/_rels/workbook.xml.rels", &rels) // without it, no sheet can be read
	target := make(map[string]string, len(rels.Rels))
	for _, r := range rels.Rels {
		if _, ok := target[r.ID]; !ok {
			target[r.ID] = r.Target
		}
	}
	for _, s := range book.Sheets {
		rid := ""
		for _, a := range s.Attrs {
			if a.Name.Local == "id" && strings.HasSuffix(a.Name.Space, "relationships") {
				rid = a.Value
			}
		}
		part := ""
		if t, ok := target[rid]; ok && rid != "" {
			t = strings.TrimPrefix(strings.ReplaceAll(t, `\`, "/"), "/")
			if !strings.HasPrefix(t, "xl/") {
				t = "xl/" + t
			}
			part = path.Clean(t)
		}
		w.sheets = append(w.sheets, SheetInfo{Name: s.Name, Hidden: s.State != "" && s.State != "visible"})
		w.parts = append(w.parts, part)
	}
	return nil
}

// file finds a part of the archive, ignoring case if it must.
func (w *Workbook) file(name string) *zip.File {
	if f, ok := w.files[name]; ok {
		return f
	}
	return w.files[strings.ToLower(name)]
}

// decodePart decodes a small XML part (at most maxSmallPart) into v.
func (w *Workbook) decodePart(name string, v any) error {
	f := w.file(name)
	if f == nil {
		return errors.New("it is missing")
	}
	if f.UncompressedSize64 > maxSmallPart {
		return errors.New("it is too large")
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(newXMLGuard(io.LimitReader(rc, maxSmallPart))).Decode(v)
}

// Sheets lists the sheets in workbook order.
func (w *Workbook) Sheets() []SheetInfo { return append([]SheetInfo(nil), w.sheets...) }

// Close releases the workbook: no sheet can be opened afterwards.
// Conversions already started go on until they end.
func (w *Workbook) Close() error {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
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
	closed := w.closed
	w.mu.Unlock()
	if closed {
		return nil, airlock.Errorf(airlock.EINVALID, "The workbook is closed.")
	}
	// The scan of the sheet runs ahead of excelize from the start (see
	// convert); a sheet whose first row cannot be read is refused before
	// excelize unpacks any of it.
	cctx, cancel := context.WithCancel(ctx)
	gate := &rowGate{}
	scanned := make(chan sheetScan, 1)
	go func() { scanned <- scanSheet(cctx, zf, w.sst, gate) }()
	var (
		f       *excelize.File
		held    int64
		started bool // the conversion owns the scan, f and held
	)
	defer func() {
		if p := recover(); p != nil {
			sh, err = nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: its data is damaged.", name)
		}
		if !started {
			cancel()
			<-scanned
			if f != nil {
				_ = f.Close()
				decodeMemory.release(held)
			}
		}
	}()
	if !gate.allow(cctx, 1) {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		why, _ := gate.reason()
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, why)
	}
	if f, held, err = w.openExcelize(ctx, name, zf); err != nil {
		return nil, err
	}
	rows, err := f.Rows(name)
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
	sh = &Sheet{Name: name, sp: sp, source: int64(zf.UncompressedSize64), cancel: cancel, done: make(chan struct{})}
	started = true
	go func() {
		defer close(sh.done)
		defer decodeMemory.release(held)
		defer f.Close() // removes excelize's temporary files
		defer rows.Close()
		sh.convert(cctx, rows, gate, scanned, w.limits)
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

// openExcelize opens the sheet with excelize, from an archive that holds
// only the parts excelize reads for it: the content types, the package's
// relationships, the workbook, its relationships, the shared strings (checked by OpenWorkbook) and the
// sheet (checked row by row as it is read, see convert). Whatever else the
// file holds, excelize never sees it, so it never reads a part that was not
// checked, nor holds the rest of the file. It waits for its share of
// decodeMemory and returns how much it holds, to release when the sheet's
// conversion ends.
func (w *Workbook) openExcelize(ctx context.Context, name string, sheet *zip.File) (f *excelize.File, held int64, err error) {
	parts := append(append([]*zip.File(nil), w.common...), sheet)
	var stored, inMemory int64
	for _, p := range parts {
		stored += int64(p.CompressedSize64) + int64(len(p.Name)) + 128
		size := int64(p.UncompressedSize64)
		lower := strings.ToLower(p.Name)
		switch {
		case size > unzipXMLBytes && (lower == "xl/sharedstrings.xml" || strings.HasPrefix(lower, "xl/worksheets/sheet")):
			// unpacked to a file in TempDir
		case p == sheet && size > maxHeldSheetPart:
			return nil, 0, airlock.Errorf(airlock.EINVALID, "Sheet %q cannot be shown: it is stored under a name (%s) that makes excelize read all %s of it into memory.", name, p.Name, approxSize(size))
		default:
			inMemory += size
		}
	}
	if stored > w.limits.MaxReadBytes {
		return nil, 0, airlock.Errorf(airlock.EINVALID, "Sheet %q cannot be shown: with the shared strings it takes %s in the file, more than the %s that can be read for a preview. Save the sheet as CSV to view it.", name, approxSize(stored), approxSize(w.limits.MaxReadBytes))
	}
	// Opening holds the archive twice over while it is read; reading the
	// rows holds the small parts, the shared strings' offsets and a row.
	reading := inMemory + 2*maxRowBytes + 4<<20
	if w.sst != nil {
		reading += 64 * int64(len(w.sst.lens))
	}
	opening := 2 * stored
	if err := decodeMemory.acquire(ctx, opening+reading); err != nil {
		return nil, 0, err
	}
	defer decodeMemory.release(opening)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeParts(pw, parts)) }()
	defer pr.Close() // unblocks the writer if excelize stops early
	defer func() {
		// excelize parses untrusted XML; never let a fault there take the
		// server down.
		if p := recover(); p != nil {
			f, err = nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: the workbook is damaged.", name)
		}
		if err != nil {
			decodeMemory.release(reading)
		}
	}()
	f, err = excelize.OpenReader(pr, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    w.limits.MaxUncompressedBytes,
		UnzipXMLSizeLimit: min(unzipXMLBytes, w.limits.MaxUncompressedBytes),
		TmpDir:            w.limits.TempDir,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, 0, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, plainError(err))
	}
	return f, reading, nil
}

// writeParts writes a zip archive of parts, copying their stored bytes
// without decompressing them.
func writeParts(w io.Writer, parts []*zip.File) error {
	zw := zip.NewWriter(w)
	for _, p := range parts {
		hdr := p.FileHeader
		dst, err := zw.CreateRaw(&hdr)
		if err != nil {
			return err
		}
		src, err := p.OpenRaw()
		if err != nil {
			return err
		}
		if _, err := io.Copy(dst, src); err != nil {
			return err
		}
	}
	return zw.Close()
}

// SourceBytes is the size of the sheet's XML in the workbook, unpacked;
// converting the sheet takes time in proportion to it.
func (s *Sheet) SourceBytes() int64 { return s.source }

// TextBytes is the size of the sheet converted so far, as CSV text; the
// table's statistics take time in proportion to it once it is done.
func (s *Sheet) TextBytes() int64 {
	size, _, _ := s.sp.state()
	return size
}

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
	cells     int64 // fields written
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
	sw.cells++
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
// into the spool, while scanSheet (started by OpenSheet, reporting to gate
// and then on scanned) reads the sheet's XML ahead of it: each
// row is asked of excelize only once the scan has checked what excelize
// reads for it (see rowGate), and the scan finds the merged ranges and the
// last row. It then records those and the notes and finishes the spool.
//
// excelize stops its iterator without an error where the sheet's XML is
// damaged, and the last row it returns may then be incomplete. The scan
// finds such a sheet (its rows go on beyond the iterator's last row, or it
// does not end), and the row is then dropped. Until the end, readers
// therefore see every row but the last one read.
func (s *Sheet) convert(ctx context.Context, rows *excelize.Rows, gate *rowGate, scanned <-chan sheetScan, lim WorkbookLimits) {
	sw := &sheetWriter{sp: s.sp, bw: bufio.NewWriterSize(s.sp.f, 2*publishEvery), width: -1}
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

	for {
		if sw.rows%64 == 0 {
			if werr = ctx.Err(); werr != nil {
				return
			}
		}
		if !gate.allow(ctx, sw.rows+1) {
			if werr = ctx.Err(); werr != nil {
				return
			}
			why, tail := gate.reason()
			switch {
			case tail:
				note = "All rows are shown, but the rest of the sheet could not be read (" + why + "), so merged cells may not be marked."
			case sw.rows == 0:
				s.setFatalOrNote(0, errors.New(why))
			default:
				note = fmt.Sprintf("The sheet is shown up to row %d: %s.", sw.rows, why)
			}
			stopped = true
			return
		}
		if !rows.Next() {
			break
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
		if sw.cells > lim.MaxCells {
			note = fmt.Sprintf("The sheet has more than %s cells (rows × columns, counting empty cells up to the widest row); only its first %d rows are shown.", formatThousands(lim.MaxCells), sw.rows)
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

// formatThousands writes n with commas between groups of three digits.
func formatThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// cutText cuts s to at most n bytes, at the start of a character.
func cutText(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
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
