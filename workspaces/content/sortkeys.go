package content

import (
	"bytes"
	"container/heap"
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
