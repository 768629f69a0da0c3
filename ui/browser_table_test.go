package ui_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"golang.org/x/net/html"

	"github.com/airlock-project/airlock/ui/browsertest"
)

// The generated table of TestBrowserTable.
const (
	tableWS   = "bigtable"
	tablePath = "output/admissions_by_region.csv"
	tableRows = 200_000
	pageRows  = 100 // the viewer's default page
	// statsWait bounds how long the test reloads the page waiting for the
	// background pass over the table; the pass takes about a second.
	statsWait = 2 * time.Minute
)

// bigCSV is a generated table and the facts about it the test checks.
type bigCSV struct {
	data         []byte
	header       []string
	minRow       int // the row holding the smallest events value
	maxRow       int // the row holding the largest events value
	minEvents    int
	maxEvents    int
	emptyEvents  int // rows with no events value
	emptyNotes   int // rows with no note
	searchTerm   string
	searchHits   int // rows containing searchTerm
	searchColumn int // the only column where searchTerm occurs
}

// generateCSV builds a table of n rows × 8 columns with deterministic
// values: id = row number; a category; a region, one row in 1,201 being
// "Zeta Isles", the only cell anywhere containing "zeta"; events, an
// integer between 10 and 100,000 except one row of 3 and one of 250,000,
// and empty in every 40th row; a signed change; a decimal rate; a week;
// and a note that is empty except in every 7th row.
func generateCSV(n int) bigCSV {
	c := bigCSV{
		header:     []string{"id", "category", "region", "events", "change", "rate", "week", "note"},
		minRow:     137_421,
		maxRow:     58_113,
		minEvents:  3,
		maxEvents:  250_000,
		searchTerm: "zeta", searchColumn: 2,
	}
	categories := []string{"cardiac", "respiratory", "renal", "metabolic", "neurological"}
	regions := []string{"North", "South", "East", "West", "Central", "Coastal", "Highland", "Valley"}
	buf := make([]byte, 0, 52*n)
	buf = append(buf, strings.Join(c.header, ",")...)
	buf = append(buf, '\n')
	for i := 1; i <= n; i++ {
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ',')
		buf = append(buf, categories[i%len(categories)]...)
		buf = append(buf, ',')
		if i%1201 == 0 {
			buf = append(buf, "Zeta Isles"...)
			c.searchHits++
		} else {
			buf = append(buf, regions[(i/3)%len(regions)]...)
		}
		buf = append(buf, ',')
		switch {
		case i == c.minRow:
			buf = strconv.AppendInt(buf, int64(c.minEvents), 10)
		case i == c.maxRow:
			buf = strconv.AppendInt(buf, int64(c.maxEvents), 10)
		case i%40 == 0:
			c.emptyEvents++
		default:
			buf = strconv.AppendInt(buf, int64(10+(i*7919)%99_991), 10)
		}
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(i%1001-500), 10)
		buf = append(buf, ',')
		buf = fmt.Appendf(buf, "%d.%02d", i%97, i%100)
		buf = fmt.Appendf(buf, ",2026-W%02d,", i%52+1)
		if i%7 == 0 {
			buf = append(buf, "checked"...)
		} else {
			c.emptyNotes++
		}
		buf = append(buf, '\n')
	}
	c.data = buf
	return c
}

// requestLog records what the server answered to the preview frame's
// requests (file contents and sign-in), to explain a failure.
type requestLog struct {
	mu    sync.Mutex
	lines []string
	login bool // a content request was sent to the sign-in page
}

func (l *requestLog) add(r *http.Request, status int, location string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	line := fmt.Sprintf("%s %s → %d", r.Method, r.URL.RequestURI(), status)
	if location != "" {
		line += " to " + location
	}
	_, hasCookie := r.Header["Cookie"]
	if !hasCookie {
		line += " (no cookie sent)"
	}
	if strings.HasPrefix(r.URL.Path, "/workspaces/content/") && strings.HasPrefix(location, "/login") {
		l.login = true
	}
	l.lines = append(l.lines, line)
}

// summary returns the log from entry from on, repeated lines counted
// once, and the number of entries.
func (l *requestLog) summary(from int) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	from = min(from, len(l.lines))
	var out []string
	for i := from; i < len(l.lines); {
		j := i + 1
		for j < len(l.lines) && l.lines[j] == l.lines[i] {
			j++
		}
		if j-i > 1 {
			out = append(out, fmt.Sprintf("%s (×%d)", l.lines[i], j-i))
		} else {
			out = append(out, l.lines[i])
		}
		i = j
	}
	return strings.Join(out, "\n\t"), len(l.lines)
}

