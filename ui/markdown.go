package ui

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
)

// markdown turns comment text into safe HTML: goldmark without raw HTML,
// then bluemonday allowing only a small set of tags (reference-ui §8), so a
// comment can never inject script, style or forms.
type markdown struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

func newMarkdown() *markdown {
	p := bluemonday.NewPolicy()
	p.AllowElements("b", "blockquote", "code", "em", "i", "li", "ol", "strong", "ul", "p", "br", "pre")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &markdown{
		md:     goldmark.New(goldmark.WithRendererOptions(html.WithHardWraps())),
		policy: p,
	}
}

// render converts markdown text to sanitised HTML.
func (m *markdown) render(text string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(text), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(text))
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}
