package content

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"errors"
	"math"
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

func makeKey(row int, cell string) sortKey {
	if strings.TrimSpace(cell) == "" {
		return sortKey{row: row, kind: keyEmpty}
	}
	if v, _, ok := ParseNumber(cell); ok {
		return sortKey{row: row, kind: keyNumber, num: v}
	}
	return sortKey{row: row, kind: keyText, text: cell}
}

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
// heap never pins the reader's record buffers.
func (h *topK) offer(row int, cell string) {
	key := makeKey(row, cell)
	if len(h.keys) >= h.k {
		if !key.less(&h.keys[0], h.desc) {
			return
		}
		key.text = strings.Clone(key.text)
		h.keys[0] = key
		heap.Fix(h, 0)
		return
	}
	key.text = strings.Clone(key.text)
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
func appendLower(dst []byte, s string) []byte {
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
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, c)
		} else {
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
		i += n
	}
	return dst
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
		m := newMatcher(filter, col)
		rows := []int32{}
		fits := true
		err := t.scan(ctx, func(n int, rec []string) error {
			if !m.match(rec) {
				return nil
			}
			if n >= math.MaxInt32 || 4*int64(len(rows)+1) > t.opts.CacheBytes {
				fits = false
				return errStopScan
			}
			rows = append(rows, int32(n))
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

// flat returns all values in one slice.
func (c *chunked[T]) flat() []T {
	out := make([]T, 0, c.n)
	for _, b := range c.full {
		out = append(out, b...)
	}
	return append(out, c.cur...)
}

// numKey sorts a number cell: its value's bits made to sort as unsigned
// integers in numeric order.
type numKey struct {
	u   uint64
	row int32
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
	err := t.scan(ctx, func(n int, rec []string) error {
		if n >= math.MaxInt32 || 4*int64(n+1) > budget {
			fits = false
			return errStopScan
		}
		cell := ""
		if col < len(rec) {
			cell = rec[col]
		}
		switch {
		case strings.TrimSpace(cell) == "":
			empty.add(int32(n))
		default:
			if v, _, ok := ParseNumber(cell); ok {
				nums.add(numKey{u: orderedBits(v), row: int32(n)})
				break
			}
			if int64(arena.Len()+len(cell)) > maxText {
				fits = false
				return errStopScan
			}
			texts.add(textKey{off: uint32(arena.Len()), n: uint32(len(cell)), row: int32(n)})
			arena.WriteString(cell)
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	if err != nil || !fits {
		return nil, false, err
	}
	nk := nums.flat()
	nums = chunked[numKey]{}
	if desc {
		for i := range nk {
			nk[i].u = ^nk[i].u
		}
	}
	slices.SortFunc(nk, func(a, b numKey) int {
		if a.u != b.u {
			return cmp.Compare(a.u, b.u)
		}
		return cmp.Compare(a.row, b.row)
	})
	tk := texts.flat()
	texts = chunked[textKey]{}
	text := arena.String()
	slices.SortFunc(tk, func(a, b textKey) int {
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
	})
	out := make([]int32, 0, len(nk)+len(tk)+empty.n)
	addNums := func() {
		for _, k := range nk {
			out = append(out, k.row)
		}
	}
	addTexts := func() {
		for _, k := range tk {
			out = append(out, k.row)
		}
	}
	if desc {
		addTexts()
		addNums()
	} else {
		addNums()
		addTexts()
	}
	return append(out, empty.flat()...), true, nil
}
