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
	"strings"
	"sync"

	"github.com/airlock-project/airlock/airlock"
	"github.com/xuri/excelize/v2"
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
	// MaxSheetBytes caps the converted text of one sheet, which is held in
	// memory (0 means 256 MB); beyond it the sheet is cut, with a note.
	MaxSheetBytes int64
	// TempDir is where excelize may spill large worksheets ("" means the
	// system default).
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
		l.MaxSheetBytes = 256 << 20
	}
}

// SheetInfo names one sheet of a workbook.
type SheetInfo struct {
	Name   string
	Hidden bool
}

// Workbook is an opened .xlsx file. It is safe for concurrent use; Close
// releases it.
type Workbook struct {
	mu     sync.Mutex
	f      *excelize.File
	zr     *zip.Reader
	sheets []SheetInfo
	limits WorkbookLimits
}

// Sheet is one sheet converted to a Table, with what the conversion found.
type Sheet struct {
	Name  string
	Table *Table
	// Merged lists the merged ranges, such as "A1:C1". Their value is shown
	// in the top-left cell only, as Excel stores it.
	Merged []string
}

// CheckWorkbook inspects the zip central directory of an .xlsx file without
// decompressing anything. It returns an EINVALID *airlock.Error for a file
// that is not a workbook, or whose size, number of entries or total
// expanded size exceeds the limits (zip bombs).
func CheckWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) error {
	lim.fill()
	if size > lim.MaxFileBytes {
		return airlock.Errorf(airlock.EINVALID, "This workbook is %s, larger than the %s that can be shown.", approxSize(size), approxSize(lim.MaxFileBytes))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return airlock.Errorf(airlock.EINVALID, "This file is not a valid Excel workbook (.xlsx): it is not a readable zip archive. Password-protected workbooks cannot be shown.")
	}
	if len(zr.File) > lim.MaxEntries {
		return airlock.Errorf(airlock.EINVALID, "This workbook has %d parts, more than the %d allowed; it cannot be shown.", len(zr.File), lim.MaxEntries)
	}
	var total uint64
	var hasTypes, hasBook bool
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if total > uint64(lim.MaxUncompressedBytes) {
			return airlock.Errorf(airlock.EINVALID, "This workbook expands to more than %s when unpacked; it cannot be shown.", approxSize(lim.MaxUncompressedBytes))
		}
		switch f.Name {
		case "[Content_Types].xml":
			hasTypes = true
		case "xl/workbook.xml":
			hasBook = true
		}
	}
	if !hasTypes || !hasBook {
		return airlock.Errorf(airlock.EINVALID, "This file is a zip archive but not an Excel workbook (.xlsx).")
	}
	return nil
}

// OpenWorkbook checks the file with CheckWorkbook and opens it with
// excelize. The whole file is held in memory while open (excelize reads
// it); sheets are read with the streaming row iterator on demand.
func OpenWorkbook(r io.ReaderAt, size int64, lim WorkbookLimits) (wb *Workbook, err error) {
	lim.fill()
	if err := CheckWorkbook(r, size, lim); err != nil {
		return nil, err
	}
	defer func() {
		// excelize parses untrusted XML; never let a bug there take the
		// server down.
		if p := recover(); p != nil {
			wb, err = nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read.")
		}
	}()
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), excelize.Options{
		UnzipSizeLimit:    lim.MaxUncompressedBytes,
		UnzipXMLSizeLimit: min(16<<20, lim.MaxUncompressedBytes),
		TmpDir:            lim.TempDir,
		RawCellValue:      true,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, airlock.Errorf(airlock.EINVALID, "This workbook could not be read: %s.", plainError(err))
	}
	zr, _ := zip.NewReader(r, size) // checked by CheckWorkbook
	wb = &Workbook{f: f, zr: zr, limits: lim}
	for _, name := range f.GetSheetList() {
		visible, err := f.GetSheetVisible(name)
		wb.sheets = append(wb.sheets, SheetInfo{Name: name, Hidden: err == nil && !visible})
	}
	return wb, nil
}

// Sheets lists the sheets in workbook order.
func (w *Workbook) Sheets() []SheetInfo { return append([]SheetInfo(nil), w.sheets...) }

