package preview

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/airlock-project/airlock/workspaces/content"
)

var rowRE = regexp.MustCompile(`<tr id="R\d+"><th[^>]*>.*?</th>\s*<td[^>]*>([^<]*)</td>`)

// firstColumn returns the first cell of every table row in a page.
func firstColumn(body string) []string {
	var out []string
	for _, m := range rowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

const viewCSV = "name,count\nalpha,5\nbeta,30\ngamma,12\ndelta,7\n"

func TestContentTableQuery(t *testing.T) {
	c := newFiles(t, Options{}, map[string]string{"output/t.csv": viewCSV})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"alpha", "beta", "gamma", "delta"}},
		{"?sort=1&desc=1", []string{"beta", "gamma", "delta", "alpha"}},
		{"?sort=0", []string{"alpha", "beta", "delta", "gamma"}},
		{"?q=GAM", []string{"gamma"}},
		{"?q=a&fcol=0&sort=1", []string{"alpha", "delta", "gamma", "beta"}},
		{"?offset=1&limit=2", []string{"beta", "gamma"}},
		{"?sort=1&offset=3&limit=2", []string{"beta"}},
	} {
		rec := c.get("output/t.csv" + tc.query)
		mustStatus(t, rec, http.StatusOK, tc.query)
		if got := firstColumn(rec.Body.String()); strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("%q: rows %v, want %v", tc.query, got, tc.want)
		}
		if !strings.Contains(rec.Body.String(), "Divisible by 5") && tc.query == "" {
			t.Errorf("no summary statistics in the table view")
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox") || strings.Contains(csp, "allow-scripts") {
			t.Errorf("%q: CSP %q", tc.query, csp)
		}
	}
}

func TestContentSniffedNotNamed(t *testing.T) {
	html := "<!doctype html><html><body><script>alert(1)</script></body></html>"
	c := newFiles(t, Options{}, map[string]string{"output/chart.png": html, "output/data.csv": "\x00\x01\x02\x03binary"})
	for _, q := range []string{"", "?raw=1"} {
		for _, dest := range []string{"", "image", "document"} {
			rec := c.do("output/chart.png"+q, map[string]string{"Sec-Fetch-Dest": dest})
			ct := rec.Header().Get("Content-Type")
			if strings.HasPrefix(ct, "image/") || strings.Contains(rec.Body.String(), "<script") {
				t.Errorf("%s dest %q: HTML in a .png served as %q: %q", q, dest, ct, rec.Body.String())
			}
			if rec.Code != http.StatusUnsupportedMediaType || !strings.Contains(rec.Body.String(), "contains HTML") {
				t.Errorf("%s dest %q: status %d, body %q", q, dest, rec.Code, rec.Body.String())
			}
		}
	}
	rec := c.get("output/chart.png?plaintext=1")
	mustStatus(t, rec, http.StatusOK, "plain text of the .png")
	if !strings.Contains(rec.Body.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("plain text not escaped: %s", rec.Body.String())
	}
	rec = c.get("output/data.csv")
	if rec.Code != http.StatusUnsupportedMediaType || strings.Contains(rec.Body.String(), "\x00") || !strings.Contains(rec.Body.String(), "cannot be shown") {
		t.Errorf("binary .csv: status %d, body %q", rec.Code, rec.Body.String())
	}
}

func TestContentETag(t *testing.T) {
	c := newFiles(t, Options{}, map[string]string{"output/t.csv": viewCSV, "output/n.txt": "hello\n"})
	for _, p := range []string{"output/t.csv", "output/n.txt"} {
		u := "" + p
		rec := c.get(u)
		mustStatus(t, rec, http.StatusOK, p)
		etag := rec.Header().Get("ETag")
		if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, "-"+contentRenderVersion+`"`) {
			t.Fatalf("%s: ETag %q", p, etag)
		}
		if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "immutable") {
			t.Errorf("%s: unversioned URL cached as %q", p, cc)
		}
		rec = c.do(u, map[string]string{"If-None-Match": etag})
		mustStatus(t, rec, http.StatusNotModified, p+" revalidation")
		if rec.Body.Len() != 0 {
			t.Errorf("%s: 304 with a body", p)
		}
		rec = c.do(u, map[string]string{"If-None-Match": `"other"`})
		mustStatus(t, rec, http.StatusOK, p+" with another ETag")
		rec = c.get(u + "?v=" + strings.Trim(etag, `"`))
		if cc := rec.Header().Get("Cache-Control"); cc != "private, max-age=31536000, immutable" {
			t.Errorf("%s: versioned URL Cache-Control %q", p, cc)
		}
	}
}

