package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Default limits of a Table; see TableOptions.
const (
	DefaultMaxCellBytes   = 1000
	DefaultMaxColumns     = 500
	DefaultMaxRecordBytes = 8 << 20
	DefaultMaxRecordCells = 1 << 18
	DefaultIndexEvery     = 64
	DefaultPageLimit      = 100
	MaxPageLimit          = 5000
	DefaultCacheBytes     = 16 << 20
)

// TableOptions tune how a table is read. The zero value is usable: a comma
// separated file with the default limits.
type TableOptions struct {
	// Comma is the field separator; 0 means ','.
	Comma rune
	// MaxCellBytes caps each cell as shown in a page (the statistics, sort
	// and filter always see the whole cell). 0 means DefaultMaxCellBytes.
	MaxCellBytes int
	// MaxColumns caps the columns shown and summarised. 0 means DefaultMaxColumns.
	MaxColumns int
	// MaxRecordBytes caps one row in bytes, line ends included. A longer
	// row (usually a quote that is never closed) ends the table there,
	// with a note. 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int64
	// MaxRecordCells caps one row in cells: the reader keeps 24 bytes per
	// cell, so 8 MB of commas would take 200 MB. A wider row ends the
	// table there, with a note. 0 means DefaultMaxRecordCells.
	MaxRecordCells int64
	// IndexEvery is the spacing of the sparse row index: the byte offset of
	// every IndexEvery-th row is kept, 8 bytes each, so the index of a
	// million-row table takes 1e6/IndexEvery*8 bytes (125 KB at 64), and a
	// page costs at most IndexEvery-1 skipped rows. 0 means DefaultIndexEvery.
	IndexEvery int
	// CacheBytes bounds the memory kept to answer sorted and filtered
	// pages without reading the whole file again: the row order of each
	// sorted column and direction, and the matching rows of each filter, 4
	// bytes per row, least recently used dropped first (at most
	// maxCachedOrders of them). A sort or filter whose rows do not fit is
	// answered by a full read each time, as with the cache off. 0 means
	// DefaultCacheBytes; a negative value turns the cache off.
	CacheBytes int64

	// notes returns notes from a converter, such as the spreadsheet
	// reader, shown first on every page; nil for none.
	notes func() []string
}

// TableOptionsFor returns the options for a file name: tab separated for
// .tsv and .tab, comma separated otherwise.
func TableOptionsFor(name string) TableOptions {
	switch strings.ToLower(path.Ext(name)) {
	case ".tsv", ".tab":
		return TableOptions{Comma: '\t'}
	}
	return TableOptions{}
}

func (o *TableOptions) fill() {
	if o.Comma == 0 || o.Comma == '\r' || o.Comma == '\n' || o.Comma == '"' || o.Comma == utf8.RuneError || !utf8.ValidRune(o.Comma) {
		o.Comma = ','
	}
	if o.MaxCellBytes <= 0 {
		o.MaxCellBytes = DefaultMaxCellBytes
	}
	if o.MaxColumns <= 0 {
		o.MaxColumns = DefaultMaxColumns
	}
	if o.MaxRecordBytes <= 0 {
		o.MaxRecordBytes = DefaultMaxRecordBytes
	}
	if o.MaxRecordCells <= 0 {
		o.MaxRecordCells = DefaultMaxRecordCells
	}
	if o.IndexEvery <= 0 {
		o.IndexEvery = DefaultIndexEvery
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = DefaultCacheBytes
	}
}

// Query selects a page of a table. Use NewQuery for the defaults: the zero
// value sorts by the first column and filters on it.
type Query struct {
	Offset int // matching rows to skip
	Limit  int // rows in the page; clamped to 1..MaxPageLimit, 0 means DefaultPageLimit
	// SortCol is the 0-based column to sort by, or -1 for file order.
	SortCol int
	Desc    bool
	// Filter keeps rows containing every space-separated term, ignoring case.
	Filter string
	// FilterCol limits the filter to one 0-based column; -1 means any column.
	FilterCol int
}