// Close releases the workbook and any temporary files.
func (w *Workbook) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// Sheet converts one sheet into a Table with the same paging, sorting,
// filtering and statistics as a CSV file: its first row is the header.
// Values are the stored cell values, formulas as their cached results,
// without Excel's number formatting, so checkers see exact numbers. Returns
// ENOTFOUND for an unknown sheet name.
func (w *Workbook) Sheet(ctx context.Context, name string) (sh *Sheet, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil, airlock.Errorf(airlock.EINVALID, "The workbook is closed.")
	}
	found := false
	for _, s := range w.sheets {
		found = found || s.Name == name
	}
	if !found {
		return nil, airlock.Errorf(airlock.ENOTFOUND, "The workbook has no sheet named %q.", name)
	}
	defer func() {
		if p := recover(); p != nil {
			sh, err = nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read.", name)
		}
	}()
	sh = &Sheet{Name: name}
	var notes []string
	// excelize's GetMergeCells loads the whole worksheet into memory, so
	// the ranges are read from the raw XML with a streaming scan instead.
	sh.Merged = w.mergedRanges(name)
	if len(sh.Merged) > 0 {
		notes = append(notes, fmt.Sprintf("The sheet has %d merged cell ranges; each value is shown in the top-left cell of its range.", len(sh.Merged)))
	}
	notes = append(notes, "Values are shown as stored, without Excel's number formatting; formulas show their last calculated value.")

	rows, err := w.f.Rows(name)
	if err != nil {
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, plainError(err))
	}
	defer rows.Close()
	var buf bytes.Buffer
	width := -1
	for n := 0; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		cells, err := rows.Columns()
		if err != nil {
			return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read at row %d: %s.", name, n+1, plainError(err))
		}
		if width < 0 {
			width = len(cells)
		}
		writeQuotedRow(&buf, cells, width)
		if int64(buf.Len()) > w.limits.MaxSheetBytes {
			notes = append(notes, fmt.Sprintf("The sheet is larger than %s as text; only its first %d rows are shown.", approxSize(w.limits.MaxSheetBytes), n+1))
			break
		}
	}
	if err := rows.Error(); err != nil {
		return nil, airlock.Errorf(airlock.EINVALID, "Sheet %q could not be read: %s.", name, plainError(err))
	}
	data := buf.Bytes()
	t, err := OpenTable(bytes.NewReader(data), int64(len(data)), TableOptions{notes: notes})
	if err != nil {
		return nil, err
	}
	sh.Table = t
	return sh, nil
}

// writeQuotedRow writes one CSV row with every field quoted, padded to
// width cells, so empty rows survive (encoding/csv skips blank lines) and
// the row numbers stay those of the sheet.
func writeQuotedRow(buf *bytes.Buffer, cells []string, width int) {
	n := max(len(cells), width, 1)
	for i := 0; i < n; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteByte('"')
		if i < len(cells) {
			buf.WriteString(strings.ReplaceAll(cells[i], `"`, `""`))
		}
		buf.WriteByte('"')
	}
	buf.WriteByte('\n')
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

// maxMerged bounds the merged ranges reported for one sheet.
const maxMerged = 10000

// mergedRanges finds the <mergeCell ref="..."> elements of a sheet by
// scanning its XML as a stream; any problem just yields no ranges.
func (w *Workbook) mergedRanges(sheet string) []string {
	part := w.sheetPart(sheet)
	if part == "" {
		return nil
	}
	var zf *zip.File
	for _, f := range w.zr.File {
		if f.Name == part {
			zf = f
		}
	}
	if zf == nil {
		return nil
	}
	rc, err := zf.Open()
	if err != nil {
		return nil
	}
	defer rc.Close()
	var out []string
	br := bufio.NewReaderSize(rc, 64<<10)
	// Look for "mergeCell " (with any namespace prefix), then its ref.
	const tag = "mergeCell"
	for len(out) < maxMerged {
		if _, err := br.ReadSlice('<'); err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
		head, err := br.Peek(64)
		if err != nil && len(head) == 0 {
			break
		}
		name := head
		if i := bytes.IndexAny(name, " />"); i >= 0 {
			name = name[:i]
		}
		if i := bytes.IndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		if string(name) != tag {
			continue
		}
		elem, err := br.ReadSlice('>')
		if err != nil {
			break
		}
		if i := bytes.Index(elem, []byte(`ref="`)); i >= 0 {
			v := elem[i+5:]
			if j := bytes.IndexByte(v, '"'); j > 0 && j < 32 {
				out = append(out, string(v[:j]))
			}
		}
	}
	return out
}

// sheetPart maps a sheet name to its part in the zip through workbook.xml
// and its relationships.
func (w *Workbook) sheetPart(sheet string) string {
	var book struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if !w.decodePart("xl/workbook.xml", &book) || !w.decodePart("xl/_rels/workbook.xml.rels", &rels) {
		return ""
	}
	for _, s := range book.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.RID {
				t := strings.TrimPrefix(r.Target, "/")
				if !strings.HasPrefix(t, "xl/") {
					t = "xl/" + t
				}
				return path.Clean(t)
			}
		}
	}
	return ""
}

func (w *Workbook) decodePart(name string, v any) bool {
	for _, f := range w.zr.File {
		if f.Name != name {
			continue
		}
		if f.UncompressedSize64 > 16<<20 {
			return false
		}
		rc, err := f.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		return xml.NewDecoder(io.LimitReader(rc, 16<<20)).Decode(v) == nil
	}
	return false
}
