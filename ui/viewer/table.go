package viewer

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/airlock-project/airlock/workspaces/content"
)

type tableColumn struct {
	Index          int
	Name           string
	Class          string
	AriaSort       string
	Arrow          string
	SortURL        string
	SortLabel      string
	HideURL        string
	ShowURL        string
	FilterSelected bool
}

type tableCell struct {
	Text  string
	Class string
	Flags []CellFlag
	// NextFlag links the next flagged row, "" if none or not in file order.
	NextFlag string
}

type tableRow struct {
	Number int
	Cells  []tableCell
}

type hiddenInput struct{ Name, Value string }

type pagerLink struct {
	Label, URL, Rel string
}

type tableView struct {
	Notes      []string
	FormAction string
	FormHidden []hiddenInput
	Filter     string
	FilterCol  int
	ClearURL   string
	Columns    []tableColumn // shown columns
	AllColumns []tableColumn // for the filter's column menu
	HiddenCols []tableColumn
	Rows       []tableRow
	Status     string
	Pager      []pagerLink
	Total      int
	Matched    int
	// The disclosure-check bar: counts, the link between all rows and only
	// flagged rows, and the next flag after this page.
	Flags       *Flags
	Flagged     bool
	FlaggedURL  string
	AllRowsURL  string
	NextFlagURL string
	NextFlagRow int
}

// Table renders one page of a table: notes, a search form, chips to show
// hidden columns, the table itself (sticky header, row numbers, sort and
// hide links per column) and a pager. stats may be nil; when given, fully
// numeric columns get the class "num". urlFor builds the link for another
// state of the view (for example base + "?" + q.Values().Encode()); every
// control is a plain link or GET form, so the view works without scripts.
func Table(page content.PageResult, stats *content.Stats, q TableQuery, urlFor func(TableQuery) string) (template.HTML, error) {
	return FlaggedTable(page, stats, q, urlFor, nil, false)
}

// FlaggedTable is Table with the disclosure checks' flags on their cells:
// each flagged cell shows an icon, the severity and the reason as text,
// any recovered value, and an exception struck through with who and why;
// a bar offers only the flagged rows and the next flag. With onlyFlagged,
// page holds the flagged rows (its offset counts flagged rows).
func FlaggedTable(page content.PageResult, stats *content.Stats, q TableQuery, urlFor func(TableQuery) string, flags *Flags, onlyFlagged bool) (template.HTML, error) {
	q.Query = page.Query
	v := tableView{Notes: page.Notes, Filter: q.Filter, FilterCol: q.FilterCol, Total: page.Total, Matched: page.Matched,
		Flagged: onlyFlagged}
	fileOrder := !onlyFlagged && q.SortCol < 0 && q.Filter == ""
	// flagURL links a flagged row in the file-order view: its page and anchor.
	flagURL := func(row int) string {
		fq := q.clone()
		fq.Offset = (row - 1) / q.Limit * q.Limit
		return urlFor(fq) + "#R" + strconv.Itoa(row)
	}
	if flags != nil && len(flags.Rows()) > 0 {
		v.Flags = flags
		base := q.clone()
		base.Offset = 0
		v.AllRowsURL = withoutFlagged(urlFor(base))
		v.FlaggedURL = flaggedURL(v.AllRowsURL)
		if fileOrder {
			last := q.Offset
			if n := len(page.RowNumbers); n > 0 {
				last = page.RowNumbers[n-1]
			}
			if next := flags.after(last); next > 0 {
				v.NextFlagRow, v.NextFlagURL = next, flagURL(next)
			}
		}
	}

	numeric := func(i int) bool {
		return stats != nil && i < len(stats.Columns) && stats.Columns[i].Numeric()
	}
	for i, name := range page.Header {
		c := tableColumn{Index: i, Name: name, FilterSelected: q.FilterCol == i}
		if numeric(i) {
			c.Class = "num"
		}
		sq := q.clone()
		sq.Offset = 0
		sq.SortCol = i
		sq.Desc = false
		c.AriaSort = "none"
		c.SortLabel = "Sort by " + name + ", ascending"
		if q.SortCol == i {
			if q.Desc {
				c.AriaSort, c.Arrow = "descending", "▼"
			} else {
				c.AriaSort, c.Arrow = "ascending", "▲"
				sq.Desc = true
				c.SortLabel = "Sort by " + name + ", descending"
			}
		}
		c.SortURL = urlFor(sq)
		hq := q.clone()
		hq.Hidden = append(hq.Hidden, i)
		slices.Sort(hq.Hidden)
		c.HideURL = urlFor(hq)
		wq := q.clone()
		wq.Hidden = slices.DeleteFunc(wq.Hidden, func(h int) bool { return h == i })
		c.ShowURL = urlFor(wq)
		v.AllColumns = append(v.AllColumns, c)
		if q.isHidden(i) {
			v.HiddenCols = append(v.HiddenCols, c)
		} else {
			v.Columns = append(v.Columns, c)
		}
	}

	for r, cells := range page.Rows {
		row := tableRow{Number: page.RowNumbers[r]}
		for i, text := range cells {
			if q.isHidden(i) {
				continue
			}
			var cls []string
			if numeric(i) {
				cls = append(cls, "num")
			}
			if i >= page.Widths[r] {
				cls = append(cls, "cell-absent")
			}
			cell := tableCell{Text: text}
			if cell.Flags = flags.at(row.Number, i); len(cell.Flags) > 0 {
				cls = append(cls, "cell-flag")
				if slices.ContainsFunc(cell.Flags, func(f CellFlag) bool { return f.Fail && f.Exception == "" }) {
					cls = append(cls, "cell-flag-fail")
				} else if slices.ContainsFunc(cell.Flags, func(f CellFlag) bool { return f.Exception == "" }) {
					cls = append(cls, "cell-flag-review")
				} else {
					cls = append(cls, "cell-flag-excepted")
				}
				if next := flags.after(row.Number); next > 0 && fileOrder {
					cell.NextFlag = flagURL(next)
				}
			}
			cell.Class = strings.Join(cls, " ")
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}

	// The search form keeps the rest of the state in hidden inputs: a GET
	// form replaces the query string of its action.
	base := urlFor(TableQuery{Query: content.NewQuery()})
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base = base[:i]
	}
	v.FormAction = base
	fq := q.clone()
	fq.Offset, fq.Filter = 0, ""
	for _, name := range []string{ParamLimit, ParamSort, ParamDesc, ParamHide} {
		if val := fq.Values().Get(name); val != "" {
			v.FormHidden = append(v.FormHidden, hiddenInput{name, val})
		}
	}
	if q.Filter != "" {
		v.ClearURL = urlFor(fq)
	}

	v.Status = tableStatus(page)
	v.Pager = pager(page, q, urlFor)
	return render("table", v)
}

