package checks

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// kind is what a cell holds.
type kind uint8

const (
	kindText      kind = iota // words, labels, anything else
	kindNumber                // a number (see cell)
	kindExplicit              // an explicit redaction marker: [REDACTED], *, <8
	kindAmbiguous             // blank, NA, "-": missing or redacted, nobody can tell
	kindAbsent                // the row ended before this column
)

// cell is one parsed cell of a count or statistic column.
type cell struct {
	raw string // trimmed
	v   float64
	// pct is the percentage of an "n (p%)" cell, whose count is v.
	pct float64
	// spelling identifies an explicit marker's spelling (see markers).
	spelling string
	// bound is, for a bound marker such as "<5" or "<=7", the largest
	// value it allows (4, 7); -1 otherwise.
	bound int32
	// decimals is how many digits follow the point (for rate-mismatch).
	decimals int8
	kind     kind
	whole    bool // v is a whole number written without a point or exponent
	percent  bool // written with a trailing %
	hasPct   bool
}

// counted reports whether the cell is a count: a whole number >= 0.
func (c *cell) counted() bool { return c.kind == kindNumber && c.whole && c.v >= 0 && !c.percent }

// count is the count as a message shows it: the number alone for an
// "n (p%)" cell.
func (c *cell) count() string {
	if c.hasPct {
		return formatNumber(c.v)
	}
	return c.raw
}

// suppressed reports whether the cell stands for a hidden value.
func (c *cell) suppressed() bool { return c.kind == kindExplicit || c.kind == kindAmbiguous }

// maxMarkerBytes bounds a marker's normalised spelling.
const maxMarkerBytes = 24

// markers recognises redaction markers by their normalised spelling.
type markers struct {
	explicit  map[string]string // to itself, so a lookup gives a string without allocating
	ambiguous map[string]bool
}

func newMarkers(s Settings) *markers {
	m := &markers{explicit: map[string]string{}, ambiguous: map[string]bool{"": true}}
	for _, e := range s.MarkersExplicit {
		n := normalizeMarker(e)
		m.explicit[n] = n
	}
	for _, a := range s.MarkersAmbiguous {
		m.ambiguous[normalizeMarker(a)] = true
	}
	return m
}

