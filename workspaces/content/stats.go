package content

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ColumnType is the type of a column as the summary statistics see it.
type ColumnType string

// Column types. A column is text unless every cell that is neither missing
// nor redacted is a number.
const (
	ColumnText    ColumnType = "text"    // no numbers (this includes all-missing columns)
	ColumnInteger ColumnType = "integer" // every value is a whole number
	ColumnFloat   ColumnType = "float"   // every value is a number, some with decimals or exponents
	ColumnMixed   ColumnType = "mixed"   // some values are numbers and some are not
)

// SmallCountLimit is the upper bound of the small-number flag: numeric cells
// with 0 < value <= SmallCountLimit are counted in ColumnStats.Small.
const SmallCountLimit = 7

// MissingMarkers are the normalised cell values counted as missing.
var MissingMarkers = []string{"", "null", "none", "nan"}

// RedactedMarkers are the normalised cell values counted as redacted.
var RedactedMarkers = []string{"[redacted]", "redacted", "na", "n/a", "<=7"}

// ColumnStats summarises one column. The numeric fields (Min, MinNonZero,
// Max, Sum and the divisibility flags) are meaningful only when Numeric()
// is true.
type ColumnStats struct {
	Name     string
	Type     ColumnType
	Total    int // cells in the column: one per data row, absent cells of short rows included
	Numbers  int // cells that parse as numbers
	Missing  int // cells whose normalised value is a MissingMarker
	Redacted int // cells whose normalised value is a RedactedMarker

	Min, Max, Sum float64
	// MinNonZero is the non-zero value closest to zero (its sign kept);
	// HasNonZero is false when every value is zero.
	MinNonZero float64
	HasNonZero bool
	// DivisibleBy5, DivisibleBy6 and Midpoint6 hold when every numeric value
	// x satisfies x mod 5 == 0, x mod 6 == 0, or x == 0 || (x-3) mod 6 == 0.
	DivisibleBy5, DivisibleBy6, Midpoint6 bool

	// Small counts numeric cells with 0 < x <= SmallCountLimit, in any
	// column type: a hint for checkers looking for unredacted small counts.
	Small int

	others int     // non-numeric values that are neither missing nor redacted
	sumC   float64 // Neumaier compensation for Sum
}

// Numeric reports whether the column is fully numeric, so that its minimum,
// maximum, sum and divisibility are shown.
func (c *ColumnStats) Numeric() bool {
	return c.Type == ColumnInteger || c.Type == ColumnFloat
}

// Stats are the summary statistics of a table.
type Stats struct {
	Rows    int // data rows, the header not counted
	Columns []ColumnStats
	// Notes explain anything that limited the statistics.
	Notes []string
}

const (
	markerNone = iota
	markerMissing
	markerRedacted
)

// cellText is a cell as a string, or as bytes of the row a pass is reading.
type cellText interface{ ~string | ~[]byte }