// NewQuery returns the first page in file order with no filter.
func NewQuery() Query {
	return Query{Limit: DefaultPageLimit, SortCol: -1, FilterCol: -1}
}

// Normalize clamps a query to sensible values.
func (q Query) Normalize() Query {
	if q.Offset < 0 {
		q.Offset = 0
	}
	if q.Limit <= 0 {
		q.Limit = DefaultPageLimit
	}
	if q.Limit > MaxPageLimit {
		q.Limit = MaxPageLimit
	}
	if q.SortCol < -1 {
		q.SortCol = -1
	}
	if q.FilterCol < -1 {
		q.FilterCol = -1
	}
	q.Filter = strings.Join(strings.Fields(q.Filter), " ")
	return q
}

// PageResult is one page of a table.
type PageResult struct {
	// Header has one name per column shown in this page. It is the file's
	// header, plus "Column N" for any extra cells of ragged rows.
	Header []string
	// Rows are padded to len(Header); cells are capped and valid UTF-8.
	Rows [][]string
	// RowNumbers are the 1-based data row numbers (the header row is not
	// counted), one per row.
	RowNumbers []int
	// Widths are how many cells each row really had; cells at or beyond it
	// are padding.
	Widths []int
	// Total is the number of data rows, or -1 while it is not yet known
	// (the first pages are served before the file has been read to the end).
	Total int
	// Matched is how many rows match the filter; it equals Total when there
	// is no filter.
	Matched int
	// Query is the normalised query that produced the page.
	Query Query
	// Notes explain anything shown differently from the file's bytes.
	Notes []string
}

// Table is a CSV or TSV file opened for paging, sorting, filtering and
// statistics. It reads the file through an io.ReaderAt on demand and never
// holds more than a page of rows, plus a sparse row index (see
// TableOptions.IndexEvery) and the statistics once computed. A Table is
// safe for concurrent use; callers can cache it keyed by the file's content
// hash.
type Table struct {
	r    io.ReaderAt
	size int64
	opts TableOptions

	header    []string // cleaned
	rawWidth  int      // cells in the header row as read
	dataStart int64    // offset of the first data row
	openNotes []string
	empty     bool

	mu     sync.Mutex
	index  *rowIndex
	stats  *Stats
	orders orderCache
}

// rowIndex is what one full pass learns about a table.
type rowIndex struct {
	offsets  []int64 // offsets[i] is where data row i*every starts
	total    int
	width    int // widest row, capped at MaxColumns
	notes    []string
	complete bool // false when the pass stopped at an over-long row
}

// errRecordTooLong stops a pass at a row longer than MaxRecordBytes, and
// errRecordTooWide at a row of more than MaxRecordCells cells.
var (
	errRecordTooLong = errors.New("record too long")
	errRecordTooWide = errors.New("record too wide")
)

