package content

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in    string
		v     float64
		isInt bool
		ok    bool
	}{
		{"0", 0, true, true},
		{" 12 ", 12, true, true},
		{"+5", 5, true, true},
		{"-3", -3, true, true},
		{"007", 7, true, true},
		{"2.5", 2.5, false, true},
		{".5", 0.5, false, true},
		{"5.", 5, false, true},
		{"1e3", 1000, false, true},
		{"1E-2", 0.01, false, true},
		{"", 0, false, false},
		{"-", 0, false, false},
		{".", 0, false, false},
		{"1,000", 0, false, false},
		{"10%", 0, false, false},
		{"nan", 0, false, false},
		{"NaN", 0, false, false},
		{"inf", 0, false, false},
		{"0x10", 0, false, false},
		{"1_000", 0, false, false},
		{"1e", 0, false, false},
		{"1e999", 0, false, false},
		{"1.2.3", 0, false, false},
		{"<=7", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, isInt, ok := ParseNumber(tt.in)
			if ok != tt.ok || (ok && (v != tt.v || isInt != tt.isInt)) {
				t.Fatalf("ParseNumber(%q)=%v,%v,%v, want %v,%v,%v", tt.in, v, isInt, ok, tt.v, tt.isInt, tt.ok)
			}
		})
	}
}

