package viewer

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html/template"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/airlock-project/airlock/testdata"
	"github.com/airlock-project/airlock/workspaces/content"
)

var update = flag.Bool("update", false, "rewrite the .golden files in testdata")

// checkGolden compares got with testdata/name.golden, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got template.HTML) {
	t.Helper()
	checkSafe(t, string(got))
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Fatalf("%s differs from %s (run with -update after checking):\n%s", name, path, got)
	}
}

var (
	styleAttr = regexp.MustCompile(`(?i)\sstyle\s*=`)
	badTag    = regexp.MustCompile(`(?i)<\s*(script|style)\b`)
)

// checkSafe enforces the CSP rules: no style attributes, no <style> or
// <script> elements, no raw escape characters.
func checkSafe(t *testing.T, html string) {
	t.Helper()
	if styleAttr.MatchString(html) || badTag.MatchString(html) || strings.ContainsRune(html, 0x1b) {
		t.Fatalf("fragment has inline style, script or escape codes:\n%s", html)
	}
}

func openFixtureTable(t *testing.T, name string) *content.Table {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := content.OpenTable(bytes.NewReader(b), int64(len(b)), content.TableOptionsFor(name))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func urlFor(q TableQuery) string { return "/view/table.csv?" + q.Values().Encode() }

func renderTable(t *testing.T, tbl *content.Table, q TableQuery) template.HTML {
	t.Helper()
	ctx := context.Background()
	stats, err := tbl.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	page, err := tbl.Page(ctx, q.Query)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Table(page, stats, q, urlFor)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestTableGolden(t *testing.T) {
	tbl := openFixtureTable(t, "table.csv")
	tests := []struct {
		name string
		q    url.Values
	}{
		{"table_first", url.Values{}},
		{"table_sorted_hidden", url.Values{"sort": {"1"}, "desc": {"1"}, "hide": {"2"}, "limit": {"2"}}},
		{"table_filtered", url.Values{"q": {"ALPHA"}, "fcol": {"0"}}},
		{"table_page2", url.Values{"offset": {"2"}, "limit": {"2"}}},
		{"table_nomatch", url.Values{"q": {"zzz"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGolden(t, tt.name, renderTable(t, tbl, ParseTableQuery(tt.q)))
		})
	}
}

func TestTableUnknownTotal(t *testing.T) {
	var b strings.Builder
	b.WriteString("n\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&b, "%d\n", i)
	}
	tbl, err := content.OpenTable(strings.NewReader(b.String()), int64(b.Len()), content.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	q := ParseTableQuery(url.Values{"limit": {"10"}})
	page, err := tbl.Page(context.Background(), q.Query)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Table(page, nil, q, urlFor)
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	if !strings.Contains(s, "still counting") || !strings.Contains(s, "pager-next") || strings.Contains(s, "pager-last") {
		t.Fatalf("unknown-total page wrong:\n%s", s)
	}
}

func TestStatsGolden(t *testing.T) {
	tbl := openFixtureTable(t, "table.csv")
	s, err := tbl.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h, err := Stats(s)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "stats", h)
	if h, _ := Stats(&content.Stats{}); h != "" {
		t.Fatalf("stats of an empty table = %q, want nothing", h)
	}
}

func TestHighlightGolden(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "code.py"))
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "highlight_py", Highlight("code.py", src, 1))
	checkGolden(t, "highlight_page", Highlight("analysis/code.py", src, 41))
	checkGolden(t, "highlight_stata", Highlight("model.do", []byte("* comment\nregress y x <b>\n"), 1))
}

func TestHighlightLanguages(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"a.json", `{"a": [1, true]}`, `class="nt"`},
		{"a.yaml", "key: value\n", `class="nt"`},
		{"a.md", "# Title\n", `class="gh"`},
		{"a.R", "x <- c(1, 2)\n", `class="o"`},
		{"a.sql", "SELECT * FROM t;\n", `class="k"`},
		{"a.sh", "echo $HOME\n", `class="nv"`},
		{"a.txt", "plain <text>\n", `plain &lt;text&gt;`},
		{"noext", "\xff\xfe bad bytes", "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := string(Highlight(tt.name, []byte(tt.src), 1))
			checkSafe(t, h)
			if !strings.Contains(h, tt.want) || !strings.Contains(h, `id="L1"`) || !strings.Contains(h, `href="#L1"`) {
				t.Fatalf("Highlight(%s) lacks %q or line anchors:\n%s", tt.name, tt.want, h)
			}
		})
	}
}