// statusWriter remembers the status a handler sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// serveLogged runs the application on 127.0.0.1, logging the answers to
// the preview frame's requests.
func serveLogged(t *testing.T, w *world) (string, *requestLog) {
	t.Helper()
	log := &requestLog{}
	s := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: rw}
		w.srv.ServeHTTP(sw, r)
		if strings.HasPrefix(r.URL.Path, "/workspaces/content/") {
			log.add(r, sw.status, rw.Header().Get("Location"))
		}
	}))
	t.Cleanup(s.Close)
	return s.URL, log
}

// shownTable is the data table of a viewer page as the person sees it.
type shownTable struct {
	cols    []string // data-col of each shown column, in order
	names   []string // the name in each shown column's header
	sortDir []string // aria-sort of each shown column
	rows    [][]string
	nums    []int // the row number shown on each row
}

// col returns the position of column data-col c among the shown ones.
func (s shownTable) col(c int) int {
	for i, v := range s.cols {
		if v == strconv.Itoa(c) {
			return i
		}
	}
	return -1
}

// readTable reads the frame's data table (not the statistics table).
func readTable(t *testing.T, f *browsertest.Frame) shownTable {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(f.HTML(".airlock-table-view table.airlock-table")))
	if err != nil {
		t.Fatalf("parse the table: %v", err)
	}
	var s shownTable
	var walk func(n *html.Node, inHead bool)
	walk = func(n *html.Node, inHead bool) {
		if n.Type == html.ElementNode {
			switch {
			case n.Data == "thead":
				inHead = true
			case n.Data == "th" && inHead && attr(n, "data-col") != "":
				s.cols = append(s.cols, attr(n, "data-col"))
				s.sortDir = append(s.sortDir, attr(n, "aria-sort"))
				name := ""
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && c.Data == "a" && attr(c, "class") == "sort" && c.FirstChild != nil {
						name = strings.TrimSpace(c.FirstChild.Data)
					}
				}
				s.names = append(s.names, name)
				return
			case n.Data == "tr" && !inHead:
				var cells []string
				num := -1
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type != html.ElementNode {
						continue
					}
					if c.Data == "th" {
						num, _ = strconv.Atoi(strings.TrimSpace(text(c)))
					} else if c.Data == "td" {
						cells = append(cells, text(c))
					}
				}
				s.rows = append(s.rows, cells)
				s.nums = append(s.nums, num)
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inHead)
		}
	}
	walk(doc, false)
	return s
}

