package content

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
)

func spansText(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		b.WriteString(s.Text)
	}
	return b.String()
}

func TestParseANSI(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []Span
	}{
		{"Plain", "hello\n", []Span{{Text: "hello\n"}}},
		{"Red", "a\x1b[31mred\x1b[0mb", []Span{{Text: "a"}, {Text: "red", Classes: []string{"ansi-red"}}, {Text: "b"}}},
		{"BoldBrightBg", "\x1b[1;92;44mx\x1b[m", []Span{{Text: "x", Classes: []string{"ansi-bright-green", "ansi-bg-blue", "ansi-bold"}}}},
		{"Palette256", "\x1b[38;5;9mx\x1b[38;5;200my", []Span{{Text: "x", Classes: []string{"ansi-bright-red"}}, {Text: "y", Classes: []string{"ansi-bright-red"}}}[:1]},
		{"TrueColourIgnored", "\x1b[38;2;1;2;3mx", []Span{{Text: "x"}}},
		{"CursorMovesDropped", "a\x1b[2Kb\x1b[1Ac", []Span{{Text: "abc"}}},
		{"OSCDropped", "\x1b]0;title\x07text", []Span{{Text: "text"}}},
		{"ControlsDropped", "a\rb\r\nc\x00\x08d\te", []Span{{Text: "ab\ncd\te"}}},
		{"Invalid", "a\xffb", []Span{{Text: "a\uFFFDb"}}},
		{"LoneEscape", "a\x1b", []Span{{Text: "a"}}},
		{"Merge", "\x1b[31ma\x1b[31mb", []Span{{Text: "ab", Classes: []string{"ansi-red"}}}},
		{"ResetAttrs", "\x1b[1;4mx\x1b[22;24my", []Span{{Text: "x", Classes: []string{"ansi-bold", "ansi-underline"}}, {Text: "y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseANSI(tt.in)
			if tt.name == "Palette256" {
				// 200 is outside the palette, so the colour stays.
				tt.want = []Span{{Text: "xy", Classes: []string{"ansi-bright-red"}}}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ParseANSI(%q)=%+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func makeLog(lines int, trailer bool) []byte {
	var b bytes.Buffer
	for i := 0; i < lines; i++ {
		b.WriteString("line ")
		b.WriteString(strings.Repeat("x", i%50))
		b.WriteString("\n")
	}
	if trailer {
		b.WriteString(LogSummaryMarker + "\n")
		b.WriteString("\x1b[32mstatus: ok\x1b[0m\n")
	}
	return b.Bytes()
}

func TestReadLog(t *testing.T) {
	ctx := context.Background()
	t.Run("ShortNoTrailer", func(t *testing.T) {
		data := []byte("one\ntwo\n")
		l, err := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if l.Truncated || spansText(l.Body) != "one\ntwo\n" || len(l.Trailer) != 0 || l.Start != 0 {
			t.Fatalf("got %+v", l)
		}
	})
	t.Run("LongWithTrailer", func(t *testing.T) {
		data := makeLog(2000, true)
		l, err := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{MaxChars: 500})
		if err != nil {
			t.Fatal(err)
		}
		body := spansText(l.Body)
		if !l.Truncated || len([]rune(body)) > 500 || !strings.HasPrefix(body, "line ") {
			t.Fatalf("body %d chars, truncated=%v, starts %q", len(body), l.Truncated, body[:10])
		}
		if !strings.HasSuffix(string(data[:l.Start+int64(len(body))]), body) || l.Start == 0 || data[l.Start-1] != '\n' {
			t.Fatalf("Start=%d does not begin the body at a line start", l.Start)
		}
		tr := spansText(l.Trailer)
		if !strings.HasPrefix(tr, LogSummaryMarker) || !strings.Contains(tr, "status: ok") {
			t.Fatalf("trailer %q", tr)
		}
		if l.Trailer[len(l.Trailer)-2].Classes[0] != "ansi-green" {
			t.Fatalf("trailer spans %+v", l.Trailer)
		}
		if !hasNote(l.Notes, "last 500 characters") {
			t.Fatalf("Notes=%q", l.Notes)
		}
	})
	t.Run("LastMarkerWins", func(t *testing.T) {
		data := []byte("a\n" + LogSummaryMarker + "\nfirst\n" + LogSummaryMarker + "\nsecond\n")
		l, _ := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{})
		if got := spansText(l.Trailer); got != LogSummaryMarker+"\nsecond\n" {
			t.Fatalf("trailer %q", got)
		}
		if got := spansText(l.Body); got != "a\n"+LogSummaryMarker+"\nfirst\n" {
			t.Fatalf("body %q", got)
		}
	})
	t.Run("MarkerAtStartAndMidLine", func(t *testing.T) {
		data := []byte(LogSummaryMarker + "\nx " + LogSummaryMarker + "\n")
		l, _ := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{})
		if got := spansText(l.Trailer); got != string(data) || len(l.Body) != 0 {
			t.Fatalf("trailer %q body %+v", got, l.Body)
		}
	})
	t.Run("MarkerAcrossBlocks", func(t *testing.T) {
		var b bytes.Buffer
		for b.Len() < (64<<10)-10 {
			b.WriteString("y\n")
		}
		b.WriteString(LogSummaryMarker + "\n")
		b.WriteString(strings.Repeat("z\n", 40000))
		data := b.Bytes()
		l, _ := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{})
		if !strings.HasPrefix(spansText(l.Trailer), LogSummaryMarker) {
			t.Fatal("marker spanning a block boundary not found")
		}
	})
	t.Run("OneHugeLine", func(t *testing.T) {
		data := bytes.Repeat([]byte("é"), 30000)
		l, _ := ReadLog(ctx, bytes.NewReader(data), int64(len(data)), LogOptions{MaxChars: 100})
		if got := len([]rune(spansText(l.Body))); got != 100 || !l.Truncated {
			t.Fatalf("kept %d chars, truncated %v", got, l.Truncated)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		l, err := ReadLog(ctx, bytes.NewReader(nil), 0, LogOptions{})
		if err != nil || len(l.Body) != 0 || l.Truncated {
			t.Fatalf("%+v %v", l, err)
		}
	})
}

func TestLogTailPagesBackToStart(t *testing.T) {
	ctx := context.Background()
	data := makeLog(3000, false)
	r := bytes.NewReader(data)
	var parts []string
	before := int64(len(data))
	for steps := 0; before > 0; steps++ {
		c, err := LogTail(ctx, r, int64(len(data)), before, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if c.Start >= before || c.End != before {
			t.Fatalf("no progress: %d..%d before %d", c.Start, c.End, before)
		}
		if c.Start > 0 && data[c.Start-1] != '\n' {
			t.Fatalf("chunk at %d does not start a line", c.Start)
		}
		parts = append([]string{spansText(c.Spans)}, parts...)
		before = c.Start
		if steps > 1000 {
			t.Fatal("too many steps")
		}
	}
	if strings.Join(parts, "") != string(data) {
		t.Fatal("chunks do not reassemble the log")
	}
	// A chunk inside one long line still progresses.
	long := bytes.Repeat([]byte("a"), 5000)
	c, _ := LogTail(ctx, bytes.NewReader(long), 5000, 5000, 1000)
	if c.Start != 4000 {
		t.Fatalf("Start=%d, want 4000", c.Start)
	}
}

func TestLines(t *testing.T) {
	ctx := context.Background()
	data := "one\r\ntwo\nth\xffree\n" + strings.Repeat("L", 50) + "\nlast"
	p, err := Lines(ctx, strings.NewReader(data), 1, 3, 20)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"two", "th\uFFFDree", strings.Repeat("L", 20) + "…"}
	if !reflect.DeepEqual(p.Lines, want) || p.First != 2 || !p.More {
		t.Fatalf("got %+v", p)
	}
	if !hasNote(p.Notes, "UTF-8") || !hasNote(p.Notes, "cut short") {
		t.Fatalf("Notes=%q", p.Notes)
	}
	p, _ = Lines(ctx, strings.NewReader(data), 4, 10, 0)
	if !reflect.DeepEqual(p.Lines, []string{"last"}) || p.More {
		t.Fatalf("got %+v", p)
	}
	p, _ = Lines(ctx, strings.NewReader(""), 0, 0, 0)
	if len(p.Lines) != 0 || p.More {
		t.Fatalf("empty: %+v", p)
	}
	p, _ = Lines(ctx, strings.NewReader("a\n"), 0, 0, 0)
	if !reflect.DeepEqual(p.Lines, []string{"a"}) {
		t.Fatalf("got %+v", p)
	}
}

// TestLinesPageBytes ends a page of long lines at MaxPageBytes, so a page
// of 10,000 lines of 10,000 bytes never holds 100 MB.
func TestLinesPageBytes(t *testing.T) {
	ctx := context.Background()
	line := strings.Repeat("x", 400<<10)
	data := strings.Repeat(line+"\n", 5)
	p, err := Lines(ctx, strings.NewReader(data), 0, 1000, 500<<10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Lines) != 2 || !p.More || !p.Short || !hasNote(p.Notes, "This page stops after line 2, at 1 MB of text") {
		t.Fatalf("%d lines, More=%v Short=%v, Notes=%q", len(p.Lines), p.More, p.Short, p.Notes)
	}
	p, _ = Lines(ctx, strings.NewReader(data), 4, 1000, 500<<10)
	if len(p.Lines) != 1 || p.More || p.Short {
		t.Fatalf("last page: %d lines, More=%v Short=%v", len(p.Lines), p.More, p.Short)
	}
	// One line is always shown, however long.
	p, _ = Lines(ctx, strings.NewReader(strings.Repeat("y", 3<<20)), 0, 1000, 2<<20)
	if len(p.Lines) != 1 || p.Short {
		t.Fatalf("one long line: %d lines, Short=%v", len(p.Lines), p.Short)
	}
}