// OpenTable opens a CSV (or, with TableOptions.Comma, TSV) table of size
// bytes. It reads only the header row; an empty file or a file with only a
// header is a table with no rows and a note, never an error. A UTF-8 byte
// order mark is skipped. The only errors are read errors of r.
func OpenTable(r io.ReaderAt, size int64, opts TableOptions) (*Table, error) {
	opts.fill()
	t := &Table{r: r, size: size, opts: opts}
	if size <= 0 {
		t.empty = true
		t.index = &rowIndex{complete: true}
		t.openNotes = append(t.openNotes, "The file is empty.")
		return t, nil
	}
	var bom [3]byte
	n, err := r.ReadAt(bom[:], 0)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read table: %w", err)
	}
	start := int64(0)
	if n == 3 && bom == [3]byte{0xEF, 0xBB, 0xBF} {
		start = 3
	}
	rr := t.newRowReader(start)
	rec, err := rr.next()
	switch {
	case err == io.EOF:
		t.empty = true
		t.index = &rowIndex{complete: true}
		t.openNotes = append(t.openNotes, "The file has no rows.")
		return t, nil
	case errors.Is(err, errRecordTooLong):
		t.empty = true
		t.index = &rowIndex{complete: false}
		t.openNotes = append(t.openNotes, fmt.Sprintf("The header row is longer than %s, probably because of a quote that is never closed; the file cannot be shown as a table. Open it as plain text instead.", byteSize(opts.MaxRecordBytes)))
		return t, nil
	case errors.Is(err, errRecordTooWide):
		t.empty = true
		t.index = &rowIndex{complete: false}
		t.openNotes = append(t.openNotes, fmt.Sprintf("The header row has more than %s cells, so the file cannot be shown as a table. Open it as plain text instead.", formatThousands(opts.MaxRecordCells)))
		return t, nil
	case err != nil:
		return nil, fmt.Errorf("read table header: %w", err)
	}
	t.rawWidth = len(rec)
	w := len(rec)
	if w > opts.MaxColumns {
		w = opts.MaxColumns
		t.openNotes = append(t.openNotes, fmt.Sprintf("The table has %d columns; only the first %d are shown.", len(rec), w))
	}
	t.header = make([]string, w)
	var cn cellNotes
	for i := 0; i < w; i++ {
		t.header[i] = cn.clean(rec[i], opts.MaxCellBytes)
	}
	t.openNotes = append(t.openNotes, cn.notes("The header")...)
	t.dataStart = rr.offset()
	return t, nil
}

// Header returns the column names from the file's first row.
func (t *Table) Header() []string { return append([]string(nil), t.header...) }

// Total returns the number of data rows and whether it is known yet. It is
// known once any full pass (Index, Stats, a sorted or filtered page, or a
// page reaching the end) has run.
func (t *Table) Total() (int, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.index == nil {
		return -1, false
	}
	return t.index.total, true
}

// Index reads the whole file once to build the sparse row index and count
// the rows, unless that is already done. Callers can run it in the
// background after showing the first page.
func (t *Table) Index(ctx context.Context) error {
	if t.indexed() != nil {
		return nil
	}
	return t.eachRow(ctx, -1, nil, func() {}, func(*rawRow) error { return nil })
}

func (t *Table) indexed() *rowIndex {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.index
}

// scan reads every data row in order, calling fn with the 0-based row
// number and the record (valid only during the call), and records the row
// index on the way if it is not built yet.
func (t *Table) scan(ctx context.Context, fn func(row int, rec []string) error) error {
	var rec []string
	return t.scanRaw(ctx, func(n int, raw []byte, spans []int) error {
		rec = cellStrings(rec, raw, spans)
		return fn(n, rec)
	})
}

// scanRaw is scan for a pass that keeps nothing of the rows: fn gets each
// row's bytes and where its cells lie in them (rowReader.read), valid only
// during the call, so that no row is copied into strings.
func (t *Table) scanRaw(ctx context.Context, fn func(row int, raw []byte, spans []int) error) error {
	if t.empty {
		return nil
	}
	build := t.indexed() == nil
	ib := t.newIndexBuilder()
	idx := ib.idx
	rr := t.newRowReader(t.dataStart)
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		off := rr.offset()
		raw, spans, err := rr.read()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errRecordTooLong) {
			idx.complete = false
			idx.notes = append(idx.notes, fmt.Sprintf("Row %d is longer than %s, probably because of a quote that is never closed; the table stops before it. Open the file as plain text to see the rest.", n+1, byteSize(t.opts.MaxRecordBytes)))
			break
		}
		if errors.Is(err, errRecordTooWide) {
			idx.complete = false
			idx.notes = append(idx.notes, fmt.Sprintf("Row %d has more than %s cells; the table stops before it. Open the file as plain text to see the rest.", n+1, formatThousands(t.opts.MaxRecordCells)))
			break
		}
		if err != nil {
			return fmt.Errorf("read table: %w", err)
		}
		if build {
			ib.add(n, off, len(spans)/2)
			ib.cn.scanSpans(spans, t.opts.MaxCellBytes)
		}
		idx.total = n + 1
		if err := fn(n, raw, spans); err != nil {
			return err
		}
	}
	if build {
		// The cells' bytes were checked as they were read: a bad byte
		// in what the rows read so far came from is a bad cell.
		if rr.invalidUTF8() {
			ib.cn.invalid = true
		}
		ib.keep()
	}
	return nil
}