// markerOf classifies a cell as missing, redacted or neither, comparing its
// normalised form (white space removed, lower-cased) without allocating.
func markerOf[T cellText](cell T) int {
	// Every marker starts with one of these once spaces are skipped,
	// which rules most words out at their first letter.
	for i := 0; i < len(cell); i++ {
		if c := cell[i]; c != ' ' && (c < '\t' || c > '\r') {
			switch c | 0x20 {
			case 'n', 'r', '[' | 0x20, '<' | 0x20:
			default:
				if c < utf8.RuneSelf {
					return markerNone
				}
			}
			break
		}
	}
	var buf [12]byte
	n := 0
	// ASCII first, byte by byte: nearly every cell is, and decoding runes
	// costs more than the rest of the statistics.
	i := 0
	for ; i < len(cell); i++ {
		c := cell[i]
		if c >= utf8.RuneSelf {
			break
		}
		if c == ' ' || ('\t' <= c && c <= '\r') {
			continue
		}
		if n == len(buf) {
			return markerNone
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	for _, r := range string(cell[i:]) {
		if unicode.IsSpace(r) {
			continue
		}
		r = unicode.ToLower(r)
		if r >= utf8.RuneSelf || n == len(buf) {
			return markerNone // every marker is short ASCII
		}
		buf[n] = byte(r)
		n++
	}
	norm := buf[:n]
	switch {
	case isMissing(string(norm)):
		return markerMissing
	case isRedacted(string(norm)):
		return markerRedacted
	}
	return markerNone
}

func isMissing(norm string) bool {
	switch norm {
	case "", "null", "none", "nan":
		return true
	}
	return false
}

func isRedacted(norm string) bool {
	switch norm {
	case "[redacted]", "redacted", "na", "n/a", "<=7":
		return true
	}
	return false
}

// ParseNumber reports whether s, after trimming surrounding white space, is
// a plain decimal number: an optional sign, digits with at most one decimal
// point, and an optional exponent. Thousands separators, percentages,
// hexadecimal, "inf" and "nan" are not numbers, and neither is a value too
// large for a float64. isInt is true when there is no point and no exponent.
func ParseNumber(s string) (v float64, isInt bool, ok bool) {
	n := ReadNumber(s)
	return n.Value, n.Int, n.OK
}

// Number is a cell read by ParseNumber's rules, with what else a reader
// of numbers needs to know. A statistics pass reads each cell once and
// hands the Numbers to every NumberSink with the row.
type Number struct {
	Value float64
	// Decimals counts the digits after the decimal point (before any
	// exponent).
	Decimals int16
	OK       bool // the cell is a number
	Int      bool // written with neither point nor exponent
	// Padded is true when white space surrounds the number in the cell.
	Padded bool
}

// ReadNumber reads a cell as ParseNumber does.
func ReadNumber(s string) Number {
	n := len(s)
	if n == 0 || notNumberStart(s[0]) {
		return Number{}
	}
	if notPlain(s[0]) || notPlain(s[n-1]) {
		t := strings.TrimSpace(s)
		return readTrimmed(t, len(t) != n)
	}
	return readTrimmed(s, false)
}

// readNumberBytes is ReadNumber for a cell's bytes.
func readNumberBytes(b []byte) Number {
	n := len(b)
	if n == 0 || notNumberStart(b[0]) {
		return Number{}
	}
	if notPlain(b[0]) || notPlain(b[n-1]) {
		return ReadNumber(string(b)) // rare: white space to trim
	}
	return readTrimmed(b, false)
}

// readTrimmed is ReadNumber for a cell without white space around it.
func readTrimmed[T cellText](s T, padded bool) Number {
	n := len(s)
	if n == 0 || n > 400 {
		return Number{}
	}
	i := 0
	neg := s[0] == '-'
	if neg || s[0] == '+' {
		i++
	}
	// One loop reads the digits and their value: up to 15 digits are
	// exact in a float64, and so is a power of ten up to 1e22, so a plain
	// integer needs no strconv, and a plain decimal is one correctly
	// rounded division, the result strconv gives. Most cells of large
	// tables are one or the other.
	var u uint64
	digits, frac, dot := 0, 0, false
	for ; i < n; i++ {
		c := s[i]
		if d := c - '0'; d <= 9 {
			u = u*10 + uint64(d)
			digits++
			if dot {
				frac++
			}
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return Number{}
	}
	if i == n && digits <= 15 {
		f := float64(u) / pow10[frac]
		if neg {
			f = -f // keeps the sign of "-0", as strconv does
		}
		return Number{Value: f, Decimals: int16(frac), OK: true, Int: !dot, Padded: padded}
	}
	exp := false
	if i < n {
		if s[i] != 'e' && s[i] != 'E' {
			return Number{}
		}
		exp = true
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		ed := 0
		for ; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
			ed++
		}
		if ed == 0 || i != n {
			return Number{}
		}
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return Number{}
	}
	return Number{Value: f, Decimals: int16(frac), OK: true, Int: !dot && !exp, Padded: padded}
}

// notNumberStart reports whether a cell starting with c is surely not a
// number: a number starts with a digit, sign, point or white space, all
// below '9', and the letters and symbols of words and markers are above.
func notNumberStart(c byte) bool { return c > '9' && c < utf8.RuneSelf }

// notPlain reports whether a cell starting or ending with c may need
// trimming: white space, or a byte of a character beyond ASCII, which may
// be white space too.
func notPlain(c byte) bool { return c <= ' ' || c >= utf8.RuneSelf }

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// StatsBuilder accumulates summary statistics one row at a time. Its memory
// depends on the number of columns, never on the number of rows.
type StatsBuilder struct {
	maxCols int
	stats   Stats
	capped  bool
	floats  []bool   // a column has seen a non-integer number
	nums    []Number // Add's numbers of the row
}

// NewStatsBuilder starts statistics for a table with this header. Columns
// beyond maxColumns (if > 0) are ignored, with a note.
func NewStatsBuilder(header []string, maxColumns int) *StatsBuilder {
	b := &StatsBuilder{maxCols: maxColumns}
	for i, h := range header {
		if maxColumns > 0 && i >= maxColumns {
			b.capped = true
			break
		}
		b.addColumn(h)
	}
	return b
}

func (b *StatsBuilder) addColumn(name string) {
	b.stats.Columns = append(b.stats.Columns, ColumnStats{
		Name:         name,
		Total:        b.stats.Rows,
		Missing:      b.stats.Rows, // earlier rows did not have this cell
		DivisibleBy5: true,
		DivisibleBy6: true,
		Midpoint6:    true,
	})
	b.floats = append(b.floats, false)
}

// Add counts one data row. Cells beyond the header get their own column
// (named "Column N"); absent cells of short rows count as missing. Add does
// not keep row.
func (b *StatsBuilder) Add(row []string) {
	b.nums = ReadNumbers(b.nums, row)
	b.AddNumbers(row, b.nums)
}

// ReadNumbers reads every cell of row into nums, reusing its memory.
func ReadNumbers(nums []Number, row []string) []Number {
	nums = slices.Grow(nums[:0], len(row))[:len(row)]
	for i, cell := range row {
		if v, ok := digitsOnly(cell); ok {
			nums[i] = Number{Value: v, OK: true, Int: true}
			continue
		}
		nums[i] = ReadNumber(cell)
	}
	return nums
}

// digitsOnly reads a cell of 1 to 15 digits and nothing else, the most
// common cell of a large table, as ReadNumber would, without a call: its
// value is exact in a float64.
func digitsOnly[T cellText](s T) (float64, bool) {
	n := len(s)
	if n == 0 || n > 15 {
		return 0, false
	}
	var u uint64
	for i := 0; i < n; i++ {
		d := s[i] - '0'
		if d > 9 {
			return 0, false
		}
		u = u*10 + uint64(d)
	}
	return float64(u), true
}

// AddNumbers is Add for a row read already: nums[i] is ReadNumber(row[i]).
// It keeps neither slice.
func (b *StatsBuilder) AddNumbers(row []string, nums []Number) { addRow(b, row, nums) }

// addBytes is Add for a row's cells as bytes.
func (b *StatsBuilder) addBytes(row [][]byte) {
	nums := slices.Grow(b.nums[:0], len(row))[:len(row)]
	for i, cell := range row {
		if v, ok := digitsOnly(cell); ok {
			nums[i] = Number{Value: v, OK: true, Int: true}
			continue
		}
		nums[i] = readNumberBytes(cell)
	}
	b.nums = nums
	addRow(b, row, nums)
}

func addRow[T cellText](b *StatsBuilder, row []T, nums []Number) {
	for len(row) > len(b.stats.Columns) {
		if b.maxCols > 0 && len(b.stats.Columns) >= b.maxCols {
			b.capped = true
			row = row[:len(b.stats.Columns)]
			break
		}
		b.addColumn(extraColumnName(len(b.stats.Columns)))
	}
	b.stats.Rows++
	for i := range b.stats.Columns {
		c := &b.stats.Columns[i]
		c.Total++
		if i >= len(row) {
			c.Missing++
			continue
		}
		if n := &nums[i]; n.OK {
			b.addNumber(i, n.Value, n.Int)
			continue
		}
		switch markerOf(row[i]) {
		case markerMissing:
			c.Missing++
		case markerRedacted:
			c.Redacted++
		default:
			c.others++
		}
	}
}

func (b *StatsBuilder) addNumber(i int, v float64, isInt bool) {
	c := &b.stats.Columns[i]
	if !isInt {
		b.floats[i] = true
	}
	if c.Numbers == 0 {
		c.Min, c.Max = v, v
	} else {
		// Plain comparisons: ParseNumber never returns NaN.
		if v < c.Min {
			c.Min = v
		}
		if v > c.Max {
			c.Max = v
		}
	}
	c.Numbers++
	// Neumaier summation keeps long sums of decimals accurate.
	t := c.Sum + v
	if math.Abs(c.Sum) >= math.Abs(v) {
		c.sumC += (c.Sum - t) + v
	} else {
		c.sumC += (v - t) + c.Sum
	}
	c.Sum = t
	if v != 0 && (!c.HasNonZero || math.Abs(v) < math.Abs(c.MinNonZero)) {
		c.MinNonZero, c.HasNonZero = v, true
	}
	if c.DivisibleBy5 || c.DivisibleBy6 || c.Midpoint6 {
		var by5, by6, mid6 bool
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			// Whole numbers (nearly every cell of a count column) take
			// integer remainders, many times cheaper than math.Mod.
			iv := int64(v)
			by5, by6, mid6 = iv%5 == 0, iv%6 == 0, iv == 0 || (iv-3)%6 == 0
		} else {
			by5, by6, mid6 = math.Mod(v, 5) == 0, math.Mod(v, 6) == 0, v == 0 || math.Mod(v-3, 6) == 0
		}
		c.DivisibleBy5 = c.DivisibleBy5 && by5
		c.DivisibleBy6 = c.DivisibleBy6 && by6
		c.Midpoint6 = c.Midpoint6 && mid6
	}
	if v > 0 && v <= SmallCountLimit {
		c.Small++
	}
}

// Result returns the statistics so far. The builder can keep adding rows.
func (b *StatsBuilder) Result() *Stats {
	out := &Stats{Rows: b.stats.Rows, Columns: make([]ColumnStats, len(b.stats.Columns))}
	for i, c := range b.stats.Columns {
		c.Sum += c.sumC
		c.sumC = 0
		switch {
		case c.Numbers == 0:
			c.Type = ColumnText
		case c.others > 0:
			c.Type = ColumnMixed
		case b.floats[i]:
			c.Type = ColumnFloat
		default:
			c.Type = ColumnInteger
		}
		if c.Numbers == 0 {
			c.DivisibleBy5, c.DivisibleBy6, c.Midpoint6 = false, false, false
		}
		out.Columns[i] = c
	}
	if b.capped {
		out.Notes = append(out.Notes, "Only the first "+strconv.Itoa(len(b.stats.Columns))+" columns are summarised.")
	}
	out.Notes = append(out.Notes, b.stats.Notes...)
	return out
}

// Summarize computes the statistics of rows already in memory; it is the
// same computation as Table.Stats and exists for small inputs and tests.
func Summarize(header []string, rows [][]string) *Stats {
	b := NewStatsBuilder(header, 0)
	for _, r := range rows {
		b.Add(r)
	}
	return b.Result()
}

// FormatNumber writes a statistic the way people read it: whole numbers
// without a decimal point, others with the fewest digits that round-trip.
func FormatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func extraColumnName(i int) string { return "Column " + strconv.Itoa(i+1) }
