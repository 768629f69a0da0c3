package content

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// TestRowReaderUTF8 checks the UTF-8 check done per read against the
// whole stream, whatever the read sizes: characters cut between reads,
// bad bytes at the start, middle and end, and a file ending mid-character.
func TestRowReaderUTF8(t *testing.T) {
	cases := [][]byte{
		[]byte("plain,ascii\n1,2\n"),
		[]byte("caf\xc3\xa9,\xe2\x82\xac,\xf0\x9f\x98\x80\n"),
		[]byte("caf\xe9,1\n"),
		[]byte("\xff"),
		[]byte("ok\xc3"),
		[]byte("ok\xe2\x82"),
		[]byte("\xed\xa0\x80 surrogate"),
		[]byte("a\xc3\xa9b\xc3"),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := [][]byte{[]byte("a"), []byte(","), []byte("\xc3\xa9"), []byte("\xe2\x82\xac"), []byte("\xf0\x9f\x98\x80"), []byte("\n")}
	for range 200 {
		var b []byte
		for range rng.IntN(40) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		if rng.IntN(3) == 0 && len(b) > 0 {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		cases = append(cases, b)
	}
	for _, b := range cases {
		want := int64(-1)
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				want = int64(i)
				break
			}
			i += size
		}
		for _, wrap := range []func(io.Reader) io.Reader{
			func(r io.Reader) io.Reader { return r },
			iotest.OneByteReader,
			iotest.HalfReader,
		} {
			rr := readRows(wrap(bytes.NewReader(b)), 0, unlimited(','), make([]byte, 16))
			for {
				if _, err := rr.next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if rr.utf8.invalidAt != want {
				t.Errorf("%q: first invalid byte at %d, want %d", b, rr.utf8.invalidAt, want)
			}
			if rr.invalidUTF8() != (want >= 0) {
				t.Errorf("%q: invalidUTF8() = %v at the end", b, rr.invalidUTF8())
			}
		}
	}
}

// unlimited is options with the separator and no practical limits.
func unlimited(comma rune) *TableOptions {
	o := TableOptions{Comma: comma, MaxRecordBytes: 1 << 40, MaxRecordCells: 1 << 40}
	o.fill()
	return &o
}

// record is one record and the offset after it.
type record struct {
	cells []string
	end   int64
}

// csvRecords reads data with encoding/csv as the tables did before they
// had their own reader: the oracle rowReader must match.
func csvRecords(t testing.TB, data []byte, comma rune) []record {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var out []record
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("encoding/csv: %v", err)
		}
		out = append(out, record{rec, cr.InputOffset()})
	}
}

// ourRecords reads data with a rowReader through wrap, into a buffer of
// bufSize bytes; it stops at the first error, which it returns.
func ourRecords(data []byte, opts *TableOptions, wrap func(io.Reader) io.Reader, bufSize int) ([]record, error) {
	rr := readRows(wrap(bytes.NewReader(data)), 0, opts, make([]byte, bufSize))
	var out []record
	for {
		rec, err := rr.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, record{slices.Clone(rec), rr.offset()})
	}
}

var readWrappers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"whole", func(r io.Reader) io.Reader { return r }},
	{"onebyte", iotest.OneByteReader},
	{"half", iotest.HalfReader},
}

// checkMatchesCSV compares the records and offsets of both readers, for
// every way of reading and a small and a large buffer.
func checkMatchesCSV(t *testing.T, data []byte, comma rune, bufSize int) {
	t.Helper()
	want := csvRecords(t, data, comma)
	for _, w := range readWrappers {
		for _, size := range []int{bufSize, rowReaderBuf} {
			got, err := ourRecords(data, unlimited(comma), w.wrap, size)
			if err != nil {
				t.Fatalf("%q (%s, buffer %d): %v", data, w.name, size, err)
			}
			if len(got) != len(want) {
				t.Fatalf("%q (%s, buffer %d): %d records, encoding/csv %d:\n got %q\nwant %q", data, w.name, size, len(got), len(want), cellsOf(got), cellsOf(want))
			}
			for i := range want {
				if !slices.Equal(got[i].cells, want[i].cells) || got[i].end != want[i].end {
					t.Fatalf("%q (%s, buffer %d): record %d is %q ending at %d, encoding/csv %q ending at %d",
						data, w.name, size, i, got[i].cells, got[i].end, want[i].cells, want[i].end)
				}
			}
		}
	}
}

