package ui

import (
	"io"
	"net/http"
)

// ViewFile is one file handed to a Viewer by a content handler.
type ViewFile struct {
	// Name is the file's path in its workspace or request; only its
	// extension and base name are used, never to decide how it is shown.
	Name string
	// Size is the length of Content in bytes.
	Size int64
	// Hash identifies the bytes: their SHA-256 in lowercase hex, or another
	// hex digest that changes whenever they do; "" when not known. It keys
	// the viewer's caches and the ETag.
	Hash string
	// Allowed reports whether the file type may be requested and released;
	// other files are not shown.
	Allowed bool
	// Content reads the bytes. It is valid only during Render.
	Content io.ReadSeeker
}

// Viewer renders a file's bytes as the response of a content endpoint,
// shown in the preview frame or opened in a new tab. The content handlers
// authorise and audit the view and set the sandbox CSP and frame headers
// (D8) before calling it; the viewer may replace the CSP with a stricter or
// equally sandboxed one. ContentViewer is the implementation.
type Viewer interface {
	Render(w http.ResponseWriter, r *http.Request, f ViewFile) error
}