func TestLogGolden(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "job.log"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	l, err := content.ReadLog(ctx, bytes.NewReader(b), int64(len(b)), content.LogOptions{MaxChars: 20})
	if err != nil {
		t.Fatal(err)
	}
	earlier := func(before int64) string { return fmt.Sprintf("/log?before=%d", before) }
	h, err := Log(l, earlier)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "log", h)
	c, err := content.LogTail(ctx, bytes.NewReader(b), int64(len(b)), l.Start, 10)
	if err != nil {
		t.Fatal(err)
	}
	h, err = LogChunk(c, earlier)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "log_chunk", h)
}

func TestSpreadsheetGolden(t *testing.T) {
	b := testdata.SmallXLSX()
	wb, err := content.OpenWorkbook(bytes.NewReader(b), int64(len(b)), content.WorkbookLimits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	sh, err := wb.Sheet(context.Background(), "Counts")
	if err != nil {
		t.Fatal(err)
	}
	table := renderTable(t, sh.Table, ParseTableQuery(url.Values{}))
	h, err := Spreadsheet(wb.Sheets(), 0, sh.Merged, func(i int) string { return fmt.Sprintf("/view/book.xlsx?sheet=%d", i) }, table)
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "spreadsheet", h)
}

func TestTextGolden(t *testing.T) {
	src := "line one\nline <two>\nline three\n"
	page, err := content.Lines(context.Background(), strings.NewReader(src), 1, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	h, err := Text("notes.txt", page, 1, func(off int) string { return fmt.Sprintf("/view/notes.txt?line=%d", off) })
	if err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "text", h)
}

// TestTextTooLongToColour shows a page over MaxHighlightBytes numbered
// but not coloured, with a note, and a page cut at content.MaxPageBytes
// links back by as many lines as it shows.
func TestTextTooLongToColour(t *testing.T) {
	line := `{"a": [1, 2, "x"]}` + "\n"
	small := content.TextPage{Lines: strings.Split(strings.Repeat(line, 100), "\n")[:100], First: 1}
	h, err := Text("data.json", small, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(h), `class="mi"`) || strings.Contains(string(h), "too long to colour") {
		t.Fatalf("a small page is not coloured: %.500s", h)
	}
	big := content.TextPage{Lines: strings.Split(strings.Repeat(line, 10_000), "\n")[:10_000], First: 2001, More: true, Short: true}
	h, err = Text("data.json", big, 1000, func(off int) string { return fmt.Sprintf("?line=%d", off) })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(h), `class="mi"`) || !strings.Contains(string(h), "too long to colour (over 128 KB)") || !strings.Contains(string(h), `id="L12000"`) {
		t.Fatalf("a long page is coloured, or has no note or line numbers: %.500s", h)
	}
	if got := PrevOffset(big, 1000); got != 0 {
		t.Errorf("PrevOffset of a short page of 10,000 lines from line 2001 = %d, want 0", got)
	}
	if got := PrevOffset(content.TextPage{First: 2001, Lines: make([]string, 10)}, 1000); got != 1000 {
		t.Errorf("PrevOffset of a full page = %d, want 1000", got)
	}
}

func TestStylesheet(t *testing.T) {
	css := string(Stylesheet())
	for _, want := range []string{".chroma", ".ansi-red", ".ansi-bold", ".sticky-header", ".cell-absent"} {
		if !strings.Contains(css, want) {
			t.Fatalf("stylesheet lacks %s", want)
		}
	}
}

func TestParseTableQuery(t *testing.T) {
	tests := []struct {
		in   string
		want TableQuery
	}{
		{"", TableQuery{Query: content.NewQuery()}},
		{"offset=-5&limit=999999&sort=x&fcol=-9&hide=3,1,x,3,-1", TableQuery{
			Query: content.Query{Limit: content.MaxPageLimit, SortCol: -1, FilterCol: -1}, Hidden: []int{1, 3}}},
		{"offset=20&limit=10&sort=2&desc=1&q=a++b&fcol=1", TableQuery{
			Query: content.Query{Offset: 20, Limit: 10, SortCol: 2, Desc: true, Filter: "a b", FilterCol: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			v, _ := url.ParseQuery(tt.in)
			got := ParseTableQuery(v)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			// Values round-trips.
			if again := ParseTableQuery(got.Values()); !reflect.DeepEqual(again, got) {
				t.Fatalf("round trip %+v -> %+v", got, again)
			}
		})
	}
}

// TestConcurrentRender renders from many goroutines under -race.
func TestConcurrentRender(t *testing.T) {
	tbl := openFixtureTable(t, "table.csv")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			page, _ := tbl.Page(context.Background(), content.NewQuery())
			if _, err := Table(page, nil, TableQuery{Query: content.NewQuery()}, urlFor); err != nil {
				t.Error(err)
			}
			_ = Highlight("a.py", []byte("x = 1\n"), 1)
		}()
	}
	wg.Wait()
}
