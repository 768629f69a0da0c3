package ui

import (
	"html/template"
	"net/url"
	"strconv"

	"github.com/airlock-project/airlock/airlock"
	"github.com/airlock-project/airlock/review"
)

// The rows of the long lists — a folder's table of files, a request's
// files in its tree — and the marks they carry are written here, not by
// html/template: there every action is a call through reflection, its
// escaper another, and a page of a few hundred files spent most of its
// time in them. The partials "mark", "mark_label" and "checks_flag_count"
// call the same functions, so each piece of markup has one definition.
//
// Escaping is as strict as the templates': every value goes through
// htmlWriter.text (for text and double-quoted attribute values), and
// every URL is built from segments escaped for a URL (escapePath,
// url.PathEscape) behind a fixed path, so no value can choose a scheme.

// htmlWriter builds a fragment of HTML.
type htmlWriter struct{ b []byte }

// raw appends trusted markup: string constants and fragments built here.
func (w *htmlWriter) raw(s string) { w.b = append(w.b, s...) }

// text appends s escaped as html.EscapeString does, for text and for
// attribute values in double quotes.
func (w *htmlWriter) text(s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		case '\'':
			esc = "&#39;"
		default:
			continue
		}
		w.b = append(w.b, s[last:i]...)
		w.b = append(w.b, esc...)
		last = i + 1
	}
	w.b = append(w.b, s[last:]...)
}

func (w *htmlWriter) int(n int) { w.b = strconv.AppendInt(w.b, int64(n), 10) }

func (w *htmlWriter) html() template.HTML { return template.HTML(w.b) }

// mark writes a mark as its icon, with its words for screen readers and
// on hover (the "mark" partial).
func (s *Server) mark(w *htmlWriter, kind, text string) error {
	icon, err := s.tmpl.icon(kind)
	if err != nil {
		return err
	}
	w.raw(`<span class="mark mark-`)
	w.text(kind)
	w.raw(`" title="`)
	w.text(text)
	w.raw(`" data-mark="`)
	w.text(kind)
	w.raw(`">`)
	w.raw(string(icon))
	w.raw(`<span class="sr-only">`)
	w.text(text)
	w.raw(`</span></span>`)
	return nil
}

// markLabel writes a mark with its words shown, for tables and headings
// (the "mark_label" partial).
func (s *Server) markLabel(w *htmlWriter, kind, text string) error {
	icon, err := s.tmpl.icon(kind)
	if err != nil {
		return err
	}
	w.raw(`<span class="mark-label mark-`)
	w.text(kind)
	w.raw(`" data-mark="`)
	w.text(kind)
	w.raw(`">`)
	w.raw(string(icon))
	w.raw(`<span>`)
	w.text(text)
	w.raw(`</span></span>`)
	return nil
}

// markHTML and markLabelHTML are mark and markLabel for the templates.
func (s *Server) markHTML(kind, text string) (template.HTML, error) {
	var w htmlWriter
	err := s.mark(&w, kind, text)
	return w.html(), err
}

func (s *Server) markLabelHTML(kind, text string) (template.HTML, error) {
	var w htmlWriter
	err := s.markLabel(&w, kind, text)
	return w.html(), err
}

// flagCount writes the count of a file's open disclosure-check flags
// beside its name: its fails, else its reviews, else nothing (the
// "checks_flag_count" partial).
func flagCount(w *htmlWriter, openFails, openReviews int) {
	switch {
	case openFails > 0:
		w.raw(`<span class="flag-count bad" title="`)
		w.text(plural(openFails, "open fail flag"))
		w.raw(` of the disclosure checks" data-testid="tree-flag-count"><span aria-hidden="true">✖</span> `)
		w.int(openFails)
		w.raw(`<span class="sr-only"> open fail flags</span></span>`)
	case openReviews > 0:
		w.raw(`<span class="flag-count warn" title="`)
		w.text(plural(openReviews, "review flag"))
		w.raw(` of the disclosure checks" data-testid="tree-flag-count"><span aria-hidden="true">⚠</span> `)
		w.int(openReviews)
		w.raw(`<span class="sr-only"> review flags</span></span>`)
	}
}

func flagCountHTML(openFails, openReviews int) template.HTML {
	var w htmlWriter
	flagCount(&w, openFails, openReviews)
	return w.html()
}

