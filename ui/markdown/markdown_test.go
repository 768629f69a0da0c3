package markdown_test

import (
	"strings"
	"testing"

	"github.com/airlock-project/airlock/ui/markdown"
)

func TestRender(t *testing.T) {
	m := markdown.New()
	for name, tc := range map[string]struct{ in, want, not string }{
		"Emphasis":   {"**bold** and *it*", "<strong>bold</strong>", ""},
		"Link":       {"[paper](https://example.org/p)", `<a href="https://example.org/p" rel="nofollow noopener" target="_blank">paper</a>`, ""},
		"Script":     {"<script>alert(1)</script>", "", "<script"},
		"JSLink":     {"[x](javascript:alert(1))", "", "javascript:"},
		"RawHTML":    {`<img src=x onerror=alert(1)>`, "", "onerror"},
		"StyleAttr":  {`<p style="color:red">x</p>`, "", "style"},
		"HardBreaks": {"one\ntwo", "one<br>", ""},
	} {
		t.Run(name, func(t *testing.T) {
			got := string(m.Render(tc.in))
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Render(%q) = %q, want it to contain %q", tc.in, got, tc.want)
			}
			if tc.not != "" && strings.Contains(got, tc.not) {
				t.Errorf("Render(%q) = %q, must not contain %q", tc.in, got, tc.not)
			}
		})
	}
}
