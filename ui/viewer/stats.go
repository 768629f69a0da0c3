package viewer

import (
	"html/template"
	"strconv"

	"github.com/airlock-project/airlock/workspaces/content"
)

type statsRow struct {
	Label  string
	Title  string
	Values []statsValue
}

type statsValue struct {
	Text  string
	Class string
}

type statsView struct {
	Columns []string
	Rows    []statsRow
	Notes   []string
	Small   int
}

// Stats renders the summary statistics as a collapsed table (one column per
// table column, one row per statistic) followed by notes that explain each
// rule in plain English. It renders nothing for a table without data rows.
func Stats(s *content.Stats) (template.HTML, error) {
	if s == nil || s.Rows == 0 {
		return "", nil
	}
	v := statsView{Notes: s.Notes, Small: content.SmallCountLimit}
	for _, c := range s.Columns {
		v.Columns = append(v.Columns, c.Name)
	}
	row := func(label, title string, f func(c *content.ColumnStats) statsValue) {
		r := statsRow{Label: label, Title: title}
		for i := range s.Columns {
			r.Values = append(r.Values, f(&s.Columns[i]))
		}
		v.Rows = append(v.Rows, r)
	}
	plain := func(t string) statsValue { return statsValue{Text: t} }
	count := func(n int) statsValue { return statsValue{Text: formatCount(n), Class: "num"} }
	num := func(f func(c *content.ColumnStats) (float64, bool)) func(c *content.ColumnStats) statsValue {
		return func(c *content.ColumnStats) statsValue {
			x, ok := f(c)
			if !c.Numeric() || !ok {
				return statsValue{Text: "-", Class: "na"}
			}
			return statsValue{Text: content.FormatNumber(x), Class: "num"}
		}
	}
	yesNo := func(f func(c *content.ColumnStats) bool) func(c *content.ColumnStats) statsValue {
		return func(c *content.ColumnStats) statsValue {
			switch {
			case !c.Numeric():
				return statsValue{Text: "-", Class: "na"}
			case f(c):
				return statsValue{Text: "Yes", Class: "yes"}
			}
			return statsValue{Text: "No", Class: "no"}
		}
	}
	row("Column type", "", func(c *content.ColumnStats) statsValue { return plain(string(c.Type)) })
	row("Total rows", "", func(c *content.ColumnStats) statsValue { return count(c.Total) })
	row("Total numeric", "", func(c *content.ColumnStats) statsValue { return count(c.Numbers) })
	row("Null / missing", "", func(c *content.ColumnStats) statsValue { return count(c.Missing) })
	row("Redacted", "", func(c *content.ColumnStats) statsValue { return count(c.Redacted) })
	row("Min value", "", num(func(c *content.ColumnStats) (float64, bool) { return c.Min, true }))
	row("Min non-zero value", "The non-zero value closest to zero", num(func(c *content.ColumnStats) (float64, bool) { return c.MinNonZero, c.HasNonZero }))
	row("Max value", "", num(func(c *content.ColumnStats) (float64, bool) { return c.Max, true }))
	row("Sum", "", num(func(c *content.ColumnStats) (float64, bool) { return c.Sum, true }))
	row("Divisible by 5", "", yesNo(func(c *content.ColumnStats) bool { return c.DivisibleBy5 }))
	row("Divisible by 6", "", yesNo(func(c *content.ColumnStats) bool { return c.DivisibleBy6 }))
	row("Midpoint 6 rounded", "", yesNo(func(c *content.ColumnStats) bool { return c.Midpoint6 }))
	row("Small numbers (1 to "+strconv.Itoa(content.SmallCountLimit)+")", "Checker hint: cells with a value above 0 and at most "+strconv.Itoa(content.SmallCountLimit),
		func(c *content.ColumnStats) statsValue {
			sv := count(c.Small)
			if c.Small > 0 {
				sv.Class = "num flag"
			}
			return sv
		})
	return render("stats", v)
}
