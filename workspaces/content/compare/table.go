// Package compare finds what changed between two versions of a file: the
// rows, columns and cells of two tables, and the lines of two texts. A
// table comparison reads each table once, keeping two 64-bit hashes per
// row rather than the rows, so two million-row tables compare in tens of
// megabytes; its pages read the rows they show back by number.
package compare

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/airlock-project/airlock/workspaces/content"
)

// State says how a row, column or cell differs between the versions.
type State uint8

// The states. Same is the zero value.
const (
	Same State = iota
	Changed
	Added
	Removed
)

// String names the state for class names and tests.
func (s State) String() string {
	switch s {
	case Changed:
		return "changed"
	case Added:
		return "added"
	case Removed:
		return "removed"
	}
	return "same"
}

// Column is one column of the comparison: the index of the column of that
// name in each version (-1 when it is not there) and its state.
type Column struct {
	Name     string
	Old, New int
	State    State
}

// keySample is how many rows are read to decide which leading columns hold
// labels (not numbers) and so may key the rows.
const keySample = 1000

// maxCountedRows bounds how many changed rows are read back to count their
// changed cells for the summary; beyond it only the rows are counted.
const maxCountedRows = 20000

// Table is the comparison of two tables, old and new. It keeps, besides
// the columns, one entry per row of the comparison (8 bytes) and the
// positions of the entries that differ; pages read their rows back from
// both tables, which must stay open while the Table is used.
type Table struct {
	Columns []Column
	// Key names the columns whose values identify a row, when the rows
	// were aligned by them; empty when they were aligned by position.
	Key []string
	// Notes say how the rows were aligned and what in the files was shown
	// differently from their bytes.
	Notes []string

	OldRows, NewRows                    int
	RowsChanged, RowsAdded, RowsRemoved int
	ColumnsAdded, ColumnsRemoved        int
	CellsChanged                        int
	CellsCounted                        bool // false when there were too many changed rows to count cells
	old, new                            *content.Table
	entries                             []entry // display order
	differing                           []int32 // indices of entries that are not the same
	common                              []int   // indices into Columns present in both
	oldHeader, newHeader                []string
	keyCols                             []int // indices into Columns of the key's columns
	countOnce                           sync.Once
	countErr                            error
}

// entry is one row of the comparison: its 0-based row in each table (-1
// when absent) and its state.
type entry struct {
	old, new int32
}

// hashes are what one pass over a table keeps: per row, the hash of its
// key cells and of all its cells in the common columns, the latter in
// chunks so a long table never needs one huge allocation or a copy when
// it grows.
type hashes struct {
	// keys pack, per row, the top half of its key hash with the row
	// number, so that sorting them orders the rows by key (see byKey).
	keys  []uint64
	row   chunked
	n     int
	extra int // most cells a row has beyond the header
}

const chunkBits = 16

type chunked struct{ chunks [][]uint64 }

func (c *chunked) add(i int, v uint64) {
	if i>>chunkBits == len(c.chunks) {
		c.chunks = append(c.chunks, make([]uint64, 0, 1<<chunkBits))
	}
	c.chunks[i>>chunkBits] = append(c.chunks[i>>chunkBits], v)
}