// readStats reads the summary statistics table: statistic → column name →
// value.
func readStats(t *testing.T, f *browsertest.Frame) map[string]map[string]string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(f.HTML("details.table-stats table.stats-table")))
	if err != nil {
		t.Fatalf("parse the statistics: %v", err)
	}
	var cols []string
	out := map[string]map[string]string{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" {
			var cells []*html.Node
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode {
					cells = append(cells, c)
				}
			}
			if cols == nil {
				for _, c := range cells[1:] {
					cols = append(cols, text(c))
				}
				return
			}
			row := map[string]string{}
			for i, c := range cells[1:] {
				if i < len(cols) {
					row[cols[i]] = text(c)
				}
			}
			out[text(cells[0])] = row
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// count formats n as the viewer does (200,000).
func count(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TestBrowserTable opens a generated CSV of 200,000 rows in the file page
// and works its table the way a person does, by clicking inside the
// preview frame: the first page and its row numbers, the next page,
// sorting by a column both ways, searching, hiding and showing a column,
// the sticky header and the summary statistics.
//
// The preview frame is sandboxed (D8) and has no scripts, so every control
// in it is a plain link or a GET form. The test drives the frame itself
// (browsertest.Frame) rather than opening the frame's address in the tab,
// because only then do its requests go out as the frame's own: with the
// frame's origin, cookies and sandbox.
func TestBrowserTable(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests are not short")
	}
	b := browsertest.Start(t)
	csv := generateCSV(tableRows)
	w := newWorld(t, tableWS)
	w.files[tableWS] = map[string][]byte{tablePath: csv.data}
	w.writeManifest(tableWS)
	t.Logf("generated %s: %d rows, %.1f MB", tablePath, tableRows, float64(len(csv.data))/1e6)
	base, reqs := serveLogged(t, w)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		all, _ := reqs.summary(0)
		t.Logf("the preview frame's requests:\n\t%s", all)
		if reqs.login {
			t.Log("A request made from inside the preview frame reached the server without the session " +
				"cookie and was sent to the sign-in page, which refuses to be framed, so the frame showed an error. " +
				"The frame's page is sandboxed without allow-same-origin (the iframe's sandbox attribute and the viewer's " +
				"CSP sandbox), so its document has an opaque origin and Chrome treats its navigations as cross-site: " +
				"it does not send the SameSite=Lax session cookie. Every link and form in the table then fails for everyone.")
		}
	})

	p := person(t, b, w, base, researcher)
	page := base + "/workspaces/view/" + tableWS + "/" + tablePath
	if resp := p.Navigate(page); resp.Status != http.StatusOK {
		t.Fatalf("file page: status %d", resp.Status)
	}
	const frameSel = "iframe[data-testid=preview]"
	f := p.Frame(frameSel)
	t.Logf("the preview frame runs in its own process: %v", f.OutOfProcess())

	// The first page: rows 1 to 100 with their numbers. A file this large
	// is shown before it has been read to the end, so the total may still
	// be being counted; the summary statistics come from the same
	// background pass.
	status := f.Text(".table-status")
	if !regexp.MustCompile(`^Rows 1–100 (of ` + count(tableRows) + `\.|\(still counting the rest\)\.)$`).MatchString(status) {
		t.Errorf("first page status = %q", status)
	}
	first := readTable(t, f)
	checkRows(t, "first page", first, 1)
	if got := strings.Join(first.names, ","); got != strings.Join(csv.header, ",") {
		t.Errorf("column headers = %s, want %s", got, strings.Join(csv.header, ","))
	}
	hasStats := f.Count("details.table-stats") > 0
	computing := strings.Contains(f.Text("body"), "The summary statistics are being computed")
	if !hasStats && !computing {
		t.Errorf("the first page shows neither the summary statistics nor that they are being computed")
	}
	t.Logf("first view: statistics shown %v, being computed %v", hasStats, computing)
	f.Screenshot("table-first-page")

	// The header row stays in view while the table scrolls.
	if pos := f.Style(".airlock-table-view thead.sticky-header th[data-col='0']", "position"); pos != "sticky" {
		t.Errorf("table header position = %q, want sticky", pos)
	}
	f.ScrollIntoView("tr#R90")
	_, scrollTop, _, _ := f.Box(".airlock-table-view .table-scroll")
	_, headTop, _, _ := f.Box(".airlock-table-view thead th[data-col='0']")
	_, row1Top, _, _ := f.Box("tr#R1")
	if row1Top >= scrollTop || headTop < scrollTop-1 || headTop > scrollTop+1 {
		t.Errorf("after scrolling to row 90: table top %.0f, header top %.0f, row 1 top %.0f; the header should stay at the top as row 1 scrolls away",
			scrollTop, headTop, row1Top)
	}
	f.Screenshot("table-sticky-header")

	// The page says to reload to see the statistics: do so until they
	// appear, as a person would.
	start := time.Now()
	for !hasStats {
		_, from := reqs.summary(0)
		time.Sleep(250 * time.Millisecond)
		p.Nav("reload the file page", chromedp.Reload())
		f = p.Frame(frameSel)
		if hasStats = f.Count("details.table-stats") > 0; hasStats {
			break
		}
		seen, _ := reqs.summary(from)
		if strings.Contains(seen, "→ 304") && time.Since(start) > statsWait/6 {
			// The server did not even render the page again.
			t.Errorf("reloading the page never shows the summary statistics: the frame revalidates its page and the server "+
				"answers 304 Not Modified, so the browser keeps the copy that says they are being computed "+
				"(the ETag names the file, not whether the statistics were ready); the last reload:\n\t%s", seen)
			break
		}
		if time.Since(start) > statsWait {
			t.Errorf("no summary statistics after reloading for %s", statsWait)
			break
		}
	}
	// However often it was reloaded, the page keeps its stylesheet.
	if pos := f.Style(".airlock-table-view thead.sticky-header th[data-col='0']", "position"); pos != "sticky" {
		t.Errorf("after reloading, the table is shown without its stylesheet (the header's position is %q, not sticky). "+
			"The reload was answered 304 Not Modified with the stricter Content-Security-Policy of raw files, and the browser "+
			"applies a 304's headers to the page it kept, so the viewer's stylesheet is blocked and the frame loses allow-forms", pos)
	}
	f.Screenshot("table-after-reload")
	if hasStats {
		if got := f.Text(".table-status"); got != "Rows 1–100 of "+count(tableRows)+"." {
			t.Errorf("first page status with statistics = %q", got)
		}
	}

	// Next page.
	resp := f.ClickNav("nav.pager a.pager-next")
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "offset=100") {
		t.Fatalf("Next: status %d at %s", resp.Status, resp.URL)
	}
	if got := f.Text(".table-status"); got != "Rows 101–200 of "+count(tableRows)+"." {
		t.Errorf("second page status = %q", got)
	}
	checkRows(t, "second page", readTable(t, f), 101)
	for _, rel := range []string{"first", "prev", "next", "last"} {
		if f.Count("nav.pager a.pager-"+rel) != 1 {
			t.Errorf("second page: no %q link in the pager", rel)
		}
	}
	if got := f.Attr("nav.pager a.pager-last", "href"); !strings.Contains(got, "offset="+strconv.Itoa(tableRows-pageRows)) {
		t.Errorf("Last links to %q", got)
	}
	f.Screenshot("table-second-page")

	// The summary statistics, computed over the whole file.
	if f.Count("details.table-stats") == 0 {
		t.Fatalf("the second page has no summary statistics")
	}
	f.Click("details.table-stats > summary")
	if f.Count("details.table-stats[open]") == 0 {
		t.Errorf("clicking “View summary stats” did not open the statistics")
	}
	stats := readStats(t, f)
	want := []struct{ stat, col, value string }{
		{"Total rows", "id", count(tableRows)},
		{"Total rows", "note", count(tableRows)},
		{"Column type", "id", "integer"},
		{"Column type", "events", "integer"},
		{"Column type", "rate", "float"},
		{"Column type", "category", "text"},
		{"Null / missing", "events", count(csv.emptyEvents)},
		{"Null / missing", "note", count(csv.emptyNotes)},
		{"Null / missing", "id", "0"},
		{"Min value", "id", "1"},
		{"Max value", "id", strconv.Itoa(tableRows)},
		{"Min value", "events", strconv.Itoa(csv.minEvents)},
		{"Max value", "events", strconv.Itoa(csv.maxEvents)},
		{"Min value", "change", "-500"},
		{"Max value", "change", "500"},
	}
	for _, c := range want {
		if got := stats[c.stat][c.col]; got != c.value {
			t.Errorf("statistics: %s of %s = %q, want %q", c.stat, c.col, got, c.value)
		}
	}
	f.Screenshot("table-statistics")

	// Sort by events: ascending, then descending. The extremes sit deep in
	// the file, so only a sort over every row finds them.
	events := 3
	resp = f.ClickNav(fmt.Sprintf(".airlock-table-view th[data-col='%d'] a.sort", events))
	if resp.Status != http.StatusOK {
		t.Fatalf("sort ascending: status %d", resp.Status)
	}
	asc := readTable(t, f)
	checkSorted(t, "ascending", asc, events, csv.minRow, csv.minEvents, func(a, b int) bool { return a <= b })
	f.Screenshot("table-sorted-ascending")
	resp = f.ClickNav(fmt.Sprintf(".airlock-table-view th[data-col='%d'] a.sort", events))
	if resp.Status != http.StatusOK {
		t.Fatalf("sort descending: status %d", resp.Status)
	}
	desc := readTable(t, f)
	checkSorted(t, "descending", desc, events, csv.maxRow, csv.maxEvents, func(a, b int) bool { return a >= b })
	f.Screenshot("table-sorted-descending")

	// Search: type a term and press Enter. The sort stays.
	f.Type("#table-search-q", csv.searchTerm)
	resp = f.ClickNav("#table-search-q", kb.Enter)
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "q="+csv.searchTerm) {
		t.Fatalf("search: status %d at %s", resp.Status, resp.URL)
	}
	wantStatus := fmt.Sprintf("Rows 1–%d of %s matching (out of %s).", min(pageRows, csv.searchHits), count(csv.searchHits), count(tableRows))
	if got := f.Text(".table-status"); got != wantStatus {
		t.Errorf("search status = %q, want %q", got, wantStatus)
	}
	if got := f.Attr(".airlock-table-view", "data-matched"); got != strconv.Itoa(csv.searchHits) {
		t.Errorf("search matched %s rows, want %d", got, csv.searchHits)
	}
	found := readTable(t, f)
	checkSorted(t, "search, descending", found, events, -1, -1, func(a, b int) bool { return a >= b })
	for i, r := range found.rows {
		if cell := r[found.col(csv.searchColumn)]; !strings.Contains(strings.ToLower(cell), csv.searchTerm) {
			t.Errorf("search: row %d has region %q, without %q", found.nums[i], cell, csv.searchTerm)
			break
		}
	}
	f.Screenshot("table-search")
	if csv.searchHits > pageRows {
		f.ClickNav("nav.pager a.pager-next")
		want := fmt.Sprintf("Rows %d–%d of %s matching (out of %s).", pageRows+1, csv.searchHits, count(csv.searchHits), count(tableRows))
		if got := f.Text(".table-status"); got != want {
			t.Errorf("search, second page: status %q, want %q", got, want)
		}
		if n := len(readTable(t, f).rows); n != csv.searchHits-pageRows {
			t.Errorf("search, second page: %d rows, want %d", n, csv.searchHits-pageRows)
		}
	}
	f.ClickNav("a.table-search-clear")
	if got := f.Text(".table-status"); got != "Rows 1–100 of "+count(tableRows)+"." {
		t.Errorf("after clearing the search: status %q", got)
	}

	// Hide the week column, then show it again.
	week := 6
	f.ClickNav(fmt.Sprintf("a.hide-col[data-hide-col='%d']", week))
	hidden := readTable(t, f)
	if hidden.col(week) >= 0 || len(hidden.cols) != len(csv.header)-1 || len(hidden.rows[0]) != len(csv.header)-1 {
		t.Errorf("after hiding week: columns %v, %d cells in the first row", hidden.names, len(hidden.rows[0]))
	}
	chip := fmt.Sprintf("a.chip[data-show-col='%d']", week)
	if got := f.Text(chip); got != "Show “week”" {
		t.Errorf("hidden column chip = %q", got)
	}
	f.Screenshot("table-column-hidden")
	f.ClickNav(chip)
	shown := readTable(t, f)
	if shown.col(week) != week || len(shown.rows[0]) != len(csv.header) || f.Count(chip) != 0 {
		t.Errorf("after showing week again: columns %v, %d cells in the first row", shown.names, len(shown.rows[0]))
	}
}

