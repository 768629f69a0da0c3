package ui_test

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkCodeView measures the source code view: the commit's root page,
// a folder, and a highlighted file in the frame (each read audited). The
// first request of a commit loads its tree; these are the warm requests.
func BenchmarkCodeView(b *testing.B) {
	w := newWorld(b)
	c := signInBench(b, w, checker1)
	base := "/code/view/workspace/cardiac-main/" + w.commits["cardiac-main"] + "/"
	content := "/code/content/workspace/cardiac-main/" + w.commits["cardiac-main"] + "/"
	for _, pg := range []struct{ name, path, want string }{
		{"root", base, "project.yaml"},
		{"folder", base + "analysis/", "make_tables.R"},
		{"file-page", base + "analysis/make_tables.R", "code-preview"},
		{"file-content", content + "analysis/make_tables.R", "chroma"},
	} {
		rec := c.do("GET", pg.path, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), pg.want) {
			b.Fatalf("%s: status %d: %.300s", pg.path, rec.Code, rec.Body.String())
		}
		b.Run(pg.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := c.do("GET", pg.path, nil); rec.Code != http.StatusOK {
					b.Fatalf("%s: status %d", pg.path, rec.Code)
				}
			}
		})
	}
}