func (c *chunked) at(i int) uint64 { return c.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// errSampled stops the sampling pass.
var errSampled = errors.New("sampled")

// Tables compares old with new. Columns are matched by name; rows by the
// leading columns that hold labels rather than numbers when their values
// are unique in both tables, else by position. It reads each table once
// (both at the same time), plus the first rows again to choose the key.
func Tables(ctx context.Context, old, new *content.Table) (*Table, error) {
	d := &Table{old: old, new: new, oldHeader: old.Header(), newHeader: new.Header()}
	d.alignColumns()
	keyCols, rowBytes, err := d.keyColumns(ctx)
	if err != nil {
		return nil, err
	}
	d.keyCols = keyCols
	var oh, nh hashes
	if len(keyCols) > 0 {
		// Sized from the first rows, so the keys are rarely copied to grow.
		oh.keys = make([]uint64, 0, estimateRows(old.Size(), rowBytes[0]))
		nh.keys = make([]uint64, 0, estimateRows(new.Size(), rowBytes[1]))
	}
	var oerr, nerr error
	seed := maphash.MakeSeed()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); oerr = d.hashRows(ctx, old, true, keyCols, seed, &oh) }()
	go func() { defer wg.Done(); nerr = d.hashRows(ctx, new, false, keyCols, seed, &nh) }()
	wg.Wait()
	if err := errors.Join(oerr, nerr); err != nil {
		return nil, err
	}
	d.OldRows, d.NewRows = oh.n, nh.n
	d.addExtraColumns(oh.extra, nh.extra)
	if len(keyCols) > 0 && max(oh.n, nh.n) > maxKeyedRows {
		keyCols = nil
	}
	if len(keyCols) > 0 {
		names := make([]string, len(keyCols))
		for i, c := range keyCols {
			names[i] = d.Columns[c].Name
		}
		var olds, news *byKey
		wg.Add(2)
		go func() { defer wg.Done(); olds = d.sortByKey(&oh, true) }()
		go func() { defer wg.Done(); news = d.sortByKey(&nh, false) }()
		wg.Wait()
		dupOld, err := olds.firstDuplicate(ctx)
		if err != nil {
			return nil, err
		}
		dupNew, err := news.firstDuplicate(ctx)
		if err != nil {
			return nil, err
		}
		switch {
		case dupOld < 0 && dupNew < 0:
			d.Key = names
			d.Notes = append(d.Notes, "Rows are matched by "+quoteList(names)+", whose values are unique in both versions.")
			if err := d.alignByKey(ctx, olds, news); err != nil {
				return nil, err
			}
		case dupOld >= 0:
			d.Notes = append(d.Notes, fmt.Sprintf("Rows are matched by position: %s repeats in the old version (row %d), so it cannot identify rows.", quoteList(names), dupOld+1))
		default:
			d.Notes = append(d.Notes, fmt.Sprintf("Rows are matched by position: %s repeats in the new version (row %d), so it cannot identify rows.", quoteList(names), dupNew+1))
		}
	} else {
		d.Notes = append(d.Notes, "Rows are matched by position: no leading column holds labels that could identify rows.")
	}
	if d.Key == nil {
		d.alignByPosition(&oh, &nh)
	}
	d.classify(&oh, &nh)
	for _, n := range old.Notes() {
		d.Notes = append(d.Notes, "Old version: "+n)
	}
	for _, n := range new.Notes() {
		d.Notes = append(d.Notes, "New version: "+n)
	}
	return d, nil
}

// alignColumns matches the columns by name, new order first, each removed
// column placed after the column that preceded it in the old version.
func (d *Table) alignColumns() {
	byName := map[string][]int{}
	for i, n := range d.oldHeader {
		byName[n] = append(byName[n], i)
	}
	match := make([]int32, len(d.newHeader))
	for i, n := range d.newHeader {
		match[i] = -1
		if olds := byName[n]; len(olds) > 0 {
			match[i] = int32(olds[0])
			byName[n] = olds[1:]
		}
	}
	for _, e := range merge(match, len(d.oldHeader)) {
		c := Column{Old: int(e.old), New: int(e.new)}
		switch {
		case e.new < 0:
			c.Name, c.State = d.oldHeader[e.old], Removed
			d.ColumnsRemoved++
		case e.old < 0:
			c.Name, c.State = d.newHeader[e.new], Added
			d.ColumnsAdded++
		default:
			c.Name = d.newHeader[e.new]
			d.common = append(d.common, len(d.Columns))
		}
		d.Columns = append(d.Columns, c)
	}
}

// merge lists the pairs of a matching of new items to old ones (match[i]
// is the old index of new item i, or -1) in new order, with each old item
// that has no match placed just before the first new item matched to a
// later old item, and the rest at the end.
func merge(match []int32, oldLen int) []entry {
	matched := make([]bool, oldLen)
	unmatched := oldLen
	for _, m := range match {
		if m >= 0 {
			matched[m] = true
			unmatched--
		}
	}
	out := make([]entry, 0, len(match)+unmatched)
	next := int32(0) // old items before next have been placed or skipped
	for i, m := range match {
		if m >= 0 {
			for ; next < m; next++ {
				if !matched[next] {
					out = append(out, entry{old: next, new: -1})
				}
			}
			next = max(next, m+1)
		}
		out = append(out, entry{old: m, new: int32(i)})
	}
	for ; next < int32(oldLen); next++ {
		if !matched[next] {
			out = append(out, entry{old: next, new: -1})
		}
	}
	return out
}