func TestContentKinds(t *testing.T) {
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, image.NewGray(image.Rect(0, 0, 7, 3))); err != nil {
		t.Fatal(err)
	}
	xl := excelize.NewFile()
	xl.SetSheetRow("Sheet1", "A1", &[]any{"region", "count"})
	xl.SetSheetRow("Sheet1", "A2", &[]any{"north", 15})
	xl.NewSheet("Second")
	xl.SetSheetRow("Second", "A1", &[]any{"k", "v"})
	xl.SetSheetRow("Second", "A2", &[]any{"southeast", 6})
	xlBuf, err := xl.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	logText := "step one\n\x1b[31mred error\x1b[0m\n" + content.LogSummaryMarker + "\nall done\n"
	c := newFiles(t, Options{}, map[string]string{
		"output/plot.png":   pngBuf.String(),
		"output/book.xlsx":  xlBuf.String(),
		"output/job.log":    logText,
		"output/data.json":  `{"a": 1}`,
		"output/readme.md":  "# Title <b>x</b>\n",
		"output/binary.bin": "\x00\x01",
	})
	for _, tc := range []struct {
		path, query string
		status      int
		want        []string
		not         []string
	}{
		{"output/plot.png", "", 200, []string{`width="7"`, `height="3"`, "7 × 3 pixels", `src="?raw=1"`}, nil},
		{"output/book.xlsx", "", 200, []string{"north", "Second"}, []string{"southeast"}},
		{"output/book.xlsx", "?sheet=1", 200, []string{"southeast"}, []string{"north"}},
		{"output/job.log", "", 200, []string{"ansi-red", "red error", "all done"}, []string{"\x1b"}},
		{"output/data.json", "", 200, []string{`id="L1"`}, nil},
		{"output/readme.md", "", 200, []string{"&lt;b&gt;"}, []string{"<b>x"}},
		{"output/binary.bin", "", 415, []string{"not an allowed file type"}, nil},
	} {
		rec := c.get("" + tc.path + tc.query)
		mustStatus(t, rec, tc.status, tc.path+tc.query)
		body := rec.Body.String()
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s%s: no %q in %s", tc.path, tc.query, w, body)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(body, w) {
				t.Errorf("%s%s: unexpected %q", tc.path, tc.query, w)
			}
		}
	}
	rec := c.get("output/plot.png?raw=1")
	if rec.Header().Get("Content-Type") != "image/png" || rec.Body.String() != pngBuf.String() {
		t.Errorf("raw image: %q, %d bytes", rec.Header().Get("Content-Type"), rec.Body.Len())
	}
}

func TestContentLargeCSV(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,region,count\n")
	for i := 1; i <= 100_000; i++ {
		fmt.Fprintf(&b, "%d,region-%d,%d\n", i, i%50, i%97)
	}
	c := newFiles(t, Options{}, map[string]string{"output/big.csv": b.String()})
	rec := c.get("output/big.csv")
	mustStatus(t, rec, http.StatusOK, "first page")
	if got := firstColumn(rec.Body.String()); len(got) != content.DefaultPageLimit || got[0] != "1" {
		t.Fatalf("first page rows: %d, first %v", len(got), got[:min(len(got), 1)])
	}
	rec = c.get("output/big.csv?offset=99990&limit=20")
	mustStatus(t, rec, http.StatusOK, "last page")
	if got := firstColumn(rec.Body.String()); len(got) != 10 || got[9] != "100000" {
		t.Fatalf("last page rows: %v", got)
	}
}