// normalizeMarker lower-cases s and removes its white space.
func normalizeMarker(s string) string {
	var b strings.Builder
	for _, r := range s {
		if !unicode.IsSpace(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// classify finds the marker in a trimmed non-number cell: its kind, and
// for bounds the largest value allowed. It does not allocate.
func (m *markers) classify(s string) (k kind, bound int32, norm string) {
	var buf [maxMarkerBytes]byte
	n := 0
	for _, r := range s {
		if r < utf8.RuneSelf {
			if r == ' ' || ('\t' <= r && r <= '\r') {
				continue
			}
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
		} else {
			if unicode.IsSpace(r) {
				continue
			}
			r = unicode.ToLower(r)
		}
		if n+utf8.RuneLen(r) > len(buf) {
			return kindText, -1, ""
		}
		n += utf8.EncodeRune(buf[n:], r)
	}
	b := buf[:n]
	if m.ambiguous[string(b)] {
		return kindAmbiguous, -1, ""
	}
	if n, ok := m.explicit[string(b)]; ok {
		return kindExplicit, -1, n
	}
	if v, ok := boundOf(b); ok {
		return kindExplicit, int32(v), string(b)
	}
	return kindText, -1, ""
}

// boundOf reads a bound marker, <k, <=k or ≤k, as the largest value it
// allows: k-1, or k.
func boundOf(b []byte) (int, bool) {
	strict := false
	switch {
	case len(b) > 2 && b[0] == '<' && b[1] == '=':
		b = b[2:]
	case len(b) > 3 && string(b[:3]) == "≤":
		b = b[3:]
	case len(b) > 1 && b[0] == '<':
		b, strict = b[1:], true
	default:
		return 0, false
	}
	if len(b) > 9 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	if strict {
		v--
	}
	return v, true
}

// Number is a cell read as a plain decimal number by the caller, for
// AddNumbers: a statistics pass (package content's Number, whose fields
// these are, so that one converts to the other) reads every cell once and
// shares the result. OK says whether the cell, trimmed of white space
// (strings.TrimSpace), is an optional sign, digits with at most one
// decimal point and an optional exponent, of a finite value; Value is
// that value correctly rounded, Int says it has neither point nor
// exponent, Decimals counts the digits after the point, and Padded says
// whether trimming removed anything.
type Number struct {
	Value    float64
	Decimals int16
	OK       bool
	Int      bool
	Padded   bool
}

// readCell is parseCell for a cell the caller has read as a number: a
// plain number, nearly every cell of a large table, is not parsed again.
func (m *markers) readCell(c *cell, raw string, n *Number, commas bool) {
	if n.OK {
		s := raw
		if n.Padded {
			s = strings.TrimSpace(raw)
		}
		if len(s) <= maxNumberBytes {
			// What parseNumber would find: with or without thousands
			// commas, a number without any reads the same.
			*c = cell{raw: s, v: n.Value, bound: -1, kind: kindNumber, whole: n.Int, decimals: int8(min(n.Decimals, 127))}
			return
		}
	}
	m.parseCell(c, raw, commas)
}

// parseCell reads a count or statistic cell into c. commas allows
// thousands separators (decided per column).
func (m *markers) parseCell(c *cell, raw string, commas bool) {
	// Most cells of a large table are short plain counts: read them
	// without trimming or the general parser.
	if n := len(raw); n > 0 && n <= 15 {
		var u uint64
		i := 0
		for ; i < n; i++ {
			d := raw[i] - '0'
			if d > 9 {
				break
			}
			u = u*10 + uint64(d)
		}
		if i == n {
			*c = cell{raw: raw, v: float64(u), bound: -1, kind: kindNumber, whole: true}
			return
		}
	}
	s := strings.TrimSpace(raw)
	*c = cell{raw: s, bound: -1}
	if s == "" {
		c.kind = kindAmbiguous
		return
	}
	if v, whole, dec, pct, ok := parseNumber(s, commas); ok {
		c.kind, c.v, c.whole, c.decimals, c.percent = kindNumber, v, whole, int8(min(dec, 127)), pct
		return
	}
	if n, p, ok := parseCountPercent(s, commas); ok {
		c.kind, c.v, c.whole, c.pct, c.hasPct = kindNumber, n, true, p, true
		return
	}
	c.kind, c.bound, c.spelling = m.classify(s)
}

// maxNumberBytes bounds a number's length, its sign and % included.
const maxNumberBytes = 64

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber reads a trimmed decimal number: an optional sign, digits
// (grouped by thousands commas when commas is set), an optional fraction
// and exponent, and an optional trailing %. whole is true for a number
// without point or exponent; dec counts the digits after the point.
func parseNumber(s string, commas bool) (v float64, whole bool, dec int, percent bool, ok bool) {
	if n := len(s); n > 0 && s[n-1] == '%' {
		s, percent = strings.TrimRight(s[:n-1], " "), true
	}
	n := len(s)
	if n == 0 || n > maxNumberBytes {
		return 0, false, 0, false, false
	}
	i := 0
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		i++
	}
	var mant uint64
	digits, sig := 0, 0
	group, grouped := 0, false // digits since the last comma
	for ; i < n; i++ {
		ch := s[i]
		if ch >= '0' && ch <= '9' {
			digits++
			group++
			if sig > 0 || ch != '0' {
				sig++
			}
			if sig <= 18 {
				mant = mant*10 + uint64(ch-'0')
			}
			continue
		}
		if ch == ',' && commas {
			if (grouped && group != 3) || (!grouped && (group == 0 || group > 3)) {
				return 0, false, 0, false, false
			}
			grouped, group = true, 0
			continue
		}
		break
	}
	if grouped && group != 3 {
		return 0, false, 0, false, false
	}
	dot := false
	if i < n && s[i] == '.' {
		dot = true
		i++
		for ; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
			dec++
			if sig > 0 || s[i] != '0' {
				sig++
			}
			if sig <= 18 {
				mant = mant*10 + uint64(s[i]-'0')
			}
		}
	}
	if digits == 0 {
		return 0, false, 0, false, false
	}
	exp := false
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		exp = true
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ed := 0
		for ; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
			ed++
		}
		if ed == 0 {
			return 0, false, 0, false, false
		}
	}
	if i != n {
		return 0, false, 0, false, false
	}
	whole = !dot && !exp
	if !exp && sig <= 15 && dec < len(pow10) {
		// Both the digits and the power of ten are exact, so one
		// division is correctly rounded, as strconv would be.
		v = float64(mant) / pow10[dec]
	} else {
		clean := s
		if grouped {
			clean = strings.ReplaceAll(s, ",", "")
		}
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, false, 0, false, false
		}
		v = math.Abs(f)
	}
	if neg {
		v = -v
	}
	return v, whole, dec, percent, true
}

// parseCountPercent reads a count with its percentage, "12 (4.5%)" or
// "12 (4.5)", as table one of a paper shows them.
func parseCountPercent(s string, commas bool) (n, p float64, ok bool) {
	open := strings.IndexByte(s, '(')
	if open <= 0 || !strings.HasSuffix(s, ")") {
		return 0, 0, false
	}
	v, whole, _, pct, ok := parseNumber(strings.TrimSpace(s[:open]), commas)
	if !ok || !whole || pct || v < 0 {
		return 0, 0, false
	}
	inner := strings.TrimSpace(s[open+1 : len(s)-1])
	p, _, _, _, ok = parseNumber(inner, false)
	if !ok {
		return 0, 0, false
	}
	return v, p, true
}

// formatNumber writes a number the way people read it.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// formatApprox writes a recovered value: whole numbers as they are,
// others to one decimal place.
func formatApprox(v float64) string {
	if math.Abs(v-math.Round(v)) < 1e-9 {
		return formatNumber(math.Round(v))
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

// isTotalLabel reports whether a trimmed label names a total; labels are
// normalised (see normalizeLabel). It is asked of every label of every
// row, so it compares without allocating and rejects by the first letter.
func isTotalLabel(labels []string, s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	first := s[0]
	if 'A' <= first && first <= 'Z' {
		first += 'a' - 'A'
	}
	candidate := first >= utf8.RuneSelf
	for _, l := range labels {
		if l[0] == first {
			if strings.EqualFold(s, l) {
				return true
			}
			candidate = true
		}
	}
	if candidate {
		// "Grand  Total", or a label that is not ASCII.
		n := normalizeLabel(s)
		for _, l := range labels {
			if n == l {
				return true
			}
		}
	}
	return false
}

// normalizeLabel lower-cases and trims a label and collapses its spaces.
func normalizeLabel(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