func tableStatus(p content.PageResult) string {
	n := len(p.Rows)
	from, to := p.Query.Offset+1, p.Query.Offset+n
	switch {
	case p.Query.Filter != "" && p.Matched == 0:
		return fmt.Sprintf("No rows match “%s”.", p.Query.Filter)
	case p.Total == 0:
		return "The table has no rows."
	case n == 0:
		return fmt.Sprintf("No rows on this page; the table has %s rows.", countOrMany(p.Matched))
	case p.Total < 0:
		return fmt.Sprintf("Rows %s–%s (still counting the rest).", formatCount(from), formatCount(to))
	case p.Query.Filter != "":
		return fmt.Sprintf("Rows %s–%s of %s matching (out of %s).", formatCount(from), formatCount(to), formatCount(p.Matched), formatCount(p.Total))
	}
	return fmt.Sprintf("Rows %s–%s of %s.", formatCount(from), formatCount(to), formatCount(p.Total))
}

func countOrMany(n int) string {
	if n < 0 {
		return "more"
	}
	return formatCount(n)
}

func pager(p content.PageResult, q TableQuery, urlFor func(TableQuery) string) []pagerLink {
	limit := p.Query.Limit
	at := func(off int) string {
		pq := q.clone()
		pq.Offset = off
		return urlFor(pq)
	}
	var links []pagerLink
	off := p.Query.Offset
	if off > 0 {
		links = append(links, pagerLink{"First", at(0), "first"}, pagerLink{"Previous", at(max(0, off-limit)), "prev"})
	}
	more := p.Matched < 0 && len(p.Rows) == limit || p.Matched >= 0 && off+limit < p.Matched
	if more {
		links = append(links, pagerLink{"Next", at(off + limit), "next"})
		if p.Matched > 0 {
			links = append(links, pagerLink{"Last", at((p.Matched - 1) / limit * limit), "last"})
		}
	}
	return links
}

// withoutFlagged removes the only-flagged-rows switch from a view URL.
func withoutFlagged(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := parsed.Query()
	q.Del(ParamFlagged)
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// flaggedURL adds the only-flagged-rows switch to a view URL.
func flaggedURL(u string) string {
	if strings.Contains(u, "?") {
		return u + "&" + ParamFlagged + "=1"
	}
	return u + "?" + ParamFlagged + "=1"
}
