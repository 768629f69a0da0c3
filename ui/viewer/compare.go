package viewer

import (
	"html/template"
	"strconv"

	"github.com/airlock-project/airlock/workspaces/content/compare"
)

// Version describes one of the two versions being compared.
type Version struct {
	Label string // "Reviewed in round 1", "Current"
	Hash  string
	Size  string
	// Image is the address of the version's bytes, for images only.
	Image         string
	Width, Height int
	Format        string
}

// Comparison is what every comparison fragment shows above the changes.
type Comparison struct {
	Old, New Version
	Summary  string
	Notes    []string
}

type compareTableView struct {
	Comparison
	Columns   []compare.Column
	Rows      []compare.Row
	Status    string
	ToggleURL string
	Toggle    string
	Pager     []pagerLink
	All       bool
}

// CompareTable renders one page of a table comparison: the summary, the
// columns with their states, and the rows with each changed cell's old
// value in <del> and new value in <ins>, so the change is announced by
// screen readers and visible without colour. pageURL builds the link to
// another page (offset, and whether every row is shown).
func CompareTable(c Comparison, d *compare.Table, pg compare.Page, pageURL func(offset int, all bool) string) (template.HTML, error) {
	v := compareTableView{Comparison: c, Columns: d.Columns, Rows: pg.Rows, All: pg.Query.All}
	what := "rows that differ"
	if v.All {
		what = "rows"
		v.Toggle, v.ToggleURL = "Show only the rows that differ", pageURL(0, false)
	} else {
		v.Toggle, v.ToggleURL = "Show every row", pageURL(0, true)
	}
	switch {
	case pg.Matched == 0 && !v.All:
		v.Status = "No rows differ."
	case pg.Matched == 0:
		v.Status = "Neither version has rows."
	default:
		first, last := pg.Query.Offset+1, pg.Query.Offset+len(pg.Rows)
		v.Status = "Showing " + what + " " + formatCount(first) + "–" + formatCount(last) + " of " + formatCount(pg.Matched) + "."
	}
	if pg.Query.Offset > 0 {
		v.Pager = append(v.Pager, pagerLink{Label: "← Previous", URL: pageURL(max(0, pg.Query.Offset-pg.Query.Limit), v.All), Rel: "prev"})
	}
	if next := pg.Query.Offset + len(pg.Rows); next < pg.Matched {
		v.Pager = append(v.Pager, pagerLink{Label: "Next →", URL: pageURL(next, v.All), Rel: "next"})
	}
	return render("compare_table", v)
}

type compareTextView struct {
	Comparison
	Diff compare.TextDiff
}

// CompareText renders a line comparison: each hunk of changed lines with
// the unchanged lines around it, removed lines in <del>, added ones in
// <ins>, and within a line that replaced another the changed characters
// marked again.
func CompareText(c Comparison, td compare.TextDiff) (template.HTML, error) {
	return render("compare_text", compareTextView{Comparison: c, Diff: td})
}

// CompareFiles renders what is known of two versions that cannot be
// compared cell by cell or line by line: their sizes and hashes, and
// images side by side.
func CompareFiles(c Comparison) (template.HTML, error) {
	return render("compare_files", c)
}

// rowLabel is the word for a row's change.
func rowLabel(s compare.State) string {
	switch s {
	case compare.Changed:
		return "Changed"
	case compare.Added:
		return "Added"
	case compare.Removed:
		return "Removed"
	}
	return ""
}

// rowNumber is a 1-based row or line number, "" when absent.
func rowNumber(n int) string {
	if n <= 0 {
		return ""
	}
	return strconv.Itoa(n)
}