// checkRows checks a plain page: 100 rows numbered from first, each with
// its id equal to its number.
func checkRows(t *testing.T, what string, s shownTable, first int) {
	t.Helper()
	if len(s.rows) != pageRows {
		t.Errorf("%s: %d rows, want %d", what, len(s.rows), pageRows)
		return
	}
	for i, r := range s.rows {
		n := first + i
		if s.nums[i] != n || r[s.col(0)] != strconv.Itoa(n) {
			t.Errorf("%s: row %d is numbered %d with id %q, want %d", what, i+1, s.nums[i], r[s.col(0)], n)
			return
		}
	}
}

// checkSorted checks a page sorted by column col: the column header says
// so, the first row is row wantRow with value wantFirst (unless they are
// -1), and every pair of neighbouring values is in order.
func checkSorted(t *testing.T, what string, s shownTable, col, wantRow, wantFirst int, inOrder func(a, b int) bool) {
	t.Helper()
	c := s.col(col)
	dir := "ascending"
	if strings.Contains(what, "descending") {
		dir = "descending"
	}
	if c < 0 || s.sortDir[c] != dir {
		t.Errorf("%s: the sorted column's header says aria-sort=%q", what, s.sortDir[max(c, 0)])
	}
	if len(s.rows) == 0 {
		t.Errorf("%s: no rows", what)
		return
	}
	if wantRow >= 0 && (s.nums[0] != wantRow || s.rows[0][c] != strconv.Itoa(wantFirst)) {
		t.Errorf("%s: first row is %d with %s, want row %d with %d", what, s.nums[0], s.rows[0][c], wantRow, wantFirst)
	}
	prev := 0
	for i, r := range s.rows {
		v, err := strconv.Atoi(r[c])
		if err != nil {
			t.Errorf("%s: row %d has %q, not a number: empty cells should sort last", what, s.nums[i], r[c])
			return
		}
		if i > 0 && !inOrder(prev, v) {
			t.Errorf("%s: %d comes after %d", what, v, prev)
			return
		}
		prev = v
	}
}