// indexBuilder gathers the row index and its notes during a full pass.
type indexBuilder struct {
	t                   *Table
	idx                 *rowIndex
	ragged, firstRagged int
	cn                  cellNotes // the pass notes long cells and invalid UTF-8 here
}

func (t *Table) newIndexBuilder() *indexBuilder {
	return &indexBuilder{t: t, idx: &rowIndex{complete: true, width: len(t.header)}}
}

// add counts data row n, which starts at off and has the given number of
// cells. The caller sets idx.total.
func (b *indexBuilder) add(n int, off int64, cells int) {
	idx, opts := b.idx, &b.t.opts
	if n%opts.IndexEvery == 0 {
		idx.offsets = append(idx.offsets, off)
	}
	if cells != b.t.rawWidth {
		if b.ragged == 0 {
			b.firstRagged = n + 1
		}
		b.ragged++
	}
	if cells > idx.width {
		idx.width = min(cells, opts.MaxColumns)
	}
}

// keep adds the notes of the whole pass to the index and makes it the
// table's row index, unless another pass got there first.
func (b *indexBuilder) keep() {
	t, idx := b.t, b.idx
	if b.ragged > 0 {
		idx.notes = append(idx.notes, raggedNote(b.ragged, b.firstRagged, t.rawWidth))
	}
	if idx.width > len(t.header) && len(t.header) < t.opts.MaxColumns {
		idx.notes = append(idx.notes, "Some rows have more cells than the header; the extra cells are shown under added columns named \"Column N\".")
	}
	idx.notes = append(idx.notes, b.cn.notes("Some cells")...)
	t.mu.Lock()
	if t.index == nil {
		t.index = idx
	}
	t.mu.Unlock()
}

func raggedNote(n, first, width int) string {
	rows := "1 row has"
	if n > 1 {
		rows = strconv.Itoa(n) + " rows have"
	}
	return fmt.Sprintf("%s a different number of cells from the header's %d (the first is row %d); missing cells are shown empty and marked.", rows, width, first)
}

// Stats computes the summary statistics in one streaming pass (also
// building the row index if needed) and caches them. Memory depends on the
// number of columns, not rows.
func (t *Table) Stats(ctx context.Context) (*Stats, error) {
	t.mu.Lock()
	s := t.stats
	t.mu.Unlock()
	if s != nil {
		return s, nil
	}
	return t.StatsWith(ctx)
}

// RowSink is fed every data row of a statistics pass, such as the
// disclosure checks (package checks). Add must not keep row, which is
// reused; its strings may be kept.
type RowSink interface {
	Add(row []string)
}

// NumberSink is a RowSink that takes each row with its cells read as
// numbers already, nums[i] being ReadNumber(row[i]): a statistics pass
// reads every cell once, for the statistics and all such sinks. Neither
// slice may be kept; the row's strings may.
type NumberSink interface {
	RowSink
	AddNumbers(row []string, nums []Number)
}