// dirRows writes the rows of a folder's table: its folders, then its
// files with the box to select each (when select is set), its review
// state, size and time.
func (s *Server) dirRows(ws string, b *review.WorkspaceBrowse, selectable bool) (template.HTML, error) {
	w := htmlWriter{b: make([]byte, 0, 640*len(b.Items))}
	for _, it := range b.Items {
		w.raw("<tr>")
		if it.IsDir {
			if selectable {
				w.raw("<td></td>")
			}
			w.raw(`<td><a href="`)
			w.text(browseURL(ws, it.Path, true))
			w.raw(`">`)
			w.text(it.Name)
			w.raw(`/</a></td><td></td><td class="num"></td><td></td></tr>`)
			continue
		}
		if selectable {
			w.raw(`<td><input type="checkbox" name="path" value="`)
			w.text(it.Path)
			w.raw(`" aria-label="Select `)
			w.text(it.Name)
			w.raw(`"`)
			if !it.Selectable {
				w.raw(` disabled title="`)
				w.text(airlock.ErrorMessage(it.Addable))
				w.raw(`"`)
			}
			w.raw(`></td>`)
		}
		w.raw(`<td><a href="`)
		w.text(browseURL(ws, it.Path, false))
		w.raw(`">`)
		w.text(it.Name)
		w.raw(`</a>`)
		if it.File.OutOfDateAction {
			w.raw(` <span class="pill warn" title="From an action no longer in the project’s pipeline" data-testid="outdated">Out-of-date action</span>`)
		}
		w.raw(`</td><td>`)
		if m, ok := b.State.Mark(it.Status); ok {
			if err := s.markLabel(&w, m.Kind, m.Text); err != nil {
				return "", err
			}
		} else {
			w.raw(`<span class="muted small">`)
			w.text(it.Status.Label())
			w.raw(`</span>`)
		}
		w.raw(`</td><td class="num">`)
		w.text(formatSize(it.File.Size))
		w.raw(`</td><td>`)
		w.text(formatDateTime(it.File.Timestamp))
		w.raw("</td></tr>\n")
	}
	return w.html(), nil
}

// requestTreeFiles writes the items of one group in a request's tree:
// each file that is not withdrawn, with its marks for the viewer, its
// path and its count of open flags; the page's own file is selected.
func (s *Server) requestTreeFiles(p *requestPage, g *airlock.FileGroup) (template.HTML, error) {
	w := htmlWriter{b: make([]byte, 0, 1024*len(g.Files))}
	for _, f := range g.Files {
		if f.Type == airlock.FileWithdrawn {
			continue
		}
		selected := p.File != nil && p.File.Path == f.Path
		w.raw(`<li><a class="file has-marks`)
		if selected {
			w.raw(` selected`)
		}
		w.raw(`" href="`)
		w.text(fileURL(p.R.ID, g.Name, f.Path))
		w.raw(`" title="`)
		w.text(f.Path)
		w.raw(`" data-path="`)
		w.text(f.Path)
		w.raw(`"`)
		if selected {
			w.raw(` aria-current="page"`)
		}
		w.raw(`>`)
		if marks := p.V.FileMarks(f); len(marks) > 0 {
			w.raw(`<span class="marks" data-testid="marks">`)
			for _, m := range marks {
				if err := s.mark(&w, m.Kind, m.Text); err != nil {
					return "", err
				}
			}
			w.raw(`</span>`)
		}
		w.raw(`<span class="name">`)
		w.raw(string(breakPath(f.Path)))
		w.raw(`</span>`)
		if c := p.V.Checks[f.Path]; c != nil {
			flagCount(&w, c.OpenFails, c.OpenReviews)
		}
		w.raw("</a></li>\n")
	}
	return w.html(), nil
}

// treeNodes writes a level of a workspace's tree, and the levels open
// below it (the "tree_nodes" partial): a folder not yet loaded loads its
// children with htmx when first opened.
func (s *Server) treeNodes(w *htmlWriter, ws string, nodes []*review.TreeNode) error {
	w.raw("<ul>")
	for _, n := range nodes {
		w.raw("<li>")
		if n.IsDir {
			w.raw(`<details class="dir"`)
			if n.Open {
				w.raw(` open`)
			}
			if !n.Loaded {
				w.raw(` hx-get="/workspaces/tree/`)
				w.text(url.PathEscape(ws) + "/" + escapePath(n.Path) + "/")
				w.raw(`" hx-trigger="toggle once" hx-target="find .children" hx-swap="innerHTML"`)
			}
			w.raw(` data-path="`)
			w.text(n.Path)
			w.raw("\">\n<summary><a href=\"")
			w.text(browseURL(ws, n.Path, true))
			w.raw(`"`)
			if n.Selected {
				w.raw(` class="selected" aria-current="page"`)
			}
			w.raw(`>`)
			w.text(n.Name)
			w.raw("</a></summary>\n<div class=\"children\">")
			if n.Loaded {
				if err := s.treeNodes(w, ws, n.Children); err != nil {
					return err
				}
			} else {
				w.raw(`<span class="loading">Loading…</span>`)
			}
			w.raw("</div>\n</details>")
		} else {
			w.raw(`<a class="file`)
			if n.Selected {
				w.raw(` selected`)
			}
			w.raw(`" href="`)
			w.text(browseURL(ws, n.Path, false))
			w.raw(`" title="`)
			w.text(n.Path)
			w.raw(`"`)
			if n.Selected {
				w.raw(` aria-current="page"`)
			}
			w.raw(`>`)
			w.text(n.Name)
			if n.Mark != nil {
				w.raw(" ")
				if err := s.mark(w, n.Mark.Kind, n.Mark.Text); err != nil {
					return err
				}
			}
			w.raw(`</a>`)
		}
		w.raw("</li>\n")
	}
	w.raw("</ul>")
	return nil
}

// treeNodesHTML is treeNodes for the templates.
func (s *Server) treeNodesHTML(ws string, nodes []*review.TreeNode) (template.HTML, error) {
	w := htmlWriter{b: make([]byte, 0, 256*len(nodes))}
	err := s.treeNodes(&w, ws, nodes)
	return w.html(), err
}