// keyColumns chooses the leading common columns that hold labels in the
// first rows of both tables, leaving at least one column to compare, and
// measures those rows' average size in bytes in each table (old, new).
func (d *Table) keyColumns(ctx context.Context) ([]int, [2]int64, error) {
	var rowBytes [2]int64
	var lead []int // indices into Columns of the leading common columns
	for _, c := range d.Columns {
		if c.State != Same {
			break
		}
		lead = append(lead, len(lead))
	}
	if len(d.common) > 1 && len(lead) >= len(d.common) {
		lead = lead[:len(d.common)-1]
	}
	if len(lead) == 0 {
		return nil, rowBytes, nil
	}
	labels := make([]bool, len(lead))
	for i := range labels {
		labels[i] = true
	}
	for _, side := range []bool{true, false} {
		t := d.new
		if side {
			t = d.old
		}
		numbers, texts := make([]int, len(lead)), make([]int, len(lead))
		var bytes, rows int64
		err := t.Scan(ctx, func(row int, rec []string) error {
			if row >= keySample {
				return errSampled
			}
			rows++
			for _, c := range rec {
				bytes += int64(len(c)) + 1
			}
			for i, c := range lead {
				col := d.Columns[c].New
				if side {
					col = d.Columns[c].Old
				}
				if col >= len(rec) {
					continue
				}
				switch v := strings.TrimSpace(rec[col]); {
				case v == "":
				case isNumber(v):
					numbers[i]++
				default:
					texts[i]++
				}
			}
			return nil
		})
		if err != nil && !errors.Is(err, errSampled) {
			return nil, rowBytes, err
		}
		if rows > 0 {
			side := 1
			if t == d.old {
				side = 0
			}
			rowBytes[side] = max(1, bytes/rows)
		}
		for i := range lead {
			labels[i] = labels[i] && texts[i] > numbers[i]
		}
	}
	var key []int
	for i, c := range lead {
		if !labels[i] {
			break
		}
		key = append(key, c)
	}
	return key, rowBytes, nil
}

// estimateRows guesses how many rows a table of size bytes has, a little
// high, from the average size of its first rows.
func estimateRows(size, rowBytes int64) int {
	if rowBytes <= 0 {
		return 0
	}
	return int(min(size/rowBytes+size/rowBytes/16+16, 1<<30))
}

// isNumber reports whether a cell holds a number (a percentage too).
func isNumber(s string) bool {
	s = strings.TrimSuffix(s, "%")
	_, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return err == nil
}

// hashRows reads one table, keeping for each row the hash of its key cells
// and of its cells in the common columns, in the comparison's column order.
func (d *Table) hashRows(ctx context.Context, t *content.Table, isOld bool, keyCols []int, seed maphash.Seed, h *hashes) error {
	cols := make([]int, len(d.common))
	for i, c := range d.common {
		if isOld {
			cols[i] = d.Columns[c].Old
		} else {
			cols[i] = d.Columns[c].New
		}
	}
	kcols := make([]int, len(keyCols))
	for i, c := range keyCols {
		if isOld {
			kcols[i] = d.Columns[c].Old
		} else {
			kcols[i] = d.Columns[c].New
		}
	}
	// Each cell's hash is mixed into the row's by a multiply, so the order
	// of the cells counts: "a","b" and "b","a" differ, as do "ab","".
	mix := func(h uint64, v string) uint64 {
		return (h^maphash.String(seed, v))*0x9E3779B97F4A7C15 + 1
	}
	sum := func(rec []string, cols []int) uint64 {
		h := uint64(0)
		for _, c := range cols {
			h = mix(h, cellAt(rec, c))
		}
		return h
	}
	headerLen := t.HeaderWidth()
	if len(kcols) > 0 && headerLen > 0 {
		defer func() { h.keys = slices.Clip(h.keys) }()
	}
	width := 0
	err := t.Scan(ctx, func(row int, rec []string) error {
		if len(kcols) > 0 {
			h.keys = append(h.keys, sum(rec, kcols)&^(1<<rowBits-1)|uint64(row))
		}
		rh := sum(rec, cols)
		// Cells beyond the header (ragged rows) are compared by position.
		for c := headerLen; c < len(rec); c++ {
			rh = mix(rh, rec[c])
		}
		h.row.add(row, rh)
		h.n = row + 1
		width = max(width, len(rec))
		return nil
	})
	h.extra = max(0, width-headerLen)
	return err
}