// StatsWith computes and caches the summary statistics as Stats does, and
// in the same pass hands every data row to each sink, so that the table is
// read once for both. It always reads the table, even when the statistics
// are cached.
func (t *Table) StatsWith(ctx context.Context, sinks ...RowSink) (*Stats, error) {
	b := NewStatsBuilder(t.header, t.opts.MaxColumns)
	if t.rawWidth > len(t.header) {
		b.capped = true
	}
	numbered := make([]NumberSink, len(sinks)) // nil for a plain RowSink
	for i, s := range sinks {
		numbered[i], _ = s.(NumberSink)
	}
	var nums []Number
	pass := func(_ int, rec []string) error {
		nums = ReadNumbers(nums, rec)
		b.AddNumbers(rec, nums)
		for i, s := range sinks {
			if ns := numbered[i]; ns != nil {
				ns.AddNumbers(rec, nums)
			} else {
				s.Add(rec)
			}
		}
		return nil
	}
	var err error
	if len(sinks) == 0 {
		// The statistics keep no cell: they read the rows' bytes in
		// place, with no string made for any.
		var cells [][]byte
		err = t.scanRaw(ctx, func(_ int, raw []byte, spans []int) error {
			cells = cells[:0]
			for k := 0; k < len(spans); k += 2 {
				cells = append(cells, raw[spans[k]:spans[k+1]])
			}
			b.addBytes(cells)
			return nil
		})
	} else {
		err = t.scan(ctx, pass)
	}
	if err != nil {
		return nil, err
	}
	s := b.Result()
	if idx := t.indexed(); idx != nil && !idx.complete {
		s.Notes = append(s.Notes, "The statistics cover only the rows before the first over-long row.")
	}
	t.mu.Lock()
	if t.stats == nil {
		t.stats = s
	}
	s = t.stats
	t.mu.Unlock()
	return s, nil
}

// Page returns one page of rows for q. In file order without a filter, the
// first pages are read straight from the start of the file (Total stays -1
// unless the page reaches the end); later pages use the row index, built by
// one full pass the first time it is needed. A filter or sort reads the
// whole file once per call; sorting keeps at most Offset+Limit small keys in
// memory (a bounded heap), then reads the chosen rows back by number.
func (t *Table) Page(ctx context.Context, q Query) (PageResult, error) {
	q = q.Normalize()
	if q.SortCol >= len(t.header) && (t.indexed() == nil || q.SortCol >= t.indexed().width) {
		q.SortCol = -1
	}
	if q.FilterCol >= max(len(t.header), 1) && (t.indexed() == nil || q.FilterCol >= t.indexed().width) {
		q.FilterCol = -1
	}
	res := PageResult{Query: q, Total: -1, Matched: -1}
	var rows []pageRow
	var err error
	switch {
	case t.empty:
	case q.SortCol >= 0:
		rows, res.Matched, err = t.sortedPage(ctx, q)
	case q.Filter != "":
		rows, res.Matched, err = t.filteredPage(ctx, q)
	default:
		rows, err = t.plainPage(ctx, q)
	}
	if err != nil {
		return PageResult{}, err
	}
	idx := t.indexed()
	if idx != nil {
		res.Total = idx.total
	} else if t.empty {
		res.Total = 0
	}
	if q.Filter == "" {
		res.Matched = res.Total
	}
	t.fillPage(&res, rows, idx)
	return res, nil
}

// pageRow is a row chosen for a page: its number and its raw cells.
type pageRow struct {
	n     int
	cells []string
}

func copyRow(n int, rec []string, maxCols int) pageRow {
	if len(rec) > maxCols {
		rec = rec[:maxCols]
	}
	return pageRow{n: n, cells: append([]string(nil), rec...)}
}