// TestRowReaderMatchesCSV covers the edge cases of quoting, line ends and
// separators one by one; FuzzRowReaderMatchesCSV searches for the rest.
func TestRowReaderMatchesCSV(t *testing.T) {
	cases := []string{
		"",
		"\n",
		"\r\n",
		"\r",
		"a",
		"a\n",
		"a,b\nc,d\n",
		"a,b\r\nc,d\r\n",
		"a,b\r\nc,d",
		"a,b\nc,d\r",
		"a\r\r\n",
		"a\rb\n",
		"a\r\rb\r",
		"\n\n\na\n\n\nb\n\n",
		"\r\n\r\na\r\n",
		",\n,,\n",
		"a,\n",
		"\"a\",\"b\"\n",
		"\"a,b\",c\n",
		"\"a\nb\",c\n",
		"\"a\r\nb\",c\r\n",
		"\"a\n\nb\"\n",
		"\"a\n\r\n\"\n",
		"\"a\"\"b\",\"\"\"\"\n",
		"\"\"\n",
		"\"\"\"\n",
		"\"\n",
		"\"",
		"\"a",
		"\"a\r",
		"\"a\r\n",
		"\"a\nb",
		"\"a\"b,c\n",
		"\"a\"b\nc\"\n",
		"\"a\" b,c\n",
		"a\"b,c\"d\n",
		"a,\"b\nc\"\n",
		"a, \"b\",c\n",
		"\"a\",\n",
		"\"a\",",
		"\"a\"\r",
		"\"a\"\r\n",
		"\"a\"\r\r\n",
		"\"a\"\rb\"\n",
		"x,\"unclosed\ny,z\n",
		"\ufeffa,b\n",
		"caf\xc3\xa9,\xff\xfe,\"\xc3\",x\n",
		"a\tb\t\"c\td\"\n",
	}
	for _, c := range cases {
		for _, comma := range []rune{',', '\t', ';', 'é', '€'} {
			checkMatchesCSV(t, []byte(c), comma, 1)
			checkMatchesCSV(t, []byte(strings.ReplaceAll(c, ",", string(comma))), comma, 3)
		}
	}
	// A few spelled out, so that the rules are written down here too.
	for _, tt := range []struct {
		in   string
		want [][]string
	}{
		{"a,\"b,c\",\"d\"\"e\"\r\n\r\nf\n", [][]string{{"a", "b,c", `d"e`}, {"f"}}},
		{"\"x\r\ny\",z", [][]string{{"x\ny", "z"}}},
		{"\"x\"y,z\nw\"\n", [][]string{{"x\"y,z\nw"}}},
		{"a\"b,\"c", [][]string{{`a"b`, "c"}}},
	} {
		got, err := ourRecords([]byte(tt.in), unlimited(','), readWrappers[0].wrap, 64)
		if err != nil {
			t.Fatal(err)
		}
		var cells [][]string
		for _, r := range got {
			cells = append(cells, r.cells)
		}
		if !slices.EqualFunc(cells, tt.want, slices.Equal) {
			t.Errorf("%q: got %q, want %q", tt.in, cells, tt.want)
		}
	}
}

