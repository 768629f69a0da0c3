package content

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sort order of a column: numbers (by value) before text (ignoring case,
// then by bytes); empty cells always come last, in either direction; ties
// keep file order.
const (
	keyNumber = iota
	keyText
	keyEmpty
)

type sortKey struct {
	row  int
	kind uint8
	num  float64
	text string
}

// cellKind classifies a cell for sorting, and gives a number's value.
func cellKind(cell []byte) (kind uint8, num float64) {
	if len(bytes.TrimSpace(cell)) == 0 {
		return keyEmpty, 0
	}
	// ParseNumber wants a digit, a sign or a point after any space: most
	// text is told apart by its first byte, without making a string.
	if c := cell[0]; c < utf8.RuneSelf && !asciiSpace[c] && (c < '0' || c > '9') && c != '+' && c != '-' && c != '.' {
		return keyText, 0
	}
	if v, _, ok := ParseNumber(string(cell)); ok {
		return keyNumber, v
	}
	return keyText, 0
}

var asciiSpace = [utf8.RuneSelf]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

// less reports whether a sorts before b.
func (a *sortKey) less(b *sortKey, desc bool) bool {
	if a.kind == keyEmpty || b.kind == keyEmpty {
		if a.kind != b.kind {
			return b.kind == keyEmpty
		}
		return a.row < b.row
	}
	c := 0
	switch {
	case a.kind != b.kind:
		c = int(a.kind) - int(b.kind)
	case a.kind == keyNumber:
		if a.num < b.num {
			c = -1
		} else if a.num > b.num {
			c = 1
		}
	default:
		c = compareFold(a.text, b.text)
		if c == 0 {
			c = strings.Compare(a.text, b.text)
		}
	}
	if desc {
		c = -c
	}
	if c != 0 {
		return c < 0
	}
	return a.row < b.row
}

// compareFold compares two strings ignoring case, without allocating.
func compareFold(a, b string) int {
	for a != "" && b != "" {
		var ra, rb rune
		if c := a[0]; c < utf8.RuneSelf {
			ra, a = rune(c), a[1:]
		} else {
			r, n := utf8.DecodeRuneInString(a)
			ra, a = r, a[n:]
		}
		if c := b[0]; c < utf8.RuneSelf {
			rb, b = rune(c), b[1:]
		} else {
			r, n := utf8.DecodeRuneInString(b)
			rb, b = r, b[n:]
		}
		if ra == rb {
			continue
		}
		ra, rb = unicode.ToLower(ra), unicode.ToLower(rb)
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

// topK keeps the k smallest keys seen, as a max-heap on the sort order.
type topK struct {
	k    int
	desc bool
	keys []sortKey
}

func newTopK(k int, desc bool) *topK { return &topK{k: k, desc: desc} }

func (h *topK) Len() int           { return len(h.keys) }
func (h *topK) Less(i, j int) bool { return h.keys[j].less(&h.keys[i], h.desc) } // max-heap
func (h *topK) Swap(i, j int)      { h.keys[i], h.keys[j] = h.keys[j], h.keys[i] }
func (h *topK) Push(x any)         { h.keys = append(h.keys, x.(sortKey)) }
func (h *topK) Pop() any {
	x := h.keys[len(h.keys)-1]
	h.keys = h.keys[:len(h.keys)-1]
	return x
}

// offer considers one cell; the text is copied only if it is kept, so the
// heap never pins the reader's buffers.
func (h *topK) offer(row int, cell []byte) {
	key := sortKey{row: row}
	key.kind, key.num = cellKind(cell)
	if key.kind == keyText {
		key.text = string(cell)
	}
	if len(h.keys) >= h.k {
		if !key.less(&h.keys[0], h.desc) {
			return
		}
		h.keys[0] = key
		heap.Fix(h, 0)
		return
	}
	heap.Push(h, key)
}

// sorted returns the kept keys in sort order.
func (h *topK) sorted() []sortKey {
	out := slices.Clone(h.keys)
	slices.SortFunc(out, func(a, b sortKey) int {
		if a.less(&b, h.desc) {
			return -1
		}
		if b.less(&a, h.desc) {
			return 1
		}
		return 0
	})
	return out
}

func sortInts(s []int) { slices.Sort(s) }

// matcher implements the table filter: every term must occur, ignoring
// case, in the chosen column or (col -1) in some cell of the row.
type matcher struct {
	terms [][]byte
	col   int
	buf   []byte
}

func newMatcher(filter string, col int) *matcher {
	m := &matcher{col: col}
	for _, f := range strings.Fields(filter) {
		m.terms = append(m.terms, appendLower(nil, f))
	}
	return m
}

func (m *matcher) match(rec []string) bool {
	m.buf = m.buf[:0]
	if m.col >= 0 {
		if m.col < len(rec) {
			m.buf = appendLower(m.buf, rec[m.col])
		}
	} else {
		for _, c := range rec {
			m.buf = appendLower(m.buf, c)
			m.buf = append(m.buf, 0)
		}
	}
	for _, t := range m.terms {
		if !bytes.Contains(m.buf, t) {
			return false
		}
	}
	return true
}

// appendLower appends s lower-cased; bytes that are not valid UTF-8 are
// kept as they are.
func appendLower[T string | []byte](dst []byte, s T) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += n
	}
	return dst
}

// rawFilter decides a filter on a row's bytes, without cutting the row
// into cells. A term without a quote, separator or NUL byte (nor a line
// end, which Fields never leaves in one) occurs in a lower-cased cell
// exactly when it occurs in the lower-cased bytes of that cell, or for any
// cell in those of the row: such a term can only lie within a run of
// bytes that the CSV reader keeps as they are (it only drops quotes and
// CRs, and cuts at separators), and lower-casing goes rune by rune, runs
// beginning and ending at ASCII bytes. Other terms are looked for in the
// cells, in the rows that have the others.
//
// Each term's next place in the pass's buffer is found once for all the
// rows before it. A term with ASCII bytes other than letters (such as
// "2003" in "q2003") is looked for by the longest run of them, its anchor,
// in the bytes as they are: lower-casing keeps those bytes and never makes
// them, so a row without the anchor cannot have the term; rows with all
// anchors are then lower-cased one by one, as matcher does. When no term
// has an anchor, ASCII rows are looked up in a lower-cased copy of the
// whole buffer, and other rows lower-cased one by one.
type rawFilter struct {
	m        *matcher
	clean    [][]byte // the terms looked for in the bytes
	exact    bool     // all terms are
	anchors  [][]byte // each clean term's anchor, or nil
	anchored bool     // some term has an anchor
	caseFree bool     // each clean term is its own anchor
	buf      []byte

	gen   int    // the buffer fill that the places below are of
	next  []int  // where each anchor or term next occurs, or past the end
	lower []byte // without anchors: the buffer, ASCII letters lower-cased
	high  int    // where in lower the next byte of 0x80 or more is
}

func newRawFilter(m *matcher, comma byte) *rawFilter {
	f := &rawFilter{m: m, exact: true, caseFree: true, gen: -1}
	for _, t := range m.terms {
		if bytes.IndexByte(t, '"') >= 0 || bytes.IndexByte(t, comma) >= 0 || bytes.ContainsAny(t, "\x00\r\n") {
			f.exact = false
			continue
		}
		f.clean = append(f.clean, t)
		a := anchorOf(t)
		f.anchors = append(f.anchors, a)
		f.anchored = f.anchored || a != nil
		f.caseFree = f.caseFree && len(a) == len(t)
	}
	f.anchored = f.anchored || len(f.clean) == 0 // then nothing to look up
	f.next = make([]int, len(f.clean))
	return f
}

// anchorOf returns the longest run of t's bytes that are ASCII and not
// letters, or nil.
func anchorOf(t []byte) []byte {
	var best []byte
	for i := 0; i < len(t); {
		j := i
		for j < len(t) && t[j] < utf8.RuneSelf && !('a' <= t[j]|0x20 && t[j]|0x20 <= 'z') {
			j++
		}
		if j-i > len(best) {
			best = t[i:j]
		}
		i = j + 1
	}
	return best
}

// indexFrom returns where sep next occurs in b from from, or len(b).
// bytes.Index slows down to a call of IndexByte per occurrence of sep's
// first byte, and in tables of numbers a digit occurs every few bytes:
// this looks for sep's first two bytes eight places at a time instead.
func indexFrom(b []byte, from int, sep []byte) int {
	if len(sep) < 2 {
		if k := bytes.Index(b[from:], sep); k >= 0 {
			return from + k
		}
		return len(b)
	}
	c0, c1 := repeat8(sep[0]), repeat8(sep[1])
	i := from
	for ; i+9 <= len(b); i += 8 {
		m := zeroBytes(binary.LittleEndian.Uint64(b[i:])^c0) & zeroBytes(binary.LittleEndian.Uint64(b[i+1:])^c1)
		for m != 0 {
			k := i + bits.TrailingZeros64(m)/8
			if bytes.HasPrefix(b[k:], sep) {
				return k
			}
			m &= m - 1
		}
	}
	if k := bytes.Index(b[i:], sep); k >= 0 {
		return i + k
	}
	return len(b)
}

// match reports whether the row matches the filter.
func (f *rawFilter) match(r *rawRow) (bool, error) {
	p := r.p
	from, to, whole := r.at, r.at+len(r.raw), f.m.col < 0
	if f.m.col >= 0 && p.col == f.m.col {
		// The pass found the filter's column.
		from, to, whole = r.at, r.at, true
		if r.cellFrom >= 0 {
			from, to = r.at+r.cellFrom, r.at+r.cellTo
		}
	}
	if f.gen != p.gen {
		f.gen = p.gen
		for i := range f.next {
			f.next[i] = -1
		}
		f.high = -1
		if !f.anchored {
			var ascii bool
			f.lower, ascii = lowerASCII(f.lower[:0], p.buf[:p.end])
			if ascii {
				f.high = len(f.lower)
			}
		}
	}
	if f.anchored {
		for i, a := range f.anchors {
			if a == nil {
				continue
			}
			if f.next[i] < from {
				f.next[i] = indexFrom(p.buf[:p.end], from, a)
			}
			if f.next[i]+len(a) > to {
				return false, nil
			}
		}
		if !f.caseFree && !f.containsAll(p.buf[from:to]) {
			return false, nil
		}
	} else if f.high < from {
		f.high = len(f.lower)
		if i := indexNonASCII(f.lower[from:]); i >= 0 {
			f.high = from + i
		}
	}
	if f.anchored {
		// Decided above.
	} else if f.high >= to {
		for i, t := range f.clean {
			if f.next[i] < from {
				f.next[i] = indexFrom(f.lower, from, t)
			}
			if f.next[i]+len(t) > to {
				return false, nil
			}
		}
	} else if !f.containsAll(p.buf[from:to]) {
		return false, nil
	}
	if f.exact && whole {
		return true, nil
	}
	rec, err := r.record()
	if err != nil {
		return false, err
	}
	return f.m.match(rec), nil
}

// containsAll reports whether b lower-cased has every clean term.
func (f *rawFilter) containsAll(b []byte) bool {
	f.buf = appendLower(f.buf[:0], b)
	for _, t := range f.clean {
		if !bytes.Contains(f.buf, t) {
			return false
		}
	}
	return true
}

// lowerASCII appends b with its ASCII capitals lower-cased, eight bytes at
// a time; other bytes are kept. It also reports whether b is all ASCII.
func lowerASCII(dst, b []byte) ([]byte, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	n := len(dst)
	dst = slices.Grow(dst, len(b))[:n+len(b)]
	out := dst[n:]
	var seen uint64 // the high bits of all bytes
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		seen |= x
		low := x &^ highs // each byte's low seven bits
		// The high bit of each byte of up is set for 'A'..'Z' only.
		up := ((low + ones*(0x80-'A')) ^ (low + ones*(0x7f-'Z'))) &^ x & highs
		binary.LittleEndian.PutUint64(out[i:], x|up>>2)
	}
	for ; i < len(b); i++ {
		c := b[i]
		seen |= uint64(c)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return dst, seen&highs == 0
}

// indexNonASCII returns the index of the first byte of b of 0x80 or more,
// or -1.
func indexNonASCII(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// maxCachedOrders bounds how many sort orders and filters one table keeps.
const maxCachedOrders = 8

// orderCache keeps the row order of sorted columns and the matching rows
// of filters, so later pages of the same view cost a read of their own
// rows only. It is guarded by Table.mu.
type orderCache struct {
	entries map[orderKey]*orderEntry
	bytes   int64
	tick    uint64
}

// orderKey names a sort order (filter "") or a filter's matches (sortCol -1).
type orderKey struct {
	sortCol   int
	desc      bool
	filter    string
	filterCol int
}

type orderEntry struct {
	rows   []int32 // nil when it did not fit
	ready  chan struct{}
	done   bool  // ready is closed; guarded by Table.mu
	err    error // building failed (a cancelled request, say): build again
	used   uint64
	nbytes int64
}

// errStopScan ends a scan early without an error.
var errStopScan = errors.New("stop scan")

// cachedOrder returns the cached rows for key, building them with build
// the first time (concurrent callers wait for one build). It returns nil
// when the cache is off or the rows do not fit in it.
func (t *Table) cachedOrder(ctx context.Context, key orderKey, build func(context.Context) (rows []int32, fits bool, err error)) ([]int32, error) {
	if t.opts.CacheBytes < 0 {
		return nil, nil
	}
	for {
		t.mu.Lock()
		c := &t.orders
		if c.entries == nil {
			c.entries = map[orderKey]*orderEntry{}
		}
		c.tick++
		if e, ok := c.entries[key]; ok {
			e.used = c.tick
			t.mu.Unlock()
			select {
			case <-e.ready:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if e.err != nil {
				continue // the failed entry is gone: build it here
			}
			return e.rows, nil
		}
		e := &orderEntry{ready: make(chan struct{}), used: c.tick}
		c.entries[key] = e
		t.mu.Unlock()

		rows, fits, err := build(ctx)
		t.mu.Lock()
		switch {
		case err != nil:
			e.err = err
			delete(c.entries, key)
		case fits:
			e.rows, e.nbytes = rows, 4*int64(len(rows))
			c.bytes += e.nbytes
		}
		e.done = true
		close(e.ready)
		t.evictOrders(e)
		t.mu.Unlock()
		return e.rows, err
	}
}

// evictOrders drops the least recently used entries (other than keep and
// those being built) beyond the cache's bounds; t.mu must be held.
func (t *Table) evictOrders(keep *orderEntry) {
	c := &t.orders
	for c.bytes > t.opts.CacheBytes || len(c.entries) > maxCachedOrders {
		var oldest orderKey
		var old *orderEntry
		for k, e := range c.entries {
			if e != keep && e.done && (old == nil || e.used < old.used) {
				oldest, old = k, e
			}
		}
		if old == nil {
			return
		}
		delete(c.entries, oldest)
		c.bytes -= old.nbytes
	}
}

// sortOrder returns the data row numbers in the sort order of a column, or
// nil when they do not fit in the cache.
func (t *Table) sortOrder(ctx context.Context, col int, desc bool) ([]int32, error) {
	return t.cachedOrder(ctx, orderKey{sortCol: col, desc: desc, filterCol: -1}, func(ctx context.Context) ([]int32, bool, error) {
		return t.buildSortOrder(ctx, col, desc)
	})
}

// filterMatches returns the numbers of the data rows matching a filter, in
// file order, or nil when they do not fit in the cache.
func (t *Table) filterMatches(ctx context.Context, filter string, col int) ([]int32, error) {
	return t.cachedOrder(ctx, orderKey{sortCol: -1, filter: filter, filterCol: col}, func(ctx context.Context) ([]int32, bool, error) {
		rows := []int32{}
		fits := true
		err := t.eachRow(ctx, -1, newMatcher(filter, col), func() { rows, fits = rows[:0], true }, func(r *rawRow) error {
			if r.n >= math.MaxInt32 || 4*int64(len(rows)+1) > t.opts.CacheBytes {
				fits = false
				return errStopScan
			}
			rows = append(rows, int32(r.n))
			return nil
		})
		if errors.Is(err, errStopScan) {
			err = nil
		}
		return rows, fits && err == nil, err
	})
}

// chunked collects values in blocks, so that collecting a million of them
// does not copy and re-copy one growing slice.
type chunked[T any] struct {
	full [][]T
	cur  []T
	n    int
}

func (c *chunked[T]) add(v T) {
	if len(c.cur) == cap(c.cur) {
		if c.cur != nil {
			c.full = append(c.full, c.cur)
		}
		c.cur = make([]T, 0, 1<<15)
	}
	c.cur = append(c.cur, v)
	c.n++
}

// each calls fn with the values in the order they were added.
func (c *chunked[T]) each(fn func(T)) {
	for _, b := range append(c.full, c.cur) {
		for _, v := range b {
			fn(v)
		}
	}
}

// sorted calls fn with the values in the order of cmp: it sorts each block
// in place with sortBlock and merges them, so that sorting takes no second
// copy of the values.
func (c *chunked[T]) sorted(sortBlock func([]T), cmp func(a, b T) int, fn func(T)) {
	var heads [][]T // a min-heap of the blocks, on their first values
	for _, b := range append(c.full, c.cur) {
		if len(b) > 0 {
			sortBlock(b)
			heads = append(heads, b)
		}
	}
	less := func(i, j int) bool { return cmp(heads[i][0], heads[j][0]) < 0 }
	down := func(i int) {
		for {
			m := i
			if l := 2*i + 1; l < len(heads) && less(l, m) {
				m = l
			}
			if r := 2*i + 2; r < len(heads) && less(r, m) {
				m = r
			}
			if m == i {
				return
			}
			heads[i], heads[m] = heads[m], heads[i]
			i = m
		}
	}
	for i := len(heads)/2 - 1; i >= 0; i-- {
		down(i)
	}
	for len(heads) > 0 {
		fn(heads[0][0])
		if heads[0] = heads[0][1:]; len(heads[0]) == 0 {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		}
		down(0)
	}
}

// numKey sorts a number cell: its value's bits made to sort as unsigned
// integers in numeric order.
type numKey struct {
	u   uint64
	row int32
}

// radixSortNumKeys sorts keys by u, equal ones keeping their order, a byte
// at a time (bytes the same in all keys are skipped); scratch is as long
// as keys.
func radixSortNumKeys(keys, scratch []numKey) {
	var counts [8][256]int
	for _, k := range keys {
		for d := range counts {
			counts[d][byte(k.u>>(8*d))]++
		}
	}
	src, dst := keys, scratch[:len(keys)]
	for d := range counts {
		count := &counts[d]
		if len(src) == 0 || count[byte(src[0].u>>(8*d))] == len(src) {
			continue
		}
		sum := 0
		for i, c := range count {
			count[i], sum = sum, sum+c
		}
		for _, k := range src {
			b := byte(k.u >> (8 * d))
			dst[count[b]] = k
			count[b]++
		}
		src, dst = dst, src
	}
	if len(keys) > 0 && &src[0] != &keys[0] {
		copy(keys, src)
	}
}

// textKey sorts a text cell: where its text lies in the text arena.
type textKey struct {
	off, n uint32
	row    int32
}

// orderedBits maps a float64 to a uint64 with the same order (-0 as 0).
func orderedBits(v float64) uint64 {
	if v == 0 {
		v = 0
	}
	b := math.Float64bits(v)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

// buildSortOrder reads the column once, sorts its keys and returns the row
// numbers in order; fits is false if the table is too large for the cache
// (while sorting, the keys take 16 bytes a row and the text of the text
// cells at most 4*CacheBytes). The order is that of sortKey.less: numbers
// by value, then texts ignoring case (the other way round when
// descending), then empty cells; ties in file order.
func (t *Table) buildSortOrder(ctx context.Context, col int, desc bool) ([]int32, bool, error) {
	budget := t.opts.CacheBytes
	maxText := min(4*budget, math.MaxUint32)
	if idx := t.indexed(); idx != nil && (4*int64(idx.total) > budget || idx.total >= math.MaxInt32) {
		return nil, false, nil
	}
	var nums chunked[numKey]
	var texts chunked[textKey]
	var empty chunked[int32]
	var arena strings.Builder
	fits := true
	reset := func() {
		nums, texts, empty, fits = chunked[numKey]{}, chunked[textKey]{}, chunked[int32]{}, true
		arena.Reset()
	}
	err := t.eachRow(ctx, col, nil, reset, func(r *rawRow) error {
		n := r.n
		if n >= math.MaxInt32 || 4*int64(n+1) > budget {
			fits = false
			return errStopScan
		}
		cell, err := r.cell()
		if err != nil {
			return err
		}
		switch kind, v := cellKind(cell); kind {
		case keyEmpty:
			empty.add(int32(n))
		case keyNumber:
			u := orderedBits(v)
			if desc {
				u = ^u
			}
			nums.add(numKey{u: u, row: int32(n)})
		default:
			if int64(arena.Len()+len(cell)) > maxText {
				fits = false
				return errStopScan
			}
			texts.add(textKey{off: uint32(arena.Len()), n: uint32(len(cell)), row: int32(n)})
			arena.Write(cell)
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	if err != nil || !fits {
		return nil, false, err
	}
	text := arena.String()
	out := make([]int32, 0, nums.n+texts.n+empty.n)
	addNums := func() {
		// The keys of a block are in row order: a stable sort on u alone
		// leaves ties in file order.
		scratch := make([]numKey, min(nums.n, cap(nums.cur)))
		radix := func(b []numKey) { radixSortNumKeys(b, scratch) }
		nums.sorted(radix, func(a, b numKey) int {
			if a.u != b.u {
				return cmp.Compare(a.u, b.u)
			}
			return cmp.Compare(a.row, b.row)
		}, func(k numKey) { out = append(out, k.row) })
	}
	addTexts := func() {
		order := func(a, b textKey) int {
			sa, sb := text[a.off:a.off+a.n], text[b.off:b.off+b.n]
			c := compareFold(sa, sb)
			if c == 0 {
				c = strings.Compare(sa, sb)
			}
			if desc {
				c = -c
			}
			if c != 0 {
				return c
			}
			return cmp.Compare(a.row, b.row)
		}
		texts.sorted(func(b []textKey) { slices.SortFunc(b, order) }, order, func(k textKey) { out = append(out, k.row) })
	}
	if desc {
		addTexts()
		addNums()
	} else {
		addNums()
		addTexts()
	}
	empty.each(func(r int32) { out = append(out, r) })
	return out, true, nil
}