// plainPage reads rows Offset..Offset+Limit in file order.
func (t *Table) plainPage(ctx context.Context, q Query) ([]pageRow, error) {
	idx := t.indexed()
	start, skip := t.dataStart, q.Offset
	if q.Offset >= 4*t.opts.IndexEvery && idx == nil {
		if err := t.Index(ctx); err != nil {
			return nil, err
		}
		idx = t.indexed()
	}
	if idx != nil {
		if q.Offset >= idx.total {
			return nil, nil
		}
		k := q.Offset / t.opts.IndexEvery
		if k < len(idx.offsets) {
			start, skip = idx.offsets[k], q.Offset-k*t.opts.IndexEvery
		}
	}
	rr := t.newRowReader(start)
	var rows []pageRow
	for n := q.Offset - skip; len(rows) < q.Limit; n++ {
		rec, err := rr.next()
		if err == io.EOF || errors.Is(err, errRecordTooLong) || errors.Is(err, errRecordTooWide) {
			if idx == nil && start == t.dataStart {
				// The page reached the end, or the row where the table
				// stops: a full pass costs little more than this one, and
				// gives the total and the note saying why it stops.
				return rows, t.Index(ctx)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read table: %w", err)
		}
		if n >= q.Offset {
			rows = append(rows, copyRow(n, rec, t.opts.MaxColumns))
		}
	}
	return rows, nil
}

// rowsByNumber reads the given rows (sorted ascending) back from the file
// through the index.
func (t *Table) rowsByNumber(ctx context.Context, nums []int) (map[int][]string, error) {
	idx := t.indexed()
	out := make(map[int][]string, len(nums))
	var rr *rowReader
	var buf []byte
	cur := -1 // row number the reader will return next
	for _, want := range nums {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		k := want / t.opts.IndexEvery
		if rr == nil || want < cur || k*t.opts.IndexEvery > cur {
			if idx == nil || k >= len(idx.offsets) {
				return nil, fmt.Errorf("read table: row %d not indexed", want)
			}
			if buf == nil {
				buf = make([]byte, 4<<10)
			}
			rr = t.newRowReaderBuf(idx.offsets[k], buf)
			cur = k * t.opts.IndexEvery
		}
		for ; cur <= want; cur++ {
			rec, err := rr.next()
			if err != nil {
				return nil, fmt.Errorf("read table row %d: %w", want, err)
			}
			if cur == want {
				out[want] = copyRow(want, rec, t.opts.MaxColumns).cells
			}
		}
	}
	return out, nil
}

// filteredPage returns a page of the rows matching the filter, from the
// cached matching rows when they fit in the cache (built by one full read
// the first time), otherwise by a full read.
func (t *Table) filteredPage(ctx context.Context, q Query) ([]pageRow, int, error) {
	matches, err := t.filterMatches(ctx, q.Filter, q.FilterCol)
	if err != nil {
		return nil, 0, err
	}
	if matches == nil {
		return t.filteredPageScan(ctx, q)
	}
	lo, hi := min(q.Offset, len(matches)), min(q.Offset+q.Limit, len(matches))
	rows, err := t.rowsInOrder(ctx, matches[lo:hi])
	return rows, len(matches), err
}

// filteredPageScan reads the whole file and keeps the matching rows of the
// page.
func (t *Table) filteredPageScan(ctx context.Context, q Query) ([]pageRow, int, error) {
	matched := 0
	var rows []pageRow
	reset := func() { matched, rows = 0, nil }
	err := t.eachRow(ctx, -1, newMatcher(q.Filter, q.FilterCol), reset, func(r *rawRow) error {
		if matched >= q.Offset && matched < q.Offset+q.Limit {
			rec, err := r.record()
			if err != nil {
				return err
			}
			rows = append(rows, copyRow(r.n, rec, t.opts.MaxColumns))
		}
		matched++
		return nil
	})
	return rows, matched, err
}

// sortedPage returns a page in sort order, from the cached order of the
// column when it fits in the cache (built by one full read and a sort the
// first time), otherwise by a full read that keeps the best Offset+Limit
// keys. A filter on top of a cached order uses the cached matching rows.
func (t *Table) sortedPage(ctx context.Context, q Query) ([]pageRow, int, error) {
	order, err := t.sortOrder(ctx, q.SortCol, q.Desc)
	if err != nil {
		return nil, 0, err
	}
	if order == nil {
		return t.sortedPageScan(ctx, q)
	}
	if q.Filter == "" {
		lo, hi := min(q.Offset, len(order)), min(q.Offset+q.Limit, len(order))
		rows, err := t.rowsInOrder(ctx, order[lo:hi])
		return rows, len(order), err
	}
	matches, err := t.filterMatches(ctx, q.Filter, q.FilterCol)
	if err != nil {
		return nil, 0, err
	}
	if matches == nil {
		return t.sortedPageScan(ctx, q)
	}
	// Walk the order, keeping the matching rows of the page.
	match := make([]uint64, (len(order)+63)/64)
	for _, r := range matches {
		match[r/64] |= 1 << (r % 64)
	}
	var page []int32
	seen := 0
	for _, r := range order {
		if match[r/64]&(1<<(r%64)) == 0 {
			continue
		}
		if seen >= q.Offset {
			page = append(page, r)
			if len(page) == q.Limit {
				break
			}
		}
		seen++
	}
	rows, err := t.rowsInOrder(ctx, page)
	return rows, len(matches), err
}

// rowsInOrder reads the given rows back from the file, in the given order.
func (t *Table) rowsInOrder(ctx context.Context, order []int32) ([]pageRow, error) {
	if len(order) == 0 {
		return nil, nil
	}
	nums := make([]int, len(order))
	for i, r := range order {
		nums[i] = int(r)
	}
	sortInts(nums)
	got, err := t.rowsByNumber(ctx, nums)
	if err != nil {
		return nil, err
	}
	rows := make([]pageRow, len(order))
	for i, r := range order {
		rows[i] = pageRow{n: int(r), cells: got[int(r)]}
	}
	return rows, nil
}

// sortedPageScan reads the whole file keeping the best Offset+Limit keys.
func (t *Table) sortedPageScan(ctx context.Context, q Query) ([]pageRow, int, error) {
	var m *matcher
	if q.Filter != "" {
		m = newMatcher(q.Filter, q.FilterCol)
	}
	h := newTopK(q.Offset+q.Limit, q.Desc)
	matched := 0
	reset := func() { h, matched = newTopK(q.Offset+q.Limit, q.Desc), 0 }
	err := t.eachRow(ctx, q.SortCol, m, reset, func(r *rawRow) error {
		matched++
		cell, err := r.cell()
		if err != nil {
			return err
		}
		h.offer(r.n, cell)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	keys := h.sorted()
	if q.Offset >= len(keys) {
		return nil, matched, nil
	}
	keys = keys[q.Offset:]
	nums := make([]int, len(keys))
	for i, k := range keys {
		nums[i] = k.row
	}
	sortInts(nums)
	got, err := t.rowsByNumber(ctx, nums)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]pageRow, len(keys))
	for i, k := range keys {
		rows[i] = pageRow{n: k.row, cells: got[k.row]}
	}
	return rows, matched, nil
}

// fillPage cleans the chosen rows into the result and gathers the notes.
func (t *Table) fillPage(res *PageResult, rows []pageRow, idx *rowIndex) {
	width := len(t.header)
	if idx != nil && idx.width > width {
		width = idx.width
	}
	for _, r := range rows {
		if len(r.cells) > width {
			width = len(r.cells)
		}
	}
	width = min(width, t.opts.MaxColumns)
	res.Header = make([]string, width)
	copy(res.Header, t.header)
	for i := len(t.header); i < width; i++ {
		res.Header[i] = extraColumnName(i)
	}
	if t.opts.notes != nil {
		res.Notes = append(res.Notes, t.opts.notes()...)
	}
	res.Notes = append(res.Notes, t.openNotes...)
	if idx != nil {
		res.Notes = append(res.Notes, idx.notes...)
	}
	var cn cellNotes
	padded := 0
	for _, r := range rows {
		out := make([]string, width)
		for i := 0; i < width && i < len(r.cells); i++ {
			out[i] = cn.clean(r.cells[i], t.opts.MaxCellBytes)
		}
		if len(r.cells) < width {
			padded++
		}
		res.Rows = append(res.Rows, out)
		res.RowNumbers = append(res.RowNumbers, r.n+1)
		res.Widths = append(res.Widths, len(r.cells))
	}
	if idx == nil {
		// The full-file notes are not known yet; say what this page shows.
		if padded > 0 {
			res.Notes = append(res.Notes, "Some rows on this page have fewer cells than the header; missing cells are shown empty and marked.")
		}
		if width > len(t.header) && len(t.header) < t.opts.MaxColumns {
			res.Notes = append(res.Notes, "Some rows have more cells than the header; the extra cells are shown under added columns named \"Column N\".")
		}
		res.Notes = append(res.Notes, cn.notes("Some cells")...)
	}
	if len(t.header) > 0 && !t.empty && idx != nil && idx.total == 0 {
		res.Notes = append(res.Notes, "The file has a header row but no data rows.")
	}
	res.Notes = dedupe(res.Notes)
}

// cellNotes cleans cells for display and remembers what it changed.
type cellNotes struct {
	invalid, long bool
	max           int
}

// clean returns s as valid UTF-8, cut to at most max bytes plus an ellipsis.
func (c *cellNotes) clean(s string, max int) string {
	if !utf8.ValidString(s) {
		c.invalid = true
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) > max {
		c.long, c.max = true, max
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// scan notes what clean would change, without allocating.
// scanLengths notes cells too long to show in full. Their UTF-8 is
// checked on the bytes as they are read (rowReader.invalidUTF8).
func (c *cellNotes) scanLengths(rec []string, max int) {
	for _, s := range rec {
		if len(s) > max {
			c.long, c.max = true, max
		}
	}
}

// scanSpans is scanLengths for cells given by their start and end.
func (c *cellNotes) scanSpans(spans []int, max int) {
	for k := 0; k < len(spans); k += 2 {
		if spans[k+1]-spans[k] > max {
			c.long, c.max = true, max
		}
	}
}

func (c *cellNotes) notes(what string) []string {
	var out []string
	if c.invalid {
		out = append(out, what+" contain bytes that are not valid UTF-8 text; they are shown as \uFFFD.")
	}
	if c.long {
		out = append(out, fmt.Sprintf("%s are longer than %d characters and are cut short (…) here; open the file as plain text to see them in full.", what, c.max))
	}
	return out
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Scan reads every data row in file order, calling fn with the 0-based row
// number and the record, which is valid only during the call. It builds
// the row index on the way if it is not built yet, so Rows can read rows
// back by number afterwards. An error from fn stops the pass.
func (t *Table) Scan(ctx context.Context, fn func(row int, rec []string) error) error {
	return t.scan(ctx, fn)
}

// Size is the table's size in bytes.
func (t *Table) Size() int64 { return t.size }

// HeaderWidth is how many cells the header row has, including any beyond
// MaxColumns that Header leaves out.
func (t *Table) HeaderWidth() int { return t.rawWidth }

// Notes returns what is known so far about how the table's bytes differ
// from what its pages show (ragged rows, cut-short cells, an over-long row).
func (t *Table) Notes() []string {
	notes := append([]string(nil), t.openNotes...)
	if idx := t.indexed(); idx != nil {
		notes = append(notes, idx.notes...)
	}
	return dedupe(notes)
}

// Rows reads the given 0-based data rows back by number, their cells
// capped and cleaned as in a page and no wider than MaxColumns. It reads
// the whole table once first if the row index is not built yet.
func (t *Table) Rows(ctx context.Context, nums []int) (map[int][]string, error) {
	if len(nums) == 0 || t.empty {
		return map[int][]string{}, nil
	}
	if err := t.Index(ctx); err != nil {
		return nil, err
	}
	sorted := slices.Clone(nums)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	if total, _ := t.Total(); sorted[0] < 0 || sorted[len(sorted)-1] >= total {
		return nil, fmt.Errorf("read table: rows %d..%d out of range 0..%d", sorted[0], sorted[len(sorted)-1], total-1)
	}
	rows, err := t.rowsByNumber(ctx, sorted)
	if err != nil {
		return nil, err
	}
	var cn cellNotes
	for n, cells := range rows {
		for i, c := range cells {
			cells[i] = cn.clean(c, t.opts.MaxCellBytes)
		}
		rows[n] = cells
	}
	return rows, nil
}
