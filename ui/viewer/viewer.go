// Package viewer turns the plain values of package workspaces/content into
// HTML fragments (template.HTML) for the UI to embed: paged tables with
// server-side sorting, filtering and hidden columns, summary statistics,
// highlighted source code, logs with their colours, and spreadsheet tabs.
//
// Every fragment is built with html/template, so all file content is
// escaped. No fragment contains a style attribute, a <style> or a <script>
// element: styling is by class names only, with the CSS from Stylesheet,
// so the application's Content-Security-Policy can forbid inline styles
// and scripts. Tables work without JavaScript (every control is a link or
// a GET form); data-* attributes give the UI's static script hooks.
package viewer

import (
	"bytes"
	"embed"
	"html/template"
	"strconv"
	"strings"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates are parsed once; they are never modified afterwards.
var templates = template.Must(template.New("viewer").Funcs(template.FuncMap{
	"join":  func(s []string) string { return strings.Join(s, " ") },
	"count": formatCount,
	// comparisons (compare.go)
	"rowlabel": rowLabel,
	"rownum":   rowNumber,
}).ParseFS(templateFS, "templates/*.tmpl"))

// render executes one template into a buffer, so an error never yields half
// a fragment.
func render(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil // #nosec: produced by html/template
}

// formatCount writes an integer with thousands separators: 1234567 → "1,234,567".
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