// addExtraColumns adds the columns of the cells beyond the header of
// ragged rows, named as the table viewer names them and matched by
// position after each version's header.
func (d *Table) addExtraColumns(oldExtra, newExtra int) {
	ow, nw := d.old.HeaderWidth(), d.new.HeaderWidth()
	for k := range max(oldExtra, newExtra) {
		c := Column{Name: "Column " + strconv.Itoa(nw+k+1), Old: ow + k, New: nw + k}
		switch {
		case k >= oldExtra:
			c.Old, c.State = -1, Added
			d.ColumnsAdded++
		case k >= newExtra:
			c.New, c.State = -1, Removed
			d.ColumnsRemoved++
		default:
			d.common = append(d.common, len(d.Columns))
		}
		d.Columns = append(d.Columns, c)
	}
}

func cellAt(rec []string, c int) string {
	if c < len(rec) {
		return rec[c]
	}
	return ""
}

// rowBits is how many low bits of a packed key hold the row number.
const rowBits = 32

// maxKeyedRows is the most rows a table may have to be matched by key.
const maxKeyedRows = 1<<rowBits - 1

// byKey is a table's rows ordered by key: each value packs the top half of
// a row's key hash with its row number, so a plain integer sort orders
// them. Rows whose halves tie (the same key, or rarely a collision) are
// told apart by reading their key cells back.
type byKey struct {
	d      *Table
	packed []uint64
	isOld  bool
}

func (d *Table) sortByKey(h *hashes, isOld bool) *byKey {
	slices.Sort(h.keys)
	return &byKey{d: d, packed: h.keys, isOld: isOld}
}

func (s *byKey) row(i int) int       { return int(s.packed[i] & (1<<rowBits - 1)) }
func (s *byKey) prefix(i int) uint64 { return s.packed[i] >> rowBits }

// run returns the end of the run of rows from i whose prefixes tie.
func (s *byKey) run(i int) int {
	j := i + 1
	for j < len(s.packed) && s.prefix(j) == s.prefix(i) {
		j++
	}
	return j
}

// keyCells reads the key cells of rows i..j-1 (in key order) back.
func (s *byKey) keyCells(ctx context.Context, i, j int) ([]string, error) {
	t, nums := s.d.new, make([]int, 0, j-i)
	if s.isOld {
		t = s.d.old
	}
	for k := i; k < j; k++ {
		nums = append(nums, s.row(k))
	}
	rows, err := t.Rows(ctx, nums)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, j-i)
	for _, n := range nums {
		var b strings.Builder
		for _, c := range s.d.keyCols {
			col := s.d.Columns[c].New
			if s.isOld {
				col = s.d.Columns[c].Old
			}
			v := cellAt(rows[n], col)
			b.WriteString(strconv.Itoa(len(v)))
			b.WriteByte(':')
			b.WriteString(v)
		}
		keys = append(keys, b.String())
	}
	return keys, nil
}

// firstDuplicate returns the first row whose key repeats an earlier one,
// or -1 when every key is unique.
func (s *byKey) firstDuplicate(ctx context.Context) (int, error) {
	first := -1
	for i := 0; i < len(s.packed); {
		j := s.run(i)
		if j-i > 1 {
			keys, err := s.keyCells(ctx, i, j)
			if err != nil {
				return 0, err
			}
			for a := range keys { // runs of tied halves are tiny
				for b := a + 1; b < len(keys); b++ {
					if keys[a] == keys[b] {
						if r := max(s.row(i+a), s.row(i+b)); first < 0 || r < first {
							first = r
						}
					}
				}
			}
		}
		i = j
	}
	return first, nil
}