// checkLimits reads data with the limits and checks that the reader
// stops exactly at the first record over them, with the right error,
// having returned every record before it as without limits.
func checkLimits(t *testing.T, data []byte, comma rune, maxBytes, maxCells int64) {
	t.Helper()
	all, _ := ourRecords(data, unlimited(comma), readWrappers[0].wrap, 64)
	opts := unlimited(comma)
	opts.MaxRecordBytes, opts.MaxRecordCells = maxBytes, maxCells
	// The bytes each record spans, blank lines before it not counted.
	rr := readRows(bytes.NewReader(data), 0, unlimited(comma), nil)
	var spans []int64
	for {
		if _, err := rr.next(); err != nil {
			break
		}
		spans = append(spans, rr.offset()-rr.start)
	}
	for _, w := range readWrappers {
		got, err := ourRecords(data, opts, w.wrap, 5)
		wantErr := error(nil)
		n := 0
		for ; n < len(all); n++ {
			if spans[n] > maxBytes {
				wantErr = errRecordTooLong
				break
			}
			if int64(len(all[n].cells)) > maxCells {
				wantErr = errRecordTooWide
				break
			}
		}
		if wantErr == errRecordTooLong && int64(len(all[n].cells)) > maxCells && err == errRecordTooWide {
			wantErr = errRecordTooWide // over both limits: either error will do
		}
		if len(got) != n || !errors.Is(err, wantErr) && !(err == nil && wantErr == nil) {
			t.Fatalf("%q, max %d bytes, %d cells (%s): %d records then %v, want %d then %v", data, maxBytes, maxCells, w.name, len(got), err, n, wantErr)
		}
		for i := range got {
			if !slices.Equal(got[i].cells, all[i].cells) || got[i].end != all[i].end {
				t.Fatalf("%q: record %d differs under limits", data, i)
			}
		}
	}
}

func TestRowReaderLimits(t *testing.T) {
	for _, tt := range []struct {
		in                 string
		maxBytes, maxCells int64
	}{
		{"a,b\n1,2\n3,4\n", 4, 2},
		{"a,b\n1,2\n3,4\n", 3, 2},
		{"a,b\n1,2\n3,4\n", 4, 1},
		{"a,b\n1,\"2\n\n\n\"\n3,4\n", 4, 10},
		{"a,b\n1,\"2\n\n\n\"\n3,4\n", 9, 10},
		{"a,b\n\n\n\n\n\n1,2\n", 4, 10},
		{"a,b\n" + strings.Repeat(",", 100) + "\n1\n", 1000, 50},
		{"a,b\n\"x\"," + strings.Repeat(",", 100) + "\n1\n", 1000, 50},
		{"a,b\n1,2\n\"open\n" + strings.Repeat("x,y\n", 1000), 1000, 10},
	} {
		checkLimits(t, []byte(tt.in), ',', tt.maxBytes, tt.maxCells)
	}
}

// FuzzRowReaderMatchesCSV holds the reader to encoding/csv on any bytes,
// separators and read sizes, and to the limits.
func FuzzRowReaderMatchesCSV(f *testing.F) {
	for _, b := range addFixtureSeeds(f, ".csv", ".tsv") {
		f.Add(b, uint8(0), uint8(7), uint16(20), uint8(3))
	}
	for _, s := range []string{"a,\"b\"\"c\"\r\n\"d\ne\"x,f\r", "\"a\" b\n\"\"\"\r\r\n", "é;\"é;\";\n\xff"} {
		f.Add([]byte(s), uint8(2), uint8(1), uint16(3), uint8(2))
	}
	seps := []rune{',', '\t', ';', 'é', '€', ' '}
	f.Fuzz(func(t *testing.T, data []byte, sep, bufSize uint8, maxBytes uint16, maxCells uint8) {
		comma := seps[int(sep)%len(seps)]
		checkMatchesCSV(t, data, comma, 1+int(bufSize)%64)
		checkLimits(t, data, comma, 1+int64(maxBytes), 1+int64(maxCells))
	})
}

func cellsOf(rs []record) [][]string {
	out := make([][]string, len(rs))
	for i, r := range rs {
		out[i] = r.cells
	}
	return out
}
