// Package markdown turns text people write (airlock's comments, the jobs
// site's project status descriptions) into safe HTML.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/renderer/html"
)

// Renderer is goldmark without raw HTML, then bluemonday allowing only a
// small set of tags and http, https and mailto links (reference-ui §8),
// so the text can never inject script, style or forms. It is safe for
// concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a Renderer.
func New() *Renderer {
	p := bluemonday.NewPolicy()
	p.AllowElements("b", "blockquote", "code", "em", "i", "li", "ol", "strong", "ul", "p", "br", "pre")
	p.AllowAttrs("href").OnElements("a")
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return &Renderer{
		md:     goldmark.New(goldmark.WithRendererOptions(html.WithHardWraps())),
		policy: p,
	}
}

// Render converts markdown text to sanitised HTML.
func (m *Renderer) Render(text string) template.HTML {
	var buf bytes.Buffer
	if err := m.md.Convert([]byte(text), &buf); err != nil {
		return template.HTML(template.HTMLEscapeString(text))
	}
	return template.HTML(m.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}