// alignByKey matches each new row to the old row with the same key, by
// walking both tables' rows in key order.
func (d *Table) alignByKey(ctx context.Context, olds, news *byKey) error {
	match := make([]int32, d.NewRows)
	for i := range match {
		match[i] = -1
	}
	i, j := 0, 0
	for i < len(olds.packed) && j < len(news.packed) {
		op, np := olds.prefix(i), news.prefix(j)
		switch {
		case op < np:
			i++
		case op > np:
			j++
		default:
			ie, je := olds.run(i), news.run(j)
			if ie-i == 1 && je-j == 1 {
				// One row each: the same key, but for a collision of
				// 32-bit halves between a removed and an added row, which
				// then shows as one changed row with its key cells
				// changed: mislabelled, never hidden.
				match[news.row(j)] = int32(olds.row(i))
			} else {
				ok, err := olds.keyCells(ctx, i, ie)
				if err != nil {
					return err
				}
				nk, err := news.keyCells(ctx, j, je)
				if err != nil {
					return err
				}
				for b := range nk {
					for a := range ok {
						if ok[a] == nk[b] {
							match[news.row(j+b)] = int32(olds.row(i + a))
						}
					}
				}
			}
			i, j = ie, je
		}
	}
	olds.packed, news.packed = nil, nil
	d.entries = merge(match, d.OldRows)
	return nil
}

// alignByPosition matches row i of one table with row i of the other.
func (d *Table) alignByPosition(oh, nh *hashes) {
	d.entries = make([]entry, max(oh.n, nh.n))
	for i := range d.entries {
		e := entry{old: int32(i), new: int32(i)}
		if i >= oh.n {
			e.old = -1
		}
		if i >= nh.n {
			e.new = -1
		}
		d.entries[i] = e
	}
}

// classify counts the entries that differ and remembers where they are.
func (d *Table) classify(oh, nh *hashes) {
	for i, e := range d.entries {
		switch {
		case e.old < 0:
			d.RowsAdded++
		case e.new < 0:
			d.RowsRemoved++
		case oh.row.at(int(e.old)) != nh.row.at(int(e.new)):
			d.RowsChanged++
		default:
			continue
		}
		d.differing = append(d.differing, int32(i))
	}
}

// state is the state of entry i, from the hashes of its rows.
func (d *Table) state(i int) State {
	e := d.entries[i]
	switch {
	case e.old < 0:
		return Added
	case e.new < 0:
		return Removed
	}
	if _, differs := slices.BinarySearch(d.differing, int32(i)); differs {
		return Changed
	}
	return Same
}

// Query selects a page of the comparison.
type Query struct {
	Offset, Limit int
	// All shows every row, not only those that differ.
	All bool
}

// Cell is one cell of a page: its value in each version and its state.
type Cell struct {
	Old, New string
	State    State
}

// Row is one row of a page: its 1-based row number in each version (0
// when it is not there), its state and its cells, one per column.
type Row struct {
	OldRow, NewRow int
	State          State
	Cells          []Cell
}

// Page is one page of rows of the comparison.
type Page struct {
	Rows []Row
	// Matched is how many rows the query selects in all.
	Matched int
	Query   Query
}

// Page returns one page of the rows that differ, or with q.All of every row.
func (d *Table) Page(ctx context.Context, q Query) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = content.DefaultPageLimit
	}
	q.Limit = min(q.Limit, content.MaxPageLimit)
	q.Offset = max(q.Offset, 0)
	n := len(d.differing)
	if q.All {
		n = len(d.entries)
	}
	pg := Page{Matched: n, Query: q}
	if q.Offset >= n {
		return pg, nil
	}
	end := min(n, q.Offset+q.Limit)
	picked := make([]int, 0, end-q.Offset)
	es := make([]entry, 0, end-q.Offset)
	for i := q.Offset; i < end; i++ {
		if q.All {
			picked = append(picked, i)
		} else {
			picked = append(picked, int(d.differing[i]))
		}
		es = append(es, d.entries[picked[len(picked)-1]])
	}
	olds, news, err := d.readRows(ctx, es)
	if err != nil {
		return Page{}, err
	}
	for _, i := range picked {
		e := d.entries[i]
		pg.Rows = append(pg.Rows, d.row(e, d.state(i), olds[int(e.old)], news[int(e.new)]))
	}
	return pg, nil
}