func TestTableCacheEvictsAndCloses(t *testing.T) {
	c := newTableCache(2)
	dir := t.TempDir()
	var entries []*tableEntry
	for i := range 3 {
		p := filepath.Join(dir, fmt.Sprintf("%d.csv", i))
		if err := os.WriteFile(p, []byte("a\n1\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		e, err := acquireTable(c, File{Name: p, Size: 4, Hash: fmt.Sprint(i), Content: f}, f, content.TableOptions{})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if e.file == nil {
			t.Fatal("table not cached")
		}
		entries = append(entries, e)
	}
	// The first entry is evicted but still in use: its file stays open.
	if _, err := entries[0].table.Page(t.Context(), content.NewQuery()); err != nil {
		t.Fatalf("evicted table in use: %v", err)
	}
	for _, e := range entries {
		c.release(e)
	}
	if _, err := entries[0].file.Stat(); err == nil {
		t.Error("evicted table's file still open after release")
	}
	if _, err := entries[2].file.Stat(); err != nil {
		t.Errorf("cached table's file closed: %v", err)
	}
	again, err := acquireTable(c, File{Hash: "2"}, nil, content.TableOptions{})
	if err != nil || again != entries[2] {
		t.Errorf("cache miss for a cached hash: %v", err)
	}
	c.release(again)
	c.close()
	if _, err := entries[2].file.Stat(); err == nil {
		t.Error("file still open after close")
	}
}

func TestContentStatsInBackground(t *testing.T) {
	c := newFiles(t, Options{SyncStatsBytes: 1}, map[string]string{"output/t.csv": viewCSV})
	rec := c.get("output/t.csv")
	mustStatus(t, rec, http.StatusOK, "first view")
	if got := firstColumn(rec.Body.String()); len(got) != 4 {
		t.Fatalf("rows %v", got)
	}
	// The statistics arrive once the background pass is done.
	for !strings.Contains(rec.Body.String(), "Divisible by 5") {
		if !strings.Contains(rec.Body.String(), "being computed") {
			t.Fatalf("neither statistics nor a note: %s", rec.Body.String())
		}
		// A page shown before the statistics must not be cached, or a
		// reload would be answered 304 with it for good.
		if etag, cc := rec.Header().Get("ETag"), rec.Header().Get("Cache-Control"); etag != "" || cc != "no-store" {
			t.Fatalf("provisional page cached: ETag %q, Cache-Control %q", etag, cc)
		}
		time.Sleep(5 * time.Millisecond)
		rec = c.get("output/t.csv")
	}
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("the complete page has no ETag")
	}
	// A 304 must not carry the raw-file policy the handler set: the
	// browser would apply it to the page it kept and block its stylesheet.
	rec = c.do("output/t.csv", map[string]string{"If-None-Match": etag})
	mustStatus(t, rec, http.StatusNotModified, "revalidation")
	if csp := rec.Header().Get("Content-Security-Policy"); csp != "" {
		t.Errorf("304 carries Content-Security-Policy %q", csp)
	}
}

func TestContentDamagedWorkbook(t *testing.T) {
	c := newFiles(t, Options{}, map[string]string{"output/bad.xlsx": "PK\x03\x04 this is not really a zip archive"})
	rec := c.get("output/bad.xlsx")
	if rec.Code >= 500 || !strings.HasPrefix(rec.Header().Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("damaged workbook: status %d, CSP %q", rec.Code, rec.Header().Get("Content-Security-Policy"))
	}
	if !strings.Contains(rec.Body.String(), "content-note") {
		t.Errorf("damaged workbook without an explanation: %s", rec.Body.String())
	}
}

// BenchmarkContentTablePage serves pages of a 100,000-row CSV through
// Render: the first view opens the table, later pages reuse it.
func BenchmarkContentTablePage(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("id,region,count\n")
	for i := 1; i <= 100_000; i++ {
		fmt.Fprintf(&sb, "%d,region-%d,%d\n", i, i%50, i%97)
	}
	c := newFiles(b, Options{}, map[string]string{"output/big.csv": sb.String()})
	if rec := c.get("output/big.csv"); rec.Code != http.StatusOK {
		b.Fatalf("warm up: status %d", rec.Code)
	}
	for _, q := range []string{"?offset=50000", "?sort=2&desc=1", "?q=region-7"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if rec := c.get("output/big.csv" + q); rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", q, rec.Code)
				}
			}
		})
	}
}