func col(values ...string) [][]string {
	rows := make([][]string, len(values))
	for i, v := range values {
		rows[i] = []string{v}
	}
	return rows
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		name  string
		rows  [][]string
		check func(t *testing.T, c ColumnStats)
	}{
		{"Integers", col("10", "15", "-5", "0"), func(t *testing.T, c ColumnStats) {
			want := ColumnStats{Type: ColumnInteger, Total: 4, Numbers: 4, Min: -5, Max: 15, Sum: 20,
				MinNonZero: -5, HasNonZero: true, DivisibleBy5: true, DivisibleBy6: false, Midpoint6: false}
			checkNumeric(t, c, want)
		}},
		{"Floats", col("1.5", "2", "0.25"), func(t *testing.T, c ColumnStats) {
			want := ColumnStats{Type: ColumnFloat, Total: 3, Numbers: 3, Min: 0.25, Max: 2, Sum: 3.75,
				MinNonZero: 0.25, HasNonZero: true}
			checkNumeric(t, c, want)
		}},
		{"MissingMarkers", col("", " ", "NULL", "none", "NaN", " n a n ", "5"), func(t *testing.T, c ColumnStats) {
			if c.Missing != 6 || c.Type != ColumnInteger || c.Numbers != 1 {
				t.Fatalf("got %+v, want 6 missing, integer, 1 number", c)
			}
		}},
		{"RedactedMarkers", col("[REDACTED]", "redacted", "NA", "n/a", "N / A", "<=7", "< = 7", "10"), func(t *testing.T, c ColumnStats) {
			if c.Redacted != 7 || c.Type != ColumnInteger || c.Missing != 0 {
				t.Fatalf("got %+v, want 7 redacted, integer", c)
			}
		}},
		{"Mixed", col("1", "two", "3"), func(t *testing.T, c ColumnStats) {
			if c.Type != ColumnMixed || c.Numbers != 2 || c.Numeric() {
				t.Fatalf("got %+v, want mixed with 2 numbers", c)
			}
		}},
		{"TextAllMissing", col("", "null"), func(t *testing.T, c ColumnStats) {
			if c.Type != ColumnText || c.Missing != 2 || c.DivisibleBy5 {
				t.Fatalf("got %+v, want text, 2 missing, no divisibility", c)
			}
		}},
		{"Text", col("a", "b"), func(t *testing.T, c ColumnStats) {
			if c.Type != ColumnText || c.Numbers != 0 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"DistinctSpellingsCountSeparately", col("01", "1", "1.0"), func(t *testing.T, c ColumnStats) {
			// The reference keyed counts by numeric value, so these collapsed.
			if c.Numbers != 3 || c.Sum != 3 || c.Type != ColumnFloat {
				t.Fatalf("got %+v, want 3 numbers summing to 3", c)
			}
		}},
		{"DivisibleBy5", col("5", "10", "-25", "0"), func(t *testing.T, c ColumnStats) {
			if !c.DivisibleBy5 || c.DivisibleBy6 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"DivisibleBy6", col("6", "12", "-18", "0"), func(t *testing.T, c ColumnStats) {
			if !c.DivisibleBy6 || c.DivisibleBy5 || c.Midpoint6 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"DivisibleBy5And6", col("30", "60"), func(t *testing.T, c ColumnStats) {
			if !c.DivisibleBy6 || !c.DivisibleBy5 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"Midpoint6", col("0", "3", "9", "15", "-3", "-9"), func(t *testing.T, c ColumnStats) {
			if !c.Midpoint6 || c.DivisibleBy6 || c.DivisibleBy5 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"NotMidpoint6", col("3", "6"), func(t *testing.T, c ColumnStats) {
			if c.Midpoint6 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"FloatDivisibility", col("2.5", "5"), func(t *testing.T, c ColumnStats) {
			if c.DivisibleBy5 {
				t.Fatalf("got %+v: 2.5 is not a multiple of 5", c)
			}
		}},
		{"MinNonZeroByAbsoluteValue", col("-2", "0", "5", "-1", "3"), func(t *testing.T, c ColumnStats) {
			if !c.HasNonZero || c.MinNonZero != -1 || c.Min != -2 {
				t.Fatalf("got %+v, want MinNonZero -1", c)
			}
		}},
		{"AllZero", col("0", "0"), func(t *testing.T, c ColumnStats) {
			if c.HasNonZero || !c.Midpoint6 || !c.DivisibleBy5 {
				t.Fatalf("got %+v", c)
			}
		}},
		{"SmallCounts", col("0", "1", "7", "7.5", "8", "-3", "x", "3"), func(t *testing.T, c ColumnStats) {
			if c.Small != 3 {
				t.Fatalf("Small=%d, want 3 (1, 7, 3)", c.Small)
			}
		}},
		{"LongDecimalSum", col(repeat("0.1", 10)...), func(t *testing.T, c ColumnStats) {
			if c.Sum != 1 {
				t.Fatalf("Sum=%v, want exactly 1", c.Sum)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Summarize([]string{"v"}, tt.rows)
			if s.Rows != len(tt.rows) || len(s.Columns) != 1 {
				t.Fatalf("Rows=%d Columns=%d", s.Rows, len(s.Columns))
			}
			tt.check(t, s.Columns[0])
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func checkNumeric(t *testing.T, got, want ColumnStats) {
	t.Helper()
	if got.Type != want.Type || got.Total != want.Total || got.Numbers != want.Numbers ||
		got.Min != want.Min || got.Max != want.Max || math.Abs(got.Sum-want.Sum) > 1e-12 ||
		got.MinNonZero != want.MinNonZero || got.HasNonZero != want.HasNonZero ||
		got.DivisibleBy5 != want.DivisibleBy5 || got.DivisibleBy6 != want.DivisibleBy6 || got.Midpoint6 != want.Midpoint6 {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestSummarizeRaggedRows(t *testing.T) {
	s := Summarize([]string{"a", "b"}, [][]string{{"1"}, {"2", "3", "4"}, {"5", "6"}})
	if got, want := len(s.Columns), 3; got != want {
		t.Fatalf("columns=%d, want %d", got, want)
	}
	if c := s.Columns[1]; c.Total != 3 || c.Missing != 1 || c.Numbers != 2 {
		t.Fatalf("column b = %+v, want 3 total, 1 missing (short row), 2 numbers", c)
	}
	if c := s.Columns[2]; c.Name != "Column 3" || c.Total != 3 || c.Missing != 2 || c.Numbers != 1 {
		t.Fatalf("extra column = %+v", c)
	}
}

func TestTableStatsMatchesSummarize(t *testing.T) {
	data := genCSV(500, 3, 9)
	tbl := mustOpenTable(t, data, TableOptions{})
	got, err := tbl.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := Summarize(tbl.Header(), naiveRows(t, data))
	if got.Rows != want.Rows || len(got.Columns) != len(want.Columns) {
		t.Fatalf("got %d rows %d cols, want %d rows %d cols", got.Rows, len(got.Columns), want.Rows, len(want.Columns))
	}
	for i := range got.Columns {
		if got.Columns[i] != want.Columns[i] {
			t.Fatalf("column %d: got %+v, want %+v", i, got.Columns[i], want.Columns[i])
		}
	}
	if again, _ := tbl.Stats(context.Background()); again != got {
		t.Fatal("Stats not cached")
	}
}

func TestFormatNumber(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 15: "15", -3: "-3", 2.5: "2.5", 1e20: "1e+20", 1.25: "1.25", -0.001: "-0.001"} {
		if got := FormatNumber(in); got != want {
			t.Errorf("FormatNumber(%v)=%q, want %q", in, got, want)
		}
	}
}

// rowRecorder is a RowSink that keeps copies of the rows it is fed.
type rowRecorder struct{ rows [][]string }

func (r *rowRecorder) Add(row []string) { r.rows = append(r.rows, append([]string(nil), row...)) }

func TestStatsWithFeedsEveryRow(t *testing.T) {
	t.Parallel()
	data := genCSV(3000, 4, 7)
	tbl := mustOpenTable(t, data, TableOptions{})
	var a, b rowRecorder
	s, err := tbl.StatsWith(context.Background(), &a, &b)
	if err != nil {
		t.Fatal(err)
	}
	want := naiveRows(t, data)
	if len(a.rows) != len(want) || len(b.rows) != len(want) {
		t.Fatalf("sinks got %d and %d rows, want %d", len(a.rows), len(b.rows), len(want))
	}
	for i := range want {
		if strings.Join(a.rows[i], "\x00") != strings.Join(want[i], "\x00") {
			t.Fatalf("row %d = %q, want %q", i+1, a.rows[i], want[i])
		}
	}
	cached, err := tbl.Stats(context.Background())
	if err != nil || cached != s || s.Rows != len(want) {
		t.Fatalf("Stats after StatsWith = %p (%v), want the same %p with %d rows", cached, err, s, len(want))
	}
}

// TestParseNumberMatchesStrconv checks the fast paths against strconv on
// integers and decimals of every length they take.
func TestParseNumberMatchesStrconv(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		var b strings.Builder
		switch rng.IntN(3) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		digits := 1 + rng.IntN(17)
		point := rng.IntN(digits + 2)
		for i := range digits {
			if i == point {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		s := b.String()
		want, err := strconv.ParseFloat(s, 64)
		got, _, ok := ParseNumber(s)
		if err != nil || !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("ParseNumber(%q) = %v, %v; strconv says %v, %v", s, got, ok, want, err)
		}
	}
}

func TestReadNumber(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in   string
		want Number
	}{
		{"12", Number{Value: 12, OK: true, Int: true}},
		{" 12 ", Number{Value: 12, OK: true, Int: true, Padded: true}},
		{"\u00a012", Number{Value: 12, OK: true, Int: true, Padded: true}},
		{"-3.250", Number{Value: -3.25, Decimals: 3, OK: true}},
		{"1.5e3", Number{Value: 1500, Decimals: 1, OK: true}},
		{"2E+2", Number{Value: 200, OK: true}},
		{"12.", Number{Value: 12, OK: true}},
		{".5", Number{Value: 0.5, Decimals: 1, OK: true}},
		{"0.00000000000000012", Number{Value: 1.2e-16, Decimals: 17, OK: true}},
		{"1234567890123456789", Number{Value: 1234567890123456789, OK: true, Int: true}},
		{"", Number{}},
		{"  ", Number{}},
		{"1,000", Number{}},
		{"5%", Number{}},
		{"1e400", Number{}},
		{"1e", Number{}},
		{"é1", Number{}},
		{"1é", Number{}},
	} {
		if got := ReadNumber(tt.in); got != tt.want {
			t.Errorf("ReadNumber(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if n := ReadNumber("-0"); !n.OK || !math.Signbit(n.Value) {
		t.Errorf(`ReadNumber("-0") = %+v, want -0`, n)
	}
}

// TestReadNumbersMatchesReadNumber holds the digits-only fast path of
// ReadNumbers and of the byte pass to ReadNumber, on cells of every length
// around its limit and on cells that only nearly are digits.
func TestReadNumbersMatchesReadNumber(t *testing.T) {
	t.Parallel()
	cells := []string{"", "0", "00", "007", "-0", "+1", "1.", "1.5", " 1", "1 ", "1e3", "12a", "a12", "٣", "1,000", "[REDACTED]"}
	for n := 1; n <= 20; n++ {
		cells = append(cells, strings.Repeat("9", n), "1"+strings.Repeat("0", n-1), strings.Repeat("0", n))
	}
	nums := ReadNumbers(nil, cells)
	b := NewStatsBuilder([]string{"x"}, 0)
	var asBytes [][]byte
	for _, c := range cells {
		asBytes = append(asBytes, []byte(c))
	}
	b.addBytes(asBytes)
	for i, c := range cells {
		want := ReadNumber(c)
		if nums[i] != want {
			t.Errorf("ReadNumbers(%q) = %+v, ReadNumber = %+v", c, nums[i], want)
		}
		if b.nums[i] != want {
			t.Errorf("addBytes(%q) = %+v, ReadNumber = %+v", c, b.nums[i], want)
		}
	}
}