// readRows reads the rows of the entries back from both tables.
func (d *Table) readRows(ctx context.Context, es []entry) (map[int][]string, map[int][]string, error) {
	var on, nn []int
	for _, e := range es {
		if e.old >= 0 {
			on = append(on, int(e.old))
		}
		if e.new >= 0 {
			nn = append(nn, int(e.new))
		}
	}
	olds, err := d.old.Rows(ctx, on)
	if err != nil {
		return nil, nil, err
	}
	news, err := d.new.Rows(ctx, nn)
	if err != nil {
		return nil, nil, err
	}
	return olds, news, nil
}

// row builds one row of a page.
func (d *Table) row(e entry, st State, oldRow, newRow []string) Row {
	r := Row{OldRow: int(e.old) + 1, NewRow: int(e.new) + 1, State: st}
	r.Cells = make([]Cell, len(d.Columns))
	for i, col := range d.Columns {
		c := Cell{}
		if col.Old >= 0 && e.old >= 0 {
			c.Old = cellAt(oldRow, col.Old)
		}
		if col.New >= 0 && e.new >= 0 {
			c.New = cellAt(newRow, col.New)
		}
		switch {
		case r.State == Added || col.State == Added:
			c.State = Added
		case r.State == Removed || col.State == Removed:
			c.State = Removed
		case c.Old != c.New:
			c.State = Changed
		}
		r.Cells[i] = c
	}
	return r
}

// CountCells counts the changed cells of the changed rows for the summary,
// reading at most maxCountedRows of them back; it runs once.
func (d *Table) CountCells(ctx context.Context) error {
	d.countOnce.Do(func() {
		if d.RowsChanged > maxCountedRows {
			return
		}
		var changed []entry
		for _, i := range d.differing {
			if e := d.entries[i]; e.old >= 0 && e.new >= 0 {
				changed = append(changed, e)
			}
		}
		olds, news, err := d.readRows(ctx, changed)
		if err != nil {
			d.countErr = err
			return
		}
		for _, e := range changed {
			for _, c := range d.common {
				col := d.Columns[c]
				if cellAt(olds[int(e.old)], col.Old) != cellAt(news[int(e.new)], col.New) {
					d.CellsChanged++
				}
			}
		}
		d.CellsCounted = true
	})
	return d.countErr
}

// Summary says in one line what changed: "3 cells changed in 2 rows; 1
// row added". Call CountCells first for the cell count.
func (d *Table) Summary() string {
	var parts []string
	if d.RowsChanged > 0 {
		if d.CellsCounted {
			parts = append(parts, plural(d.CellsChanged, "cell")+" changed in "+plural(d.RowsChanged, "row"))
		} else {
			parts = append(parts, plural(d.RowsChanged, "row")+" changed")
		}
	}
	if d.RowsAdded > 0 {
		parts = append(parts, plural(d.RowsAdded, "row")+" added")
	}
	if d.RowsRemoved > 0 {
		parts = append(parts, plural(d.RowsRemoved, "row")+" removed")
	}
	if d.ColumnsAdded > 0 {
		parts = append(parts, plural(d.ColumnsAdded, "column")+" added")
	}
	if d.ColumnsRemoved > 0 {
		parts = append(parts, plural(d.ColumnsRemoved, "column")+" removed")
	}
	if len(parts) == 0 {
		return "No differences: both versions hold the same cells."
	}
	return strings.Join(parts, "; ") + "."
}

// Differs is how many rows differ.
func (d *Table) Differs() int { return len(d.differing) }

// Rows is how many rows the comparison has in all.
func (d *Table) Rows() int { return len(d.entries) }

func plural(n int, noun string) string {
	s := formatCount(n) + " " + noun
	if n != 1 {
		s += "s"
	}
	return s
}

// formatCount writes an integer with thousands separators.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "“" + n + "”"
	}
	if len(q) == 1 {
		return "column " + q[0]
	}
	return "columns " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}
