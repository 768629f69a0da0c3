package viewer

import (
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
	v.Code = Highlight(name, []byte(src), page.First)
	if pageURL != nil {
		if page.More {
			v.MoreURL = pageURL(page.First - 1 + len(page.Lines))
		}
		if page.First > 1 {
			v.PrevURL = pageURL(max(0, page.First-1-max(limit, 1)))
		}
	}
	return render("text", v)
}
