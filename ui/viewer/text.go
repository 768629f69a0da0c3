package viewer

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/airlock-project/airlock/workspaces/content"
)

type textView struct {
	Notes   []string
	Code    template.HTML
	MoreURL string
	PrevURL string
}

// Text renders a page of a text file (from content.Lines) highlighted by
// Highlight, with its notes and links to the previous and next pages
// (pageURL receives the 0-based line offset; nil means no links).
func Text(name string, page content.TextPage, limit int, pageURL func(offset int) string) (template.HTML, error) {
	v := textView{Notes: page.Notes}
	src := strings.Join(page.Lines, "\n")
	if len(page.Lines) > 0 {
		src += "\n"
	}
	if len(src) > MaxHighlightBytes {
		v.Notes = append(v.Notes[:len(v.Notes):len(v.Notes)],
			fmt.Sprintf("This page is too long to colour (over %d KB); it is shown as plain text.", MaxHighlightBytes>>10))
	}
	v.Code = Highlight(name, []byte(src), page.First)
	if pageURL != nil {
		if page.More {
			v.MoreURL = pageURL(page.First - 1 + len(page.Lines))
		}
		if page.First > 1 {
			v.PrevURL = pageURL(PrevOffset(page, limit))
		}
	}
	return render("text", v)
}

// PrevOffset is the 0-based line offset of the page before page, pages
// being limit lines long: a page cut short at content.MaxPageBytes steps
// back by as many lines as it shows, since its lines are long.
func PrevOffset(page content.TextPage, limit int) int {
	step := max(limit, 1)
	if page.Short {
		step = max(len(page.Lines), 1)
	}
	return max(0, page.First-1-step)
}
