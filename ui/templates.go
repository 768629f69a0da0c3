package ui

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
)

// pageNames lists every page template the handlers render. Startup fails if
// one is missing, so a deploy never discovers it on a user's request.
var pageNames = []string{
	"error", "login", "workspaces", "workspaces_all", "workspace_browse", "add_files",
	"request_overview", "request_group", "request_file", "request_change_files",
	"confirm", "requests_workspace", "reviews", "code", "account", "request_diff",
}

// templates is the parsed template set: a base set of the layout and the
// partials, and one clone of it per page. It is read-only after startup
// and safe for concurrent use.
type templates struct {
	base  *template.Template
	pages map[string]*template.Template
	icons sync.Map // mark kind → the "icon" partial rendered for it
}

// icon is the "icon" partial for a mark kind, rendered once per kind: its
// chain of comparisons, run through reflection for every mark of a page,
// was a large part of rendering pages of many files.
func (t *templates) icon(kind string) (template.HTML, error) {
	if v, ok := t.icons.Load(kind); ok {
		return v.(template.HTML), nil
	}
	var buf bytes.Buffer
	if err := t.base.ExecuteTemplate(&buf, "icon", kind); err != nil {
		return "", err
	}
	// The partial's own escaping made it; it is HTML in the same context.
	h := template.HTML(buf.String())
	t.icons.Store(kind, h)
	return h, nil
}

// pageBuffers are reused to render pages, which are tens of kilobytes.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// parseTemplates parses the layout, the partials and every page once.
func parseTemplates(fsys fs.FS, funcs template.FuncMap) (*templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, "templates/base.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{base: base, pages: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		clone, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := clone.ParseFS(fsys, f); err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		t.pages[name] = clone
	}
	for _, name := range pageNames {
		if t.pages[name] == nil {
			return nil, fmt.Errorf("page template %q is missing", name)
		}
	}
	return t, nil
}

// page renders a whole page into a buffer and copies it to w only when
// rendering succeeded, so a template error never sends half a page.
func (t *templates) page(w io.Writer, name string, data any) error {
	return t.execute(w, name, "base", data)
}

// fragment renders one named template of a page (or of the partials, when
// page is "") for an htmx request.
func (t *templates) fragment(w io.Writer, page, name string, data any) error {
	return t.execute(w, page, name, data)
}

func (t *templates) execute(w io.Writer, page, name string, data any) error {
	set := t.base
	if page != "" {
		set = t.pages[page]
		if set == nil {
			return fmt.Errorf("unknown page template %q", page)
		}
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 4<<20 { // a rare huge page is not kept
			buf.Reset()
			pageBuffers.Put(buf)
		}
	}()
	if err := set.ExecuteTemplate(buf, name, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}
