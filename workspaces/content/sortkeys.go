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

// ordKey is a compact sort key: a number's bits, or where the cell's text
// lies in the text arena, so that a million keys take 16 MB.
type ordKey struct {
	v    uint64 // math.Float64bits of a number; offset<<32 | length of a text
	row  int32
	kind uint8
}

// buildSortOrder reads the column once, sorts its keys and returns the row
// numbers in order; fits is false if the table is too large for the cache
// (the keys and their text take at most 4*CacheBytes each while sorting).
func (t *Table) buildSortOrder(ctx context.Context, col int, desc bool) ([]int32, bool, error) {
	budget := t.opts.CacheBytes
	maxText := min(4*budget, math.MaxUint32)
	var keys []ordKey
	if idx := t.indexed(); idx != nil {
		if 4*int64(idx.total) > budget || idx.total >= math.MaxInt32 {
			return nil, false, nil
		}
		keys = make([]ordKey, 0, idx.total)
	}
	var text strings.Builder
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
		k := ordKey{row: int32(n), kind: keyEmpty}
		if strings.TrimSpace(cell) != "" {
			if v, _, ok := ParseNumber(cell); ok {
				k.kind, k.v = keyNumber, math.Float64bits(v)
			} else {
				if int64(text.Len()+len(cell)) > maxText {
					fits = false
					return errStopScan
				}
				k.kind, k.v = keyText, uint64(text.Len())<<32|uint64(len(cell))
				text.WriteString(cell)
			}
		}
		keys = append(keys, k)
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	if err != nil || !fits {
		return nil, false, err
	}
	arena := text.String()
	slices.SortFunc(keys, func(a, b ordKey) int { return compareOrd(&a, &b, arena, desc) })
	out := make([]int32, len(keys))
	for i := range keys {
		out[i] = keys[i].row
	}
	return out, true, nil
}

// compareOrd orders two keys exactly as sortKey.less does.
func compareOrd(a, b *ordKey, arena string, desc bool) int {
	if a.kind == keyEmpty || b.kind == keyEmpty {
		if a.kind != b.kind {
			if b.kind == keyEmpty {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.row, b.row)
	}
	c := 0
	switch {
	case a.kind != b.kind:
		c = int(a.kind) - int(b.kind)
	case a.kind == keyNumber:
		x, y := math.Float64frombits(a.v), math.Float64frombits(b.v)
		if x < y {
			c = -1
		} else if x > y {
			c = 1
		}
	default:
		sa := arena[a.v>>32 : a.v>>32+a.v&math.MaxUint32]
		sb := arena[b.v>>32 : b.v>>32+b.v&math.MaxUint32]
		c = compareFold(sa, sb)
		if c == 0 {
			c = strings.Compare(sa, sb)
		}
	}
	if desc {
		c = -c
	}
	if c != 0 {
		return c
	}
	return cmp.Compare(a.row, b.row)
}
