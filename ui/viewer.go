package ui

import (
	"net/http"

	"github.com/airlock-project/airlock/ui/preview"
)

// Viewer renders a file's bytes as the response of a content endpoint,
// shown in the preview frame or opened in a new tab. The content handlers
// authorise and audit the view and set the sandbox CSP and frame headers
// (D8) before calling it; the viewer may replace the CSP with a stricter or
// equally sandboxed one. *preview.Engine is the implementation.
type Viewer interface {
	Render(w http.ResponseWriter, r *http.Request, f preview.File) error
	// Compare renders the comparison of two versions of a file, under the
	// same headers.
	Compare(w http.ResponseWriter, r *http.Request, old, new preview.File) error
}

// NewPreview builds the preview engine with the stylesheets of the
// application's static files, which its pages link.
func NewPreview(opts preview.Options) (*preview.Engine, error) {
	static, err := loadStatic(assets)
	if err != nil {
		return nil, err
	}
	opts.Stylesheets = opts.Stylesheets[:0:0]
	for _, name := range []string{"viewer.css", "content.css"} {
		u, err := static.URL(name)
		if err != nil {
			return nil, err
		}
		opts.Stylesheets = append(opts.Stylesheets, u)
	}
	return preview.New(opts)
}
